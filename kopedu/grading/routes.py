"""Participants: /tugas (their assignments, submit, read feedback). Trainers: /penilaian (the queue,
grading inline, the gradebook with CSV/XLSX export)."""
from flask import abort, current_app, flash, g, make_response, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from jinja2_fragments.flask import render_block
from sqlalchemy.exc import IntegrityError

from kopedu import audit
from kopedu.courses.models import Course
from kopedu.extensions import db
from kopedu.grading import bp, services
from kopedu.grading import gradebook as books
from kopedu.grading import queue as queues
from kopedu.grading.models import STATUSES, WAITING
from kopedu.web import exports
from kopedu.web.access import roles_required
from kopedu.web.files import send_stored_file
from kopedu.web.htmx import is_partial, redirect, render
from kopedu.web.params import optional_id

GRADERS = ("trainer", "admin")


@bp.app_context_processor
def _nav_counts():
    """Counts for the navigation badges, computed only when a page asks (once per request)."""

    def feedback_unread() -> int:
        if "grading_unread" not in g:
            g.grading_unread = services.unread_feedback_count(current_user)
        return g.grading_unread

    def grading_waiting() -> int:
        if "grading_waiting" not in g:
            g.grading_waiting = queues.waiting_count(current_user, cap=queues.BADGE_CAP)
        return g.grading_waiting

    return {"grading_feedback_unread": feedback_unread, "grading_waiting": grading_waiting}


@bp.app_template_filter("waiting_badge")
def _waiting_badge(n: int) -> str:
    """A nav badge's number: counted up to BADGE_CAP, so the cap itself reads "99+"."""
    return f"{queues.BADGE_CAP - 1}+" if n >= queues.BADGE_CAP else str(n)


@bp.app_template_global("grading_status_label")
def _status_label(status):
    return services.status_label(status)


@bp.app_template_global("grading_is_late")
def _is_late(submission) -> bool:
    return services.is_late(submission)


# --------------------------------------------------------------------------- participants


@bp.get("/tugas")
@login_required
def my_assignments():
    return render("grading/my_assignments.html", items=services.my_assignments(current_user))


def _load(lesson_id: int):
    """The assignment, its course, the user's enrolment; 404/403 unless the user may see it."""
    assignment = services.assignment_for_lesson(lesson_id)
    if assignment is None:
        abort(404)
    course = services.course_of(assignment)
    trainer = course.is_trainer(current_user)
    enrollment = services.enrollment_of(current_user, course.id)
    if not trainer:
        if not (course.published and assignment.lesson.published):
            abort(404)
        if enrollment is None:
            abort(403)
    return assignment, course, enrollment, trainer


def _assignment_page(lesson_id: int, status: int = 200, block: str | None = None, **extra):
    assignment, course, enrollment, trainer = _load(lesson_id)
    submission = services.submission_of(assignment.id, current_user.id) if enrollment else None
    return render("grading/assignment.html", block=block, status=status, assignment=assignment, course=course,
                  lesson=assignment.lesson, enrollment=enrollment, trainer=trainer, submission=submission,
                  due_at=services.due_at(assignment, enrollment), max_files=services.MAX_FILES,
                  quota=services.quota(current_user.id, submission) if enrollment else None,
                  error=extra.pop("error", None), text=extra.pop("text", None), **extra)


@bp.get("/tugas/<int:lesson_id>")
@login_required
def assignment(lesson_id: int):
    assignment, course, enrollment, trainer = _load(lesson_id)
    if enrollment is not None:
        submission = services.submission_of(assignment.id, current_user.id)
        if submission is not None and services.mark_feedback_seen(submission):
            db.session.commit()
            g.pop("grading_unread", None)
    return _assignment_page(lesson_id)


@bp.post("/tugas/<int:lesson_id>/kirim")
@login_required
def submit(lesson_id: int):
    assignment, course, enrollment, trainer = _load(lesson_id)
    if enrollment is None:
        abort(403)
    text = request.form.get("text", "")
    try:
        version = services.submit(assignment, enrollment, text=text, files=request.files.getlist("files"),
                                  upload_dir=current_app.config["UPLOAD_DIR"],
                                  uploaded=request.form.getlist("upload")[:services.MAX_FILES + 1])
        db.session.commit()
    except services.SubmissionError as error:
        db.session.rollback()
        return _assignment_page(lesson_id, status=422, block="form", error=str(error), text=text)
    except IntegrityError:
        db.session.rollback()
        return _assignment_page(lesson_id, status=409, block="form", text=text,
                                error=_("Kiriman ini bertabrakan dengan kiriman lain. Muat ulang halaman."))
    flash(_("Versi %(n)d sudah terkirim. Pelatih akan menilainya.", n=version.number), "success")
    return redirect(url_for("grading.assignment", lesson_id=lesson_id))


@bp.get("/tugas/berkas/<int:file_id>/<path:name>")
@login_required
def submission_file(file_id: int, name: str):
    stored = services.file_by_id(file_id)
    if stored is None or not services.can_view(current_user, stored.version.submission):
        abort(404)
    path = services.submission_dir(current_app.config["UPLOAD_DIR"]) / stored.stored_name
    return send_stored_file(path, mimetype=stored.mime, download_name=stored.original_name, inline=stored.inline,
                            cache_control="private, max-age=300")


