from flask import abort, request
from flask_login import current_user, login_required

from kopedu.courses import bp, services
from kopedu.web.htmx import render


@bp.get("/kursus")
@login_required
def catalogue():
    q = request.args.get("q", "").strip()
    return render("courses/catalogue.html", block="results", courses=services.published_courses(q), q=q)


@bp.get("/kursus/<slug>")
@login_required
def course(slug: str):
    course = services.course_with_outline(slug)
    if course is None or (not course.published and not course.is_trainer(current_user)):
        abort(404)
    return render("courses/course.html", course=course)
