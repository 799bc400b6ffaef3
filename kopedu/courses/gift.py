"""Read and write Moodle's GIFT question format (the subset KopEdu trainers use).

The reference is Moodle's own importer (``question/format/gift/format.php``, its tests in
``question/format/gift/tests/giftformat_test.php``) and its grade list
(``question_bank::fraction_options_full``). A file KopEdu reads means the same in KopEdu as in
Moodle, and everything :func:`dumps` writes reads back the same in both. Where Moodle would read a
spelling differently from what its author most likely meant, KopEdu refuses it with a
:class:`ParseError` (line number and a message) instead of guessing; every other question of the
file is still read. See ``content/README.md`` for the trainer's version of this list.

Supported:

* single choice ``{=right ~wrong}``: exactly one ``=`` answer (100 %); a wrong answer may carry a
  penalty ``~%-50%wrong``;
* multiple choice, no ``=`` at all: ``{~%50%a ~%50%b ~%-100%c ~d}``; the positive weights add
  up to 100 % (Moodle's rule: the sum, as a fraction rounded to two decimals, is 1);
* true/false ``{T}`` ``{TRUE}`` ``{F}`` ``{FALSE}`` (capitals, as Moodle requires), with
  ``{T#feedback when wrong#feedback when right}``;
* short answer ``{=SHU =%50%S.H.U #almost =%0%* #no}``: weights on Moodle's list, at least one
  answer at 100 %, per-answer feedback, ``*`` as Moodle's wildcard (a ``*`` answer matches any
  response); answers are compared case-insensitively (:func:`normalise_answer`);
* weights ``%N%``: only the values of Moodle's grade list (:data:`GRADES`: 100, 90, 83.33333,
  80, 75, 70, 66.66667, 60, 50, 40, 33.33333, 30, 25, 20, 16.66667, 14.28571, 12.5, 11.11111,
  10, 5, 0 and their negatives), matched as Moodle matches them (within 0.001 %) and kept as the
  list's value; another value is refused and the two nearest allowed values are named;
* per-answer feedback ``#...``, general feedback ``####...`` (the last ``####`` of the block),
  titles ``::title::``, ``$CATEGORY: name`` blocks, ``//`` comment lines, escapes
  ``\\~ \\= \\# \\{ \\} \\: \\\\`` and ``\\n``;
* the format prefixes ``[html]`` ``[plain]`` ``[markdown]`` ``[moodle]`` (lower case, as Moodle
  reads them) at the start of the question text, of every answer, of every per-answer feedback
  and of the general feedback: removed. KopEdu shows every text as plain text, so HTML written
  under ``[html]`` is shown as written;
* text after the answer block ("missing word"): the block is replaced by ``_____`` as Moodle
  does (``Koperasi didirikan oleh {=9} orang.`` -> ``Koperasi didirikan oleh _____ orang.``).

Refused (with the line number), although Moodle reads something for them:

* matching (``->`` with ``=`` and no ``~``), numeric (``{#...}``) and essay (``{}``) questions;
* ``{true}`` / ``{t}`` in lower case (Moodle makes it a short answer whose answer is "true");
* ``=%50%a`` in a choice question (Moodle ignores the weight after ``=`` and shows "%50%a");
  two ``=`` answers, or a positive ``~%N%`` next to an ``=`` answer (single choice with partial
  credit is not supported);
* a weight Moodle's own regular expression does not read as a weight (``%33,3%``, ``%+50%``,
  ``%100.0%``): Moodle would keep it as part of the answer text with weight 0;
* text before the first ``=``/``~`` of an answer block (Moodle makes it one more answer);
* a ``$CATEGORY:`` line that shares its block with a question (Moodle swallows the question into
  the category name) -- it must be separated by a blank line;
* deliberately stricter: questions must be separated by a blank line (a second answer block in
  the same block is an error, where Moodle silently joins the two questions), and a title must
  be closed with ``::``.

Also different from Moodle: leading spaces of question-text lines are kept (Moodle trims every
line); the characters U+E000-U+E007 (private use) are read as U+FFFD.

Standard library only, so it can be used outside the Flask app.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

__all__ = [
    "SINGLE",
    "MULTIPLE",
    "TRUEFALSE",
    "SHORT",
    "KINDS",
    "TRUE_LABEL",
    "FALSE_LABEL",
    "GRADES",
    "MESSAGES",
    "format_message",
    "grade",
    "nearest_grades",
    "weights_total_ok",
    "Choice",
    "Question",
    "ParseError",
    "ParseResult",
    "DumpError",
    "parse",
    "dumps",
    "normalise_answer",
    "answer_matches",
]

SINGLE = "single"
MULTIPLE = "multiple"
TRUEFALSE = "truefalse"
SHORT = "short"
KINDS = (SINGLE, MULTIPLE, TRUEFALSE, SHORT)

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
    "unsupported_matching": "Soal menjodohkan (->) tidak didukung",
    "unsupported_numeric": "Soal numerik ({#...}) tidak didukung",
    "unsupported_essay": "Soal esai ({}) tidak didukung",
}


@dataclass
class Choice:
    text: str
    correct: bool  # single choice: the '=' answer; otherwise weight > 0
    weight: float  # percent, a value of GRADES
    feedback: str = ""


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


# --------------------------------------------------------------------------- escapes

_SPECIAL = "~=#{}:\\"
# Escaped characters are replaced by private-use placeholders while the structure is parsed.
_PLACEHOLDER = {ch: chr(0xE000 + i) for i, ch in enumerate(_SPECIAL)}
_NEWLINE_PH = chr(0xE000 + len(_SPECIAL))
_RESTORE = {ord(ph): ch for ch, ph in _PLACEHOLDER.items()}
_RESTORE[ord(_NEWLINE_PH)] = "\n"
_OWN = {cp: "\ufffd" for cp in range(0xE000, 0xE000 + len(_SPECIAL) + 1)}


def _protect(text: str) -> str:
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n:
            nxt = text[i + 1]
            if nxt in _PLACEHOLDER:
                out.append(_PLACEHOLDER[nxt])
                i += 2
                continue
            if nxt == "n":
                out.append(_NEWLINE_PH)
                i += 2
                continue
        out.append(c)
        i += 1
    return "".join(out)


def _restore(text: str) -> str:
    return text.translate(_RESTORE)


def _clean(text: str, keep_indent: bool = False) -> str:
    """Tidy real line breaks of a protected fragment: trailing (and, unless keep_indent,
    leading) spaces of every line are dropped, and the whole is stripped."""
    lines = text.split("\n")
    lines = [ln.rstrip() if keep_indent else ln.strip() for ln in lines]
    return "\n".join(lines).strip()


# Moodle's parse_text_with_format: a known format name in brackets at the very start.
_FORMAT_PREFIX = re.compile(r"\[(?:html|plain|markdown|moodle)\]")


def _strip_format(text: str) -> str:
    m = _FORMAT_PREFIX.match(text)
    return text[m.end():] if m else text


def _text(fragment: str, keep_indent: bool = False) -> str:
    """An answer, a feedback or the question text as Moodle reads it: trimmed, the format prefix
    removed, trimmed again, escapes restored (a \\n at either end is trimmed too, as in Moodle)."""
    inner = _strip_format(_clean(fragment, keep_indent))
    return _restore(_clean(inner, keep_indent)).strip()


# A weight right after the marker; Moodle's expression is /^%\-*([0-9]{1,2})\.?([0-9]*)%/.
_WEIGHT = re.compile(r"\s*%([^%\n]*)%")
_MOODLE_WEIGHT = re.compile(r"-?(?:\d{1,2}\.\d*|\d+)")
_TF = {"T": True, "TRUE": True, "F": False, "FALSE": False}
_BLANK = "_____"  # Moodle's "missing word" blank


# --------------------------------------------------------------------------- parse


class _Fail(Exception):
    def __init__(self, code: str, **params: str) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def _error(line: int, code: str, params: dict[str, str] | None = None) -> ParseError:
    params = dict(params or {})
    return ParseError(line=line, message=format_message(code, params), code=code, params=params)


def format_message(code: str, params: dict[str, str] | None = None,
                   catalogue: dict[str, str] | None = None) -> str:
    """The message for an error code, with its "{name}" placeholders filled in (the messages
    contain literal braces, so str.format is not used). Pass another catalogue to translate."""
    template = (catalogue or MESSAGES).get(code) or MESSAGES.get(code, code)
    for key, value in (params or {}).items():
        template = template.replace("{" + key + "}", str(value))
    return template


@dataclass
class _Block:
    lines: list[tuple[int, str]]  # (line number, raw line) without comment lines

    @property
    def line(self) -> int:
        return self.lines[0][0]

    @property
    def body(self) -> str:
        return _protect("\n".join(raw for _, raw in self.lines))

    def category_line(self) -> int | None:
        """Index of the first line that is a $CATEGORY line, or None."""
        for k, (_, raw) in enumerate(self.lines):
            if raw.strip().startswith("$CATEGORY:"):
                return k
        return None


def _split_blocks(text: str) -> list[_Block]:
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").translate(_OWN)
    blocks: list[_Block] = []
    current: list[tuple[int, str]] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        stripped = raw.strip()
        if not stripped:
            if current:
                blocks.append(_Block(current))
                current = []
        elif stripped.startswith("//"):
            continue  # comment line: neither content nor a separator
        else:
            current.append((number, raw))
    if current:
        blocks.append(_Block(current))
    return blocks


def _weight_value(raw: str) -> float:
    """A weight as written between the % signs -> the grade-list value (percent)."""
    value = _restore(raw)
    if not _MOODLE_WEIGHT.fullmatch(value):
        raise _Fail("invalid_weight", weight=_short(value))
    d = Decimal(value)
    if not -100 <= d <= 100:
        raise _Fail("weight_out_of_range", weight=_short(value))
    allowed = grade(d)
    if allowed is None:
        lower, upper = nearest_grades(d)
        raise _Fail("weight_not_allowed", weight=_short(value), lower=_fmt_weight(lower),
                    upper=_fmt_weight(upper))
    return allowed


def _short(value: str, limit: int = 24) -> str:
    return value if len(value) <= limit else value[:limit] + "…"


@dataclass
class _Item:
    marker: str  # '=' or '~'
    weight: float | None
    text: str
    feedback: str


def _split_items(raw: str, markers: str) -> list[_Item]:
    starts = [i for i, c in enumerate(raw) if c in markers]
    if not starts or raw[: starts[0]].strip():
        raise _Fail("bad_answer_format")
    items: list[_Item] = []
    for start, end in zip(starts, starts[1:] + [len(raw)]):
        marker, body = raw[start], raw[start + 1 : end]
        weight = None
        m = _WEIGHT.match(body)
        if m:
            if marker == "=" and markers == "=~":
                raise _Fail("weight_after_equals", weight=_short(_restore(m.group(1))))
            weight = _weight_value(m.group(1))
            body = body[m.end():]
        text, _, feedback = body.partition("#")
        text = _text(text)
        if not text:
            raise _Fail("empty_answer")
        items.append(_Item(marker, weight, text, _text(feedback)))
    return items


def _parse_answers(raw: str) -> tuple[str, list[Choice], list[str], str]:
    """Return (kind, choices, answers, general feedback) for the inside of the braces, deciding
    the type in Moodle's order."""
    raw = raw.strip()
    general = ""
    cut = raw.rfind("####")
    if cut >= 0:
        general = _text(raw[cut + 4:])
        raw = raw[:cut].strip()
    if not raw:
        raise _Fail("unsupported_essay")
    if raw.startswith("#"):
        raise _Fail("unsupported_numeric")
    if "~" in raw:
        return (*_parse_choices(raw), [], general)
    if "=" in raw and "->" in raw:
        raise _Fail("unsupported_matching")

    head = raw.split("#", 1)[0].strip()
    if head in _TF:
        parts = raw.split("#", 2)
        is_true = _TF[head]
        wrong_fb = _text(parts[1]) if len(parts) > 1 else ""
        right_fb = _text(parts[2]) if len(parts) > 2 else ""
        choices = [
            Choice(TRUE_LABEL, is_true, 100.0 if is_true else 0.0,
                   right_fb if is_true else wrong_fb),
            Choice(FALSE_LABEL, not is_true, 0.0 if is_true else 100.0,
                   wrong_fb if is_true else right_fb),
        ]
        return TRUEFALSE, choices, [], general
    if _restore(head).upper() in _TF:
        raise _Fail("truefalse_case", answer="{" + _restore(head) + "}")

    items = _split_items(raw, "=")
    choices = [Choice(it.text, (it.weight if it.weight is not None else 100.0) > 0,
                      it.weight if it.weight is not None else 100.0, it.feedback) for it in items]
    if not any(c.weight == 100 for c in choices):
        raise _Fail("no_full_answer")
    return SHORT, choices, [c.text for c in choices if c.weight > 0], general


