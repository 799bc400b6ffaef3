"""How a learner's response is compared with the answers of a question."""
from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

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



# --------------------------------------------------------------------------- numbers

_RP = re.compile(r"^rp\.?\s*", re.IGNORECASE)
# Indonesian: a dot groups thousands (1.548.000), a comma starts the decimals (12,5).
_ID_NUMBER = re.compile(r"([+-]?)(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d+))?")


def read_number(text: str | None) -> Decimal | None:
    """A number typed the Indonesian way — `1.548.000`, `1548000`, `12,5`, `Rp 1.548.000`,
    `1.548.000,50`, `-2,5` — or None when it cannot be read without guessing (`12.5`, `1,5 jt`,
    `1.5`, two commas, letters): a dot is only ever a thousands separator."""
    s = _RP.sub("", (text or "").strip().replace("\u00a0", " ")).strip()
    m = _ID_NUMBER.fullmatch(s)
    if not m:
        return None
    sign, whole, decimals = m.groups()
    value = Decimal(whole.replace(".", "") + ("." + decimals if decimals else ""))
    return -value if sign == "-" else value


def numeric_match(answers, response: Decimal):
    """The first answer (Moodle's order) whose value ± tolerance holds the response; `*` holds any
    number. `answers` are objects with .text, .tolerance, .weight, .feedback (gift.Choice or the
    stored choice). None when none does."""
    for answer in answers:
        value = (answer.text or "").strip()
        if value == "*":
            return answer
        try:
            middle, margin = Decimal(value), abs(Decimal(answer.tolerance or "0"))
        except InvalidOperation:
            continue
        if middle - margin <= response <= middle + margin:
            return answer
    return None
