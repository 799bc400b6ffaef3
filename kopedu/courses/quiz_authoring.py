"""The quiz editor (routes on the authoring blueprint, /kelola): a quiz's settings, writing, moving and
deleting its questions one by one, and a whole quiz in or out as GIFT (Moodle's text format; the import shows
what it read before anything is saved). Like the rest of authoring, every route finds the quiz's course and
answers 403 unless the current user is one of its trainers or an admin; logic lives in quiz_services, and
routes commit once.
"""
from flask import abort, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from kopedu import audit
from kopedu.courses import authoring_services, gift
from kopedu.courses import quiz_services as services
from kopedu.courses.authoring import AUTHORS, _check, _get, bp
from kopedu.courses.authoring_forms import (QUESTION_KIND_LABELS, QuizForm, question_kind_label, question_rows,
                                            read_question)
from kopedu.courses.authoring_services import AuthoringError
from kopedu.courses.models import Question, Quiz
from kopedu.extensions import db
from kopedu.web.access import roles_required
from kopedu.web.files import content_disposition
from kopedu.web.htmx import is_partial, redirect, render

bp.add_app_template_global(question_kind_label, "question_kind_label")


def _quiz(quiz_id: int) -> Quiz:
    quiz = services.quiz_with_questions(quiz_id)
    if quiz is None:
        abort(404)
    _check(quiz.course)
    return quiz


@bp.route("/kuis/<int:quiz_id>", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def quiz(quiz_id: int):
    quiz = _quiz(quiz_id)
    form = QuizForm(obj=quiz)
    if form.validate_on_submit():
        # A quiz lesson's instructions are the lesson's body (as the content importer does).
        instructions = quiz.lesson.body if quiz.lesson is not None else form.instructions.data or ""
        services.update_quiz(quiz, title=form.title.data, instructions=instructions,
                             pass_mark=form.pass_mark.data or 0, attempts_allowed=form.attempts_allowed.data or 0,
                             shuffle=form.shuffle.data, show_answers=form.show_answers.data,
                             time_limit_minutes=form.time_limit_minutes.data)
        db.session.commit()
        flash(_("Pengaturan kuis sudah disimpan."), "success")
        return redirect(url_for("authoring.quiz", quiz_id=quiz.id))
    status = 422 if form.errors else 200
    return render("authoring/quiz.html", block="settings" if request.method == "POST" else None, status=status,
                  quiz=quiz, form=form, kinds=QUESTION_KIND_LABELS)


def _question_page(quiz: Quiz, question: Question | None, parsed: gift.Question, errors=None, status=200):
    return render("authoring/question.html", block="form", status=status, quiz=quiz, question=question,
                  q=parsed, errors=errors or {}, rows=question_rows(parsed))


@bp.route("/kuis/<int:quiz_id>/soal/baru", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def question_new(quiz_id: int):
    quiz = _quiz(quiz_id)
    kind = request.values.get("jenis", gift.SINGLE)
    if kind not in gift.KINDS:
        abort(404)
    if request.method == "POST":
        return _save_question(quiz, None, kind)
    return _question_page(quiz, None, gift.Question(kind=kind, text=""))


@bp.route("/soal/<int:question_id>", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def question(question_id: int):
    question = _get(Question, question_id)
    quiz = question.quiz
    if request.method == "POST":
        return _save_question(quiz, question, question.kind)
    return _question_page(quiz, question, services.to_gift(question))


def _save_question(quiz: Quiz, question: Question | None, kind: str):
    parsed = read_question(kind, request.form)
    errors = services.validate_question(parsed)
    if errors:
        return _question_page(quiz, question, parsed, errors, status=422)
    services.save_question(quiz, question, parsed)
    db.session.commit()
    flash(_("Soal sudah disimpan."), "success")
    return redirect(url_for("authoring.quiz", quiz_id=quiz.id) + "#soal")


@bp.post("/soal/<int:question_id>/pindah")
@roles_required(*AUTHORS)
def question_move(question_id: int):
    question = _get(Question, question_id)
    quiz_id = question.quiz_id
    services.move_question(question, request.form.get("direction", ""))
    db.session.commit()
    return _after_questions_change(quiz_id)


@bp.post("/soal/<int:question_id>/hapus")
@roles_required(*AUTHORS)
def question_delete(question_id: int):
    question = _get(Question, question_id)
    quiz_id = question.quiz_id
    authoring_services.delete(question)
    db.session.commit()
    return _after_questions_change(quiz_id)


def _after_questions_change(quiz_id: int):
    if is_partial():
        quiz = _quiz(quiz_id)
        return render("authoring/quiz.html", block="questions", quiz=quiz, form=QuizForm(obj=quiz, formdata=None),
                      kinds=QUESTION_KIND_LABELS)
    return redirect(url_for("authoring.quiz", quiz_id=quiz_id) + "#soal")


@bp.route("/kuis/<int:quiz_id>/impor", methods=["GET", "POST"])
@roles_required(*AUTHORS)
def quiz_import(quiz_id: int):
    """Step 1 shows what was parsed (and, for what was not, the line and why); nothing is saved until
    the trainer confirms in step 2. The text travels in a hidden field between the two steps."""
    quiz = _quiz(quiz_id)
    if request.method == "GET":
        return render("authoring/gift_import.html", quiz=quiz, preview=None, error=None)
    replace = request.form.get("replace") == "1"
    if request.form.get("action") == "confirm":
        try:
            count = services.import_gift(quiz, request.form.get("gift_text", ""), replace=replace)
        except AuthoringError as error:
            db.session.rollback()
            return render("authoring/gift_import.html", status=422, quiz=quiz, preview=None, error=str(error))
        audit.record(current_user, "quiz.import_gift", quiz, questions=count, replace=replace)
        db.session.commit()
        flash(_("%(n)d soal sudah disimpan.", n=count), "success")
        return redirect(url_for("authoring.quiz", quiz_id=quiz.id) + "#soal")
    upload = request.files.get("file")
    try:
        if upload is not None and upload.filename:
            preview = services.read_gift(upload.read(services.GIFT_MAX_BYTES + 1))
        else:
            preview = services.read_gift(request.form.get("gift_text", ""))
    except AuthoringError as error:
        return render("authoring/gift_import.html", status=422, quiz=quiz, preview=None, error=str(error))
    if not preview.questions and not preview.errors:
        return render("authoring/gift_import.html", status=422, quiz=quiz, preview=None,
                      error=_("Tidak ada soal di berkas atau teks itu."))
    return render("authoring/gift_import.html", status=200 if preview.questions else 422, quiz=quiz,
                  preview=preview, replace=replace, error=None)


@bp.get("/kuis/<int:quiz_id>/ekspor")
@roles_required(*AUTHORS)
def quiz_export(quiz_id: int):
    quiz = _quiz(quiz_id)
    try:
        text = services.export_gift(quiz)
    except AuthoringError as error:
        flash(str(error), "error")
        return redirect(url_for("authoring.quiz", quiz_id=quiz.id) + "#soal")
    name = f"{quiz.course.slug}-{authoring_services.slugify(quiz.title)}.gift"
    response = current_app.response_class(text, mimetype="text/plain")
    response.charset = "utf-8"
    response.headers["Content-Disposition"] = content_disposition(name)
    return response
