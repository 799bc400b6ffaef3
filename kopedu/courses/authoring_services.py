"""Writing course content online: courses, modules, lessons, quizzes and questions, assignments and
their rubrics, GIFT import and export, course media. Services flush; the route commits."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from kopedu import storage as file_store
from kopedu.courses import gift
from kopedu.courses.models import (Assignment, Choice, Course, CourseMedia, Lesson, Module, Question, Quiz,
                                   RubricCriterion)
from kopedu.extensions import db
from kopedu.web import uploads

MEDIA_KINDS = ("jpg", "png", "pdf", "docx", "xlsx")
MEDIA_MAX_BYTES = 10 * uploads.MB
GIFT_MAX_BYTES = 1 * uploads.MB
QUIZ_ROLE_TITLES = {"pretest": "Pre-test", "posttest": "Post-test"}


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


# --------------------------------------------------------------------------- quizzes and questions


def ensure_test(course: Course, role: str) -> Quiz:
    """The course's pre-test or post-test, created (empty) if missing."""
    quiz = next((q for q in course.quizzes if q.role == role), None)
    if quiz is None:
        quiz = Quiz(course=course, role=role, title=QUIZ_ROLE_TITLES[role],
                    pass_mark=0 if role == "pretest" else 70, attempts_allowed=1 if role == "pretest" else 0)
        db.session.add(quiz)
        db.session.flush()
    return quiz


def quiz_with_questions(quiz_id: int) -> Quiz | None:
    return db.session.scalar(select(Quiz).where(Quiz.id == quiz_id).options(
        selectinload(Quiz.questions).selectinload(Question.choices)))


def update_quiz(quiz: Quiz, *, title: str, instructions: str, pass_mark: int, attempts_allowed: int,
                shuffle: bool, show_answers: str, time_limit_minutes: int | None) -> None:
    quiz.title = title.strip()
    quiz.instructions = instructions.strip()
    quiz.pass_mark = pass_mark
    quiz.attempts_allowed = attempts_allowed
    quiz.shuffle = shuffle
    quiz.show_answers = show_answers
    quiz.time_limit_minutes = time_limit_minutes or None
    if quiz.lesson is not None:
        quiz.lesson.title = quiz.title
    db.session.flush()


def validate_question(q: gift.Question) -> dict[str, str]:
    """Problems with a question written in the editor, by field ({} when it is fine)."""
    errors: dict[str, str] = {}
    if not q.text.strip():
        errors["text"] = _("Tulis pertanyaannya.")
    if q.kind == gift.SHORT:
        if not q.answers:
            errors["answers"] = _("Tulis paling sedikit satu jawaban yang benar.")
        elif any("->" in a for a in q.answers):
            errors["answers"] = _("Jawaban singkat tidak boleh memuat ->: Moodle membacanya sebagai soal menjodohkan.")
    elif q.kind == gift.SINGLE:
        if len(q.choices) < 2:
            errors["choices"] = _("Soal pilihan perlu paling sedikit dua pilihan.")
        elif sum(1 for c in q.choices if c.correct) != 1:
            errors["choices"] = _("Tandai tepat satu pilihan yang benar.")
    elif q.kind == gift.MULTIPLE:
        total = sum(c.weight for c in q.choices if c.weight > 0)
        if len(q.choices) < 2:
            errors["choices"] = _("Soal pilihan perlu paling sedikit dua pilihan.")
        elif any(not -100 <= c.weight <= 100 for c in q.choices):
            errors["choices"] = _("Bobot harus antara -100 dan 100.")
        elif (off := next((c.weight for c in q.choices if gift.grade(c.weight) is None), None)) is not None:
            lower, upper = gift.nearest_grades(off)
            errors["choices"] = _("Bobot %(weight)s tidak ada dalam daftar bobot Moodle; pakai %(lower)s atau %(upper)s.",
                                  weight=f"{off:.7g}", lower=f"{lower:.7g}", upper=f"{upper:.7g}")
        elif not gift.weights_total_ok(total):
            errors["choices"] = _("Jumlah bobot pilihan yang benar harus 100, sekarang %(total)s.",
                                  total=f"{total:g}")
    elif q.kind == gift.TRUEFALSE:
        if sum(1 for c in q.choices if c.correct) != 1:
            errors["choices"] = _("Pilih Benar atau Salah.")
    elif q.kind == gift.NUMERICAL:
        if message := _numerical_problem(q):
            errors["choices"] = message
    elif q.kind == gift.MATCHING:
        if any(not c.match for c in q.choices):
            errors["choices"] = _("Setiap baris perlu jawaban di kanan.")
        elif any("->" in c.text for c in q.choices):
            errors["choices"] = _("Teks di kiri tidak boleh memuat ->.")
        elif sum(1 for c in q.choices if c.text) < 2:
            errors["choices"] = _("Soal menjodohkan perlu paling sedikit dua pasangan.")
    else:
        errors["kind"] = _("Jenis soal tidak dikenal.")
    return errors


