"""Certificates: issued when a course's completion rules hold, rendered once to PDF, verified publicly."""
from flask import Blueprint

bp = Blueprint("certificates", __name__)


@bp.record_once
def _setup(state) -> None:
    from kopedu.certificates.services import certificates_for

    # templates/main/home.html lists the user's certificates through this global
    state.app.jinja_env.globals["certificates_for"] = certificates_for


from kopedu.certificates import cli, routes, template_routes  # noqa: E402,F401
