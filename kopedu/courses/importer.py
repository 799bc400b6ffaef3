"""Create or update a course from its folder of content files (see content/README.md).

The import is idempotent: the course is matched by slug, modules and lessons by their slugs, so a
re-import updates rows in place and participants' progress (which points at lesson ids) is kept.
When a quiz's GIFT file changed, its questions are updated in place: a question with the same kind and
title (or, untitled, text) keeps its id and the answers given to it; the others are added or removed.
"""
import hashlib
import re
import secrets
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import frontmatter
import yaml
from sqlalchemy import select

from kopedu import storage
from kopedu.courses import gift, pictures
from kopedu.courses.models import (ASSIGNMENT_KINDS, LESSON_KINDS, SHOW_ANSWERS, Assignment, Choice, Course, Lesson,
                                   LessonAttachment,
                                   Module, Question, Quiz, RubricCriterion)
from kopedu.extensions import db
from kopedu.web import uploads

_PREFIX = re.compile(r"^(\d+)[-_](.+)$")
# Attempts when a quiz names none: the pre-test once, the post-test twice (its best score counts), a quiz
# lesson without limit (0).
DEFAULT_ATTEMPTS = {"pretest": 1, "posttest": 2}


class ContentError(ValueError):
    """A content file that cannot be imported; the message names the file and line."""


@dataclass
class ImportReport:
    course: Course
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0


def _ordered(entries):
    """(position, slug, path) for names like 03-some-slug, sorted by number."""
    items = []
    for path in entries:
        match = _PREFIX.match(path.stem if path.is_file() else path.name)
        if match:
            items.append((int(match.group(1)), match.group(2), path))
    return sorted(items, key=lambda item: (item[0], item[1]))


def _load(path: Path) -> frontmatter.Post:
    try:
        return frontmatter.load(path)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise ContentError(f"{path}:{line}: front matter tidak valid ({getattr(error, 'problem', error)})") from error
    except UnicodeDecodeError as error:
        raise ContentError(f"{path}:1: berkas bukan UTF-8") from error


def _require(post, key, path, kind=str):
    value = post.get(key)
    if value is None or value == "":
        raise ContentError(f"{path}:1: front matter tidak punya '{key}'")
    if not isinstance(value, kind):
        raise ContentError(f"{path}:1: '{key}' harus {kind.__name__}")
    return value


def _set(obj, changes: list, **values) -> None:
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changes.append(key)


def parse_gift_file(path: Path) -> list[gift.Question]:
    if not path.is_file():
        raise ContentError(f"{path}:1: berkas soal tidak ditemukan")
    result = gift.parse(path.read_text(encoding="utf-8"))
    if result.errors:
        first = result.errors[0]
        raise ContentError(f"{path}:{first.line}: {first.message}")
    if not result.questions:
        raise ContentError(f"{path}:1: tidak ada soal")
    return result.questions


