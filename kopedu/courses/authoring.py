"""Authoring (blueprint "authoring", /kelola): trainers of a course and admins write its content.

Every route resolves the object, finds its course and answers 403 unless the current user is one of
that course's trainers or an admin. Logic lives in authoring_services; routes commit once. This module
holds courses, modules, lessons, assignments with their rubrics and course media; other route modules
add to the same blueprint (quiz_authoring: quizzes and questions; narration; trainer_routes).
"""
from flask import Blueprint, abort, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from kopedu import audit
from kopedu.courses import authoring_services as services
from kopedu.courses import quiz_services
from kopedu.courses import trainers as course_trainer_list
from kopedu.courses.authoring_forms import (AssignmentForm, CourseForm, LessonForm, ModuleForm, NewLessonForm,
                                            TitleForm, kind_label, level_rows, read_levels)
from kopedu.courses.models import Assignment, Course, CourseMedia, Lesson, Module, Question, Quiz, RubricCriterion
from kopedu.courses.services import taught_courses
from kopedu.extensions import db
from kopedu.web import uploads
from kopedu.web.access import roles_required
from kopedu.web.files import send_stored_file
from kopedu.web.htmx import is_partial, redirect, render
from kopedu.web.params import optional_id

bp = Blueprint("authoring", __name__, url_prefix="/kelola")

AUTHORS = ("trainer", "admin")


bp.add_app_template_global(kind_label, "kind_label")


def _check(course: Course) -> Course:
    if not course.is_trainer(current_user):
        abort(403)
    return course


def _course(course_id: int) -> Course:
    course = services.course_outline(course_id)
    if course is None:
        abort(404)
    return _check(course)


def _get(model, ident: int):
    obj = db.get_or_404(model, ident)
    course = {
        Module: lambda o: o.course,
        Lesson: lambda o: o.module.course,
        Quiz: lambda o: o.course,
        Question: lambda o: o.quiz.course,
        Assignment: lambda o: o.lesson.module.course,
        RubricCriterion: lambda o: o.assignment.lesson.module.course,
    }[model](obj)
    _check(course)
    return obj


# --------------------------------------------------------------------------- courses


@bp.get("/")
@roles_required(*AUTHORS)
def index():
    return render("authoring/index.html", courses=taught_courses(current_user), form=TitleForm())


@bp.post("/kursus/baru")
@roles_required(*AUTHORS)
def course_new():
    form = TitleForm()
    if not form.validate_on_submit():
        return render("authoring/index.html", block="new_course", status=422,
                      courses=taught_courses(current_user), form=form)
    course = services.create_course(current_user, form.title.data)
    audit.record(current_user, "course.create", course)
    db.session.commit()
    flash(_("Kursus sudah dibuat. Lengkapi isinya, lalu terbitkan."), "success")
    return redirect(url_for("authoring.course", course_id=course.id))


def _course_page(course: Course, form: CourseForm | None = None, status: int = 200, block: str | None = None,
                 **extra):
    form = form or CourseForm(obj=course, formdata=None)
    quiz_ids = [q.id for q in course.quizzes]
    context = dict(course=course, form=form, module_form=ModuleForm(formdata=None),
                   lesson_form=NewLessonForm(formdata=None), media=services.course_media(course),
                   question_counts=services.question_counts(quiz_ids),
                   tests={q.role: q for q in course.quizzes if q.role in ("pretest", "posttest")},
                   publish_warnings=services.publish_warnings(course))
    if current_user.is_admin and "trainer_rows" not in extra:
        context.update(trainer_context(course))
    context.update(extra)
    return render("authoring/course.html", block=block, status=status, **context)


def trainer_context(course: Course, q: str = "", add_q: str = "") -> dict:
    """The editor's trainer panel (admins): a page of the course's trainers and of those to add."""
    rows, total = course_trainer_list.course_trainers(course, current_user, q)
    return dict(trainer_rows=rows, trainer_total=total, trainer_q=q, add_q=add_q,
                trainer_candidates=course_trainer_list.candidates(course, current_user, add_q))


