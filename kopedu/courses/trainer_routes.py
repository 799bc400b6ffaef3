"""The course editor's trainer panel (admins; routes on the authoring blueprint): search the course's
trainers, add one, remove one. Logic in kopedu.courses.trainers."""
from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from kopedu import audit
from kopedu.courses import trainers as services
from kopedu.courses.authoring import _course, _course_page, bp, trainer_context
from kopedu.extensions import db
from kopedu.web.access import roles_required
from kopedu.web.htmx import is_partial, redirect


def _panel(course, status: int = 200, **extra):
    q = (request.values.get("cari") or "").strip()[:60]
    add_q = (request.values.get("tambah") or "").strip()[:60]
    return _course_page(course, block="trainers", status=status, **trainer_context(course, q, add_q), **extra)


@bp.get("/kursus/<int:course_id>/pelatih")
@roles_required("admin")
def course_trainers(course_id: int):
    return _panel(_course(course_id))


def _done(course, message: str):
    if is_partial():
        return _panel(course, trainer_message=message)
    flash(message, "success")
    return redirect(url_for("authoring.course", course_id=course.id) + "#trainers")


@bp.post("/kursus/<int:course_id>/pelatih/tambah")
@roles_required("admin")
def course_trainer_add(course_id: int):
    course = _course(course_id)
    user_id = request.form.get("user_id", "")
    added = services.add_trainer(course, int(user_id), current_user) if user_id.isdigit() else None
    if added is None:
        abort(404)  # not a trainer, inactive, or outside the admin's region
    audit.record(current_user, "course.trainer_add", course, trainer=added.id)
    db.session.commit()
    return _done(course, _("%(name)s sekarang pelatih kursus ini.", name=added.full_name))


@bp.post("/kursus/<int:course_id>/pelatih/<int:user_id>/lepas")
@roles_required("admin")
def course_trainer_remove(course_id: int, user_id: int):
    course = _course(course_id)
    if not services.remove_trainer(course, user_id, current_user):
        abort(404)
    audit.record(current_user, "course.trainer_remove", course, trainer=user_id)
    db.session.commit()
    return _done(course, _("Pelatih sudah dilepas dari kursus ini."))
