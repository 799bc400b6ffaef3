"""Submitting assignments, grading them with the rubric, feedback, and the gradebook.

Services take plain values and model objects, flush and never commit (the route commits).
Functions other features call: `assignments_passed(enrollment)`, `unread_feedback_count(user)`,
`my_assignments(user)` and `still_open(items)`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import and_, case, false, func, select, update
from sqlalchemy.orm import aliased, contains_eager, joinedload, lazyload, selectinload

from kopedu import events
from kopedu import storage as file_store
from kopedu.auth.models import User
from kopedu.cohorts.models import Cohort
from kopedu.courses.models import Assignment, Course, Lesson, Module, Quiz, course_trainer
from kopedu.courses.services import taught_courses
from kopedu.db import utcnow
from kopedu.extensions import db
from kopedu.grading.models import (FAILED, OUTCOMES, PASSED, REVISE, STATUSES, WAITING, Grade, Submission,
                                   SubmissionFile, SubmissionVersion)
from kopedu.learning.models import Enrollment
from kopedu.learning import services as learning
from kopedu.learning.services import best_scores
from kopedu.regions.models import Cooperative, Region, title_case
from kopedu.web.access import (is_national, sees_enrollment, visible_enrollment_ids, visible_enrollment_rows,
                                visible_enrollments)
from kopedu.resumable import services as resumable
from kopedu.web import exports, uploads
from kopedu.web.filters import phone_display

SUBMISSION_KINDS = ("pdf", "jpg", "png", "docx", "xlsx")
MAX_FILE_BYTES = 10 * uploads.MB
MAX_FILES = 5
MAX_TEXT = 50_000
MAX_VERSIONS = 10  # versions of one assignment per participant
MAX_TOTAL_BYTES = 100 * uploads.MB  # files of all of a participant's submissions
PER_PAGE = 25


def status_label(status: str | None) -> str:
    return {
        None: _("Belum dikirim"),
        WAITING: _("Menunggu penilaian"),
        REVISE: _("Perlu revisi"),
        PASSED: _("Lulus"),
        FAILED: _("Tidak lulus"),
    }.get(status, status or "")


class SubmissionError(ValueError):
    """Work that cannot be accepted; the message is for the participant."""


class GradingError(ValueError):
    """A grade that cannot be saved; `errors` maps form fields to messages."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def submission_dir(upload_dir) -> Path:
    return Path(upload_dir) / "submissions"


# --------------------------------------------------------------------------- reading


def assignment_for_lesson(lesson_id: int) -> Assignment | None:
    return db.session.scalar(
        select(Assignment).where(Assignment.lesson_id == lesson_id)
        .options(joinedload(Assignment.lesson).joinedload(Lesson.module).joinedload(Module.course)))


def course_of(assignment: Assignment) -> Course:
    return assignment.lesson.module.course


def enrollment_of(user, course_id: int) -> Enrollment | None:
    if not user.is_authenticated:
        return None
    return db.session.scalar(select(Enrollment).where(Enrollment.user_id == user.id,
                                                      Enrollment.course_id == course_id))


def _full_submission():
    return (selectinload(Submission.versions).selectinload(SubmissionVersion.files),
            selectinload(Submission.grades))


def submission_of(assignment_id: int, user_id: int) -> Submission | None:
    return db.session.scalar(select(Submission).where(Submission.assignment_id == assignment_id,
                                                      Submission.user_id == user_id)
                             .options(*_full_submission()))


def submission_by_id(submission_id: int) -> Submission | None:
    return db.session.scalar(select(Submission).where(Submission.id == submission_id)
                             .options(*_full_submission(), joinedload(Submission.enrollment)))


def can_grade(user, submission_or_assignment) -> bool:
    """Trainers of the course and admins; for a submission, only those who may see its participant
    (kopedu.web.access: a trainer's cohorts and region, an admin's region)."""
    assignment = getattr(submission_or_assignment, "assignment", submission_or_assignment)
    if not course_of(assignment).is_trainer(user):
        return False
    if submission_or_assignment is assignment:
        return True
    return sees_enrollment(user, submission_or_assignment.enrollment_id)


def can_view(user, submission: Submission) -> bool:
    return user.is_authenticated and (submission.user_id == user.id or can_grade(user, submission))


def file_by_id(file_id: int) -> SubmissionFile | None:
    return db.session.scalar(select(SubmissionFile).where(SubmissionFile.id == file_id).options(
        joinedload(SubmissionFile.version).joinedload(SubmissionVersion.submission)))


def due_at(assignment: Assignment, enrollment: Enrollment | None) -> datetime | None:
    return assignment.due_at(enrollment.enrolled_at if enrollment is not None else None)