def _parse_choices(raw: str) -> tuple[str, list[Choice]]:
    items = _split_items(raw, "=~")
    right = [it for it in items if it.marker == "="]
    if right:
        if len(right) > 1 or any((it.weight or 0) > 0 for it in items if it.marker == "~"):
            raise _Fail("single_one_correct")
        return SINGLE, [Choice(it.text, it.marker == "=",
                               100.0 if it.marker == "=" else (it.weight or 0.0), it.feedback)
                        for it in items]
    if len(items) < 2:
        raise _Fail("too_few_choices")
    choices = [Choice(it.text, (it.weight or 0.0) > 0, it.weight or 0.0, it.feedback)
               for it in items]
    total = sum(Decimal(str(c.weight)) for c in choices if c.weight > 0)
    if total <= 0:
        raise _Fail("no_correct_answer")
    if not weights_total_ok(float(total)):
        raise _Fail("weights_sum", total=_fmt_weight(total))
    return MULTIPLE, choices


def _find_braces(s: str) -> tuple[int, int]:
    """Positions of the answer block's braces in s (protected text without the title)."""
    opening = s.find("{")
    first_close = s.find("}")
    if opening < 0:
        raise _Fail("unexpected_closing_brace" if first_close >= 0 else "missing_answer_block")
    if 0 <= first_close < opening:
        raise _Fail("unexpected_closing_brace")
    closing = s.find("}", opening + 1)
    if closing < 0:
        raise _Fail("unclosed_answer_block")
    if "{" in s[opening + 1 : closing]:
        raise _Fail("unexpected_opening_brace")
    rest = s[closing + 1 :]
    if "{" in rest:
        raise _Fail("multiple_answer_blocks")
    if "}" in rest:
        raise _Fail("unexpected_closing_brace")
    return opening, closing


