"""Moodle's own GIFT test cases (tests/courses/data/moodle_gift_cases.json: the GIFT text, the meaning
Moodle's test expects, the Moodle commit it came from) read by kopedu.courses.gift, and written back."""
import json
from pathlib import Path

import pytest

from kopedu.courses import gift

DATA = json.loads((Path(__file__).parent / "data" / "moodle_gift_cases.json").read_text(encoding="utf-8"))
CASES = DATA["cases"]


def _choice(kind: str, c: gift.Choice) -> list:
    if kind == gift.MATCHING:  # Moodle's subquestions and subanswers
        return [c.text, c.match]
    if kind == gift.NUMERICAL:  # Moodle's answer, fraction, feedback and tolerance
        return [c.text, c.weight, c.feedback, c.tolerance]
    return [c.text, c.weight, c.feedback]


def meaning(q: gift.Question) -> dict:
    return {"kind": q.kind, "title": q.title, "text": q.text, "category": q.category,
            "choices": [_choice(q.kind, c) for c in q.choices], "answers": q.answers,
            "feedback": q.feedback}


def test_the_data_names_the_moodle_commits_it_came_from():
    source = DATA["source"]
    assert source["repository"] == "https://github.com/moodle/moodle"
    commits = [v for k, v in source.items() if k != "repository"]
    assert commits and all(len(c) == 40 and int(c, 16) >= 0 for c in commits)
    kinds = {q["kind"] for case in CASES for q in case["questions"]}
    assert kinds == {"single", "multiple", "truefalse", "short", "numerical", "matching"}
    refused = {code for case in CASES for _, code in case["errors"]}
    assert refused == {"unsupported_essay"}
    names = {case["moodle"].split(" (")[0] for case in CASES}
    assert {"giftformat_test.php test_import_numerical", "giftformat_test.php test_export_numerical",
            "giftformat_test.php test_import_match", "giftformat_test.php test_export_match"} <= names


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_moodle_case_reads_as_moodle_reads_it(case):
    result = gift.parse(case["gift"])
    assert [meaning(q) for q in result.questions] == case["questions"]
    assert [[e.line, e.code] for e in result.errors] == case["errors"]


ACCEPTED = [c for c in CASES if c["questions"]]


@pytest.mark.parametrize("case", ACCEPTED, ids=[c["name"] for c in ACCEPTED])
def test_moodle_case_round_trips(case):
    questions = gift.parse(case["gift"]).questions
    text = gift.dumps(questions)
    again = gift.parse(text)
    assert again.errors == []
    assert again.questions == questions
    assert gift.dumps(again.questions) == text
