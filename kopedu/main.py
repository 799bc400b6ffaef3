"""Home pages: the landing redirect and the beranda (the participant's dashboard)."""
from flask import Blueprint, redirect, url_for
from flask_login import current_user, login_required

from kopedu.courses.services import taught_courses
from kopedu.learning import services as learning
from kopedu.web.htmx import render

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    return redirect(url_for("auth.login"))


@bp.get("/beranda")
@login_required
def home():
    entries = learning.dashboard(current_user) if current_user.role == "participant" else []
    taught = taught_courses(current_user) if current_user.role in ("trainer", "admin") else []
    return render("main/home.html", user=current_user, entries=entries, taught=taught)