def import_course(folder: Path, publish: bool = True) -> ImportReport:
    """Import one course folder. Flushes; the caller commits (or rolls back on ContentError)."""
    folder = Path(folder)
    course_file = folder / "course.md"
    if not course_file.is_file():
        raise ContentError(f"{course_file}:1: course.md tidak ditemukan")
    post = _load(course_file)
    slug = folder.name
    course = db.session.scalar(select(Course).where(Course.slug == slug))
    report = ImportReport(course=course)
    if course is None:
        course = Course(slug=slug, title="")
        db.session.add(course)
        report.course = course
        report.created.append(f"course {slug}")
    changes: list[str] = []
    _set(course, changes,
         title=_require(post, "title", course_file),
         summary=str(post.get("summary", "")).strip(),
         description=post.content.strip(),
         jp_hours=int(post.get("jp_hours", 0)),
         sequential=bool(post.get("sequential", False)),
         self_enroll=bool(post.get("self_enroll", True)))
    if publish:
        _set(course, changes, published=True)
    if changes and course.id:
        report.updated.append(f"course {slug}")
    db.session.flush()

    for role in ("pretest", "posttest"):
        spec = post.get(role)
        existing = next((q for q in course.quizzes if q.role == role), None)
        if spec:
            quiz = existing or Quiz(course=course, role=role, title="")
            if existing is None:
                db.session.add(quiz)
            _sync_quiz(quiz, spec, folder, course_file, report, f"{role} {slug}")
        elif existing is not None:
            db.session.delete(existing)
            report.updated.append(f"{role} {slug} (dihapus)")

    modules_by_slug = {m.slug: m for m in course.modules}
    seen_modules = set()
    for position, module_slug, module_dir in _ordered(p for p in folder.iterdir() if p.is_dir()):
        module_file = module_dir / "module.md"
        if not module_file.is_file():
            raise ContentError(f"{module_file}:1: module.md tidak ditemukan")
        mpost = _load(module_file)
        module = modules_by_slug.get(module_slug)
        if module is None:
            module = Module(course=course, slug=module_slug, title="")
            db.session.add(module)
            report.created.append(f"module {module_slug}")
        changes = []
        _set(module, changes, title=_require(mpost, "title", module_file),
             summary=mpost.content.strip(), position=position)
        if changes and module.id:
            report.updated.append(f"module {module_slug}")
        db.session.flush()
        seen_modules.add(module_slug)
        _import_lessons(module, module_dir, report)

    for module_slug, module in modules_by_slug.items():
        if module_slug not in seen_modules:
            db.session.delete(module)
            report.updated.append(f"module {module_slug} (dihapus)")
    db.session.flush()
    return report


def _import_lessons(module: Module, module_dir: Path, report: ImportReport) -> None:
    lessons_by_slug = {lesson.slug: lesson for lesson in module.lessons}
    seen = set()
    files = [p for p in module_dir.iterdir() if p.is_file() and p.suffix == ".md" and p.name != "module.md"]
    for position, slug, path in _ordered(files):
        post = _load(path)
        kind = post.get("kind", "reading")
        if kind not in LESSON_KINDS:
            raise ContentError(f"{path}:1: kind '{kind}' tidak dikenal ({', '.join(LESSON_KINDS)})")
        lesson = lessons_by_slug.get(slug)
        created = lesson is None
        if created:
            lesson = Lesson(module=module, slug=slug, title="")
            db.session.add(lesson)
        settings = None
        if kind == "assignment":
            settings = {"assignment": _assignment_settings(post.get("assignment"), path)}
        changes: list[str] = []
        _set(lesson, changes,
             title=_require(post, "title", path),
             summary=str(post.get("summary", "")).strip(),
             body=pictures.inline_images(post.content.strip(), module.course, module_dir, path),
             minutes=int(post.get("minutes", 5)),
             kind=kind,
             required=bool(post.get("required", True)),
             video_url=post.get("video_url"),
             settings=settings,
             position=position)
        db.session.flush()
        if _sync_attachments(lesson, post.get("attachments"), module_dir, path):
            changes.append("attachments")
        if kind == "quiz":
            quiz = lesson.quiz
            if quiz is None:
                quiz = Quiz(course=module.course, lesson=lesson, role="lesson", title="")
                db.session.add(quiz)
            spec = dict(post.metadata)
            spec.setdefault("instructions", post.content.strip())
            if _sync_quiz(quiz, spec, module_dir, path, report, f"quiz {slug}", title=lesson.title):
                changes.append("quiz")
        elif lesson.quiz is not None:
            db.session.delete(lesson.quiz)
        if kind == "assignment":
            if sync_assignment(lesson, settings["assignment"]):
                changes.append("assignment")
        elif lesson.assignment is not None:
            db.session.delete(lesson.assignment)
            lesson.assignment = None
            changes.append("assignment")
        if created:
            report.created.append(f"lesson {module.slug}/{slug}")
        elif changes:
            report.updated.append(f"lesson {module.slug}/{slug}")
        else:
            report.unchanged += 1
        seen.add(slug)
    for slug, lesson in lessons_by_slug.items():
        if slug not in seen:
            db.session.delete(lesson)
            report.updated.append(f"lesson {module.slug}/{slug} (dihapus)")


