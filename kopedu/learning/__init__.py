from flask import Blueprint

bp = Blueprint("learning", __name__)

from kopedu.learning import routes  # noqa: E402,F401