def _parse_block(block: _Block, category: str) -> Question:
    s = block.body.strip()
    title = ""
    if s.startswith("::"):
        end = s.find("::", 2)
        if end < 0:
            raise _Fail("unclosed_title")
        title = " ".join(_restore(_clean(s[2:end])).split("\n")).strip()
        s = s[end + 2 :]

    opening, closing = _find_braces(s)
    after = s[closing + 1 :]
    question_text = s[:opening] + (_BLANK + after if after.strip() else "")
    text = _text(question_text, keep_indent=True)
    if not text.strip():
        raise _Fail("empty_question_text")

    kind, choices, answers, general = _parse_answers(s[opening + 1 : closing])
    return Question(kind=kind, text=text, title=title, category=category, choices=choices,
                    answers=answers, feedback=general, line=block.line)


def _continuation_end(blocks: list[_Block], start: int) -> int | None:
    """After an unclosed block: index of the later block holding its '}' (the answer block
    was cut by blank lines), or None when the following blocks look like new questions."""
    for k in range(start, len(blocks)):
        if blocks[k].category_line() is not None:
            return None
        body = blocks[k].body
        opening, closing = body.find("{"), body.find("}")
        if closing >= 0 and (opening < 0 or closing < opening):
            return k
        if opening >= 0:
            return None
    return None


