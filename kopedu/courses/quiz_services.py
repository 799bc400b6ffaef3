"""Quizzes and questions as their trainers write them: a course's pre-test and post-test, a quiz's
settings, the question editor (checking a question per field, reading it into a GIFT question and saving it
back with its choices kept in place), question order, and GIFT import (a preview first, then the save) and
export, with the parser's messages in the reader's language. Raises authoring_services.AuthoringError for
what cannot be done; services flush, the route commits."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from kopedu.courses import gift
from kopedu.courses.authoring_services import AuthoringError, _move
from kopedu.courses.models import Choice, Course, Question, Quiz
from kopedu.extensions import db
from kopedu.web import uploads

GIFT_MAX_BYTES = 1 * uploads.MB
QUIZ_ROLE_TITLES = {"pretest": "Pre-test", "posttest": "Post-test"}


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
