"""Evaluasi penyelenggaraan: the participants' evaluation of a cohort's training (materi, each narasumber,
penyelenggaraan: a rating 1–5 and a comment each), for the Dinas's laporan penyelenggaraan.

Optional and anonymous to trainers: one evaluation per participant and cohort, offered on Beranda once the
cohort's last session has passed; trainers and admins see only the cohort's totals (averages, the
distribution, the comments without names), and only once MIN_RESPONSES participants have answered.
"""
from flask import Blueprint

bp = Blueprint("evaluations", __name__)

from kopedu.evaluations import routes  # noqa: E402,F401