def _assignment_settings(block, path: Path) -> dict:
    if not isinstance(block, dict):
        raise ContentError(f"{path}:1: tugas (kind: assignment) perlu blok 'assignment'")
    rubric = block.get("rubric") or []
    if not isinstance(rubric, list) or not rubric:
        raise ContentError(f"{path}:1: 'assignment.rubric' harus berisi kriteria")
    criteria = []
    for index, item in enumerate(rubric, 1):
        levels = item.get("levels") if isinstance(item, dict) else None
        if not isinstance(item, dict) or not item.get("criterion") or not levels:
            raise ContentError(f"{path}:1: kriteria rubrik ke-{index} perlu 'criterion' dan 'levels'")
        entry = {
            "criterion": str(item["criterion"]),
            "levels": [{"points": int(level["points"]), "description": str(level.get("description", ""))}
                       for level in levels],
        }
        if item.get("steps") is not None:  # the workbook steps a criterion looks at (kind: business_plan)
            steps = item["steps"]
            if not isinstance(steps, list) or not all(isinstance(k, str) and re.match(r"^[a-z_]+$", k) for k in steps):
                raise ContentError(f"{path}:1: 'steps' kriteria ke-{index} harus daftar kunci langkah, "
                                   "misalnya [keuangan, rencana_aksi]")
            entry["steps"] = list(steps)
        criteria.append(entry)
    kind = str(block.get("kind", "text_file"))
    if kind not in ASSIGNMENT_KINDS:
        raise ContentError(f"{path}:1: 'assignment.kind' harus salah satu dari {', '.join(ASSIGNMENT_KINDS)}")
    settings = {
        **({"kind": kind} if kind != "text_file" else {}),
        "submit_text": bool(block.get("submit_text", True)),
        "submit_files": bool(block.get("submit_files", True)),
        "pass_mark": int(block.get("pass_mark", 70)),
        "due_days": int(block["due_days"]) if block.get("due_days") else None,
        "rubric": criteria,
    }
    if block.get("due_date"):
        due = block["due_date"]
        if isinstance(due, str):
            try:
                due = date.fromisoformat(due)
            except ValueError:
                raise ContentError(f"{path}:1: 'assignment.due_date' harus tanggal, misalnya 2026-12-15") from None
        if not isinstance(due, date):
            raise ContentError(f"{path}:1: 'assignment.due_date' harus tanggal, misalnya 2026-12-15")
        settings["due_date"] = due.isoformat()  # kept as text: Lesson.settings is JSON
    return settings


def sync_assignment(lesson: Lesson, spec: dict) -> bool:
    """Create or update the lesson's Assignment and rubric from an `assignment:` block (as returned by
    _assignment_settings). Criteria are matched by position, so their ids stay put on a re-import.
    Flushes; returns True if anything changed."""
    assignment = lesson.assignment
    changed = False
    if assignment is None:
        assignment = Assignment(lesson=lesson)
        db.session.add(assignment)
        changed = True
    changes: list[str] = []
    _set(assignment, changes, kind=spec.get("kind", "text_file"), submit_text=spec["submit_text"],
         submit_files=spec["submit_files"], pass_mark=spec["pass_mark"], due_days=spec["due_days"])
    _set(assignment, changes, due_date=date.fromisoformat(spec["due_date"]) if spec.get("due_date") else None)
    criteria = list(assignment.criteria)
    for position, item in enumerate(spec["rubric"]):
        if position < len(criteria):
            _set(criteria[position], changes, title=item["criterion"], levels=item["levels"], position=position,
                 steps=item.get("steps"))
        else:
            assignment.criteria.append(RubricCriterion(position=position, title=item["criterion"],
                                                       levels=item["levels"], steps=item.get("steps")))
            changes.append("criteria")
    for extra in criteria[len(spec["rubric"]):]:
        assignment.criteria.remove(extra)
        changes.append("criteria")
    db.session.flush()
    return changed or bool(changes)