def is_late(submission: Submission) -> bool:
    deadline = due_at(submission.assignment, submission.enrollment)
    return deadline is not None and submission.last_submitted_at > deadline


# --------------------------------------------------------------------------- submitting


@dataclass
class Quota:
    """What a participant has used of their submission quota (shown on the assignment page)."""
    used_bytes: int
    versions: int
    max_bytes: int
    max_versions: int

    @property
    def versions_left(self) -> int:
        return max(self.max_versions - self.versions, 0)

    @property
    def used_mb(self) -> str:
        return _mb(self.used_bytes)

    @property
    def max_mb(self) -> str:
        return _mb(self.max_bytes)


def _mb(size: int) -> str:
    from kopedu.web.filters import number

    return number(size / uploads.MB, 1)


def quota(user_id: int, submission: Submission | None) -> Quota:
    used = db.session.scalar(
        select(func.coalesce(func.sum(SubmissionFile.size), 0))
        .join(SubmissionVersion, SubmissionVersion.id == SubmissionFile.version_id)
        .join(Submission, Submission.id == SubmissionVersion.submission_id)
        .where(Submission.user_id == user_id)) or 0
    return Quota(used_bytes=int(used), versions=submission.version_count if submission else 0,
                 max_bytes=MAX_TOTAL_BYTES, max_versions=MAX_VERSIONS)


def submit(assignment: Assignment, enrollment: Enrollment, *, text: str, files, upload_dir,
           uploaded: list[str] | None = None) -> SubmissionVersion:
    """Add a new version of the participant's work. Files are checked by content and stored under
    random names; on any error nothing is left on disk or in the session. `uploaded` are the ids of
    files already sent with the resumable upload (kopedu.resumable; checked the same way when they
    arrived), claimed here. Flushes."""
    text = (text or "").replace("\r\n", "\n").strip() if assignment.submit_text else ""
    files = [f for f in files if f is not None and f.filename]
    uploaded = [i for i in (uploaded or []) if i]
    if (files or uploaded) and not assignment.submit_files:
        raise SubmissionError(_("Tugas ini tidak menerima berkas. Ketik jawaban Anda di kotak teks."))
    if not text and not files and not uploaded:
        if assignment.submit_text and assignment.submit_files:
            raise SubmissionError(_("Tulis jawaban atau pilih berkas dulu."))
        raise SubmissionError(_("Tulis jawaban dulu.") if assignment.submit_text else _("Pilih berkas dulu."))
    if len(text) > MAX_TEXT:
        raise SubmissionError(_("Teks terlalu panjang (paling banyak %(n)s karakter). Kirim sebagai berkas.",
                                n=f"{MAX_TEXT:,}".replace(",", ".")))
    if len(files) + len(uploaded) > MAX_FILES:
        raise SubmissionError(_("Paling banyak %(n)d berkas sekali kirim.", n=MAX_FILES))
    submission = db.session.scalar(select(Submission).where(Submission.assignment_id == assignment.id,
                                                            Submission.user_id == enrollment.user_id))
    if submission is not None and not submission.open_for_submission:
        raise SubmissionError(_("Tugas ini sudah dinilai, jadi tidak bisa dikirim lagi."))
    if submission is not None and submission.version_count >= MAX_VERSIONS:
        raise SubmissionError(_("Anda sudah mengirim %(n)d versi, batas untuk tugas ini. Minta pelatih menilai "
                                "versi terakhir.", n=MAX_VERSIONS))

    directory = submission_dir(upload_dir)
    try:
        claimed = resumable.claim(enrollment.user, uploaded, UPLOAD_PURPOSE, assignment.lesson_id)
    except resumable.ResumableError as error:
        raise SubmissionError(str(error)) from None
    staged: list[uploads.StagedFile] = []
    try:
        for storage in files:
            staged.append(uploads.stage(storage, directory, SUBMISSION_KINDS, MAX_FILE_BYTES))
    except uploads.UploadError as error:
        uploads.discard(staged)
        raise SubmissionError(str(error)) from None
    except BaseException:
        uploads.discard(staged)
        raise
    used = quota(enrollment.user_id, submission).used_bytes
    size = sum(item.size for item in staged) + sum(item.size for item in claimed)
    if (staged or claimed) and used + size > MAX_TOTAL_BYTES:
        uploads.discard(staged)
        raise SubmissionError(_("Ruang kiriman Anda tidak cukup: terpakai %(used)s MB dari %(max)s MB, berkas ini "
                                "%(size)s MB. Perkecil berkasnya (misalnya foto beresolusi lebih rendah).",
                                used=_mb(used), max=_mb(MAX_TOTAL_BYTES), size=_mb(size)))
    try:
        if submission is None:
            submission = Submission(assignment_id=assignment.id, user_id=enrollment.user_id,
                                    enrollment_id=enrollment.id, version_count=0)
            db.session.add(submission)
        number = submission.version_count + 1
        submission.version_count = number
        submission.status = WAITING
        submission.last_submitted_at = utcnow()
        version = SubmissionVersion(submission=submission, number=number, text=text)
        for position, item in enumerate(staged):
            version.files.append(SubmissionFile(
                position=position, original_name=item.original_name, stored_name=item.stored_name,
                kind=item.kind, mime=item.mime, size=item.size, sha256=item.sha256))
        for position, item in enumerate(claimed, start=len(staged)):
            version.files.append(SubmissionFile(
                position=position, original_name=item.original_name, stored_name=item.stored_name,
                kind=item.kind, mime=uploads.KINDS[item.kind][0], size=item.size, sha256=item.sha256))
        db.session.add(version)
        db.session.flush()
    except BaseException:
        uploads.discard(staged)
        raise
    file_store.place(staged, directory)
    return version