def _numerical_problem(q: gift.Question) -> str | None:
    answers = [c for c in q.choices if c.text != "*"]
    if not answers:
        return _("Tulis paling sedikit satu jawaban angka.")
    for c in answers:
        try:
            value, margin = Decimal(c.text), Decimal(c.tolerance or "0")
        except InvalidOperation:
            return _("Angka tidak dikenali: %(value)s. Tulis misalnya 1.548.000 atau 12,5.", value=f"{c.text} ± {c.tolerance}")
        if not value.is_finite() or not margin.is_finite() or margin < 0:
            return _("Angka tidak dikenali: %(value)s. Tulis misalnya 1.548.000 atau 12,5.", value=f"{c.text} ± {c.tolerance}")
        if gift.grade(c.weight) is None:
            lower, upper = gift.nearest_grades(max(-100.0, min(100.0, c.weight)))
            return _("Bobot %(weight)s tidak ada dalam daftar bobot Moodle; pakai %(lower)s atau %(upper)s.",
                     weight=f"{c.weight:.7g}", lower=f"{lower:.7g}", upper=f"{upper:.7g}")
    if not any(c.weight == 100 for c in answers):
        return _("Paling sedikit satu jawaban harus bernilai 100.")
    return None


def to_gift(question: Question) -> gift.Question:
    return gift.Question(
        kind=question.kind, text=question.text, title=question.title or "", category=question.category or "",
        choices=[gift.Choice(c.text, c.weight > 0, float(c.weight), c.feedback or "", c.tolerance or "", c.match or "")
                 for c in question.choices],
        answers=list(question.answers or []) if question.kind == gift.SHORT else [],
        feedback=question.feedback or "")


def _short_choices(question: Question, parsed: gift.Question) -> list[gift.Choice]:
    """The answers of a short-answer question written in the editor (a list of accepted answers):
    an answer that was there keeps its weight and feedback, and the answers worth nothing (a
    wrong answer with feedback, a `*` catch-all) stay after them."""
    old = list(question.choices) if question.kind == gift.SHORT else []
    by_text = {c.text: c for c in old if c.weight > 0}
    kept = [gift.Choice(a, True, by_text[a].weight if a in by_text else 100.0,
                        by_text[a].feedback if a in by_text else "") for a in parsed.answers]
    if parsed.answers and not any(c.weight == 100 for c in kept):
        kept[0].weight = 100.0
    return kept + [gift.Choice(c.text, False, c.weight, c.feedback or "") for c in old if c.weight <= 0]


