"""Grading: participants submit assignment work (every version kept), trainers grade it with the
rubric, participants read the feedback; the gradebook per course."""
from flask import Blueprint

bp = Blueprint("grading", __name__)

from kopedu.grading import routes  # noqa: E402,F401
