from flask import Blueprint

bp = Blueprint("courses", __name__)

from kopedu.courses import routes  # noqa: E402,F401
