"""The stored progress of enrolments: how it is counted and stored, and kept true when a course's
lessons change.

An enrolment stores its progress (Enrollment.progress_pct: the monitoring pages, the cohort page and
the completion rules read it); completing a lesson updates it. When a trainer adds, deletes, publishes
or unpublishes a lesson, or makes it optional, the share of lessons done changes for everyone in the
course without anybody completing anything. Each flush that touches such a lesson notes its course
(note_flush); just before the transaction commits every enrolment of the noted courses is recounted
with one aggregate query (before_commit), and only the enrolments whose figure changed are written
(those that reach 100 % emit progress_changed, so a certificate can follow). kopedu.events calls these
hooks, in the order its docstring states.
"""
from sqlalchemy import and_, func, inspect, select

from kopedu.courses.models import Course, Lesson, Module
from kopedu.db import utcnow
from kopedu.extensions import db
from kopedu.learning.models import Enrollment, LessonProgress
from kopedu import events

_KEY = "progress_recount_courses"
_COUNTED = ("required", "published", "module_id")  # what decides whether a lesson counts, and where


def progress_counts(where, session=None) -> dict[int, tuple[int, int]]:
    """{enrolment id: (stored percentage, percentage counted now)} for the enrolments matching `where`:
    the completed share of the course's required, published lessons (one aggregate query)."""
    counted = and_(Lesson.required.is_(True), Lesson.published.is_(True))
    stmt = (select(Enrollment.id, Enrollment.progress_pct, func.count(Lesson.id), func.count(LessonProgress.id))
            .select_from(Enrollment)
            .outerjoin(Module, Module.course_id == Enrollment.course_id)
            .outerjoin(Lesson, and_(Lesson.module_id == Module.id, counted))
            .outerjoin(LessonProgress, and_(LessonProgress.lesson_id == Lesson.id,
                                            LessonProgress.user_id == Enrollment.user_id))
            .where(where)
            .group_by(Enrollment.id, Enrollment.progress_pct))
    return {enrollment_id: (stored, done * 100 // total if total else 0)
            for enrollment_id, stored, total, done in (session or db.session()).execute(stmt)}


def store_progress(enrollment: Enrollment, pct: int, now) -> None:
    """Write a new percentage (nothing when unchanged); the first time it reaches 100 % is the completion."""
    if enrollment.progress_pct != pct:
        enrollment.progress_pct = pct
    if pct >= 100 and enrollment.completed_at is None:
        enrollment.completed_at = now


def recount_courses(course_ids, session=None) -> int:
    """Recount the stored progress of every enrolment in these courses. Returns how many changed."""
    session = session or db.session()
    course_ids = set(course_ids)
    if not course_ids:
        return 0
    changed = {enrollment_id: pct for enrollment_id, (stored, pct)
               in progress_counts(Enrollment.course_id.in_(course_ids), session).items() if pct != stored}
    if not changed:
        return 0
    now = utcnow()
    enrollments = session.scalars(select(Enrollment).where(Enrollment.id.in_(changed))).all()
    for enrollment in enrollments:
        store_progress(enrollment, changed[enrollment.id], now)
    session.flush()
    for enrollment in enrollments:
        if enrollment.progress_pct >= 100:
            events.emit("progress_changed", enrollment)
    return len(changed)


def _marks(session) -> dict:
    return session.info.setdefault(_KEY, {"courses": set(), "modules": set(), "new_courses": set()})


def note_flush(session) -> None:
    """Note the courses (or, for lessons, the modules: resolved before the commit) whose counted
    lessons changed. No SQL here: a flush is in progress."""
    for obj in list(session.new) + list(session.deleted) + list(session.dirty):
        if isinstance(obj, Course) and obj in session.new:
            _marks(session)["new_courses"].add(obj.id)
        elif isinstance(obj, Module) and obj not in session.dirty:
            _marks(session)["courses"].add(obj.course_id)
        elif isinstance(obj, Lesson):
            history = inspect(obj).attrs
            if obj in session.dirty and not any(history[name].history.has_changes() for name in _COUNTED):
                continue
            modules = _marks(session)["modules"]
            modules.add(obj.module_id)
            modules.update(history["module_id"].history.deleted or ())  # a lesson moved to another module


def before_commit(session) -> None:
    session.flush()
    marks = session.info.pop(_KEY, None)
    if not marks:
        return
    course_ids = set(marks["courses"])
    modules = {module_id for module_id in marks["modules"] if module_id is not None}
    if modules:
        course_ids.update(session.scalars(select(Module.course_id).where(Module.id.in_(modules))))
    # Nobody has progress in a course created in this same transaction (an import, a new course).
    course_ids -= marks["new_courses"] | {None}
    recount_courses(course_ids, session)


def forget(session) -> None:
    session.info.pop(_KEY, None)
