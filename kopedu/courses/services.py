"""Reading course content."""
from sqlalchemy import func, or_, select

from kopedu.courses.models import Course, Lesson, Module, course_trainer
from kopedu.extensions import db


def published_courses(q: str = "") -> list[Course]:
    """Published courses by title; q matches the title or the summary (any case)."""
    stmt = select(Course).where(Course.published.is_(True)).order_by(Course.title)
    if q and q.strip():
        text = q.strip().lower()  # matched literally: a typed % or _ is no wildcard
        stmt = stmt.where(or_(func.lower(Course.title).contains(text, autoescape=True),
                              func.lower(Course.summary).contains(text, autoescape=True)))
    return list(db.session.scalars(stmt))


def all_courses() -> list[Course]:
    """Every course, published or not, by title (for admins' choices and filters)."""
    return list(db.session.scalars(select(Course).order_by(Course.title)))


def visible_courses(user) -> list[Course]:
    """The courses whose titles `user` may see, by title: every course for an admin; for others the
    published ones, and for a trainer also the courses they teach."""
    stmt = select(Course).order_by(Course.title)
    if not user.is_admin:
        visible = Course.published.is_(True)
        if user.role == "trainer":
            visible = or_(visible, Course.id.in_(select(course_trainer.c.course_id).where(
                course_trainer.c.user_id == user.id)))
        stmt = stmt.where(visible)
    return list(db.session.scalars(stmt))


def taught_courses(user, *options) -> list[Course]:
    """The courses a trainer teaches (every course for an admin), by title; `options` are loader options."""
    stmt = select(Course).order_by(Course.title)
    if not user.is_admin:
        if user.role != "trainer":  # an assignment row outlives a role change; the role decides
            return []
        stmt = stmt.join(course_trainer, course_trainer.c.course_id == Course.id).where(
            course_trainer.c.user_id == user.id)
    return list(db.session.scalars(stmt.options(*options)))


def course_sizes(course_ids) -> dict[int, tuple[int, int, int]]:
    """{course_id: (modules, published lessons, estimated minutes)} in one query."""
    course_ids = list(course_ids)
    if not course_ids:
        return {}
    stmt = (select(Module.course_id, func.count(func.distinct(Module.id)), func.count(Lesson.id),
                   func.coalesce(func.sum(Lesson.minutes), 0))
            .select_from(Module).outerjoin(Lesson, (Lesson.module_id == Module.id) & Lesson.published.is_(True))
            .where(Module.course_id.in_(course_ids)).group_by(Module.course_id))
    return {course_id: (modules, lessons, int(minutes)) for course_id, modules, lessons, minutes
            in db.session.execute(stmt)}
