"""The GIFT question model: kinds, Moodle's grade list, the messages of the reader, the dataclasses."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

SINGLE = "single"
MULTIPLE = "multiple"
TRUEFALSE = "truefalse"
SHORT = "short"
NUMERICAL = "numerical"
MATCHING = "matching"
KINDS = (SINGLE, MULTIPLE, TRUEFALSE, SHORT, NUMERICAL, MATCHING)

TRUE_LABEL = "Benar"
FALSE_LABEL = "Salah"

# Moodle's grade list (question_bank::fraction_options_full): fractions p/q for q <= 6, p/10,
# 1/q for q <= 10 and 1/20, at 7 decimals; here in percent, highest first.
_FRACTIONS = ("1.0", "0.9", "0.8333333", "0.8", "0.75", "0.7", "0.6666667", "0.6", "0.5", "0.4",
              "0.3333333", "0.3", "0.25", "0.2", "0.1666667", "0.1428571", "0.125", "0.1111111",
              "0.1", "0.05")
_GRADES = tuple(sorted({Decimal(f) * 100 * s for f in _FRACTIONS for s in (1, -1)} | {Decimal(0)},
                       reverse=True))
GRADES: tuple[float, ...] = tuple(float(g) for g in _GRADES)
# Moodle accepts a fraction within 0.00001 of a listed one (match_grade_options): 0.001 %.
_GRADE_TOLERANCE = Decimal("0.001")

# Error code -> Indonesian message. "{name}" placeholders are filled from ParseError.params; a
# caller translates with format_message(error.code, error.params, its_own_catalogue).
MESSAGES: dict[str, str] = {
    "missing_answer_block": "Blok jawaban { } tidak ditemukan",
    "unclosed_answer_block": "Blok jawaban tidak ditutup dengan }",
    "answer_block_interrupted": (
        "Blok jawaban terpotong oleh baris kosong; hapus baris kosong di antara { dan }"
    ),
    "unexpected_closing_brace": "Ada } tanpa { pembuka; tulis \\} bila itu bagian dari teks",
    "unexpected_opening_brace": (
        "Ada { lagi sebelum blok jawaban ditutup; tulis \\{ bila itu bagian dari teks"
    ),
    "multiple_answer_blocks": (
        "Satu soal hanya boleh punya satu blok jawaban { }; pisahkan soal dengan baris kosong"
    ),
    "unclosed_title": "Judul soal tidak ditutup dengan ::",
    "empty_question_text": "Teks soal kosong",
    "bad_answer_format": "Setiap jawaban harus diawali = (benar) atau ~ (salah)",
    "empty_answer": "Ada jawaban yang kosong",
    "no_correct_answer": "Jawaban benar tidak ditemukan",
    "no_full_answer": "Paling sedikit satu jawaban harus bernilai 100%",
    "too_few_choices": "Soal pilihan harus punya paling sedikit dua pilihan",
    "single_one_correct": (
        "Soal dengan = harus punya tepat satu jawaban benar; untuk beberapa jawaban benar "
        "tulis semuanya dengan ~%bobot% tanpa ="
    ),
    "weight_after_equals": (
        "Bobot sesudah = tidak dibaca Moodle (= berarti 100%); tulis ~%{weight}% untuk bobot"
    ),
    "invalid_weight": (
        "Bobot tidak valid: %{weight}%; tulis angka dengan titik desimal, misalnya %50% atau %-25%"
    ),
    "weight_out_of_range": "Bobot harus antara -100% dan 100%, tertulis {weight}%",
    "weight_not_allowed": (
        "Bobot {weight}% tidak ada dalam daftar bobot Moodle; pakai {lower}% atau {upper}%"
    ),
    "weights_sum": "Jumlah bobot positif harus 100%, tertulis {total}%",
    "truefalse_case": (
        "Tulis benar/salah dengan huruf besar: {T}, {TRUE}, {F} atau {FALSE}; Moodle membaca "
        "{answer} sebagai jawaban singkat"
    ),
    "category_not_alone": "Baris $CATEGORY harus dipisahkan dari soal dengan baris kosong",
    "unsupported_essay": "Soal esai ({}) tidak didukung",
    "numeric_no_answer": "Soal numerik ({#...}) perlu paling sedikit satu jawaban angka",
    "numeric_not_a_number": (
        "Jawaban soal numerik harus angka dengan titik desimal (misalnya 12.5 atau 1548000), tertulis {answer}"
    ),
    "numeric_bad_tolerance": (
        "Toleransi harus angka 0 atau lebih (misalnya 1548000:1000), tertulis {answer}"
    ),
    "numeric_bad_range": "Rentang harus ditulis kecil..besar (misalnya 10..20), tertulis {answer}",
    "numeric_wrong_text": (
        "Sesudah ~ dalam soal numerik Moodle hanya membaca umpan balik (~#...); {answer} akan diabaikan"
    ),
    "matching_pair_format": "Setiap pasangan soal menjodohkan ditulis =kiri -> kanan",
    "matching_too_few": "Soal menjodohkan perlu paling sedikit dua pasangan yang berisi teks di kiri",
    "matching_feedback": (
        "Soal menjodohkan tidak punya umpan balik per pasangan; tulis \\# bila # bagian dari teks"
    ),
}


@dataclass
class Choice:
    text: str
    correct: bool  # single choice: the '=' answer; otherwise weight > 0
    weight: float  # percent, a value of GRADES
    feedback: str = ""
    # numerical: the margin around the answer (a decimal as text, "" for none: `*` or exact)
    tolerance: str = ""
    # matching: the right-hand side of the pair; `text` is the left side ("" for a distractor)
    match: str = ""


@dataclass
class Question:
    kind: str  # "single" | "multiple" | "truefalse" | "short"
    text: str
    title: str = ""
    category: str = ""
    # single/multiple/truefalse: the choices; short: every answer in order (weight, feedback)
    choices: list[Choice] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)  # short answer: the answers worth > 0
    feedback: str = ""  # general feedback ('####')
    line: int = field(default=0, compare=False)  # 1-based; not part of equality


@dataclass
class ParseError:
    line: int
    message: str
    code: str = ""
    params: dict[str, str] = field(default_factory=dict)


@dataclass
class ParseResult:
    questions: list[Question] = field(default_factory=list)
    errors: list[ParseError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class DumpError(ValueError):
    """A question GIFT cannot carry so that Moodle reads it back the same."""

    def __init__(self, question: Question, reason: str) -> None:
        super().__init__(f"{question.title or question.text[:40]!r}: {reason}")
        self.question = question
        self.reason = reason


# --------------------------------------------------------------------------- weights


def grade(value: float | Decimal | str) -> float | None:
    """The value of Moodle's grade list that `value` (percent) stands for, or None."""
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        return None
    if not d.is_finite():
        return None
    for g in _GRADES:
        if abs(d - g) < _GRADE_TOLERANCE:
            return float(g)
    return None


def nearest_grades(value: float | Decimal) -> tuple[float, float]:
    """The allowed weights just below and just above `value` (percent, within -100..100)."""
    d = Decimal(str(value))
    lower = max((g for g in _GRADES if g < d), default=_GRADES[-1])
    upper = min((g for g in _GRADES if g > d), default=_GRADES[0])
    return float(lower), float(upper)


def weights_total_ok(total: float) -> bool:
    """Moodle's rule for multiple choice: the positive fractions, rounded to 2 decimals, make 1."""
    fraction = (Decimal(str(total)) / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return fraction == 1


def _fmt_weight(weight: float | Decimal) -> str:
    d = Decimal(str(weight)).normalize()
    text = format(d, "f")
    return text if text != "-0" else "0"



def format_message(code: str, params: dict[str, str] | None = None,
                   catalogue: dict[str, str] | None = None) -> str:
    """The message for an error code, with its "{name}" placeholders filled in (the messages
    contain literal braces, so str.format is not used). Pass another catalogue to translate."""
    template = (catalogue or MESSAGES).get(code) or MESSAGES.get(code, code)
    for key, value in (params or {}).items():
        template = template.replace("{" + key + "}", str(value))
    return template
