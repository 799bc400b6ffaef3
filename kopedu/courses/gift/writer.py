"""dumps(): questions -> GIFT text that Moodle and KopEdu read back the same."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from .model import MATCHING, MULTIPLE, NUMERICAL, SHORT, SINGLE, TRUEFALSE, Choice, DumpError, Question, grade, nearest_grades, \
    weights_total_ok, _fmt_weight
from .reader import number_text
from .text import _FORMAT_PREFIX

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
    elif q.kind == NUMERICAL:
        return f"{head} {{#\n{_numerical_lines(q, general)}\n}}"
    elif q.kind == MATCHING:
        lines = _matching_lines(q)
    else:
        raise DumpError(q, f"unknown question kind: {q.kind!r}")
    if q.kind != MATCHING and any(not c.text.strip() for c in q.choices):
        raise DumpError(q, "empty answer")
    if general:
        lines.append(general)
    body = "\n".join("  " + ln for ln in lines)
    return f"{head} {{\n{body}\n}}"


def _numerical_lines(q: Question, general: str) -> str:
    """`=value:tolerance` answers, then `~#feedback` for the `*` answer (any other number)."""
    lines = []
    for i, c in enumerate(q.choices):
        if c.text.strip() == "*":
            if i != len(q.choices) - 1 or grade(c.weight) != 0:
                raise DumpError(q, "the * answer of a numerical question must be the last and worth 0%")
            lines.append("~#" + _fragment(c.feedback))
            continue
        try:
            value = Decimal(c.text.strip())
            tolerance = Decimal(c.tolerance or "0")
        except InvalidOperation:
            raise DumpError(q, f"not a number: {c.text!r} / {c.tolerance!r}") from None
        if not value.is_finite() or not tolerance.is_finite() or tolerance < 0:
            raise DumpError(q, f"not a number: {c.text!r} / {c.tolerance!r}")
        w = _weight(q, c.weight)
        answer = number_text(value) + (f":{number_text(tolerance)}" if tolerance else "")
        lines.append("=" + ("" if w == "100" else f"%{w}%") + answer + _feedback(c))
    if not any(grade(c.weight) == 100 for c in q.choices):
        raise DumpError(q, "a numerical question needs an answer worth 100%")
    if general:
        lines.append(general)
    return "\n".join("  " + ln for ln in lines)


def _matching_lines(q: Question) -> list[str]:
    """`=left -> right` pairs; a distractor has nothing on the left."""
    if sum(1 for c in q.choices if c.text.strip()) < 2:
        raise DumpError(q, "a matching question needs two pairs")
    lines = []
    for c in q.choices:
        if "->" in c.text or not c.match.strip() or c.feedback.strip():
            raise DumpError(q, "a matching pair needs a right side, no '->' on its left and no feedback")
        left = _fragment(c.text) if c.text.strip() else ""
        lines.append("=" + left + " -> " + _esc(c.match.strip()))
    return lines


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
