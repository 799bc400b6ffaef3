"""The bundled course's GIFT files keep every feedback their authors wrote. The feedback is counted
from the raw text (not by the parser), then the parsed questions must carry each one."""
import re
from pathlib import Path

import pytest

from kopedu.courses import gift

CONTENT = Path(__file__).resolve().parents[2] / "content" / "courses"
GIFT_FILES = sorted(CONTENT.rglob("*.gift"))
# GIFT's special characters, escaped, are hidden as private-use characters while the blocks are split.
HIDDEN = {c: chr(0xE000 + i) for i, c in enumerate("~=#{}:\\")}
SHOWN = {ord(v): k for k, v in HIDDEN.items()}


def raw_feedback(text: str) -> list[str]:
    """Every non-empty feedback written in the answer blocks of GIFT text: what follows a single '#'
    up to the next '#', '=', '~' or '}', and what follows '####' up to '}'. Comment lines are left out
    first; an escaped character stands for itself and separates nothing."""
    text = "\n".join(line for line in text.splitlines() if not line.strip().startswith("//"))
    text = re.sub(r"\\(.)", lambda m: HIDDEN.get(m.group(1), m.group(1)), text)
    found = []
    for block in re.findall(r"\{([^{}]*)\}", text):
        block, _, general = block.rpartition("####") if "####" in block else (block, "", "")
        found += [piece.strip() for piece in re.findall(r"#([^#=~]*)", block) if piece.strip()]
        if general.strip():
            found.append(general.strip())
    return [piece.translate(SHOWN) for piece in found]


def parsed_feedback(questions: list[gift.Question]) -> list[str]:
    return [fb for q in questions for fb in [c.feedback for c in q.choices] + [q.feedback] if fb]


def test_raw_counter_counts_what_an_author_writes():
    sample = ("A {=a #satu ~b #dua ~c ####umum}\n\nB {T#salah#benar}\n\nC {=x \\# y #tiga \\= 3 =z}\n"
              "// {=k #bukan}\n")
    assert raw_feedback(sample) == ["satu", "dua", "umum", "salah", "benar", "tiga = 3"]


def test_there_are_bundled_gift_files():
    assert len(GIFT_FILES) >= 7


@pytest.mark.parametrize("path", GIFT_FILES, ids=lambda p: str(p.relative_to(CONTENT)))
def test_bundled_questions_keep_all_their_feedback(path):
    text = path.read_text(encoding="utf-8")
    result = gift.parse(text)
    assert result.errors == [], [(e.line, e.message) for e in result.errors]
    written = raw_feedback(text)
    kept = parsed_feedback(result.questions)
    assert len(kept) == len(written), (len(kept), len(written))
    for feedback in written:
        assert any(feedback == k.replace("\n", " ") or feedback in k for k in kept), feedback


def test_bundled_course_feedback_in_total():
    written = sum(len(raw_feedback(p.read_text(encoding="utf-8"))) for p in GIFT_FILES)
    kept = sum(len(parsed_feedback(gift.parse(p.read_text(encoding="utf-8")).questions)) for p in GIFT_FILES)
    short_kept = sum(1 for p in GIFT_FILES for q in gift.parse(p.read_text(encoding="utf-8")).questions
                     if q.kind == gift.SHORT for c in q.choices if c.feedback)
    assert written == kept and written > 0
    assert short_kept > 0  # the short answers' feedback is among them (it used to be dropped)
