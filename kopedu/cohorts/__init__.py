"""Bimtek cohorts (angkatan): schedule, participant import and attendance."""
from flask import Blueprint

bp = Blueprint("cohorts", __name__)

from kopedu.cohorts import routes  # noqa: E402,F401
from kopedu.cohorts import session_routes  # noqa: E402,F401  (sessions and attendance, on this bp)
