"""Forms of the authoring pages. The question and rubric editors have rows of inputs and are read by
small functions here rather than WTForms field lists."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import URL, DataRequired, Length, NumberRange, Optional

from kopedu.courses import gift
from kopedu.courses.models import SHOW_ANSWERS
from kopedu.web.params import bounded

KIND_LABELS = {
    "reading": _l("Bacaan"),
    "video": _l("Video"),
    "file": _l("Berkas"),
    "quiz": _l("Kuis"),
    "assignment": _l("Tugas"),
}
QUESTION_KIND_LABELS = {
    gift.SINGLE: _l("Pilihan ganda (satu jawaban)"),
    gift.MULTIPLE: _l("Pilihan ganda (beberapa jawaban, berbobot)"),
    gift.TRUEFALSE: _l("Benar / salah"),
    gift.SHORT: _l("Jawaban singkat"),
    gift.NUMERICAL: _l("Angka (numerik)"),
    gift.MATCHING: _l("Menjodohkan"),
}
SHOW_ANSWER_LABELS = {
    "always": _l("Selalu"),
    "after_pass": _l("Setelah lulus"),
    "never": _l("Tidak pernah"),
}
CHOICE_ROWS = 6
LEVEL_ROWS = 5


def _required():
    return DataRequired(_l("Wajib diisi."))


class TitleForm(FlaskForm):
    title = StringField(_l("Judul"), validators=[_required(), Length(max=200)])


class CourseForm(FlaskForm):
    title = StringField(_l("Judul kursus"), validators=[_required(), Length(max=200)])
    summary = TextAreaField(_l("Ringkasan (tampil di katalog)"), validators=[Optional(), Length(max=500)])
    description = TextAreaField(_l("Deskripsi (Markdown)"), validators=[Optional(), Length(max=50_000)])
    jp_hours = IntegerField(_l("Jam pelajaran (JP) di sertifikat"), default=0,
                            validators=[Optional(), NumberRange(0, 1000, _l("Antara 0 dan 1000."))])
    sequential = BooleanField(_l("Berurutan: pelajaran terbuka setelah pelajaran sebelumnya selesai"))
    self_enroll = BooleanField(_l("Peserta boleh mendaftar sendiri dari katalog"), default=True)


class ModuleForm(FlaskForm):
    title = StringField(_l("Judul modul"), validators=[_required(), Length(max=200)])
    summary = TextAreaField(_l("Ringkasan (Markdown)"), validators=[Optional(), Length(max=5000)])


class NewLessonForm(FlaskForm):
    title = StringField(_l("Judul pelajaran"), validators=[_required(), Length(max=200)])
    kind = SelectField(_l("Jenis"), choices=list(KIND_LABELS.items()), default="reading")


class LessonForm(FlaskForm):
    title = StringField(_l("Judul pelajaran"), validators=[_required(), Length(max=200)])
    summary = StringField(_l("Ringkasan singkat"), validators=[Optional(), Length(max=500)])
    body = TextAreaField(_l("Isi (Markdown)"), validators=[Optional(), Length(max=200_000)])
    minutes = IntegerField(_l("Perkiraan waktu (menit)"), default=5,
                           validators=[Optional(), NumberRange(0, 1000, _l("Antara 0 dan 1000."))])
    video_url = StringField(_l("Alamat video (YouTube)"),
                            validators=[Optional(), URL(message=_l("Alamat tidak valid.")), Length(max=500)])
    required = BooleanField(_l("Wajib untuk menyelesaikan kursus"), default=True)
    published = BooleanField(_l("Tampilkan kepada peserta"))


class QuizForm(FlaskForm):
    title = StringField(_l("Judul"), validators=[_required(), Length(max=200)])
    instructions = TextAreaField(_l("Petunjuk (Markdown)"), validators=[Optional(), Length(max=20_000)])
    pass_mark = IntegerField(_l("Nilai lulus (%)"), default=70,
                             validators=[Optional(), NumberRange(0, 100, _l("Antara 0 dan 100."))])
    attempts_allowed = IntegerField(_l("Jumlah percobaan (0 = tanpa batas)"), default=0,
                                    validators=[Optional(), NumberRange(0, 100, _l("Antara 0 dan 100."))])
    time_limit_minutes = IntegerField(_l("Batas waktu (menit, kosongkan bila tanpa batas)"),
                                      validators=[Optional(), NumberRange(1, 600, _l("Antara 1 dan 600."))])
    shuffle = BooleanField(_l("Acak urutan soal dan pilihan"), default=True)
    show_answers = SelectField(_l("Tampilkan jawaban benar"), choices=[(k, SHOW_ANSWER_LABELS[k]) for k in SHOW_ANSWERS])


class AssignmentForm(FlaskForm):
    submit_text = BooleanField(_l("Peserta boleh mengetik jawaban"), default=True)
    submit_files = BooleanField(_l("Peserta boleh mengunggah berkas (PDF, JPG, PNG, DOCX, XLSX)"), default=True)
    pass_mark = IntegerField(_l("Nilai lulus (% terhadap nilai maksimal rubrik)"), default=70,
                             validators=[Optional(), NumberRange(1, 100, _l("Antara 1 dan 100."))])
    due_days = IntegerField(_l("Batas waktu: hari setelah peserta mendaftar"),
                            validators=[Optional(), NumberRange(1, 365, _l("Antara 1 dan 365."))])
    due_date = DateField(_l("Atau tanggal batas tetap"), validators=[Optional()])


# --------------------------------------------------------------------------- question editor


def question_rows(question: gift.Question | None) -> int:
    return max(CHOICE_ROWS, len(question.choices) + 2) if question is not None else CHOICE_ROWS


def read_question(kind: str, form) -> gift.Question:
    """A gift.Question from the editor's inputs (`form` is a MultiDict). Validate it afterwards."""
    q = gift.Question(kind=kind, text=(form.get("text") or "").strip().replace("\r\n", "\n"),
                      title=(form.get("title") or "").strip()[:200],
                      category=(form.get("category") or "").strip()[:200],
                      feedback=(form.get("feedback") or "").strip())
    if kind == gift.SHORT:
        lines = (form.get("answers") or "").replace("\r\n", "\n").split("\n")
        q.answers = [line.strip() for line in lines if line.strip()]
    elif kind == gift.TRUEFALSE:
        answer = form.get("correct")
        q.choices = [
            gift.Choice(gift.TRUE_LABEL, answer == "true", 100.0 if answer == "true" else 0.0,
                        (form.get("feedback_true") or "").strip()),
            gift.Choice(gift.FALSE_LABEL, answer == "false", 100.0 if answer == "false" else 0.0,
                        (form.get("feedback_false") or "").strip()),
        ]
        if answer not in ("true", "false"):
            q.choices[0].correct = q.choices[1].correct = False
    elif kind == gift.NUMERICAL:
        q.choices = _numerical_rows(form)
    elif kind == gift.MATCHING:
        q.choices = _matching_rows(form)
    else:
        rows = bounded(form.get("rows"), CHOICE_ROWS, 0, 50)
        correct = form.get("correct")
        for i in range(min(rows, 50)):
            text = (form.get(f"choice-{i}") or "").strip()
            if not text:
                continue
            feedback = (form.get(f"choice-{i}-feedback") or "").strip()
            if kind == gift.SINGLE:
                right = correct == str(i)
                q.choices.append(gift.Choice(text, right, 100.0 if right else 0.0, feedback))
            else:
                raw = (form.get(f"choice-{i}-weight") or "0").strip().replace(",", ".").rstrip("%") or "0"
                try:
                    weight = float(raw)
                except ValueError:
                    weight = 1000.0  # out of range: reported by validate_question
                q.choices.append(gift.Choice(text, weight > 0, weight, feedback))
    return q