def _sync_quiz(quiz: Quiz, spec: dict, folder: Path, source: Path, report: ImportReport, label: str,
               title: str | None = None) -> bool:
    """Update the quiz settings and, if its GIFT file changed, its questions. True if anything changed."""
    gift_name = spec.get("questions")
    if not gift_name:
        raise ContentError(f"{source}:1: kuis perlu 'questions' (nama berkas GIFT)")
    show = spec.get("show_answers", "after_pass")
    if show not in SHOW_ANSWERS:
        raise ContentError(f"{source}:1: show_answers harus salah satu dari {', '.join(SHOW_ANSWERS)}")
    questions = parse_gift_file(folder / gift_name)
    changes: list[str] = []
    _set(quiz, changes,
         title=title or str(spec.get("title") or quiz.role),
         instructions=str(spec.get("instructions", "")).strip(),
         pass_mark=int(spec.get("pass_mark", 0 if quiz.role == "pretest" else 70)),
         attempts_allowed=int(spec.get("attempts", DEFAULT_ATTEMPTS.get(quiz.role, 0))),
         shuffle=bool(spec.get("shuffle", True)),
         show_answers=show,
         time_limit_minutes=_time_limit(spec, quiz.role))
    if _questions_signature(quiz.questions) != _gift_signature(questions):
        _sync_questions(quiz, questions)
        changes.append("questions")
    db.session.flush()
    if changes and quiz.id and label not in report.updated:
        report.updated.append(label)
    return bool(changes)


def _time_limit(spec: dict, role: str) -> int | None:
    """Pre- and post-tests take the limit from `minutes`; a quiz lesson's `minutes` is its
    estimated length, so its limit is `time_limit`."""
    limit = spec.get("minutes") if role != "lesson" else spec.get("time_limit")
    return int(limit) if limit else None


def _question_key(kind: str, title: str, text: str) -> tuple:
    """What makes a re-imported question "the same question": its kind and its GIFT title, or its text
    when it has no title. A corrected answer or reworded text under the same title stays the same
    question (it keeps its id, and the participants' answers to it); a new question needs a new title."""
    return (kind, title) if title else (kind, "", text)


def _sync_questions(quiz: Quiz, questions: list[gift.Question]) -> None:
    """Make the quiz's questions those of the GIFT file, updating in place every question that is the
    same (see _question_key), so it keeps its id and the answers given to it. Its choices are matched by
    text and keep their ids too (an answer records the ids of the choices picked)."""
    existing: dict[tuple, Question] = {}
    for question in quiz.questions:
        existing.setdefault(_question_key(question.kind, question.title, question.text), question)
    kept = []
    for position, parsed in enumerate(questions):
        question = existing.pop(_question_key(parsed.kind, parsed.title, parsed.text), None)
        if question is None:
            kept.append(_question_from_gift(parsed, position))
            continue
        question.position, question.category = position, parsed.category
        question.text, question.feedback = parsed.text, parsed.feedback
        question.answers = list(parsed.answers) if parsed.kind == "short" else None
        old_choices: dict[str, list[Choice]] = {}
        for choice in question.choices:
            old_choices.setdefault(choice.text, []).append(choice)
        choices = []
        for index, parsed_choice in enumerate(parsed.choices):
            same = old_choices.get(parsed_choice.text)
            choice = same.pop(0) if same else Choice(text=parsed_choice.text)
            choice.position, choice.weight, choice.feedback = index, float(parsed_choice.weight), parsed_choice.feedback
            choice.tolerance, choice.match = parsed_choice.tolerance, parsed_choice.match
            choices.append(choice)
        question.choices[:] = choices
        kept.append(question)
    for gone in existing.values():
        quiz.questions.remove(gone)
    db.session.flush()
    for question in kept:
        if question not in quiz.questions:
            quiz.questions.append(question)
    quiz.questions.sort(key=lambda q: q.position)
    db.session.flush()


