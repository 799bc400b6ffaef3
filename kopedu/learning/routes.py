"""The participant's side of a course: course page and enrolment, lesson reader, "Tandai selesai",
handouts, quizzes (pre-test, lesson quizzes, post-test); and the trainer's pre/post/gain view.

The course page keeps the endpoint `courses.course` (other features link to it) but lives here,
because it shows the person's enrolment and progress, which belong to this layer: the view is
added to the courses blueprint, so kopedu.courses never imports kopedu.learning.

GET views that write (the last lesson opened, an expired attempt graded) render first and commit
after, so that committing does not expire the loaded outline and cost a query per lesson.
"""
import re

from flask import abort, flash, g, jsonify, make_response, request, url_for
from flask_babel import format_decimal, gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from jinja2_fragments.flask import render_block
from markupsafe import Markup

from kopedu.courses import bp as courses_bp, outline
from kopedu.courses.importer import attachment_dir
from kopedu.courses.models import LessonAttachment, Quiz
from kopedu.db import utcnow
from kopedu.extensions import db
from kopedu.learning import bp, offline, pwa, services, sync
from kopedu.web.files import send_stored_file
from kopedu.web.errors import abort_with
from kopedu.web.htmx import is_partial, redirect, render
from kopedu.web.params import db_id

_YOUTUBE = re.compile(r"^https?://(?:www\.|m\.)?(?:youtube\.com/(?:watch\?(?:.*&)?v=|embed/|shorts/)|youtu\.be/)"
                      r"([A-Za-z0-9_-]{11})")


@bp.app_template_filter("score")
def score_filter(value) -> str:
    """A quiz score in percent: 81,3 / 100 (one decimal at most)."""
    if value is None:
        return "–"
    return format_decimal(round(float(value), 1), format="#,##0.#")


@bp.app_template_filter("youtube_id")
def youtube_id(url: str | None) -> str | None:
    match = _YOUTUBE.match(url or "")
    return match.group(1) if match else None


@bp.app_template_filter("filesize")
def filesize(size: int) -> str:
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{format_decimal(round(size / 1024 / 1024, 1), format='#,##0.#')} MB"


def _fail(error: services.LearningError):
    """Abort with the error's status and its message on the error page."""
    abort_with(error.status, error.message)


def _fragment_error(error: services.LearningError):
    """A short message swapped into the small target of an htmx request."""
    body = Markup('<span class="error" role="alert">{}</span>').format(str(error.message))
    response = make_response(str(body), error.status)
    response.vary.add("HX-Request")
    response.headers.update(getattr(error, "headers", None) or {})  # Retry-After, KopEdu-Write
    return response


def _course_or_404(slug: str | None = None, course_id: int | None = None):
    course = services.load_course(slug=slug, course_id=course_id)
    if course is None or (not course.published and not course.is_trainer(current_user)):
        abort(404)
    return course


def _state_or_refuse(course):
    """The person's state in the course; participants who are not enrolled are sent to the course
    page (if they may enrol themselves) or refused."""
    state = services.course_state(course, current_user)
    if state.enrollment is None and not state.preview:
        if course.self_enroll and current_user.role == "participant":
            flash(_("Daftar dulu di kursus ini untuk membuka pelajaran dan kuisnya."), "info")
            return state, redirect(url_for("courses.course", slug=course.slug))
        _fail(services.NotEnrolled())
    return state, None


def _answers_from_form(form) -> dict[int, list[str]]:
    """q<question id> fields → {question id: [values]}; other fields (the CSRF token) are ignored."""
    answers = {}
    for key in form:
        if key.startswith("q") and key[1:].isdigit():
            answers[int(key[1:])] = form.getlist(key)
    return answers


# --------------------------------------------------------------------------- course page and enrolment


@courses_bp.get("/kursus/<slug>")
@login_required
def course(slug: str):
    course = _course_or_404(slug)
    state = services.course_state(course, current_user)
    can_enroll = (state.enrollment is None and course.published and course.self_enroll
                  and current_user.role == "participant")
    return render("courses/course.html", course=course, state=state, can_enroll=can_enroll,
                  copies=_offline_copies(course, state), file_limit=offline.FILE_LIMIT)


def _offline_copies(course, state) -> dict[int, dict]:
    """For each module that can be saved on the phone: what to fetch (the data-offline JSON of its
    button), the estimated bytes and the files left out as too big."""
    copies = {}
    modules = {module.id: module for module, _items in state.module_items()}
    for module_id, copy in offline.module_copies(state).items():
        pages = [[url_for("learning.lesson", slug=course.slug, lesson_id=item.lesson.id), item.lesson.title]
                 for item in copy.lessons]
        pages += [[url_for("learning.attempt", attempt_id=attempt_id), _("Kuis yang sedang dikerjakan")]
                  for attempt_id in copy.attempt_ids]
        files = [url_for("learning.attachment", slug=course.slug, attachment_id=handout.id) for handout in copy.attachments]
        files += [url_for("authoring.media_file", name=name, filename=filename) for name, filename in copy.media]
        copies[module_id] = {
            "data": {"id": f"{course.slug}/{module_id}", "course": course.title, "title": modules[module_id].title,
                     "pages": pages, "files": files},
            "bytes": copy.bytes, "too_big": copy.too_big}
    return copies


