"""The trainer's grading queue: the submissions a trainer or admin may grade, filtered and paged,
the waiting count behind the nav badge, and what the queue's filters offer."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import false, func, select
from sqlalchemy.orm import contains_eager, joinedload, lazyload

from kopedu.auth.models import User
from kopedu.courses.models import Assignment, Course, Lesson, Module, course_trainer
from kopedu.courses.services import taught_courses
from kopedu.extensions import db
from kopedu.grading.models import STATUSES, WAITING, Submission
from kopedu.learning.models import Enrollment
from kopedu.regions.models import Cooperative
from kopedu.web.access import is_national, visible_enrollment_ids, visible_enrollment_rows

PER_PAGE = 25


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
