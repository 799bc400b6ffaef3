from flask import Blueprint

bp = Blueprint("courses", __name__)

from kopedu.courses import routes  # noqa: E402,F401
from kopedu.courses import outline  # noqa: E402

outline.register()