def parse(text: str) -> ParseResult:
    """Parse GIFT text. Bad questions become ParseErrors; the others are still returned."""
    result = ParseResult()
    blocks = _split_blocks(text)
    category = ""
    i = 0
    while i < len(blocks):
        block = blocks[i]
        i += 1
        k = block.category_line()
        if k is not None:
            number, raw = block.lines[k]
            if k == 0:
                category = raw.strip()[len("$CATEGORY:"):].strip()
            if len(block.lines) > 1:
                result.errors.append(_error(number, "category_not_alone"))
            continue
        try:
            result.questions.append(_parse_block(block, category))
        except _Fail as fail:
            code, params = fail.code, fail.params
            if code == "unclosed_answer_block":
                end = _continuation_end(blocks, i)
                if end is not None:
                    code, params = "answer_block_interrupted", {}
                    i = end + 1
            result.errors.append(_error(block.line, code, params))
    return result


# --------------------------------------------------------------------------- short answers


def normalise_answer(s: str) -> str:
    """Canonical form of a short answer: Unicode NFKC, casefolded, inner whitespace collapsed
    to one space, whitespace and punctuation removed from both ends."""
    s = unicodedata.normalize("NFKC", s).casefold()
    s = " ".join(s.split())

    def trim(ch: str) -> bool:
        return ch.isspace() or unicodedata.category(ch).startswith("P")

    start, end = 0, len(s)
    while start < end and trim(s[start]):
        start += 1
    while end > start and trim(s[end - 1]):
        end -= 1
    return s[start:end]