@bp.post("/kursus/<slug>/daftar")
@login_required
def enroll(slug: str):
    course = _course_or_404(slug)
    try:
        services.self_enroll(current_user, course)
    except services.LearningError as error:
        _fail(error)
    db.session.commit()
    flash(_("Anda sudah terdaftar. Selamat belajar!"), "success")
    return redirect(url_for("courses.course", slug=slug))


# --------------------------------------------------------------------------- lesson reader and progress


def _lesson_context(course, state, lesson_id: int, **extra) -> dict:
    item = state.item(lesson_id)
    return {"course": course, "state": state, "item": item, "lesson": item.lesson,
            "lesson_urls": _lesson_urls(course), **extra}


def _lesson_urls(course) -> dict[int, str]:
    """{lesson id: its page's URL} for the outline and the pager: built once per cached outline, not
    with one url_for per lesson on every page."""
    return outline.memo(course, ("lesson_urls", request.script_root), lambda: {
        lesson.id: url_for("learning.lesson", slug=course.slug, lesson_id=lesson.id)
        for module in course.modules for lesson in module.lessons})


@bp.get("/kursus/<slug>/pelajaran/<int:lesson_id>")
@login_required
def lesson(slug: str, lesson_id: int):
    course = _course_or_404(slug)
    state, refusal = _state_or_refuse(course)
    if refusal is not None:
        return refusal
    item = state.item(lesson_id)
    if item is None:
        abort(404)
    offline_copy = request.args.get("simpan") == "1"  # "Simpan untuk dibaca offline" fetches the page
    read_only = False  # the saved copy of a lesson the server still locks: readable, not completable offline
    if offline_copy:
        read_only = item.locked
        offline.open_module_for_reading(state, item)
    if not state.can_open(item):
        return render("learning/lesson.html", status=409, locked=True,
                      **_lesson_context(course, state, lesson_id, message=services.LessonLocked.default))
    if not offline_copy:  # saving a module is not reading it: the last lesson opened stays
        services.open_lesson(state, item.lesson)
    content = services.load_lesson_content(item.lesson)
    quiz = qstate = None
    if item.lesson.kind == "quiz":
        quiz = services.lesson_quiz(item.lesson)
        if quiz is not None:
            qstate = services.quiz_state(quiz, current_user, state)
    response = render("learning/lesson.html", locked=False, quiz=quiz, qstate=qstate, content=content,
                      read_only=read_only, **_lesson_context(course, state, lesson_id))
    db.session.commit()
    return response


@bp.post("/kursus/<slug>/pelajaran/<int:lesson_id>/selesai")
@login_required
def complete(slug: str, lesson_id: int):
    course = _course_or_404(slug)
    state = services.course_state(course, current_user)
    item = state.item(lesson_id)
    if item is None:
        abort(404)
    before = {entry.lesson.id: entry.status for entry in state.items}
    posttest_before = state.posttest_open
    try:
        verdict = sync.apply_once(current_user.id, request.form.get("client_id"), "lesson_done",
                                  target=f"lesson_done:{lesson_id}", chosen_at=request.form.get("chosen_at"),
                                  owner=request.form.get("for_user"))
        if verdict:
            services.mark_lesson_done(state, item.lesson)  # a replayed write changes nothing
    except services.LearningError as error:
        db.session.rollback()
        if is_partial():
            return _fragment_error(error)
        _fail(error)
    if not is_partial():
        db.session.commit()
        return redirect(url_for(".lesson", slug=slug, lesson_id=lesson_id))

    # One response updates everything the click changed: the button (the target), then out-of-band
    # the progress bar, the outline entries whose status changed and the previous/next links.
    template = "learning/lesson.html"
    context = _lesson_context(course, state, lesson_id)
    parts = [render_block(template, "done_button", **context),
             render_block(template, "progress", oob=True, **context),
             render_block(template, "pager", oob=True, **context)]
    for entry in state.items:
        if before[entry.lesson.id] != entry.status:
            parts.append(render_block(template, "outline_item", oob=True, entry=entry, **context))
    if state.posttest is not None and posttest_before != state.posttest_open:
        parts.append(render_block(template, "outline_posttest", oob=True, **context))
    response = sync.annotate(make_response("".join(part.strip() for part in parts)), verdict)
    response.vary.add("HX-Request")
    db.session.commit()
    return response


