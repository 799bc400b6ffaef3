"""Monitoring dashboards for the Dinas, observers and trainers."""
from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/pantau")

from kopedu.reports import routes  # noqa: E402,F401
from kopedu.reports import kawal_exports  # noqa: E402,F401  (the kawal tables, on the kawal blueprint)
