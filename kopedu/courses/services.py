"""Reading course content."""
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from kopedu.courses.models import Course, Module
from kopedu.extensions import db


def published_courses(q: str = "") -> list[Course]:
    stmt = select(Course).where(Course.published.is_(True)).order_by(Course.title)
    if q:
        like = f"%{q.strip().lower()}%"
        stmt = stmt.where(or_(func.lower(Course.title).like(like), func.lower(Course.summary).like(like)))
    return list(db.session.scalars(stmt))


def course_with_outline(slug: str) -> Course | None:
    """The course with its modules and lessons loaded in a bounded number of queries."""
    stmt = (select(Course).where(Course.slug == slug)
            .options(selectinload(Course.modules).selectinload(Module.lessons)))
    return db.session.scalar(stmt)
