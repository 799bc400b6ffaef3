"""The gradebook of a course: participants × pre-test, quizzes, assignments, post-test, progress,
attendance and certificate, a page at a time, and its CSV/XLSX export."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import case, func, select
from sqlalchemy.orm import aliased

from kopedu.auth.models import User
from kopedu.cohorts.models import Cohort
from kopedu.courses.models import Assignment, Course, Lesson, Module, Quiz
from kopedu.extensions import db
from kopedu.grading.models import STATUSES, Grade, Submission
from kopedu.grading.services import status_label
from kopedu.learning import services as learning
from kopedu.learning.models import Enrollment
from kopedu.learning.services import best_scores
from kopedu.regions.models import Cooperative, Region, title_case
from kopedu.web import exports
from kopedu.web.access import visible_enrollments
from kopedu.web.filters import phone_display


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