def _fill(question: Question, parsed: gift.Question) -> None:
    if parsed.kind == gift.SHORT and not parsed.choices:
        parsed = replace(parsed, choices=_short_choices(question, parsed))
    question.kind = parsed.kind
    question.title = parsed.title[:200]
    question.category = parsed.category[:200]
    question.text = parsed.text
    question.feedback = parsed.feedback
    question.answers = list(parsed.answers) if parsed.kind == gift.SHORT else None
    # Choices are updated in place by position, so the ids that saved answers point at stay put.
    existing = list(question.choices)
    for i, c in enumerate(parsed.choices):
        if i < len(existing):
            existing[i].position, existing[i].text = i, c.text
            existing[i].weight, existing[i].feedback = float(c.weight), c.feedback
            existing[i].tolerance, existing[i].match = c.tolerance, c.match
        else:
            question.choices.append(Choice(position=i, text=c.text, weight=float(c.weight), feedback=c.feedback,
                                           tolerance=c.tolerance, match=c.match))
    for extra in existing[len(parsed.choices):]:
        question.choices.remove(extra)


def save_question(quiz: Quiz, question: Question | None, parsed: gift.Question) -> Question:
    if question is None:
        question = Question(quiz=quiz, position=len(quiz.questions) + 1, kind=parsed.kind, text="")
        db.session.add(question)
    _fill(question, parsed)
    db.session.flush()
    return question


def move_question(question: Question, direction: str) -> bool:
    return _move(question.quiz.questions, question, direction)


@dataclass
class GiftPreview:
    text: str
    questions: list[gift.Question] = field(default_factory=list)
    errors: list[gift.ParseError] = field(default_factory=list)


def read_gift(data: bytes | str) -> GiftPreview:
    """Parse GIFT text (bytes from an upload, or pasted text) for the preview. Saves nothing."""
    if isinstance(data, bytes):
        if len(data) > GIFT_MAX_BYTES:
            raise AuthoringError(_("Berkas GIFT lebih dari 1 MB. Bagi menjadi beberapa berkas."))
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise AuthoringError(_("Berkas GIFT harus disimpan sebagai teks UTF-8.")) from None
    else:
        text = data
        if len(text.encode("utf-8")) > GIFT_MAX_BYTES:
            raise AuthoringError(_("Teks GIFT lebih dari 1 MB. Bagi menjadi beberapa bagian."))
    text = text.replace("\r\n", "\n")
    result = gift.parse(text)
    errors = [replace(error, message=gift_error_message(error)) for error in result.errors]
    return GiftPreview(text=text, questions=result.questions, errors=errors)


def N_(text: str) -> str:  # noqa: N802 - the gettext marker: extracted by pybabel, translated when shown
    return text


