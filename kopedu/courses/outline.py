"""The course outline, cached per process: a course with its modules, its lessons (without their
bodies), its quizzes (without their questions) and the ids of its trainers.

Courses are edited rarely and their outline is read on every learner request (lesson page, "Tandai
selesai", quizzes), so each process keeps the outlines it has loaded and reuses them until the course
changes.

Freshness. `Course.outline_version` is a random token. `before_flush` (run by kopedu.events) runs
before each flush: when the flush adds, changes or deletes a Course, Module, Lesson or Quiz, it sets a
new token on the courses concerned (one UPDATE, in the same transaction, so a rolled-back change
never publishes a token). `load()` reads the course's id and token (one small query) and uses the
cached outline with that token, or loads the outline and caches it under the token read with it.
The processes of a server therefore stay coherent through the database: nothing is broadcast, and a
change committed by one worker is seen by the next request of every other worker.

The cached objects are detached from every session and shared by the threads of the process: they
are read, never changed, and never given to a session (refer to them by id). What a request needs
beyond the outline (a lesson's body and handouts, a quiz's questions) it loads into its own session.
"""
from __future__ import annotations

import secrets
import threading
from itertools import chain

from flask import current_app
from sqlalchemy import inspect, or_, select, update
from sqlalchemy.orm import Session, defer, joinedload, lazyload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from kopedu.courses.models import Course, Lesson, Module, Quiz, course_trainer
from kopedu.extensions import db

MAX_COURSES = 256  # outlines kept per process; beyond it the cache starts again empty
_OUTLINE_CLASSES = (Course, Module, Lesson, Quiz)


def new_version() -> str:
    return secrets.token_hex(8)


def _cache() -> dict:
    return current_app.extensions.setdefault("kopedu.outline", {})


_load_lock = threading.Lock()


def load(slug: str | None = None, course_id: int | None = None) -> Course | None:
    """The outline of the course with this slug (or id): cached, detached, read-only."""
    key = select(Course.id, Course.outline_version)
    key = key.where(Course.slug == slug) if slug is not None else key.where(Course.id == course_id)
    row = db.session.execute(key).first()
    return _outlines({row.id: row.outline_version}).get(row.id) if row is not None else None


def load_many(course_ids) -> dict[int, Course]:
    """{course id: outline} for these courses: one query for their versions, and the outlines not in
    the cache loaded together (two more queries, whatever their number)."""
    course_ids = list(course_ids)
    if not course_ids:
        return {}
    rows = db.session.execute(select(Course.id, Course.outline_version).where(Course.id.in_(course_ids)))
    return _outlines(dict(rows.all()))


def _outlines(versions: dict[int, str]) -> dict[int, Course]:
    cache = _cache()
    found, missing = {}, []
    for course_id, version in versions.items():
        cached = cache.get(course_id)
        if cached is not None and cached[0] == version:
            found[course_id] = cached[1]
        else:
            missing.append(course_id)
    if missing:
        loaded = _load(missing)
        with _load_lock:
            if len(cache) + len(loaded) > MAX_COURSES:
                cache.clear()
            for course in loaded:
                cache[course.id] = (course.outline_version, course)
                found[course.id] = course
    return found


def _load(course_ids: list[int]) -> list[Course]:
    """Load outlines in a session of their own on the request's connection (same transaction, so the
    request's own uncommitted changes are seen; own identity map, so no object of the request's session
    is shared or detached), then detach them."""
    connection = db.session.connection()
    with Session(bind=connection, autoflush=False, expire_on_commit=False) as session:
        courses = session.scalars(select(Course).where(Course.id.in_(course_ids)).options(
            joinedload(Course.modules).joinedload(Module.lessons).options(defer(Lesson.body),
                                                                          defer(Lesson.settings)),
            selectinload(Course.quizzes),
            lazyload(Course.trainers),
        )).unique().all()
        trainers: dict[int, set[int]] = {}
        for course_id, user_id in session.execute(select(course_trainer.c.course_id, course_trainer.c.user_id)
                                                  .where(course_trainer.c.course_id.in_(course_ids))):
            trainers.setdefault(course_id, set()).add(user_id)
        for course in courses:
            course._trainer_ids = frozenset(trainers.get(course.id, ()))
            course._memo = {}  # see memo()
            # Every link between the loaded objects, so that no attribute read on them needs a session.
            lessons = {}
            for module in course.modules:
                set_committed_value(module, "course", course)
                for lesson in module.lessons:
                    set_committed_value(lesson, "module", module)
                    lessons[lesson.id] = lesson
            by_lesson = {quiz.lesson_id: quiz for quiz in course.quizzes if quiz.lesson_id is not None}
            for quiz in course.quizzes:
                set_committed_value(quiz, "course", course)
                set_committed_value(quiz, "lesson", lessons.get(quiz.lesson_id))
            for lesson in lessons.values():
                set_committed_value(lesson, "quiz", by_lesson.get(lesson.id))
        session.expunge_all()
    return list(courses)


def memo(course: Course, key, build):
    """A value derived from the outline alone (its lessons' URLs, say), built once per process and
    outline version: a changed course is loaded as a new outline object, with an empty memo. For a
    course that is not a cached outline, build() every time."""
    values = course.__dict__.get("_memo")
    if values is None:
        return build()
    try:
        return values[key]
    except KeyError:
        value = values[key] = build()
        return value


# --------------------------------------------------------------------------- invalidation


def _course_of(obj) -> tuple[int | None, int | None]:
    """(course id, module id) that `obj` belongs to, from what is loaded (no SQL)."""
    state = inspect(obj)
    if isinstance(obj, Course):
        return obj.id, None
    if isinstance(obj, (Module, Quiz)):
        course_id = state.dict.get("course_id")
        if course_id is None and state.dict.get("course") is not None:
            course_id = state.dict["course"].id
        return course_id, None
    # a lesson: its module's course, or the module itself when that is not loaded yet
    module = state.dict.get("module")
    if module is not None and module.course_id is not None:
        return module.course_id, None
    if module is not None and module.course is not None:
        return module.course.id, None
    return None, state.dict.get("module_id")


def before_flush(session) -> None:
    """kopedu.events, before each flush: a new outline_version for every course whose outline the flush
    changes (one UPDATE, in the same transaction, so a rolled-back change publishes nothing)."""
    course_ids, module_ids = set(), set()
    for obj in chain(session.new, session.dirty, session.deleted):
        if not isinstance(obj, _OUTLINE_CLASSES):
            continue
        if obj in session.dirty and not session.is_modified(obj):
            continue
        if isinstance(obj, Course) and (obj in session.new or obj in session.deleted):
            continue  # a new course gets its own token; a deleted one is gone
        course_id, module_id = _course_of(obj)
        if course_id is not None:
            course_ids.add(course_id)
        if module_id is not None:
            module_ids.add(module_id)
        if isinstance(obj, Lesson):  # a lesson moved to another module: that module's course too
            history = inspect(obj).attrs.module_id.history
            module_ids.update(m for m in chain(history.deleted or (), history.added or ()) if m is not None)
    if not course_ids and not module_ids:
        return
    where = []
    if course_ids:
        where.append(Course.__table__.c.id.in_(course_ids))
    if module_ids:
        where.append(Course.__table__.c.id.in_(
            select(Module.__table__.c.course_id).where(Module.__table__.c.id.in_(module_ids))))
    session.connection().execute(update(Course.__table__).where(or_(*where)).values(outline_version=new_version()))

