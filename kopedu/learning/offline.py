"""What "Simpan untuk dibaca offline" downloads for one module, and roughly how many bytes it takes.

A module can be saved once the participant has reached it (one of its lessons opens). Its offline copy
holds every lesson page of the module as the reader serves it, opened for reading even where a sequential
course still locks a lesson: reading ahead inside a module the participant has reached is allowed, and
the server still refuses a completion out of order (a queued "Tandai selesai" is replayed in order).
Handouts and lesson images up to FILE_LIMIT each are saved with it; bigger files are left out and named.
A lesson's narration (a trainer's recording) is saved too, up to AUDIO_LIMIT (a cap of its own: a few
minutes of speech are larger than a handout), and counted in the module's size.
The page of an open attempt of the module's quiz is saved too, so its answers can be chosen offline.
"""
import re
from dataclasses import dataclass, field

from sqlalchemy import func, select

from kopedu.courses.models import CourseMedia, Lesson, LessonAttachment, LessonNarration
from kopedu.extensions import db
from kopedu.learning.models import QuizAttempt

FILE_LIMIT = 300 * 1024  # a handout or an image bigger than this is not saved for offline reading
AUDIO_LIMIT = 5 * 1024 * 1024  # a narration bigger than this (about 20 minutes of Opus speech) is not saved
# A lesson page is its body (Markdown grows a little as HTML) plus the page around it, whose outline
# lists every lesson of the course: measured on the bundled course (14.5 KB for a 3.8 KB body, 33 lessons).
_PAGE_BASE, _PAGE_PER_LESSON, _BODY_FACTOR = 4500, 300, 1.15
_ATTEMPT_PAGE = 20 * 1024  # a quiz attempt page of about 16 questions
_MEDIA = re.compile(r"/media/([A-Za-z0-9_-]+)/")


@dataclass
class ModuleCopy:
    """One module's offline copy: lessons to save (with titles), open attempts, files, estimated bytes."""

    module_id: int
    lessons: list = field(default_factory=list)  # LessonItem
    attempt_ids: list[int] = field(default_factory=list)
    attachments: list = field(default_factory=list)  # LessonAttachment, saved
    media: list = field(default_factory=list)  # (stored_name, original_name), saved
    too_big: list[str] = field(default_factory=list)  # names of files left out
    narrations: list[int] = field(default_factory=list)  # lesson ids whose narration is saved
    too_long: list[str] = field(default_factory=list)  # titles of lessons whose narration is left out
    bytes: int = 0


def reached(items) -> bool:
    return any(not item.locked for item in items)


def open_module_for_reading(state, item) -> None:
    """For the offline copy of `item`'s lesson: open its module's lessons for reading (statuses only;
    nothing is written) when the participant has reached the module."""
    if state.enrollment is None or not item.locked:
        return
    module_items = [entry for entry in state.items if entry.lesson.module_id == item.lesson.module_id]
    if reached(module_items):
        for entry in module_items:
            if entry.locked:
                entry.status = "open"


def module_copies(state) -> dict[int, ModuleCopy]:
    """The offline copy of every module the enrolled participant has reached, by module id (two queries:
    body sizes with handouts, open attempts of lesson quizzes; a third for the images when a lesson has some)."""
    if state.enrollment is None:
        return {}
    copies: dict[int, ModuleCopy] = {}
    for module, items in state.module_items():
        if reached(items):
            copies[module.id] = ModuleCopy(module.id, lessons=items)
    lesson_ids = [item.lesson.id for copy in copies.values() for item in copy.lessons]
    if not lesson_ids:
        return copies
    module_of = {item.lesson.id: copy for copy in copies.values() for item in copy.lessons}
    page_base = _PAGE_BASE + _PAGE_PER_LESSON * len(state.items)
    with_media = []
    rows = db.session.execute(
        select(Lesson.id, func.length(Lesson.body), Lesson.body.contains("/media/"), LessonAttachment,
               LessonNarration.size)
        .outerjoin(LessonAttachment, LessonAttachment.lesson_id == Lesson.id)
        .outerjoin(LessonNarration, LessonNarration.lesson_id == Lesson.id)  # at most one a lesson
        .where(Lesson.id.in_(lesson_ids)).order_by(Lesson.id, LessonAttachment.position))
    counted = set()
    titles = {item.lesson.id: item.lesson.title for copy in copies.values() for item in copy.lessons}
    for lesson_id, length, has_media, handout, narration_size in rows:
        copy = module_of[lesson_id]
        if lesson_id not in counted:
            counted.add(lesson_id)
            copy.bytes += page_base + int((length or 0) * _BODY_FACTOR)
            if has_media:
                with_media.append(lesson_id)
            if narration_size is not None:
                if narration_size > AUDIO_LIMIT:
                    copy.too_long.append(titles[lesson_id])
                else:
                    copy.narrations.append(lesson_id)
                    copy.bytes += narration_size
        if handout is not None:
            _add_file(copy, handout.size, handout, handout.filename, "attachments")
    if with_media:
        names: dict[str, set[int]] = {}
        for lesson_id, body in db.session.execute(select(Lesson.id, Lesson.body).where(Lesson.id.in_(with_media))):
            for name in _MEDIA.findall(body or ""):
                names.setdefault(name, set()).add(lesson_id)
        if names:
            for media in db.session.scalars(select(CourseMedia).where(CourseMedia.stored_name.in_(names),
                                                                      CourseMedia.course_id == state.course.id)):
                copy = module_of[min(names[media.stored_name])]
                _add_file(copy, media.size, (media.stored_name, media.original_name), media.original_name, "media")
    # asked whenever the course has lesson quizzes, reached or not: the page's query count stays the same
    quiz_lessons = {quiz.id: quiz.lesson_id for quiz in state.course.quizzes if quiz.role == "lesson"}
    if quiz_lessons:
        for attempt_id, quiz_id in db.session.execute(
                select(QuizAttempt.id, QuizAttempt.quiz_id).where(
                    QuizAttempt.user_id == state.enrollment.user_id, QuizAttempt.quiz_id.in_(quiz_lessons),
                    QuizAttempt.submitted_at.is_(None))):
            copy = module_of.get(quiz_lessons[quiz_id])
            if copy is None:
                continue
            copy.attempt_ids.append(attempt_id)
            copy.bytes += _ATTEMPT_PAGE
    return copies


def _add_file(copy: ModuleCopy, size: int, value, name: str, kind: str) -> None:
    if size > FILE_LIMIT:
        copy.too_big.append(name)
        return
    getattr(copy, kind).append(value)
    copy.bytes += size