# --------------------------------------------------------------------------- trainers: the queue


def _int(value) -> int | None:
    return optional_id(value)


def _queue_filter(args) -> queues.QueueFilter:
    status = args.get("status", WAITING)
    return queues.QueueFilter(course_id=_int(args.get("kursus")), cohort_id=_int(args.get("angkatan")),
                              assignment_id=_int(args.get("tugas")),
                              status=status if status in STATUSES else "",
                              q=(args.get("q") or "").strip()[:100], page=_int(args.get("page")) or 1)


@bp.get("/penilaian")
@roles_required(*GRADERS)
def queue():
    f = _queue_filter(request.args)
    page = queues.queue(current_user, f)
    # the page and the nav badge show the waiting count: the unfiltered queue's total is that count
    unfiltered = f.status == WAITING and not (f.course_id or f.cohort_id or f.assignment_id or f.q)
    g.grading_waiting = page.total if unfiltered else queues.waiting_count(current_user)
    return render("grading/queue.html", block="results", page=page, f=f,
                  choices=queues.queue_choices(current_user, None, (request.args.get("cari_angkatan") or "").strip()[:60]),
                  waiting=g.grading_waiting)


def _submission(submission_id: int):
    submission = services.submission_by_id(submission_id)
    if submission is None:
        abort(404)
    if not services.can_grade(current_user, submission):
        abort(403)
    return submission


@bp.get("/penilaian/<int:submission_id>")
@roles_required(*GRADERS)
def grade_page(submission_id: int):
    submission = _submission(submission_id)
    ctx = "queue" if request.args.get("ctx") == "queue" else "page"
    return render("grading/grade.html", block="panel", s=submission, ctx=ctx, errors={}, form={}, saved=None)


@bp.post("/penilaian/<int:submission_id>/nilai")
@roles_required(*GRADERS)
def grade(submission_id: int):
    submission = _submission(submission_id)
    ctx = "queue" if request.form.get("ctx") == "queue" else "page"
    levels = {c.id: _level(request.form.get(f"c-{c.id}")) for c in submission.assignment.criteria}
    try:
        result = services.grade(submission, current_user, version_number=_int(request.form.get("version")) or 0,
                                levels=levels, outcome=request.form.get("outcome", ""),
                                feedback=request.form.get("feedback", ""))
    except services.GradingError as error:
        db.session.rollback()
        return render("grading/grade.html", block="panel", status=422, s=_submission(submission_id), ctx=ctx,
                      errors=error.errors, form=request.form, saved=None)
    audit.record(current_user, "submission.grade", submission, outcome=result.outcome,
                 version=result.version.number, percent=result.percent)
    db.session.commit()
    if not is_partial():
        flash(_("Nilai untuk %(name)s sudah disimpan: %(outcome)s.", name=submission.user.full_name,
                outcome=services.status_label(result.outcome)), "success")
        return redirect(url_for("grading.queue"))
    submission = _submission(submission_id)
    waiting = queues.waiting_count(current_user)
    body = render_block("grading/grade.html", "panel", s=submission, ctx=ctx, errors={}, form={}, saved=result)
    if ctx == "queue":
        body += render_block("grading/queue.html", "row_oob", s=submission)
    body += render_block("grading/queue.html", "counts_oob", waiting=waiting)
    response = make_response(body, 200)
    response.vary.add("HX-Request")
    return response


def _level(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --------------------------------------------------------------------------- gradebook


def _course_for_gradebook(course_id: int) -> Course:
    course = db.get_or_404(Course, course_id)
    if not course.is_trainer(current_user):
        abort(403)
    return course


@bp.get("/penilaian/kursus/<int:course_id>")
@roles_required(*GRADERS)
def gradebook(course_id: int):
    course = _course_for_gradebook(course_id)
    book = books.gradebook(course, _int(request.args.get("angkatan")), page=_int(request.args.get("page")) or 1,
                           cohort_q=(request.args.get("cari_angkatan") or "").strip()[:60], viewer=current_user)
    return render("grading/gradebook.html", block="table", book=book, with_phone=_staff(),
                  certificate_label=books.certificate_label)


@bp.get("/penilaian/kursus/<int:course_id>/buku-nilai.<fmt>")
@roles_required(*GRADERS)
def gradebook_export(course_id: int, fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    course = _course_for_gradebook(course_id)
    cohort_id = _int(request.args.get("angkatan"))
    if not cohort_id and books.too_large(course):
        flash(_("Peserta kursus ini terlalu banyak untuk satu berkas: pilih satu angkatan dulu."), "warning")
        return redirect(url_for(".gradebook", course_id=course.id))
    book = books.Gradebook(course=course, columns=[], rows=[], cohorts=[], cohort_id=cohort_id, viewer=current_user)
    book.columns = books.gradebook_columns(course)
    book.cohorts = [1] if books.course_has_cohorts(course) else []
    name = f"buku-nilai-{course.slug}"
    if fmt == "csv":
        return exports.stream_csv(*books.gradebook_file(book, fmt, with_phone=_staff()), name)
    return exports.download(books.gradebook_file(book, fmt, with_phone=_staff()), name, fmt)


def _staff() -> bool:
    """Phone numbers are for admins and trainers only."""
    return current_user.role in ("admin", "trainer")
