"""Home pages: the landing redirect and the beranda (the participant's dashboard)."""
from dataclasses import dataclass, field

from flask import Blueprint, redirect, url_for
from flask_babel import format_decimal, gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from kopedu.courses.services import taught_courses
from kopedu.db import local_zone, utcnow
from kopedu.evaluations.services import waiting as waiting_evaluations
from kopedu.extensions import db
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
    from kopedu.certificates.services import certificates_for
    from kopedu.grading import services as grading

    participant = current_user.role == "participant"
    entries = learning.dashboard(current_user) if participant else []
    # One query each, shared by the course cards' next steps and the page's own sections.
    assignments = grading.my_assignments(current_user) if participant else []
    certificates = certificates_for(current_user)
    steps = next_steps(entries, assignments, certificates) if entries else {}
    taught = taught_courses(current_user) if current_user.role in ("trainer", "admin") else []
    evaluations = waiting_evaluations(entries, utcnow().astimezone(local_zone()).date()) if entries else []
    return render("main/home.html", user=current_user, entries=entries, steps=steps, taught=taught,
                  open_items=grading.still_open(assignments), certificates=certificates, evaluations=evaluations)


# --------------------------------------------------------------------------- what Beranda offers first


@dataclass
class NextStep:
    """The first button of a course's card on Beranda, and what the certificate still needs.

    action: pretest | lesson | posttest | assignment | certificate | course; `target` is the quiz,
    the lesson or the certificate it opens. `certificate` lists, after the post-test, what the
    certificate is waiting for ("menunggu tugas dinilai pelatih", …) or that it is there."""

    action: str
    target: object = None
    certificate: list[str] = field(default_factory=list)
    certificate_ready: bool = False


def next_steps(entries, assignments, certificates) -> dict[int, NextStep]:
    """{course id: NextStep} for the user's dashboard entries, given the user's assignments
    (grading.my_assignments) and certificates (certificates.services.certificates_for). A few queries
    per course whose post-test is done and has no certificate (the rules are evaluated then); none
    before that."""
    from kopedu.grading.models import FAILED, PASSED, WAITING

    assignments = {item.lesson.id: item for item in assignments}
    steps = {}
    for entry in entries:
        state = entry.state
        waiting = {lesson_id for lesson_id, item in assignments.items() if item.status in (WAITING, PASSED, FAILED)}
        todo = [item for item in state.items if item.status in ("open", "current") and item.lesson.id not in waiting]
        if state.pretest and state.pretest_score is None:
            step = NextStep("pretest", state.pretest)
        elif state.posttest is None or state.posttest_score is None:
            if todo:
                step = NextStep("lesson", _resume(state, todo))
            elif state.posttest and state.posttest_open:
                step = NextStep("posttest", state.posttest)
            else:
                step = NextStep("course")
        else:
            step = _after_posttest(entry, state, todo, assignments, certificates)
        steps[entry.course.id] = step
    return steps


def _resume(state, todo):
    """The lesson "Lanjutkan belajar" opens: state.resume_item unless it is an assignment the
    participant has nothing to do on (sent and waiting, or graded), then the next lesson to do."""
    resume = state.resume_item
    return resume.lesson if resume in todo else todo[0].lesson


def _after_posttest(entry, state, todo, assignments, certificates) -> NextStep:
    from kopedu.certificates import services as certificate_rules
    from kopedu.grading.models import FAILED, REVISE, WAITING
    from kopedu.learning.models import QuizAttempt

    enrollment = entry.enrollment
    issued = [certificate for certificate in certificates if certificate.enrollment_id == enrollment.id]
    live = next((certificate for certificate in issued if not certificate.revoked), None)
    if live is not None:
        return NextStep("certificate", live, [_("sudah terbit")], certificate_ready=True)
    if issued:
        return NextStep("course", certificate=[_("dicabut; hubungi admin Dinas Koperasi")])

    rule = certificate_rules.rules_for(entry.course)
    unmet = {check.key: check for check in certificate_rules.evaluate(enrollment, rule) if not check.met}
    notes: list[str] = []
    step = NextStep("course")

    def offer(action, target):
        if step.action == "course":
            step.action, step.target = action, target

    # lessons still to read (quiz lessons included: they are done when passed)
    lessons_left = [item for item in todo if item.lesson.kind != "assignment" and item.lesson.required]
    if lessons_left and "lessons" in unmet:
        notes.append(_("selesaikan %(n)d pelajaran lagi", n=len(lessons_left)))
        offer("lesson", _resume(state, lessons_left))
    # the assignments: a required assignment lesson is done when graded Lulus
    if "lessons" in unmet or "assignments" in unmet:
        course_assignments = [item for item in assignments.values() if item.course.id == entry.course.id
                              and item.lesson.required and item.lesson.id not in state.done_ids]
        for item in course_assignments:
            if item.status == WAITING:
                notes.append(_("menunggu tugas dinilai pelatih"))
            elif item.status == REVISE:
                notes.append(_("perbaiki tugas sesuai umpan balik pelatih"))
                offer("assignment", item.lesson)
            elif item.status == FAILED:
                notes.append(_("tugas dinilai tidak lulus; hubungi pelatih"))
            else:
                notes.append(_("kirim tugas “%(title)s”", title=item.lesson.title))
                offer("assignment", item.lesson)
    posttest = state.posttest
    if "quizzes" in unmet and state.posttest_score < posttest.pass_mark or "posttest" in unmet:
        wanted = rule.min_posttest_score if "posttest" in unmet else posttest.pass_mark
        if "posttest" in unmet and "quizzes" in unmet:
            wanted = max(wanted, posttest.pass_mark)
        notes.append(_("nilai post-test minimal %(n)d (nilai Anda %(score)s)", n=wanted,
                       score=format_decimal(round(state.posttest_score, 1), format="#,##0.#")))
        used = db.session.scalar(select(func.count(QuizAttempt.id)).where(
            QuizAttempt.quiz_id == posttest.id, QuizAttempt.user_id == enrollment.user_id)) or 0
        if not posttest.attempts_allowed or used < posttest.attempts_allowed:
            offer("posttest", posttest)
        else:
            notes.append(_("kesempatan post-test sudah habis; hubungi pelatih"))
    if "attendance" in unmet:
        check = unmet["attendance"]
        notes.append(f"{check.label.lower()} ({check.detail})")
    if not notes and unmet:  # a rule this page has no words of its own for
        notes.extend(f"{check.label.lower()} ({check.detail})" for check in unmet.values())
    if not unmet:
        notes.append(_("menunggu diterbitkan pelatih") if not rule.auto_issue else _("sedang disiapkan"))
    step.certificate = notes
    return step
