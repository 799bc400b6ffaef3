"""The catalogue. The course page (`courses.course`, /kursus/<slug>) shows the person's enrolment and
progress, so its view lives in kopedu/learning/routes.py and is added to this blueprint from there."""
from flask import request
from flask_login import login_required

from kopedu.courses import bp, services
from kopedu.web.htmx import render


@bp.get("/kursus")
@login_required
def catalogue():
    q = request.args.get("q", "").strip()[:100]
    courses = services.published_courses(q)
    return render("courses/catalogue.html", block="results", courses=courses, q=q,
                  sizes=services.course_sizes(c.id for c in courses))