def _weight(raw: str | None, default: str) -> float:
    raw = (raw or "").strip().replace(",", ".").rstrip("%") or default
    try:
        return float(raw)
    except ValueError:
        return 1000.0  # out of range: reported by validate_question


def _decimal_text(raw: str | None, default: str = "") -> str:
    """A number typed in the editor the Indonesian way -> GIFT's decimal text (a plain decimal point, as
    in `12.5`, is read as one too; the page shows the number back as `12,5`); what cannot be read is
    kept as typed (validate_question reports it)."""
    raw = (raw or "").strip()
    if not raw:
        return default
    value = gift.read_number(raw)
    return gift.number_text(value) if value is not None else raw


def _numerical_rows(form) -> list[gift.Choice]:
    """Rows of answer, margin (±), weight and feedback; then the feedback for any other number."""
    choices = []
    for i in range(bounded(form.get("rows"), CHOICE_ROWS, 0, 50)):
        value = (form.get(f"choice-{i}") or "").strip()
        if not value:
            continue
        weight = _weight(form.get(f"choice-{i}-weight"), "100")
        choices.append(gift.Choice(_decimal_text(value), weight > 0, weight,
                                   (form.get(f"choice-{i}-feedback") or "").strip(),
                                   tolerance=_decimal_text(form.get(f"choice-{i}-tolerance"), "0")))
    other = (form.get("feedback_other") or "").strip()
    if other:
        choices.append(gift.Choice("*", False, 0.0, other))
    return choices


def _matching_rows(form) -> list[gift.Choice]:
    """Rows of left side and right side; a right side without a left one is a distractor."""
    choices = []
    for i in range(bounded(form.get("rows"), CHOICE_ROWS, 0, 50)):
        left = (form.get(f"choice-{i}") or "").strip()
        right = (form.get(f"choice-{i}-match") or "").strip()
        if left or right:
            choices.append(gift.Choice(left, False, 0.0, match=right))
    return choices


def read_levels(form) -> list[tuple[str, str]]:
    rows = bounded(form.get("level_rows"), LEVEL_ROWS, 0, 20)
    return [(form.get(f"level-{i}-points", ""), form.get(f"level-{i}-description", "")) for i in range(rows)]


def level_rows(levels: list[dict] | None) -> list[dict]:
    """The rubric editor's rows: the levels, then empty rows (at least LEVEL_ROWS in all, one spare)."""
    levels = list(levels or [])
    return levels + [{"points": "", "description": ""}] * max(1, LEVEL_ROWS - len(levels))


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


def question_kind_label(kind: str) -> str:
    return str(QUESTION_KIND_LABELS.get(kind, kind))
