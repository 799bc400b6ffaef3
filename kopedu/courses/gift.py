"""Read and write Moodle's GIFT question format (the subset KopEdu trainers use).

Supported (see ``content/README.md``):

* single choice ``{=right ~wrong}`` (wrong answers may carry a penalty ``~%-50%``);
* multiple choice with weights ``{~%50%a ~%50%b ~%-100%c}`` (also ``=%N%``); the positive
  weights must add up to 100 (within :data:`WEIGHT_TOLERANCE`);
* true/false ``{T}`` ``{F}`` ``{TRUE}`` ``{FALSE}``, with ``{T#wrong feedback#right feedback}``;
* short answer ``{=SHU =S.H.U.}`` (only ``=`` answers; partial weights are accepted as right);
* per-answer feedback ``#...``, general feedback ``####...``, titles ``::title::``,
  ``$CATEGORY: name`` lines, ``//`` comment lines, escapes ``\\~ \\= \\# \\{ \\} \\: \\\\`` and
  ``\\n``, ``[markdown]`` / ``[html]`` / ``[plain]`` / ``[moodle]`` prefixes (stripped);
* text after the closing brace ("blank in the middle"): joined to the text before it with
  ``" ___ "``.

Questions are separated by blank lines, so an answer block cannot contain a blank line.
Matching (``->``), numeric (``{#...}``) and essay (``{}``) questions are refused with a
:class:`ParseError`; every other question of the file is still parsed.

Known limits: a ``=`` answer containing ``->`` is read as a matching question (Moodle does the
same and GIFT has no escape for it); the characters U+E000-U+E007 are used internally and must
not occur in the input.

Standard library only, so it can be used outside the Flask app.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

__all__ = [
    "SINGLE",
    "MULTIPLE",
    "TRUEFALSE",
    "SHORT",
    "KINDS",
    "TRUE_LABEL",
    "FALSE_LABEL",
    "WEIGHT_TOLERANCE",
    "MESSAGES",
    "format_message",
    "Choice",
    "Question",
    "ParseError",
    "ParseResult",
    "parse",
    "dumps",
    "normalise_answer",
]

SINGLE = "single"
MULTIPLE = "multiple"
TRUEFALSE = "truefalse"
SHORT = "short"
KINDS = (SINGLE, MULTIPLE, TRUEFALSE, SHORT)

TRUE_LABEL = "Benar"
FALSE_LABEL = "Salah"

# Positive weights of a multiple-choice question must add up to 100 +/- this (e.g. 3 x 33.33).
WEIGHT_TOLERANCE = 1.0

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
    "too_few_choices": "Soal pilihan harus punya paling sedikit dua pilihan",
    "invalid_weight": "Bobot tidak valid: %{weight}%",
    "weight_out_of_range": "Bobot harus antara -100% dan 100%, tertulis {weight}%",
    "weights_sum": "Jumlah bobot positif harus 100%, tertulis {total}%",
    "unsupported_matching": "Soal menjodohkan (->) tidak didukung",
    "unsupported_numeric": "Soal numerik ({#...}) tidak didukung",
    "unsupported_essay": "Soal esai ({}) tidak didukung",
}


@dataclass
class Choice:
    text: str
    correct: bool  # single choice: the '=' answer; multiple choice: weight > 0
    weight: float  # percent: 100 / 0 in single choice (or a penalty); the %N% in multiple
    feedback: str = ""


@dataclass
class Question:
    kind: str  # "single" | "multiple" | "truefalse" | "short"
    text: str
    title: str = ""
    category: str = ""
    choices: list[Choice] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)  # short answer: accepted answers
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


# --------------------------------------------------------------------------- escapes

_SPECIAL = "~=#{}:\\"
# Escaped characters are replaced by private-use placeholders while the structure is parsed.
_PLACEHOLDER = {ch: chr(0xE000 + i) for i, ch in enumerate(_SPECIAL)}
_NEWLINE_PH = chr(0xE000 + len(_SPECIAL))
_RESTORE = {ord(ph): ch for ch, ph in _PLACEHOLDER.items()}
_RESTORE[ord(_NEWLINE_PH)] = "\n"


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


_FORMAT_PREFIX = re.compile(r"\[(?:markdown|html|plain|moodle)\]\s*", re.IGNORECASE)
_WEIGHT = re.compile(r"\s*%([^%]*)%")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)")
_TF = {"T": True, "TRUE": True, "F": False, "FALSE": False}


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
    line: int
    body: str  # protected text
    category: str


def _split_blocks(text: str) -> list[_Block]:
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    blocks: list[_Block] = []
    category = ""
    current: list[tuple[int, str]] = []

    def flush() -> None:
        if current:
            body = _protect("\n".join(raw for _, raw in current))
            blocks.append(_Block(current[0][0], body, category))
            current.clear()

    for number, raw in enumerate(text.split("\n"), start=1):
        stripped = raw.strip()
        if not stripped:
            flush()
        elif stripped.startswith("//"):
            continue  # comment line: neither content nor a separator
        elif stripped[:10].casefold() == "$category:":
            flush()
            category = stripped[10:].strip()
        else:
            current.append((number, raw))
    flush()
    return blocks


def _parse_weight(raw: str) -> float:
    value = raw.strip()
    if not _NUMBER.fullmatch(value):
        raise _Fail("invalid_weight", weight=_restore(value))
    weight = float(value.replace(",", "."))
    if not -100 <= weight <= 100:
        raise _Fail("weight_out_of_range", weight=_fmt_weight(weight))
    return weight


@dataclass
class _Item:
    marker: str  # '=' or '~'
    weight: float | None
    text: str
    feedback: str


def _split_items(raw: str) -> list[_Item]:
    starts = [i for i, c in enumerate(raw) if c in "=~"]
    if not starts or raw[: starts[0]].strip():
        raise _Fail("bad_answer_format")
    pieces: list[tuple[str, str | None, str, str]] = []
    for start, end in zip(starts, starts[1:] + [len(raw)]):
        body = raw[start + 1 : end]
        weight_raw = None
        m = _WEIGHT.match(body)
        if m:
            weight_raw = m.group(1)
            body = body[m.end() :]
        text, _, feedback = body.partition("#")
        pieces.append((raw[start], weight_raw, text, feedback))
    # Matching is recognised before weights are checked: its items have no weights anyway.
    if any(marker == "=" and "->" in text for marker, _, text, _ in pieces):
        raise _Fail("unsupported_matching")
    items: list[_Item] = []
    for marker, weight_raw, text, feedback in pieces:
        weight = _parse_weight(weight_raw) if weight_raw is not None else None
        text = _restore(_clean(text))
        if not text:
            raise _Fail("empty_answer")
        items.append(_Item(marker, weight, text, _restore(_clean(feedback))))
    return items


def _parse_answers(raw: str) -> tuple[str, list[Choice], list[str], str]:
    """Return (kind, choices, answers, general feedback) for the inside of the braces."""
    stripped = raw.strip()
    if stripped.startswith("#") and not stripped.startswith("####"):
        raise _Fail("unsupported_numeric")
    general = ""
    cut = raw.find("####")
    if cut >= 0:
        general = _restore(_clean(raw[cut + 4 :]))
        raw = raw[:cut]
    if not raw.strip():
        raise _Fail("unsupported_essay")

    parts = raw.split("#")
    head = parts[0].strip().upper()
    if head in _TF:
        is_true = _TF[head]
        wrong_fb = _restore(_clean(parts[1])) if len(parts) > 1 else ""
        right_fb = _restore(_clean("#".join(parts[2:]))) if len(parts) > 2 else ""
        choices = [
            Choice(TRUE_LABEL, is_true, 100.0 if is_true else 0.0,
                   right_fb if is_true else wrong_fb),
            Choice(FALSE_LABEL, not is_true, 0.0 if is_true else 100.0,
                   wrong_fb if is_true else right_fb),
        ]
        return TRUEFALSE, choices, [], general

    items = _split_items(raw)

    if all(it.marker == "=" for it in items):
        answers = [it.text for it in items if it.weight is None or it.weight > 0]
        if not answers:
            raise _Fail("no_correct_answer")
        return SHORT, [], answers, general

    right = [it for it in items if it.marker == "="]
    wrong = [it for it in items if it.marker == "~"]
    single = (
        len(right) == 1
        and right[0].weight in (None, 100)
        and all(it.weight is None or it.weight <= 0 for it in wrong)
    )
    if single:
        choices = [
            Choice(
                it.text,
                it.marker == "=",
                100.0 if it.marker == "=" else float(it.weight or 0.0),
                it.feedback,
            )
            for it in items
        ]
        return SINGLE, choices, [], general

    choices = []
    for it in items:
        if it.weight is not None:
            weight = float(it.weight)
        else:
            weight = 100.0 if it.marker == "=" else 0.0
        choices.append(Choice(it.text, weight > 0, weight, it.feedback))
    total = sum(c.weight for c in choices if c.weight > 0)
    if total <= 0:
        raise _Fail("no_correct_answer")
    if abs(total - 100) > WEIGHT_TOLERANCE:
        raise _Fail("weights_sum", total=_fmt_weight(round(total, 4)))
    if len(choices) < 2:
        raise _Fail("too_few_choices")
    return MULTIPLE, choices, [], general


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


def _parse_block(block: _Block) -> Question:
    s = block.body.strip()
    title = ""
    if s.startswith("::"):
        end = s.find("::", 2)
        if end < 0:
            raise _Fail("unclosed_title")
        title = _restore(" ".join(_clean(s[2:end]).split("\n")))
        s = s[end + 2 :]

    opening, closing = _find_braces(s)
    before = _clean(s[:opening], keep_indent=True)
    prefix = _FORMAT_PREFIX.match(before)
    if prefix:
        before = _clean(before[prefix.end() :], keep_indent=True)
    after = _clean(s[closing + 1 :], keep_indent=True)
    text = " ___ ".join(part for part in (before, after) if part)
    text = _restore(text)
    if not text.strip():
        raise _Fail("empty_question_text")

    kind, choices, answers, general = _parse_answers(s[opening + 1 : closing])
    return Question(
        kind=kind,
        text=text,
        title=title,
        category=block.category,
        choices=choices,
        answers=answers,
        feedback=general,
        line=block.line,
    )


def _continuation_end(blocks: list[_Block], start: int) -> int | None:
    """After an unclosed block: index of the later block holding its '}' (the answer block
    was cut by blank lines), or None when the following blocks look like new questions."""
    for k in range(start, len(blocks)):
        if blocks[k].category != blocks[start - 1].category:
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
    i = 0
    while i < len(blocks):
        block = blocks[i]
        i += 1
        try:
            result.questions.append(_parse_block(block))
        except _Fail as fail:
            code, params = fail.code, fail.params
            if code == "unclosed_answer_block":
                end = _continuation_end(blocks, i)
                if end is not None:
                    code, params = "answer_block_interrupted", {}
                    i = end + 1
            result.errors.append(_error(block.line, code, params))
    return result


# --------------------------------------------------------------------------- normalise


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


# --------------------------------------------------------------------------- dumps


def _fmt_weight(weight: float) -> str:
    if not math.isfinite(weight):
        raise ValueError(f"invalid weight: {weight!r}")
    if weight == int(weight):
        return str(int(weight))
    text = format(Decimal(repr(weight)), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _esc(text: str, colon: bool = False) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    out = []
    for ch in text:
        if ch in "\\~=#{}" or (colon and ch == ":"):
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        else:
            out.append(ch)
    return "".join(out)


def _needs_format_prefix(text: str) -> bool:
    head = text.lstrip()
    return bool(
        _FORMAT_PREFIX.match(head)
        or head.startswith("//")
        or head.startswith("::")
        or head[:10].casefold() == "$category:"
    )


def _dump_text(text: str) -> str:
    """Question text: line breaks stay real where parse() reads them back unchanged,
    otherwise they are written as \\n."""
    segments = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out = [_esc(segments[0])]
    for prev, seg in zip(segments, segments[1:]):
        head = seg.lstrip()
        safe = (
            prev == prev.rstrip()
            and head != ""
            and not head.startswith("//")
            and head[:10].casefold() != "$category:"
        )
        out.append("\n" if safe else "\\n")
        out.append(_esc(seg))
    body = "".join(out)
    return ("[markdown]" + body) if _needs_format_prefix(text) else body


def _dump_choice(marker: str, choice: Choice, weight: float | None) -> str:
    text = _esc(choice.text)
    if weight is None and text.lstrip().startswith("%"):
        weight = 100.0 if marker == "=" else 0.0  # keep a leading % out of the weight slot
    line = marker + (f"%{_fmt_weight(weight)}%" if weight is not None else "") + text
    if choice.feedback:
        line += " #" + _esc(choice.feedback)
    return line


def _dump_question(q: Question) -> str:
    head = (f"::{_esc(q.title, colon=True)}::" if q.title else "") + _dump_text(q.text)
    general = _esc(q.feedback) if q.feedback else ""

    if q.kind == TRUEFALSE:
        true_choice = next(
            (c for c in q.choices if c.text.casefold() in ("benar", "true")),
            q.choices[0] if q.choices else None,
        )
        is_true = true_choice.correct if true_choice is not None else True
        right = next((c.feedback for c in q.choices if c.correct), "")
        wrong = next((c.feedback for c in q.choices if not c.correct), "")
        inner = "T" if is_true else "F"
        if wrong or right:
            inner += "#" + _esc(wrong)
        if right:
            inner += "#" + _esc(right)
        if general:
            inner += " ####" + general
        return f"{head} {{{inner}}}"

    if q.kind == SHORT:
        parts = [_dump_choice("=", Choice(a, True, 100.0), None) for a in q.answers]
        if general:
            parts.append("####" + general)
        return f"{head} {{{' '.join(parts)}}}"

    if q.kind == SINGLE:
        lines = []
        for c in q.choices:
            if c.correct:
                lines.append(_dump_choice("=", c, None))
            else:
                lines.append(_dump_choice("~", c, c.weight if c.weight else None))
    elif q.kind == MULTIPLE:
        lines = [_dump_choice("~", c, c.weight if c.weight else None) for c in q.choices]
    else:
        raise ValueError(f"unknown question kind: {q.kind!r}")
    if general:
        lines.append("####" + general)
    body = "\n".join("  " + ln for ln in lines)
    return f"{head} {{\n{body}\n}}"


def dumps(questions: list[Question]) -> str:
    """Write questions as GIFT; parse(dumps(qs)).questions == qs for parsed questions."""
    blocks: list[str] = []
    category = ""
    for q in questions:
        if q.category != category:
            name = " ".join(q.category.split())
            blocks.append(f"$CATEGORY: {name}".rstrip())
            category = q.category
        blocks.append(_dump_question(q))
    return "\n\n".join(blocks) + "\n" if blocks else ""
