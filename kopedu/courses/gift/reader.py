"""parse(): GIFT text -> questions and errors (line numbers and messages)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from .model import (FALSE_LABEL, MATCHING, MULTIPLE, NUMERICAL, SHORT, SINGLE, TRUE_LABEL, TRUEFALSE, Choice, ParseError, ParseResult,
                    Question, format_message, grade, nearest_grades, weights_total_ok, _fmt_weight)
from .text import _OWN, _clean, _protect, _restore, _text

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
        return NUMERICAL, _parse_numerical(raw[1:]), [], general
    if "~" in raw:
        return (*_parse_choices(raw), [], general)
    if "=" in raw and "->" in raw:
        return MATCHING, _parse_matching(raw), [], general

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


def number_text(value: Decimal) -> str:
    """A number as GIFT writes it: plain digits with a decimal point, no exponent, no trailing zeros."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def _number(raw: str, code: str = "numeric_not_a_number") -> Decimal:
    """A number of a numerical answer, as PHP's is_numeric reads it (Moodle's check); a comma, a
    thousands dot or text is refused rather than guessed."""
    text = raw.strip()
    if not _NUMBER.fullmatch(text):
        raise _Fail(code, answer=_short(text))
    return Decimal(text)


_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def _value_and_tolerance(raw: str) -> tuple[str, str]:
    """`value`, `value:tolerance` or `min..max` (Moodle: the middle, and the half-width as the
    tolerance) -> (value, tolerance) as number_text."""
    text = _restore(raw).strip()
    if text.find("..") > 0:
        low, high = text.split("..", 1)
        low_d, high_d = _number(low, "numeric_bad_range"), _number(high, "numeric_bad_range")
        if low_d > high_d:
            raise _Fail("numeric_bad_range", answer=_short(text))
        middle = (low_d + high_d) / 2
        return number_text(middle), number_text(high_d - middle)
    if text.find(":") > 0:
        value, tolerance = text.split(":", 1)
        tol = _number(tolerance, "numeric_bad_tolerance")
        if tol < 0:
            raise _Fail("numeric_bad_tolerance", answer=_short(text))
        return number_text(_number(value)), number_text(tol)
    return number_text(_number(text)), "0"


def _parse_numerical(raw: str) -> list[Choice]:
    """The inside of {#...}: `=value` answers (weight, tolerance or range, feedback), and after `~`
    the feedback for any other number (Moodle keeps it as a `*` answer worth 0)."""
    wrong_feedback = None
    cut = raw.find("~")
    if cut >= 0:
        text, _, feedback = raw[cut + 1:].partition("#")
        if text.strip():
            raise _Fail("numeric_wrong_text", answer="~" + _short(_restore(text.strip())))
        wrong_feedback = _text(feedback)
        raw = raw[:cut]
    parts = raw.split("=")
    if not parts[0].strip():
        parts = parts[1:]
    choices = []
    for part in parts:
        part = part.strip()
        weight = 100.0
        m = _WEIGHT.match(part)
        if m:
            weight = _weight_value(m.group(1))
            part = part[m.end():]
        value, _, feedback = part.partition("#")
        if not value.strip():
            raise _Fail("numeric_no_answer")
        value, tolerance = _value_and_tolerance(value)
        choices.append(Choice(value, weight > 0, weight, _text(feedback), tolerance=tolerance))
    if not choices:
        raise _Fail("numeric_no_answer")
    if not any(c.weight == 100 for c in choices):
        raise _Fail("no_full_answer")
    if wrong_feedback is not None:
        choices.append(Choice("*", False, 0.0, wrong_feedback))
    return choices


def _parse_matching(raw: str) -> list[Choice]:
    """The inside of a matching block: `=left -> right` pairs; a pair with nothing on the left is a
    distractor (one more answer to choose from)."""
    parts = raw.split("=")
    if parts[0].strip():
        raise _Fail("bad_answer_format")
    choices = []
    for part in parts[1:]:
        if "#" in part:
            raise _Fail("matching_feedback")
        if "->" not in part:
            raise _Fail("matching_pair_format")
        left, right = part.split("->", 1)
        right = _restore(_clean(right)).strip()
        if not right:
            raise _Fail("empty_answer")
        choices.append(Choice(_text(left), False, 0.0, match=right))
    if sum(1 for c in choices if c.text) < 2:
        raise _Fail("matching_too_few")
    return choices


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
