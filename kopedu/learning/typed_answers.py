"""Answers that are not a set of ticked choices: a typed number (numerical questions) and the pairs of
a matching question — how a posted value is checked, stored and scored.

Stored in AttemptAnswer.text: a numerical answer as typed (`1.548.000`, `12,5`: read the Indonesian
way by gift.read_number), a matching answer as `left:option left:option …` (choice ids: the left
side's choice and the choice that stands for the chosen right side, Question.match_options).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from kopedu.courses import gift

NUMBER_MAX = 40  # characters of a typed number


@dataclass
class Rule:
    """What a question accepts: its kind and choice ids; for matching the left sides and the options."""
    kind: str
    choice_ids: set[int] = field(default_factory=set)
    lefts: set[int] = field(default_factory=set)
    options: set[int] = field(default_factory=set)


def rule_for(kind: str, choices) -> Rule:
    """`choices`: (id, text, match) in position order."""
    rule = Rule(kind, {cid for cid, _text, _match in choices})
    if kind == gift.MATCHING:
        seen: set[str] = set()
        for cid, text, match in choices:
            if text:
                rule.lefts.add(cid)
            if match not in seen:
                seen.add(match)
                rule.options.add(cid)
    return rule


def parse(rule: Rule, values: list[str], invalid) -> str | None:
    """The text to store for a numerical or matching answer (None: left blank). `invalid(message=None)`
    builds the exception to raise for a value the question does not accept."""
    if rule.kind == gift.NUMERICAL:
        if len(values) > 1:
            raise invalid()
        text = str(values[0]).strip() if values else ""
        if not text:
            return None
        if len(text) > NUMBER_MAX or gift.read_number(text) is None:
            raise invalid(_l("Angka tidak dikenali. Tulis angka saja, misalnya 1.548.000 atau 12,5."))
        return text
    pairs: dict[int, int] = {}
    for value in values:
        left, sep, option = str(value).partition(":")
        try:
            left_id, option_id = int(left), int(option)
        except ValueError:
            raise invalid() from None
        if not sep or left_id not in rule.lefts or option_id not in rule.options or left_id in pairs:
            raise invalid()
        pairs[left_id] = option_id
    return " ".join(f"{left}:{option}" for left, option in sorted(pairs.items())) or None


def pairs(text: str | None) -> dict[int, int]:
    """A stored matching answer -> {left choice id: option choice id}."""
    result = {}
    for item in (text or "").split():
        left, _, option = item.partition(":")
        if left.isdigit() and option.isdigit():
            result[int(left)] = int(option)
    return result


def score(question, text: str | None) -> float:
    """0..1 of the question's points. Numerical: the weight of the first answer the number falls
    within. Matching: the share of left sides matched right (Moodle's partial credit)."""
    if question.kind == gift.NUMERICAL:
        answer = question.numeric_match(text)
        return max(0.0, min(1.0, answer.weight / 100.0)) if answer is not None else 0.0
    lefts = question.match_items
    if not lefts:
        return 0.0
    by_id = {choice.id: choice for choice in question.choices}
    chosen = pairs(text)
    right = sum(1 for left in lefts if left.id in chosen and chosen[left.id] in by_id
                and by_id[chosen[left.id]].match == left.match)
    return right / len(lefts)


def options(choices) -> list:
    """Matching: the right sides to choose from, in the attempt's order, each once (its first choice)."""
    seen: set[str] = set()
    result = []
    for choice in choices:
        if choice.match not in seen:
            seen.add(choice.match)
            result.append(choice)
    return result
