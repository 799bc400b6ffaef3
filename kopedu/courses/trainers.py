"""Who trains a course: the course editor's trainer list, one trainer added or removed at a time.

A national course has a trainer for every cohort (thousands of accounts), so the list is a searchable
page and each change touches one row of `course_trainer`, never the whole list. A region admin lists,
adds and removes the trainers of their own region only (kopedu.web.access.visible_accounts); the others stay.
"""
from __future__ import annotations

from sqlalchemy import delete, func, insert, select

from kopedu.auth.models import User
from kopedu.auth import services as accounts
from kopedu.auth.services import Pick, name_or_phone, trainer_picks
from kopedu.courses.models import Course, course_trainer
from kopedu.courses.outline import new_version
from kopedu.extensions import db
from kopedu.web.access import sees_account, visible_accounts


def _mine(course: Course):
    return select(course_trainer.c.user_id).where(course_trainer.c.course_id == course.id)


def course_trainers(course: Course, viewer, q: str = "", limit: int | None = None) -> tuple[list[Pick], int]:
    """(up to `limit` of the course's trainers `viewer` may see, matching `q`, by name; how many those are).
    A region admin sees the trainers of their region only (another Dinas's trainers are not theirs to list)."""
    stmt = (select(User.id, User.full_name, User.organisation)
            .where(User.id.in_(_mine(course)), visible_accounts(viewer)).order_by(User.full_name, User.id))
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    if q.strip():
        stmt = stmt.where(name_or_phone(q))
    return [Pick(*row) for row in db.session.execute(stmt.limit(limit or accounts.PICK_LIMIT))], total


def candidates(course: Course, viewer, q: str = "") -> list[Pick]:
    """Active trainers `viewer` may add: not yet on the course, matching `q` (the first PICK_LIMIT by name)."""
    return trainer_picks(viewer, q, exclude=_mine(course))


def _changed(course: Course) -> None:
    course.outline_version = new_version()  # the outline cache keeps the trainer ids
    db.session.flush()


def add_trainer(course: Course, user_id: int, actor) -> Pick | None:
    """Put one trainer (active, and in the actor's region) on the course. Flushes; None if not allowed."""
    found = trainer_picks(actor, ids=[user_id])
    if not found:
        return None
    exists = db.session.scalar(select(course_trainer.c.user_id).where(
        course_trainer.c.course_id == course.id, course_trainer.c.user_id == user_id))
    if exists is None:
        db.session.execute(insert(course_trainer).values(course_id=course.id, user_id=user_id))
        _changed(course)
    return found[0]


def remove_trainer(course: Course, user_id: int, actor) -> bool:
    """Take one trainer off the course, if the actor may manage that account (their region). Flushes."""
    if not sees_account(actor, user_id):
        return False
    removed = db.session.execute(delete(course_trainer).where(
        course_trainer.c.course_id == course.id, course_trainer.c.user_id == user_id)).rowcount
    if removed:
        _changed(course)
    return bool(removed)