_STAR = re.compile(r"(?<!\\)\*")


def answer_matches(answer: str, response: str) -> bool:
    """Whether a learner's response matches a short answer: equal after normalise_answer, where
    `*` in the answer stands for any text (Moodle's wildcard; `\\*` is a literal star)."""
    got = normalise_answer(response)
    if not got:
        return False
    if not _STAR.search(answer):
        return got == normalise_answer(answer.replace("\\*", "*"))
    parts = [normalise_answer(p.replace("\\*", "*")) for p in _STAR.split(answer)]
    return re.fullmatch(".*".join(re.escape(p) for p in parts), got, re.DOTALL) is not None


# --------------------------------------------------------------------------- dumps


def _esc(text: str) -> str:
    """Moodle's repchar: \\ # = ~ { } : escaped, line breaks written as \\n."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    out = []
    for ch in text:
        if ch in "\\~=#{}:":
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        else:
            out.append(ch)
    return "".join(out)


def _fragment(text: str, answer: bool = False) -> str:
    """An answer or a feedback. A text that Moodle would read as starting with a format prefix
    (or, for an answer, with a weight) gets the neutral [moodle] prefix in front."""
    body = _esc(text.strip())
    if _FORMAT_PREFIX.match(body) or (answer and body.startswith("%")):
        body = "[moodle]" + body
    return body


def _dump_text(text: str) -> str:
    """Question text: line breaks stay real where both readers keep them, otherwise \\n."""
    segments = text.strip().replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out = [_esc(segments[0])]
    for prev, seg in zip(segments, segments[1:]):
        safe = (
            prev == prev.rstrip()
            and seg.strip() != ""
            and seg == seg.lstrip()  # Moodle trims every line
            and not seg.startswith("//")
        )
        out.append("\n" if safe else "\\n")
        out.append(_esc(seg))
    body = "".join(out)
    if _FORMAT_PREFIX.match(body) or body.startswith("//"):
        body = "[moodle]" + body
    return body


def _weight(q: Question, weight: float) -> str:
    allowed = grade(weight)
    if allowed is None:
        lower, upper = nearest_grades(weight)
        raise DumpError(q, f"weight {weight} is not on Moodle's list (nearest: {lower}, {upper})")
    return _fmt_weight(allowed)


def _feedback(choice: Choice) -> str:
    return " #" + _fragment(choice.feedback) if choice.feedback.strip() else ""


def _dump_question(q: Question) -> str:
    if not q.text.strip():
        raise DumpError(q, "empty question text")
    title = q.title.replace("\r", " ").replace("\n", " ").strip()
    head = (f"::{_esc(title)}::" if title else "") + _dump_text(q.text)
    general = ("####" + _fragment(q.feedback)) if q.feedback.strip() else ""

    if q.kind == TRUEFALSE:
        true_choice = next(
            (c for c in q.choices if c.text.casefold() in ("benar", "true")),
            q.choices[0] if q.choices else None,
        )
        is_true = true_choice.correct if true_choice is not None else True
        right = next((c.feedback for c in q.choices if c.correct), "").strip()
        wrong = next((c.feedback for c in q.choices if not c.correct), "").strip()
        inner = "T" if is_true else "F"
        if wrong or right:
            inner += "#" + _fragment(wrong)
        if right:
            inner += "#" + _fragment(right)
        if general:
            inner += " " + general
        return f"{head} {{{inner}}}"

    if q.kind == SHORT:
        answers = q.choices or [Choice(a, True, 100.0) for a in q.answers]
        if not any(grade(c.weight) == 100 for c in answers):
            raise DumpError(q, "a short-answer question needs an answer worth 100%")
        lines = []
        for c in answers:
            if not c.text.strip():
                raise DumpError(q, "empty answer")
            w = _weight(q, c.weight)
            line = "=" + ("" if w == "100" else f"%{w}%") + _fragment(c.text, answer=True) + _feedback(c)
            if "->" in line:
                raise DumpError(q, "'->' in a short answer or its feedback reads as matching")
            lines.append(line)
    elif q.kind == SINGLE:
        right = [c for c in q.choices if c.correct]
        if len(right) != 1 or len(q.choices) < 2:
            raise DumpError(q, "single choice needs exactly one right answer and two choices")
        lines = []
        for c in q.choices:
            if c.correct:
                lines.append("=" + _fragment(c.text, answer=True) + _feedback(c))
            else:
                w = _weight(q, c.weight)
                if grade(c.weight) > 0:
                    raise DumpError(q, "a wrong answer of a single choice cannot earn points")
                mark = "~" if w == "0" else f"~%{w}%"
                lines.append(mark + _fragment(c.text, answer=True) + _feedback(c))
    elif q.kind == MULTIPLE:
        if len(q.choices) < 2:
            raise DumpError(q, "multiple choice needs two choices")
        total = sum(Decimal(_weight(q, c.weight)) for c in q.choices if c.weight > 0)
        if not weights_total_ok(float(total)):
            raise DumpError(q, f"positive weights add up to {total}, not 100")
        lines = []
        for c in q.choices:
            w = _weight(q, c.weight)
            lines.append(("~" if w == "0" else f"~%{w}%") + _fragment(c.text, answer=True)
                         + _feedback(c))
    else:
        raise DumpError(q, f"unknown question kind: {q.kind!r}")
    if any(not c.text.strip() for c in q.choices):
        raise DumpError(q, "empty answer")
    if general:
        lines.append(general)
    body = "\n".join("  " + ln for ln in lines)
    return f"{head} {{\n{body}\n}}"


def dumps(questions: list[Question]) -> str:
    """Write questions as GIFT; parse(dumps(qs)).questions == qs for parsed questions. Raises
    DumpError for a question Moodle would not read back the same."""
    blocks: list[str] = []
    category = ""
    for q in questions:
        if q.category != category:
            name = q.category.replace("\r", " ").replace("\n", " ").strip()
            blocks.append(f"$CATEGORY: {name}".rstrip())
            category = q.category
        blocks.append(_dump_question(q))
    return "\n\n".join(blocks) + "\n" if blocks else ""