@bp.route("/kursus/<int:course_id>", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def course(course_id: int):
    course = _course(course_id)
    form = CourseForm(obj=course) if request.method == "POST" else None
    if form is not None:
        if form.validate_on_submit():
            services.update_course(course, title=form.title.data, summary=form.summary.data or "",
                                   description=form.description.data or "", jp_hours=form.jp_hours.data or 0,
                                   sequential=form.sequential.data, self_enroll=form.self_enroll.data)
            audit.record(current_user, "course.update", course)
            db.session.commit()
            flash(_("Pengaturan kursus sudah disimpan."), "success")
            return redirect(url_for("authoring.course", course_id=course.id))
        return _course_page(course, form, status=422, block="settings")
    return _course_page(course)


@bp.post("/kursus/<int:course_id>/terbit")
@roles_required(*AUTHORS)
def course_publish(course_id: int):
    course = _course(course_id)
    publish = request.form.get("published") == "1"
    try:
        services.set_published(course, publish)
    except services.AuthoringError as error:
        db.session.rollback()
        return _course_page(_course(course_id), block="publish", status=409, publish_error=str(error))
    audit.record(current_user, "course.publish" if publish else "course.unpublish", course)
    db.session.commit()
    if is_partial():
        return _course_page(course, block="publish")
    flash(_("Kursus sudah diterbitkan.") if publish else _("Kursus sudah ditarik dari katalog."), "success")
    if publish:
        for warning in services.publish_warnings(course):
            flash(warning, "warning")
    return redirect(url_for("authoring.course", course_id=course.id))


@bp.post("/kursus/<int:course_id>/tes/<role>")
@roles_required(*AUTHORS)
def course_test(course_id: int, role: str):
    if role not in ("pretest", "posttest"):
        abort(404)
    course = _course(course_id)
    quiz = quiz_services.ensure_test(course, role)
    db.session.commit()
    return redirect(url_for("authoring.quiz", quiz_id=quiz.id))


# --------------------------------------------------------------------------- modules


@bp.post("/kursus/<int:course_id>/modul")
@roles_required(*AUTHORS)
def module_new(course_id: int):
    course = _course(course_id)
    form = ModuleForm()
    if not form.validate_on_submit():
        return _course_page(course, block="outline", status=422, module_form=form)
    services.add_module(course, form.title.data)
    db.session.commit()
    if is_partial():
        return _course_page(_course(course_id), block="outline")
    return redirect(url_for("authoring.course", course_id=course.id))


@bp.route("/modul/<int:module_id>", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def module(module_id: int):
    module = _get(Module, module_id)
    form = ModuleForm(obj=module)
    if form.validate_on_submit():
        services.update_module(module, title=form.title.data, summary=form.summary.data or "")
        db.session.commit()
        flash(_("Modul sudah disimpan."), "success")
        return redirect(url_for("authoring.course", course_id=module.course_id))
    status = 422 if form.errors else 200
    return render("authoring/module.html", block="form", status=status, module=module, form=form)


@bp.post("/modul/<int:module_id>/pindah")
@roles_required(*AUTHORS)
def module_move(module_id: int):
    module = _get(Module, module_id)
    services.move_module(module, request.form.get("direction", ""))
    db.session.commit()
    return _after_outline_change(module.course_id)


@bp.post("/modul/<int:module_id>/hapus")
@roles_required(*AUTHORS)
def module_delete(module_id: int):
    module = _get(Module, module_id)
    course_id = module.course_id
    return _delete(module, course_id, _("Modul sudah dihapus."))


def _delete(obj, course_id: int, done: str):
    try:
        services.delete(obj)
        audit.record(current_user, f"{type(obj).__name__.lower()}.delete", obj)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        message = _("Tidak bisa dihapus: peserta sudah mengirim tugas di dalamnya. Sembunyikan saja dari peserta.")
        if is_partial():
            return _course_page(_course(course_id), block="outline", status=409, outline_error=message)
        flash(message, "error")
        return redirect(url_for("authoring.course", course_id=course_id))
    if is_partial():
        return _course_page(_course(course_id), block="outline")
    flash(done, "success")
    return redirect(url_for("authoring.course", course_id=course_id))


def _after_outline_change(course_id: int):
    if is_partial():
        return _course_page(_course(course_id), block="outline")
    return redirect(url_for("authoring.course", course_id=course_id) + "#isi")


# --------------------------------------------------------------------------- lessons


@bp.post("/modul/<int:module_id>/pelajaran")
@roles_required(*AUTHORS)
def lesson_new(module_id: int):
    module = _get(Module, module_id)
    form = NewLessonForm()
    if not form.validate_on_submit():
        flash(_("Tulis judul pelajaran."), "error")
        return redirect(url_for("authoring.course", course_id=module.course_id))
    lesson = services.add_lesson(module, title=form.title.data, kind=form.kind.data)
    audit.record(current_user, "lesson.create", lesson)
    db.session.commit()
    return redirect(url_for("authoring.lesson", lesson_id=lesson.id))


@bp.route("/pelajaran/<int:lesson_id>", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def lesson(lesson_id: int):
    lesson = _get(Lesson, lesson_id)
    form = LessonForm(obj=lesson)
    if form.validate_on_submit():
        services.update_lesson(lesson, title=form.title.data, summary=form.summary.data or "",
                               body=form.body.data or "", minutes=form.minutes.data or 0,
                               required=form.required.data, published=form.published.data,
                               video_url=form.video_url.data)
        audit.record(current_user, "lesson.update", lesson)
        db.session.commit()
        flash(_("Pelajaran sudah disimpan."), "success")
        return redirect(url_for("authoring.lesson", lesson_id=lesson.id))
    status = 422 if form.errors else 200
    return render("authoring/lesson.html", block="form", status=status, lesson=lesson, form=form,
                  media=services.course_media(lesson.module.course), media_error=None)


@bp.post("/pelajaran/<int:lesson_id>/pindah")
@roles_required(*AUTHORS)
def lesson_move(lesson_id: int):
    lesson = _get(Lesson, lesson_id)
    services.move_lesson(lesson, request.form.get("direction", ""))
    db.session.commit()
    return _after_outline_change(lesson.module.course_id)


@bp.post("/pelajaran/<int:lesson_id>/tampil")
@roles_required(*AUTHORS)
def lesson_visibility(lesson_id: int):
    """The outline's show/hide toggle of one lesson."""
    lesson = _get(Lesson, lesson_id)
    services.set_lesson_published(lesson, request.form.get("published") == "1")
    audit.record(current_user, "lesson.show" if lesson.published else "lesson.hide", lesson)
    db.session.commit()
    return _after_outline_change(lesson.module.course_id)


@bp.post("/pelajaran/<int:lesson_id>/hapus")
@roles_required(*AUTHORS)
def lesson_delete(lesson_id: int):
    lesson = _get(Lesson, lesson_id)
    return _delete(lesson, lesson.module.course_id, _("Pelajaran sudah dihapus."))


# The live preview renders at most this many characters (Markdown costs about 15 ms of CPU per 1,000
# characters of the worst input, benches/markdown_preview.py): the rest is left out, and the page says so.
PREVIEW_LIMIT = 50_000


@bp.post("/pratinjau")
@roles_required(*AUTHORS)
def preview():
    """Markdown → HTML through the same `markdown` filter the participants' pages use."""
    name = request.args.get("field", "body")
    text = request.form.get(name) or ""
    cut = len(text) > PREVIEW_LIMIT
    return render("authoring/preview.html", block="preview", text=text[:PREVIEW_LIMIT], cut=cut,
                  limit=PREVIEW_LIMIT)


# --------------------------------------------------------------------------- assignments and rubric


def _assignment_page(assignment: Assignment, form=None, status=200, block=None, **extra):
    form = form or AssignmentForm(obj=assignment, formdata=None)
    return render("authoring/assignment.html", block=block, status=status, assignment=assignment,
                  lesson=assignment.lesson, form=form, level_rows=level_rows, errors=extra.pop("errors", {}),
                  **extra)


@bp.route("/tugas/<int:assignment_id>", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def assignment(assignment_id: int):
    assignment = _get(Assignment, assignment_id)
    if request.method == "GET":
        return _assignment_page(assignment)
    form = AssignmentForm(obj=assignment)
    if form.validate_on_submit():
        try:
            services.update_assignment(assignment, submit_text=form.submit_text.data,
                                       submit_files=form.submit_files.data, pass_mark=form.pass_mark.data or 70,
                                       due_days=form.due_days.data, due_date=form.due_date.data)
        except services.AuthoringError as error:
            form.submit_text.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Pengaturan tugas sudah disimpan."), "success")
            return redirect(url_for("authoring.assignment", assignment_id=assignment.id))
    return _assignment_page(assignment, form, status=422, block="settings")


@bp.post("/tugas/<int:assignment_id>/kriteria")
@roles_required(*AUTHORS)
def criterion_new(assignment_id: int):
    assignment = _get(Assignment, assignment_id)
    return _save_criterion(assignment, None)


@bp.post("/kriteria/<int:criterion_id>")
@roles_required(*AUTHORS)
def criterion(criterion_id: int):
    criterion = _get(RubricCriterion, criterion_id)
    return _save_criterion(criterion.assignment, criterion)


def _save_criterion(assignment: Assignment, criterion: RubricCriterion | None):
    title = (request.form.get("title") or "").strip()[:300]
    levels, problem = services.parse_levels(read_levels(request.form))
    key = criterion.id if criterion else "new"
    if not title or problem:
        errors = {key: problem or _("Tulis nama kriteria.")}
        return _assignment_page(assignment, status=422, block="rubric", errors=errors,
                                draft={"key": key, "title": title,
                                       "levels": [{"points": p, "description": d}
                                                  for p, d in read_levels(request.form) if p or d]})
    services.save_criterion(assignment, criterion, title, levels)
    db.session.commit()
    return _after_rubric_change(assignment.id)


@bp.post("/kriteria/<int:criterion_id>/pindah")
@roles_required(*AUTHORS)
def criterion_move(criterion_id: int):
    criterion = _get(RubricCriterion, criterion_id)
    assignment_id = criterion.assignment_id
    services.move_criterion(criterion, request.form.get("direction", ""))
    db.session.commit()
    return _after_rubric_change(assignment_id)


@bp.post("/kriteria/<int:criterion_id>/hapus")
@roles_required(*AUTHORS)
def criterion_delete(criterion_id: int):
    criterion = _get(RubricCriterion, criterion_id)
    assignment_id = criterion.assignment_id
    services.delete_criterion(criterion)
    db.session.commit()
    return _after_rubric_change(assignment_id)


def _after_rubric_change(assignment_id: int):
    if is_partial():
        return _assignment_page(db.session.get(Assignment, assignment_id), block="rubric")
    return redirect(url_for("authoring.assignment", assignment_id=assignment_id) + "#rubrik")


# --------------------------------------------------------------------------- media


def _media_lesson(course_id: int) -> Lesson | None:
    """The lesson page the media form was on (checked before anything is stored), if any."""
    lesson_id = _int_or_none(request.form.get("lesson"))
    lesson = _get(Lesson, lesson_id) if lesson_id else None
    if lesson is not None and lesson.module.course_id != course_id:
        abort(404)
    return lesson


def _media_response(course_id: int, lesson: Lesson | None, status: int = 200, error: str | None = None,
                    done: str | None = None):
    """The media list again: on the lesson page when the form came from there, else the course page."""
    if lesson is not None:
        lesson = db.session.get(Lesson, lesson.id)
    if is_partial() or status != 200:
        if lesson is not None:
            return render("authoring/lesson.html", block="media", status=status, lesson=lesson,
                          form=LessonForm(obj=lesson, formdata=None), media=services.course_media(lesson.module.course),
                          media_error=error)
        return _course_page(_course(course_id), block="media", status=status, media_error=error)
    if done:
        flash(done, "success")
    if lesson is not None:
        return redirect(url_for("authoring.lesson", lesson_id=lesson.id) + "#media")
    return redirect(url_for("authoring.course", course_id=course_id) + "#media")


def _int_or_none(value) -> int | None:
    return optional_id(value)


@bp.post("/kursus/<int:course_id>/media")
@roles_required(*AUTHORS)
def media_upload(course_id: int):
    course = _course(course_id)
    lesson = _media_lesson(course_id)
    files = [f for f in request.files.getlist("file") if f and f.filename]
    if not files:
        return _media_response(course_id, lesson, status=422, error=_("Pilih berkas dulu."))
    if len(files) > 5:
        return _media_response(course_id, lesson, status=422, error=_("Paling banyak 5 berkas sekali unggah."))
    try:
        for storage in files:
            services.upload_media(course, storage, current_user, current_app.config["UPLOAD_DIR"])
    except uploads.UploadError as error:
        db.session.rollback()
        return _media_response(course_id, lesson, status=422, error=str(error))
    db.session.commit()
    return _media_response(course_id, lesson, done=_("Berkas sudah diunggah."))


@bp.post("/media/<int:media_id>/hapus")
@roles_required(*AUTHORS)
def media_delete(media_id: int):
    media = db.get_or_404(CourseMedia, media_id)
    course_id = media.course_id
    _check(media.course)
    lesson = _media_lesson(course_id)
    services.delete_media(media, current_app.config["UPLOAD_DIR"])
    db.session.commit()
    return _media_response(course_id, lesson)


@bp.get("/media/<name>/<path:filename>")
@login_required
def media_file(name: str, filename: str):
    """A course image or attachment: for anyone logged in when the course is published, otherwise
    only for its trainers and admins (drafts stay private)."""
    media = services.media_by_name(name)
    if media is None or not (media.course.published or media.course.is_trainer(current_user)):
        abort(404)
    return send_stored_file(services.media_dir(current_app.config["UPLOAD_DIR"]) / media.stored_name,
                            mimetype=media.mime, download_name=media.original_name,
                            inline=media.kind in ("jpg", "png", "pdf"), cache_control="private, max-age=300")
