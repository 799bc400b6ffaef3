from flask import Blueprint

bp = Blueprint("learning", __name__)

from kopedu.learning import recount, routes  # noqa: E402,F401