def _question_from_gift(parsed: gift.Question, position: int) -> Question:
    question = Question(position=position, kind=parsed.kind, title=parsed.title, category=parsed.category,
                        text=parsed.text, feedback=parsed.feedback,
                        answers=list(parsed.answers) if parsed.kind == "short" else None)
    for index, choice in enumerate(parsed.choices):
        question.choices.append(Choice(position=index, text=choice.text, weight=float(choice.weight),
                                       feedback=choice.feedback, tolerance=choice.tolerance, match=choice.match))
    return question


def _gift_signature(questions: list[gift.Question]) -> list:
    return [(q.kind, q.title, q.text, q.feedback, list(q.answers) if q.kind == "short" else None,
             [(c.text, float(c.weight), c.feedback, c.tolerance, c.match) for c in q.choices]) for q in questions]


def _questions_signature(questions: list[Question]) -> list:
    return [(q.kind, q.title, q.text, q.feedback, q.answers,
             [(c.text, float(c.weight), c.feedback, c.tolerance or "", c.match or "") for c in q.choices])
            for q in questions]


# Handouts a lesson may carry, checked by content (and the content must be what the name says).
ATTACHMENT_KINDS = ("pdf", "docx", "xlsx", "pptx", "jpg", "png")
MAX_ATTACHMENT_BYTES = 20 * uploads.MB


def attachment_dir() -> Path:
    from flask import current_app

    return Path(current_app.config["UPLOAD_DIR"]) / "lessons"


def _sync_attachments(lesson: Lesson, spec, folder: Path, source: Path) -> bool:
    """Files named in the lesson's `attachments:` list (beside the lesson file), checked by
    content and copied under random names. True if anything changed."""
    spec = spec or []
    if not isinstance(spec, list):
        raise ContentError(f"{source}:1: 'attachments' harus berupa daftar berkas")
    wanted = []
    for item in spec:
        if isinstance(item, str):
            name, title = item, None
        elif isinstance(item, dict) and item.get("file"):
            name, title = str(item["file"]), item.get("title")
        else:
            raise ContentError(f"{source}:1: setiap lampiran perlu 'file'")
        path = folder / name
        if Path(name).name != name or not path.is_file():
            raise ContentError(f"{source}:1: lampiran '{name}' tidak ditemukan di {folder}")
        data = path.read_bytes()
        if len(data) > MAX_ATTACHMENT_BYTES:
            raise ContentError(f"{source}:1: lampiran '{name}' lebih dari 20 MB")
        kind = uploads.sniff(data)
        if kind not in ATTACHMENT_KINDS or kind != uploads.kind_for_name(name):
            raise ContentError(f"{source}:1: lampiran '{name}' bukan PDF, DOCX, XLSX, PPTX, JPG atau PNG")
        wanted.append((name, str(title or path.stem), uploads.KINDS[kind][0], data))

    changed = False
    existing = {a.filename: a for a in lesson.attachments}
    for position, (name, title, content_type, data) in enumerate(wanted):
        digest = hashlib.sha256(data).hexdigest()
        attachment = existing.pop(name, None)
        if attachment is None:
            attachment = LessonAttachment(filename=name, stored_name="", title=title, content_type=content_type,
                                          size=0, sha256="", position=position)
            lesson.attachments.append(attachment)
            changed = True
        if attachment.sha256 != digest:
            stored = secrets.token_hex(16) + Path(name).suffix.lower()
            storage.write_file(attachment_dir() / stored, data)  # removed again if the import fails
            attachment.stored_name, attachment.sha256, attachment.size = stored, digest, len(data)
            attachment.content_type = content_type
            changed = True
        if (attachment.title, attachment.position) != (title, position):
            attachment.title, attachment.position = title, position
            changed = True
    for attachment in existing.values():
        lesson.attachments.remove(attachment)
        changed = True
    db.session.flush()
    return changed