UPLOAD_PURPOSE = "tugas"


def _may_upload(user, lesson_id: int) -> bool:
    """A participant may send files for an assignment that takes files, in a course they are enrolled
    in, while their work is open for submission."""
    assignment = assignment_for_lesson(lesson_id)
    if assignment is None or not assignment.submit_files:
        return False
    course = course_of(assignment)
    if not (course.published and assignment.lesson.published) or enrollment_of(user, course.id) is None:
        return False
    submission = db.session.scalar(select(Submission).where(Submission.assignment_id == assignment.id,
                                                            Submission.user_id == user.id))
    return submission is None or submission.open_for_submission


resumable.register(resumable.Purpose(UPLOAD_PURPOSE, SUBMISSION_KINDS, MAX_FILE_BYTES, "submissions", _may_upload))


def mark_feedback_seen(submission: Submission) -> int:
    """The participant has seen the grades of this submission. Flushes; returns how many were new."""
    result = db.session.execute(update(Grade).where(Grade.submission_id == submission.id,
                                                    Grade.seen_at.is_(None)).values(seen_at=utcnow()))
    return result.rowcount or 0


def unread_feedback_count(user) -> int:
    """How many of the user's submissions have a grade the user has not opened yet (one query)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return db.session.scalar(
        select(func.count(func.distinct(Grade.submission_id)))
        .join(Submission, Submission.id == Grade.submission_id)
        .where(Submission.user_id == user.id, Grade.seen_at.is_(None))) or 0


# --------------------------------------------------------------------------- grading


def grade(submission: Submission, grader, *, version_number: int, levels: dict[int, int], outcome: str,
          feedback: str) -> Grade:
    """Grade the latest version with one level per rubric criterion. Emits submission_graded (kopedu.events). Flushes."""
    latest = submission.latest_version
    if latest is None or latest.number != version_number:
        raise GradingError({"version": _("Peserta baru saja mengirim versi baru. Muat ulang halaman, lalu "
                                         "nilai versi terbaru.")})
    assignment = submission.assignment
    errors: dict[str, str] = {}
    scores = []
    for criterion in assignment.criteria:
        chosen = levels.get(criterion.id)
        level = next((lv for lv in criterion.levels if int(lv["points"]) == chosen), None)
        if level is None:
            errors[f"c-{criterion.id}"] = _("Pilih satu tingkat untuk kriteria ini.")
            continue
        scores.append({"criterion_id": criterion.id, "title": criterion.title, "points": int(level["points"]),
                       "max": criterion.max_points, "description": level.get("description", "")})
    feedback = (feedback or "").replace("\r\n", "\n").strip()
    if outcome not in OUTCOMES:
        errors["outcome"] = _("Pilih hasil: Lulus, Perlu revisi, atau Tidak lulus.")
    elif outcome in (REVISE, FAILED) and not feedback:
        errors["feedback"] = _("Tulis umpan balik: apa yang perlu diperbaiki peserta.")
    if len(feedback) > 20_000:
        errors["feedback"] = _("Umpan balik terlalu panjang.")
    points = sum(s["points"] for s in scores)
    max_points = assignment.max_points
    percent = round(points * 100 / max_points, 1) if max_points else 0.0
    if not errors and outcome == PASSED and max_points and percent < assignment.pass_mark:
        errors["outcome"] = _("Nilai %(score)s%% di bawah batas lulus %(mark)d%%. Pilih Perlu revisi atau "
                              "Tidak lulus.", score=f"{percent:g}", mark=assignment.pass_mark)
    if errors:
        raise GradingError(errors)
    result = Grade(submission=submission, version=latest, grader_id=grader.id, outcome=outcome, points=points,
                   max_points=max_points, percent=percent, scores=scores, feedback=feedback)
    db.session.add(result)
    submission.status = outcome
    submission.graded_at = utcnow()
    db.session.flush()
    enrollment = submission.enrollment or db.session.get(Enrollment, submission.enrollment_id)
    if outcome == PASSED:  # a passed assignment is a completed lesson: course progress moves on
        learning.complete_lesson(enrollment.user, assignment.lesson)
    events.emit("submission_graded", enrollment, submission=submission, grade=result)
    return result


# --------------------------------------------------------------------------- the trainer's queue


@dataclass
class QueueFilter:
    course_id: int | None = None
    cohort_id: int | None = None
    assignment_id: int | None = None
    status: str = WAITING  # "" = every status
    q: str = ""
    page: int = 1

    def args(self) -> dict:
        values = {"kursus": self.course_id, "angkatan": self.cohort_id, "tugas": self.assignment_id,
                  "status": self.status, "q": self.q}
        return {k: v for k, v in values.items() if v not in (None,)}


def _submissions_in_scope(user, per_row: bool = False):
    """Submissions of courses the user trains (admins: all) whose participants the user may see,
    joined to their enrolment and participant (`User`). The region rule is a UNION of enrolment ids
    (kopedu.web.access.visible_enrollment_ids: quick for a count), or with `per_row` checked on each
    row (visible_enrollment_rows: quick for an ordered page that stops after a few rows)."""
    stmt = (select(Submission).join(Assignment, Assignment.id == Submission.assignment_id)
            .join(Lesson, Lesson.id == Assignment.lesson_id).join(Module, Module.id == Lesson.module_id)
            .join(Enrollment, Enrollment.id == Submission.enrollment_id)
            .join(User, User.id == Submission.user_id))
    if user.role not in ("admin", "trainer"):
        return stmt.where(false())
    if per_row and not is_national(user):
        stmt = stmt.outerjoin(Cooperative, Cooperative.id == User.cooperative_id).where(
            visible_enrollment_rows(user, Enrollment, User, Cooperative))
    elif not is_national(user):
        stmt = stmt.where(Submission.enrollment_id.in_(visible_enrollment_ids(user)))
    if user.role == "trainer":
        mine = select(course_trainer.c.course_id).where(course_trainer.c.user_id == user.id)
        stmt = stmt.where(Module.course_id.in_(mine))
    return stmt


def _filtered(stmt, f: "QueueFilter"):
    if f.course_id:
        stmt = stmt.where(Module.course_id == f.course_id)
    if f.assignment_id:
        stmt = stmt.where(Submission.assignment_id == f.assignment_id)
    if f.cohort_id:
        stmt = stmt.where(Enrollment.cohort_id == f.cohort_id)
    if f.status in STATUSES:
        stmt = stmt.where(Submission.status == f.status)
    if f.q:
        stmt = stmt.where(func.lower(User.full_name).contains(f.q.strip().lower(), autoescape=True))
    return stmt


def queue(user, f: QueueFilter):
    """A page of submissions for the trainer (bounded: one query for the rows, one for the count)."""
    stmt = _filtered(_submissions_in_scope(user, per_row=True), f)
    if f.status == WAITING:
        stmt = stmt.order_by(Submission.last_submitted_at, Submission.id)
    else:
        stmt = stmt.order_by(Submission.last_submitted_at.desc(), Submission.id.desc())
    stmt = stmt.options(contains_eager(Submission.enrollment).lazyload(Enrollment.user),
                        contains_eager(Submission.enrollment).lazyload(Enrollment.course),
                        joinedload(Submission.assignment).lazyload(Assignment.criteria),
                        joinedload(Submission.assignment).joinedload(Assignment.lesson)
                        .joinedload(Lesson.module).joinedload(Module.course).lazyload(Course.trainers))
    page = db.paginate(stmt, page=max(f.page, 1), per_page=PER_PAGE, error_out=False, count=False)
    count = _filtered(_submissions_in_scope(user), f).with_only_columns(Submission.id)
    page.total = db.session.scalar(select(func.count()).select_from(count.subquery())) or 0
    return page


BADGE_CAP = 100  # the nav badge counts waiting submissions up to this, and shows "99+"


def waiting_count(user, cap: int | None = None) -> int:
    """Submissions waiting for `user` to grade; with `cap`, counted only up to it (the nav badge says
    "99+": at national size an exact count walks every waiting submission of the user's scope)."""
    if not getattr(user, "is_authenticated", False) or user.role not in ("trainer", "admin"):
        return 0
    stmt = _submissions_in_scope(user).where(Submission.status == WAITING).with_only_columns(Submission.id)
    if cap:
        stmt = stmt.limit(cap)
    return db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


@dataclass
class QueueChoices:
    courses: list = field(default_factory=list)
    assignments: list = field(default_factory=list)
    cohorts: list = field(default_factory=list)  # a bounded page of (id, name), searchable by cohort_q
    more_cohorts: bool = False
    cohort_q: str = ""


def queue_choices(user, course_id: int | None, cohort_q: str = "") -> QueueChoices:
    """What the filters of the queue offer: the user's courses, their assignments, and cohorts (only
    when the chosen course — or any of the user's courses — has cohorts)."""
    courses = taught_courses(user, lazyload(Course.trainers))
    ids = [c.id for c in courses if course_id in (None, c.id)]
    assignments = list(db.session.scalars(
        select(Assignment).join(Lesson, Lesson.id == Assignment.lesson_id).join(Module, Module.id == Lesson.module_id)
        .where(Module.course_id.in_(ids)).order_by(Module.course_id, Module.position, Lesson.position)
        .options(lazyload(Assignment.criteria))))
    from kopedu.cohorts.services import cohort_choices

    cohorts, more = cohort_choices(ids, cohort_q, viewer=user) if ids else ([], False)
    return QueueChoices(courses=courses, assignments=assignments, cohorts=cohorts, more_cohorts=more,
                        cohort_q=cohort_q)


# --------------------------------------------------------------------------- for other features


def assignments_passed(enrollment) -> bool:
    """Every required (and published) assignment of the enrollment's course has a latest grade "lulus"."""
    required = (select(Assignment.id).join(Lesson, Lesson.id == Assignment.lesson_id)
                .join(Module, Module.id == Lesson.module_id)
                .where(Module.course_id == enrollment.course_id, Lesson.required.is_(True),
                       Lesson.published.is_(True)))
    ids = list(db.session.scalars(required))
    if not ids:
        return True
    passed = db.session.scalar(select(func.count()).select_from(Submission).where(
        Submission.assignment_id.in_(ids), Submission.user_id == enrollment.user_id,
        Submission.status == PASSED))
    return passed == len(ids)


@dataclass
class AssignmentItem:
    """One assignment as the participant sees it in lists (dashboard, "Tugas saya")."""

    assignment: Assignment
    lesson: Lesson
    course: Course
    status: str | None  # None = nothing sent yet
    due_at: datetime | None
    unread: bool = False
    submission_id: int | None = None

    @property
    def overdue(self) -> bool:
        return self.due_at is not None and self.status in (None, REVISE) and utcnow() > self.due_at

    @property
    def status_label(self) -> str:
        return status_label(self.status)

    @property
    def lesson_id(self) -> int:
        return self.lesson.id


def my_assignments(user) -> list[AssignmentItem]:
    """Assignments of the courses the user is enrolled in (published lessons of published courses),
    with status, due date and whether new feedback waits. One query whatever the number."""
    if not getattr(user, "is_authenticated", False):
        return []
    # Per row, an index lookup of the submission's unseen grades (not a scan of everyone's).
    unread = (select(Grade.id).where(Grade.submission_id == Submission.id, Grade.seen_at.is_(None))
              .exists().label("unread"))
    stmt = (select(Assignment, Enrollment.enrolled_at, Submission.id, Submission.status, unread)
            .join(Lesson, Lesson.id == Assignment.lesson_id)
            .join(Module, Module.id == Lesson.module_id)
            .join(Course, Course.id == Module.course_id)
            .join(Enrollment, and_(Enrollment.course_id == Course.id, Enrollment.user_id == user.id))
            .outerjoin(Submission, and_(Submission.assignment_id == Assignment.id, Submission.user_id == user.id))
            .where(Lesson.published.is_(True), Course.published.is_(True))
            .options(joinedload(Assignment.lesson).joinedload(Lesson.module).joinedload(Module.course)
                     .lazyload(Course.trainers), lazyload(Assignment.criteria))
            .order_by(Course.title, Module.position, Lesson.position))
    items = []
    for assignment, enrolled_at, submission_id, status, has_unread in db.session.execute(stmt).unique():
        lesson = assignment.lesson
        items.append(AssignmentItem(assignment=assignment, lesson=lesson, course=lesson.module.course,
                                    status=status, due_at=assignment.due_at(enrolled_at),
                                    unread=bool(has_unread), submission_id=submission_id))
    return items


def still_open(items: list[AssignmentItem]) -> list[AssignmentItem]:
    """Of my_assignments(user), those not yet passed, soonest due first (for the dashboard).
    Each item has .assignment, .lesson, .course, .status, .status_label, .due_at, .overdue, .unread."""
    far = datetime.max.replace(tzinfo=utcnow().tzinfo)
    return sorted((item for item in items if item.status != PASSED),
                  key=lambda item: (item.due_at or far, item.course.title, item.lesson.position))


# --------------------------------------------------------------------------- gradebook


@dataclass
class Column:
    key: str
    title: str
    kind: str  # pretest | quiz | assignment | posttest


@dataclass
class Row:
    enrollment_id: int
    user_id: int
    name: str
    position: str
    cooperative: str
    kelurahan: str
    kecamatan: str
    cohort: str
    progress: int
    completed_at: datetime | None
    phone: str | None = None
    cohort_id: int | None = None
    attendance: float | None = None  # share of the cohort's sessions attended; None without sessions
    certificate_serial: str | None = None
    certificate_status: str | None = None  # valid | revoked | expired | None (not issued)
    scores: dict = field(default_factory=dict)  # column key → percent (None when nothing yet)
    statuses: dict = field(default_factory=dict)  # assignment column key → status


GRADEBOOK_PAGE = 100  # rows on one page of the gradebook
EXPORT_CHUNK = 500  # rows an export reads (and fills) at a time
FILTER_OVER = 500  # past this many enrolments the whole course is not listed: choose a cohort first


@dataclass
class Gradebook:
    course: Course
    columns: list[Column]
    rows: list[Row]
    cohorts: list  # the course's cohorts offered in the selector (a page of them, see cohort_choices)
    cohort_id: int | None = None
    cohort_name: str | None = None
    page: int = 1
    has_next: bool = False
    needs_filter: bool = False  # the course is too large to list whole: the page asks for a cohort
    cohort_q: str = ""
    more_cohorts: bool = False
    first_number: int = 1
    viewer: object = None  # whose gradebook: only the participants this user may see


def _gradebook_columns(course: Course):
    quizzes = list(db.session.scalars(
        select(Quiz).outerjoin(Lesson, Lesson.id == Quiz.lesson_id).outerjoin(Module, Module.id == Lesson.module_id)
        .where(Quiz.course_id == course.id)
        .order_by(case({"pretest": 0, "lesson": 1, "posttest": 2}, value=Quiz.role), Module.position,
                  Lesson.position, Quiz.id)))
    assignments = list(db.session.scalars(
        select(Assignment).join(Lesson, Lesson.id == Assignment.lesson_id).join(Module, Module.id == Lesson.module_id)
        .where(Module.course_id == course.id).order_by(Module.position, Lesson.position)))
    columns: list[Column] = []
    for quiz in quizzes:
        if quiz.role == "pretest":
            columns.append(Column(f"q{quiz.id}", _("Pre-test"), "pretest"))
    for quiz in quizzes:
        if quiz.role == "lesson":
            columns.append(Column(f"q{quiz.id}", quiz.title, "quiz"))
    for assignment in assignments:
        columns.append(Column(f"a{assignment.id}", assignment.lesson.title, "assignment"))
    for quiz in quizzes:
        if quiz.role == "posttest":
            columns.append(Column(f"q{quiz.id}", _("Post-test"), "posttest"))
    return quizzes, assignments, columns


def _gradebook_query(course: Course, cohort_id: int | None, viewer=None):
    village = aliased(Region)
    district = aliased(Region)
    stmt = (select(Enrollment.id, Enrollment.user_id, Enrollment.progress_pct, Enrollment.completed_at,
                   User.full_name, User.position, Cooperative.name, village.name, district.name, Cohort.name,
                   User.phone, Enrollment.cohort_id)
            .join(User, User.id == Enrollment.user_id)
            .outerjoin(Cooperative, Cooperative.id == User.cooperative_id)
            .outerjoin(village, village.code == Cooperative.village_code)
            .outerjoin(district, district.code == village.parent_code)
            .outerjoin(Cohort, Cohort.id == Enrollment.cohort_id)
            .where(Enrollment.course_id == course.id, User.role == "participant")
            .order_by(village.name.is_(None), village.name, Cooperative.name, User.full_name, Enrollment.id))
    if cohort_id:
        stmt = stmt.where(Enrollment.cohort_id == cohort_id)
    if viewer is not None:  # only the participants the viewer may see (kopedu.web.access)
        stmt = stmt.where(visible_enrollments(viewer))
    return stmt


def gradebook_columns(course: Course) -> list[Column]:
    return _gradebook_columns(course)[2]


def course_has_cohorts(course: Course) -> bool:
    return db.session.scalar(select(Cohort.id).where(Cohort.course_id == course.id).limit(1)) is not None


def too_large(course: Course, cohort_id: int | None = None) -> bool:
    """More than FILTER_OVER enrolments (counted no further than that: one bounded index scan)."""
    stmt = select(Enrollment.id).where(Enrollment.course_id == course.id)
    if cohort_id:
        stmt = stmt.where(Enrollment.cohort_id == cohort_id)
    capped = stmt.limit(FILTER_OVER + 1).subquery()
    return (db.session.scalar(select(func.count()).select_from(capped)) or 0) > FILTER_OVER


def _fill_rows(rows: list[Row], quizzes, assignments) -> None:
    """Scores, assignment statuses, attendance and certificates of these rows (one page: bounded ids)."""
    _add_attendance_and_certificates(rows)
    user_ids = [row.user_id for row in rows]
    by_user = {row.user_id: row for row in rows}
    if rows and quizzes:
        for (user_id, quiz_id), score in best_scores([q.id for q in quizzes], user_ids).items():
            if user_id in by_user and score is not None:
                by_user[user_id].scores[f"q{quiz_id}"] = round(float(score), 1)
    if rows and assignments:
        latest = (select(Grade.submission_id, func.max(Grade.id).label("grade_id"))
                  .join(Submission, Submission.id == Grade.submission_id)
                  .where(Submission.user_id.in_(user_ids))
                  .group_by(Grade.submission_id).subquery())
        grade_stmt = (select(Submission.user_id, Submission.assignment_id, Submission.status, Grade.percent)
                      .outerjoin(latest, latest.c.submission_id == Submission.id)
                      .outerjoin(Grade, Grade.id == latest.c.grade_id)
                      .where(Submission.assignment_id.in_([a.id for a in assignments]),
                             Submission.user_id.in_(user_ids)))
        for user_id, assignment_id, status, percent in db.session.execute(grade_stmt):
            row = by_user.get(user_id)
            if row is not None:
                row.statuses[f"a{assignment_id}"] = status
                if percent is not None:
                    row.scores[f"a{assignment_id}"] = round(float(percent), 1)


def _rows(result) -> list[Row]:
    return [Row(enrollment_id=eid, user_id=uid, name=name, position=position or "", cooperative=coop or "",
                kelurahan=title_case(kel) if kel else "", kecamatan=title_case(kec) if kec else "",
                cohort=cohort or "", progress=progress or 0, completed_at=completed, phone=phone,
                cohort_id=cohort_ref)
            for eid, uid, progress, completed, name, position, coop, kel, kec, cohort, phone, cohort_ref in result]


def gradebook(course: Course, cohort_id: int | None = None, page: int = 1, cohort_q: str = "",
              viewer=None) -> Gradebook:
    """One page (GRADEBOOK_PAGE rows) of participants × pre-test, quizzes, assignments, post-test,
    progress and completion, sorted by kelurahan. A fixed number of queries, each binding at most a
    page of ids, whatever the number of participants. A course with more than FILTER_OVER enrolments
    is listed one cohort at a time (needs_filter: no rows until a cohort is chosen). With `viewer`,
    only the participants and cohorts the viewer may see (kopedu.web.access)."""
    from kopedu.cohorts.services import cohort_choices

    quizzes, assignments, columns = _gradebook_columns(course)
    cohorts, more_cohorts = cohort_choices(course.id, cohort_q, viewer=viewer)
    book = Gradebook(course=course, columns=columns, rows=[], cohorts=cohorts, cohort_id=cohort_id,
                     page=max(page, 1), cohort_q=cohort_q, more_cohorts=more_cohorts, viewer=viewer)
    if cohort_id:
        book.cohort_name = db.session.scalar(select(Cohort.name).where(Cohort.id == cohort_id,
                                                                       Cohort.course_id == course.id))
    if not cohort_id and too_large(course):
        book.needs_filter = True
        return book
    offset = (book.page - 1) * GRADEBOOK_PAGE
    rows = _rows(db.session.execute(_gradebook_query(course, cohort_id, viewer)
                                    .limit(GRADEBOOK_PAGE + 1).offset(offset)))
    book.has_next = len(rows) > GRADEBOOK_PAGE
    book.rows = rows[:GRADEBOOK_PAGE]
    book.first_number = offset + 1
    _fill_rows(book.rows, quizzes, assignments)
    return book


def gradebook_all_rows(course: Course, cohort_id: int | None = None, viewer=None):
    """Every row of the gradebook the viewer may see (for the exports), read and filled a page at a time."""
    quizzes, assignments, _columns = _gradebook_columns(course)
    stmt = _gradebook_query(course, cohort_id, viewer)
    offset = 0
    while True:
        rows = _rows(db.session.execute(stmt.limit(EXPORT_CHUNK).offset(offset)))
        if not rows:
            return
        _fill_rows(rows, quizzes, assignments)
        yield from rows
        offset += len(rows)


def _add_attendance_and_certificates(rows: list[Row]) -> None:
    """Attendance % (cohorts.services) and the latest certificate (the live one, else the last revoked)
    of every row: three aggregate queries whatever the number of rows."""
    from datetime import date
    from types import SimpleNamespace

    from kopedu.cohorts.services import attendance_pcts

    if not rows:
        return
    pcts = attendance_pcts([SimpleNamespace(id=r.enrollment_id, cohort_id=r.cohort_id) for r in rows])
    # Certificates sit above grading in the layers: read their table by name, not their model.
    certificate = db.metadata.tables["certificate"]
    stmt = (select(certificate.c.enrollment_id, certificate.c.serial, certificate.c.revoked_at,
                   certificate.c.expires_on)
            .order_by(certificate.c.revoked_at.is_(None), certificate.c.issued_at, certificate.c.id))
    latest = {}
    for chunk in learning.id_chunks([r.enrollment_id for r in rows]):
        latest.update((eid, (serial, revoked, expires)) for eid, serial, revoked, expires
                      in db.session.execute(stmt.where(certificate.c.enrollment_id.in_(chunk))))
    today = date.today()
    for row in rows:
        row.attendance = pcts.get(row.enrollment_id)
        if row.enrollment_id in latest:
            serial, revoked, expires = latest[row.enrollment_id]
            row.certificate_serial = serial
            row.certificate_status = ("revoked" if revoked is not None else
                                      "expired" if expires is not None and today > expires else "valid")


def certificate_label(status: str | None) -> str:
    return {None: _("Belum terbit"), "valid": _("Sah"), "revoked": _("Dicabut"),
            "expired": _("Kedaluwarsa")}.get(status, status or "")


def gradebook_table(book: Gradebook, with_phone: bool = False, rows=None):
    """Header and rows for the CSV and XLSX exports (numbers stay numbers, dates stay dates). Phone
    numbers only when `with_phone` (admins and trainers). `rows` (default: the book's page) may be a
    generator (gradebook_all_rows): the table rows are then produced as it yields."""
    with_cohort = bool(book.cohorts)
    header = [_("No"), _("Nama")] + ([_("HP")] if with_phone else []) + [
        _("Jabatan"), _("Koperasi"), _("Kelurahan"), _("Kecamatan")]
    if with_cohort:
        header.append(_("Angkatan"))
    for column in book.columns:
        if column.kind == "assignment":
            header += [_("%(title)s: status", title=column.title), _("%(title)s (%%)", title=column.title)]
        else:
            header.append(_("%(title)s (%%)", title=column.title))
    header += [_("Progres (%)"), _("Kehadiran (%)"), _("Selesai"), _("Tanggal selesai"), _("No. sertifikat"),
               _("Status sertifikat")]
    labels = {status: status_label(status) for status in STATUSES}
    yes, no = _("Ya"), _("Belum")
    certificates = {status: certificate_label(status) for status in (None, "valid", "revoked", "expired")}
    return header, _table_rows(book, book.rows if rows is None else rows, with_phone, with_cohort, labels, yes, no,
                               certificates)


def _table_rows(book, rows, with_phone, with_cohort, labels, yes, no, certificates):
    for number, row in enumerate(rows, 1):
        values: list = [number, row.name] + ([phone_display(row.phone)] if with_phone else []) + [
            row.position, row.cooperative, row.kelurahan, row.kecamatan]
        if with_cohort:
            values.append(row.cohort)
        for column in book.columns:
            if column.kind == "assignment":
                status = row.statuses.get(column.key)
                values += [labels.get(status, "") if status else "", row.scores.get(column.key)]
            else:
                values.append(row.scores.get(column.key))
        values += [row.progress, row.attendance, yes if row.completed_at else no,
                   row.completed_at.date() if row.completed_at else None, row.certificate_serial or "",
                   certificates.get(row.certificate_status, row.certificate_status or "")]
        yield values


def gradebook_file(book: Gradebook, fmt: str, with_phone: bool = False):
    """Every row of the book's filter: XLSX bytes, or (fmt csv) (header, rows generator) for a
    streamed CSV; in the sheet the names stay in view while scrolling."""
    header, rows = gradebook_table(book, with_phone, gradebook_all_rows(book.course, book.cohort_id, book.viewer))
    if fmt == "csv":
        return header, rows
    return exports.xlsx_bytes(header, rows, title=_("Buku nilai"), freeze="C2")