# The GIFT parser's messages (gift.MESSAGES: Indonesian, "{name}" placeholders, standard library
# only) as msgids with %(name)s placeholders, so the import preview speaks the person's language.
# tests/test_i18n.py checks that the Indonesian text is exactly the parser's.
GIFT_MESSAGES = {
    "missing_answer_block": N_("Blok jawaban { } tidak ditemukan"),
    "unclosed_answer_block": N_("Blok jawaban tidak ditutup dengan }"),
    "answer_block_interrupted": N_("Blok jawaban terpotong oleh baris kosong; hapus baris kosong di antara { dan }"),
    "unexpected_closing_brace": N_("Ada } tanpa { pembuka; tulis \\} bila itu bagian dari teks"),
    "unexpected_opening_brace": N_("Ada { lagi sebelum blok jawaban ditutup; tulis \\{ bila itu bagian dari teks"),
    "multiple_answer_blocks": N_("Satu soal hanya boleh punya satu blok jawaban { }; pisahkan soal dengan baris "
                                 "kosong"),
    "unclosed_title": N_("Judul soal tidak ditutup dengan ::"),
    "empty_question_text": N_("Teks soal kosong"),
    "bad_answer_format": N_("Setiap jawaban harus diawali = (benar) atau ~ (salah)"),
    "empty_answer": N_("Ada jawaban yang kosong"),
    "no_correct_answer": N_("Jawaban benar tidak ditemukan"),
    "no_full_answer": N_("Paling sedikit satu jawaban harus bernilai 100%"),
    "too_few_choices": N_("Soal pilihan harus punya paling sedikit dua pilihan"),
    "single_one_correct": N_("Soal dengan = harus punya tepat satu jawaban benar; untuk beberapa jawaban benar "
                             "tulis semuanya dengan ~%bobot% tanpa ="),
    "weight_after_equals": N_("Bobot sesudah = tidak dibaca Moodle (= berarti 100%%); tulis ~%%%(weight)s%% untuk "
                              "bobot"),
    "invalid_weight": N_("Bobot tidak valid: %%%(weight)s%%; tulis angka dengan titik desimal, misalnya %%50%% "
                         "atau %%-25%%"),
    "weight_out_of_range": N_("Bobot harus antara -100%% dan 100%%, tertulis %(weight)s%%"),
    "weight_not_allowed": N_("Bobot %(weight)s%% tidak ada dalam daftar bobot Moodle; pakai %(lower)s%% atau "
                             "%(upper)s%%"),
    "weights_sum": N_("Jumlah bobot positif harus 100%%, tertulis %(total)s%%"),
    "truefalse_case": N_("Tulis benar/salah dengan huruf besar: {T}, {TRUE}, {F} atau {FALSE}; Moodle membaca "
                         "%(answer)s sebagai jawaban singkat"),
    "category_not_alone": N_("Baris $CATEGORY harus dipisahkan dari soal dengan baris kosong"),
    "unsupported_essay": N_("Soal esai ({}) tidak didukung"),
    "numeric_no_answer": N_("Soal numerik ({#...}) perlu paling sedikit satu jawaban angka"),
    "numeric_not_a_number": N_("Jawaban soal numerik harus angka dengan titik desimal (misalnya 12.5 atau 1548000), "
                               "tertulis %(answer)s"),
    "numeric_bad_tolerance": N_("Toleransi harus angka 0 atau lebih (misalnya 1548000:1000), tertulis %(answer)s"),
    "numeric_bad_range": N_("Rentang harus ditulis kecil..besar (misalnya 10..20), tertulis %(answer)s"),
    "numeric_wrong_text": N_("Sesudah ~ dalam soal numerik Moodle hanya membaca umpan balik (~#...); %(answer)s akan "
                             "diabaikan"),
    "matching_pair_format": N_("Setiap pasangan soal menjodohkan ditulis =kiri -> kanan"),
    "matching_too_few": N_("Soal menjodohkan perlu paling sedikit dua pasangan yang berisi teks di kiri"),
    "matching_feedback": N_("Soal menjodohkan tidak punya umpan balik per pasangan; tulis \\# bila # bagian dari "
                            "teks"),
}


def gift_error_message(error: gift.ParseError) -> str:
    """The parser's error in the current language (its own Indonesian text for an unknown code)."""
    msgid = GIFT_MESSAGES.get(error.code)
    if msgid is None:
        return error.message
    return _(msgid, **error.params) if "%" in msgid else _(msgid)


def import_gift(quiz: Quiz, text: str, replace: bool = False) -> int:
    """Add the good questions of GIFT `text` to the quiz (or replace its questions). Returns how many."""
    preview = read_gift(text)
    if not preview.questions:
        raise AuthoringError(_("Tidak ada soal yang bisa disimpan."))
    if replace:
        for question in list(quiz.questions):
            quiz.questions.remove(question)
        db.session.flush()
    start = len(quiz.questions)
    for offset, parsed in enumerate(preview.questions, 1):
        question = Question(position=start + offset, kind=parsed.kind, text="")
        _fill(question, parsed)
        quiz.questions.append(question)
    db.session.flush()
    return len(preview.questions)


def export_gift(quiz: Quiz) -> str:
    """The quiz as GIFT. AuthoringError names a question Moodle would not read back the same
    (a weight saved before weights had to be on Moodle's list, for instance)."""
    questions = [to_gift(q) for q in quiz.questions]
    try:
        return gift.dumps(questions)
    except gift.DumpError as error:
        number = next(i for i, q in enumerate(questions, 1) if q is error.question)
        raise AuthoringError(_("Soal nomor %(n)d tidak bisa diekspor ke GIFT tanpa berubah arti di Moodle "
                               "(misalnya bobotnya tidak ada dalam daftar bobot Moodle). Perbaiki soal itu dulu.",
                               n=number)) from None


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