@bp.get("/kursus/<slug>/berkas/<int:attachment_id>")
@login_required
def attachment(slug: str, attachment_id: int):
    course = _course_or_404(slug)
    handout = db.session.get(LessonAttachment, attachment_id)
    if handout is None or handout.lesson_id not in {lesson.id for lesson in services.ordered_lessons(course)}:
        abort(404)
    state, refusal = _state_or_refuse(course)
    if refusal is not None:
        return refusal
    if not state.can_open(state.item(handout.lesson_id)):
        _fail(services.LessonLocked())
    path = attachment_dir() / handout.stored_name
    if not path.is_file():
        abort(404)
    return send_stored_file(path, mimetype=handout.content_type, download_name=handout.filename,
                            cache_control="private, max-age=3600")


# --------------------------------------------------------------------------- quizzes


def _quiz_or_404(quiz_id: int):
    quiz = db.session.get(Quiz, quiz_id)
    if quiz is None:
        abort(404)
    return quiz, _course_or_404(course_id=quiz.course_id)


@bp.get("/kuis/<int:quiz_id>")
@login_required
def quiz(quiz_id: int):
    quiz, course = _quiz_or_404(quiz_id)
    if quiz.role == "lesson" and quiz.lesson_id is not None:
        return redirect(url_for(".lesson", slug=course.slug, lesson_id=quiz.lesson_id))
    state, refusal = _state_or_refuse(course)
    if refusal is not None:
        return refusal
    qstate = services.quiz_state(quiz, current_user, state)
    response = render("learning/quiz.html", course=course, state=state, quiz=quiz, qstate=qstate)
    db.session.commit()  # an attempt past its deadline may just have been graded
    return response


@bp.post("/kuis/<int:quiz_id>/mulai")
@login_required
def start(quiz_id: int):
    quiz, course = _quiz_or_404(quiz_id)
    state, refusal = _state_or_refuse(course)
    if refusal is not None:
        return refusal
    try:
        attempt = services.start_attempt(state, quiz)
    except services.LearningError as error:
        db.session.commit()  # an expired attempt may have been graded on the way
        _fail(error)
    db.session.commit()
    return redirect(url_for(".attempt", attempt_id=attempt.id))


def _attempt_or_404(attempt_id: int, full: bool = True):
    attempt = services.load_attempt(attempt_id, current_user, full=full)
    if attempt is None:
        abort(404)  # someone else's attempt is as good as missing
    return attempt


@bp.get("/kuis/percobaan/<int:attempt_id>")
@login_required
def attempt(attempt_id: int):
    attempt = _attempt_or_404(attempt_id)
    quiz = attempt.quiz
    course = _course_or_404(course_id=quiz.course_id)
    state = services.course_state(course, current_user)
    if attempt.submitted_at is None and services.is_expired(attempt):
        services.grade_attempt(attempt, course_state_=state)
        flash(_("Waktu sudah habis. Jawaban yang tersimpan sudah dinilai."), "warning")
    context = {"course": course, "state": state, "quiz": quiz, "attempt": attempt,
               "questions": services.ordered_questions(attempt),
               "answers": {answer.question_id: answer for answer in attempt.answers}}
    if attempt.submitted_at is None:
        seconds_left = None
        if attempt.deadline_at is not None:
            seconds_left = max(0, int((attempt.deadline_at - utcnow()).total_seconds()))
        blank = services.unanswered(attempt) if request.args.get("konfirmasi") == "1" else []
        response = render("learning/attempt.html", seconds_left=seconds_left, blank=blank,
                          last_chance=services.is_last_chance(attempt), **context)
    else:
        qstate = services.quiz_state(quiz, current_user, state)
        lesson_item = state.item(quiz.lesson_id) if quiz.lesson_id else None
        response = render("learning/attempt.html", qstate=qstate, lesson_item=lesson_item,
                          show_answers=services.answers_visible(quiz, qstate),
                          scorer=services.score_answer, **context)
    db.session.commit()
    return response


