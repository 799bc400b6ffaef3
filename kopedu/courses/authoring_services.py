"""Writing course content online: courses, modules, lessons (and deleting them), assignments and their
rubrics, course media, and the shared pieces: AuthoringError, slugs, moving an item up or down, counting a
course's questions. Quizzes, questions and GIFT import and export are in quiz_services, which builds on this
module (never the other way round). Services flush; the route commits."""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from kopedu import storage as file_store
from kopedu.courses.models import Assignment, Course, CourseMedia, Lesson, Module, Question, Quiz, RubricCriterion
from kopedu.extensions import db
from kopedu.web import uploads

MEDIA_KINDS = ("jpg", "png", "pdf", "docx", "xlsx")
MEDIA_MAX_BYTES = 10 * uploads.MB


class AuthoringError(ValueError):
    """A change that cannot be made; the message is for the trainer."""


# --------------------------------------------------------------------------- slugs and order


def slugify(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return text[:80].strip("-") or "item"


def _unique(base: str, taken: set[str]) -> str:
    slug, n = base, 2
    while slug in taken:
        slug = f"{base}-{n}"
        n += 1
    return slug


def _move(items: list, item, direction: str) -> bool:
    """Swap `item` with its neighbour in `items` (ordered by position) and renumber 1..n."""
    items = list(items)
    index = items.index(item)
    target = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= target < len(items):
        return False
    items[index], items[target] = items[target], items[index]
    for position, each in enumerate(items, 1):
        each.position = position
    db.session.flush()
    return True


# --------------------------------------------------------------------------- courses


def course_outline(course_id: int) -> Course | None:
    return db.session.scalar(
        select(Course).where(Course.id == course_id).options(
            selectinload(Course.modules).selectinload(Module.lessons),
            selectinload(Course.quizzes)))


def create_course(user, title: str) -> Course:
    taken = set(db.session.scalars(select(Course.slug)))
    course = Course(slug=_unique(slugify(title), taken), title=title.strip(), published=False)
    db.session.add(course)
    if user.role == "trainer":
        course.trainers.append(user)
    db.session.flush()
    return course


def update_course(course: Course, *, title: str, summary: str, description: str, jp_hours: int,
                  sequential: bool, self_enroll: bool) -> None:
    course.title = title.strip()
    course.summary = summary.strip()
    course.description = description.strip()
    course.jp_hours = jp_hours
    course.sequential = sequential
    course.self_enroll = self_enroll
    db.session.flush()


def set_published(course: Course, published: bool) -> None:
    if published and not any(module.lessons for module in course.modules):
        raise AuthoringError(_("Kursus belum punya pelajaran. Tambahkan paling sedikit satu pelajaran dulu."))
    course.published = published
    db.session.flush()


def publish_warnings(course: Course) -> list[str]:
    """What a trainer should know before (and after) publishing: hidden lessons participants will not see,
    and quizzes without a question. Publishing is still allowed."""
    warnings = []
    hidden = [lesson.title for module in course.modules for lesson in module.lessons if not lesson.published]
    if hidden:
        warnings.append(_("%(n)d pelajaran disembunyikan dan tidak akan terlihat peserta: %(titles)s.",
                          n=len(hidden), titles=", ".join(hidden)))
    counts = question_counts(q.id for q in course.quizzes)
    empty = [quiz.title for quiz in course.quizzes if not counts.get(quiz.id)]
    if empty:
        warnings.append(_("Kuis tanpa soal: %(titles)s.", titles=", ".join(empty)))
    return warnings


def set_lesson_published(lesson: Lesson, published: bool) -> None:
    """Show or hide one lesson (the outline's toggle). Flushes."""
    lesson.published = published
    db.session.flush()


# --------------------------------------------------------------------------- modules and lessons


def add_module(course: Course, title: str) -> Module:
    taken = {m.slug for m in course.modules}
    module = Module(course=course, slug=_unique(slugify(title), taken), title=title.strip(),
                    position=len(course.modules) + 1)
    db.session.add(module)
    db.session.flush()
    return module


def update_module(module: Module, *, title: str, summary: str) -> None:
    module.title = title.strip()
    module.summary = summary.strip()
    db.session.flush()


def move_module(module: Module, direction: str) -> bool:
    return _move(module.course.modules, module, direction)


def add_lesson(module: Module, *, title: str, kind: str) -> Lesson:
    taken = {lesson.slug for lesson in module.lessons}
    lesson = Lesson(module=module, slug=_unique(slugify(title), taken), title=title.strip(), kind=kind,
                    position=len(module.lessons) + 1, body="", published=False)
    db.session.add(lesson)
    if kind == "quiz":
        db.session.add(Quiz(course=module.course, lesson=lesson, role="lesson", title=lesson.title))
    elif kind == "assignment":
        assignment = Assignment(lesson=lesson)
        db.session.add(assignment)
    db.session.flush()
    if kind == "assignment":
        lesson.settings = {"assignment": lesson.assignment.as_settings()}
    return lesson


def update_lesson(lesson: Lesson, *, title: str, summary: str, body: str, minutes: int, required: bool,
                  published: bool, video_url: str | None) -> None:
    lesson.title = title.strip()
    lesson.summary = summary.strip()
    lesson.body = body.strip()
    lesson.minutes = minutes
    lesson.required = required
    lesson.published = published
    lesson.video_url = (video_url or "").strip() or None
    if lesson.quiz is not None:
        lesson.quiz.title = lesson.title
        lesson.quiz.instructions = lesson.body
    db.session.flush()


def move_lesson(lesson: Lesson, direction: str) -> bool:
    return _move(lesson.module.lessons, lesson, direction)


def delete(obj) -> None:
    """Delete a module or lesson. An assignment that participants have sent work for cannot be
    deleted (the database refuses); the caller turns that IntegrityError into a message. A lesson's
    narration file goes once the deletion has committed."""
    lessons = [obj] if isinstance(obj, Lesson) else list(getattr(obj, "lessons", []))
    for lesson in lessons:
        if lesson.narration is not None:
            file_store.delete_after_commit(Path(current_app.config["UPLOAD_DIR"]) / "narrations"
                                           / lesson.narration.stored_name)
    db.session.delete(obj)
    db.session.flush()


# --------------------------------------------------------------------------- assignments


def update_assignment(assignment: Assignment, *, submit_text: bool, submit_files: bool, pass_mark: int,
                      due_days: int | None, due_date) -> None:
    if not (submit_text or submit_files):
        raise AuthoringError(_("Pilih paling sedikit satu cara mengirim: teks atau berkas."))
    assignment.submit_text = submit_text
    assignment.submit_files = submit_files
    assignment.pass_mark = pass_mark
    assignment.due_days = due_days or None
    assignment.due_date = due_date
    _mirror(assignment)


def _mirror(assignment: Assignment) -> None:
    db.session.flush()
    db.session.refresh(assignment, ["criteria"])
    settings = dict(assignment.lesson.settings or {})
    settings["assignment"] = assignment.as_settings()
    assignment.lesson.settings = settings
    db.session.flush()


def parse_levels(rows: list[tuple[str, str]]) -> tuple[list[dict], str | None]:
    """Rubric levels from (points, description) rows; empty rows are skipped. Best first."""
    levels = []
    for points, description in rows:
        points, description = (points or "").strip(), (description or "").strip()
        if not points and not description:
            continue
        try:
            value = int(points)
        except ValueError:
            return [], _("Poin setiap tingkat harus bilangan bulat, misalnya 4.")
        if not 0 <= value <= 100:
            return [], _("Poin harus antara 0 dan 100.")
        levels.append({"points": value, "description": description})
    if len(levels) < 2:
        return [], _("Isi paling sedikit dua tingkat, misalnya 4 (baik sekali) dan 0 (tidak ada).")
    if len({level["points"] for level in levels}) != len(levels):
        return [], _("Setiap tingkat perlu poin yang berbeda.")
    return sorted(levels, key=lambda level: -level["points"]), None


def save_criterion(assignment: Assignment, criterion: RubricCriterion | None, title: str,
                   levels: list[dict]) -> RubricCriterion:
    if criterion is None:
        criterion = RubricCriterion(position=len(assignment.criteria) + 1, title="", levels=[])
        assignment.criteria.append(criterion)
    criterion.title = title.strip()
    criterion.levels = levels
    _mirror(assignment)
    return criterion


def delete_criterion(criterion: RubricCriterion) -> None:
    assignment = criterion.assignment
    assignment.criteria.remove(criterion)
    for position, each in enumerate(assignment.criteria, 1):
        each.position = position
    _mirror(assignment)


def move_criterion(criterion: RubricCriterion, direction: str) -> bool:
    moved = _move(criterion.assignment.criteria, criterion, direction)
    _mirror(criterion.assignment)
    return moved


# --------------------------------------------------------------------------- media


def media_dir(upload_dir) -> Path:
    return Path(upload_dir) / "course-media"


def upload_media(course: Course, storage, user, upload_dir) -> CourseMedia:
    """Check and store one image or attachment for the course. Raises uploads.UploadError."""
    directory = media_dir(upload_dir)
    staged = uploads.stage(storage, directory, MEDIA_KINDS, MEDIA_MAX_BYTES)
    try:
        media = CourseMedia(course=course, stored_name=staged.stored_name, original_name=staged.original_name,
                            kind=staged.kind, mime=staged.mime, size=staged.size, uploaded_by_id=user.id)
        db.session.add(media)
        db.session.flush()
    except BaseException:
        uploads.discard([staged])
        raise
    file_store.place([staged], directory)
    return media


def course_media(course: Course) -> list[CourseMedia]:
    return list(db.session.scalars(select(CourseMedia).where(CourseMedia.course_id == course.id)
                                   .order_by(CourseMedia.id.desc())))


def delete_media(media: CourseMedia, upload_dir) -> None:
    file_store.delete_after_commit(media_dir(upload_dir) / media.stored_name)
    db.session.delete(media)
    db.session.flush()


def media_by_name(stored_name: str) -> CourseMedia | None:
    return db.session.scalar(select(CourseMedia).where(CourseMedia.stored_name == stored_name))


def question_counts(quiz_ids) -> dict[int, int]:
    quiz_ids = list(quiz_ids)
    if not quiz_ids:
        return {}
    rows = db.session.execute(select(Question.quiz_id, func.count()).where(Question.quiz_id.in_(quiz_ids))
                              .group_by(Question.quiz_id))
    return dict(rows.all())
