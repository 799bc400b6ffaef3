"""Submitting assignments, grading them with the rubric, and feedback.

Services take plain values and model objects, flush and never commit (the route commits).
Functions other features call: `assignments_passed(enrollment)`, `unread_feedback_count(user)`,
`my_assignments(user)` and `still_open(items)`. The trainer's queue is in kopedu.grading.queue, the
gradebook in kopedu.grading.gradebook.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import joinedload, lazyload, selectinload

from kopedu import events
from kopedu import storage as file_store
from kopedu.courses.models import Assignment, Course, Lesson, Module
from kopedu.db import utcnow
from kopedu.extensions import db
from kopedu.grading.models import (FAILED, OUTCOMES, PASSED, REVISE, WAITING, Grade, Submission, SubmissionFile,
                                   SubmissionVersion)
from kopedu.learning.models import Enrollment
from kopedu.learning import services as learning
from kopedu.web.access import sees_enrollment
from kopedu.resumable import services as resumable
from kopedu.web import uploads

SUBMISSION_KINDS = ("pdf", "jpg", "png", "docx", "xlsx")
MAX_FILE_BYTES = 10 * uploads.MB
MAX_FILES = 5
MAX_TEXT = 50_000
MAX_VERSIONS = 10  # versions of one assignment per participant
MAX_TOTAL_BYTES = 100 * uploads.MB  # files of all of a participant's submissions


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