@bp.post("/kuis/percobaan/<int:attempt_id>/jawab")
@login_required
def save_answer(attempt_id: int):
    attempt = _attempt_or_404(attempt_id, full=False)
    write_id = request.form.get("client_id")
    answers = _answers_from_form(request.form)
    try:
        # one question per save (the fieldset's hx-params): newest choice per question wins
        target = f"answer:{attempt.id}:{next(iter(answers))}" if len(answers) == 1 else None
        verdict = sync.apply_once(current_user.id, write_id, "answer", target=target,
                                  chosen_at=request.form.get("chosen_at"), owner=request.form.get("for_user"))
        if verdict:
            saved = services.save_answers(attempt, answers)
        else:
            saved = True  # a replay, or an older choice than one saved: applied before or replaced, not again
    except services.TimeUp as error:
        sync.forget(current_user.id, write_id)  # refused: its replay is refused again
        db.session.commit()  # the attempt was graded with the answers saved in time
        if is_partial():
            return _fragment_error(error)
        flash(str(error.message), "warning")
        return redirect(url_for(".attempt", attempt_id=attempt_id))
    except services.LearningError as error:
        db.session.rollback()
        if is_partial():
            return _fragment_error(error)
        _fail(error)
    if is_partial():
        # Rendered before the commit, which would expire the loaded user (one more query per answer).
        response = render("learning/attempt.html", block="answer_status", saved=bool(saved),
                          superseded=verdict is sync.Verdict.SUPERSEDED)
        db.session.commit()
        return sync.annotate(response, verdict)
    db.session.commit()
    return redirect(url_for(".attempt", attempt_id=attempt_id))


@bp.post("/kuis/percobaan/<int:attempt_id>/kirim")
@login_required
def submit(attempt_id: int):
    attempt = _attempt_or_404(attempt_id)
    if attempt.submitted_at is not None:  # a second click on "Kirim"
        return redirect(url_for(".attempt", attempt_id=attempt_id))
    answers = _answers_from_form(request.form)
    if request.form.get("konfirmasi") != "1":
        # The last chance with questions left blank: keep the answers and ask first (a server step,
        # so it works without JavaScript and counts what is really saved).
        try:
            blank = services.hold_for_confirmation(attempt, answers)
        except services.LearningError as error:
            db.session.rollback()
            _fail(error)
        if blank:
            db.session.commit()
            return redirect(url_for(".attempt", attempt_id=attempt_id, konfirmasi=1) + "#konfirmasi")
    try:
        in_time = services.submit_attempt(attempt, answers)
    except services.LearningError as error:
        db.session.rollback()
        _fail(error)
    db.session.commit()
    if not in_time:
        flash(_("Waktu sudah habis. Jawaban yang tersimpan sebelum batas waktu sudah dinilai."), "warning")
    return redirect(url_for(".attempt", attempt_id=attempt_id))


# --------------------------------------------------------------------------- trainer: pre-test / post-test


@bp.get("/kursus/<slug>/pre-post")
@login_required
def prepost(slug: str):
    course = _course_or_404(slug)
    if not course.is_trainer(current_user):
        abort(403)
    cohort_id = request.args.get("angkatan", type=db_id)  # one cohort (angkatan) of the course
    report = services.pre_post_report(course, cohort_id=cohort_id)
    return render("learning/prepost.html", course=course, report=report, cohort_id=cohort_id)


# --------------------------------------------------------------------------- installable app, offline


@bp.get("/sw.js")
def service_worker():
    """The service worker, from the site root so that its scope is the whole site. Its bytes change
    with every release of the app shell (the versioned static URLs), which makes browsers install it
    again: the new worker fills a new shell cache and deletes the old ones."""
    response = make_response(pwa.service_worker())
    response.mimetype = "text/javascript"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/offline")
def offline_page():
    """The page the service worker shows for a page that is not saved on the phone, with the list
    of what is (filled in on the phone from its own storage). Kept in the app shell for whoever uses
    the phone next: rendered `neutral`, with nothing of the person who was logged in when it was fetched."""
    g.neutral_page = True  # nor its headers (kopedu.web.security)
    return render("learning/offline.html", neutral=True)


def sync_texts() -> dict:
    """What the phone says about its queue (fetched with the session, only when something waits)."""
    return {
        "others": _("{n} catatan milik {name} belum terkirim — akan dikirim saat {name} masuk lagi."),
        "title": _("{n} catatan belum terkirim"),
        "text": _("Catatan ini baru tersimpan di HP ini. Jika Anda keluar sekarang, catatan tetap disimpan "
                  "di HP dan dikirim saat Anda masuk lagi di HP ini."),
        "wait": _("Tunggu sampai terkirim"), "keep": _("Keluar, simpan untuk nanti"),
        "delete": _("Hapus catatan, lalu keluar"),
        "waiting": _("Menunggu catatan terkirim… Anda keluar otomatis setelah semuanya terkirim."),
    }


@bp.get("/sinkron/sesi")
def sync_session():
    """Who is logged in in this browser now, and this session's form token: the phone's queue asks
    before sending, so that a write goes only under its own user's session, with the current token
    (never one stored with it). Anonymous: user null (the session has ended)."""
    signed_in = current_user.is_authenticated
    response = jsonify(user=current_user.id if signed_in else None,
                       name=(current_user.full_name or "").split(" ")[0] if signed_in else None,
                       csrf=generate_csrf(), text=sync_texts())
    response.headers["Cache-Control"] = "no-store"
    return response
