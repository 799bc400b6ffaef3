"""The bundled Bimtek curriculum parses completely and meets the counts the programme asks for."""
import re
from pathlib import Path

import frontmatter
import pytest

from kopedu.courses import gift

COURSE = Path(__file__).resolve().parents[2] / "content" / "courses" / "penguatan-kapasitas-pengurus-kmp"
MODULES = sorted(p for p in COURSE.iterdir() if p.is_dir())
LESSON_FILES = sorted(f for m in MODULES for f in m.glob("[0-9]*.md"))
READINGS = [f for f in LESSON_FILES if frontmatter.load(f).get("kind", "reading") == "reading"]

EXPECTED_MODULES = {
    "dasar-perkoperasian", "tata-kelola-organisasi", "pengelolaan-keuangan",
    "pengembangan-usaha-digital", "rencana-bisnis-dan-rencana-aksi",
}


def words(markdown: str) -> int:
    """Words of running text: table rows and Markdown punctuation left out."""
    text = "\n".join(line for line in markdown.splitlines() if not line.lstrip().startswith("|"))
    return len(re.findall(r"[0-9A-Za-zÀ-ÿ'’.-]*[A-Za-zÀ-ÿ0-9]", text))


def questions(path: Path) -> list[gift.Question]:
    result = gift.parse(path.read_text(encoding="utf-8"))
    assert not result.errors, f"{path}: {[(e.line, e.message) for e in result.errors]}"
    return result.questions


def test_the_five_modules_are_there():
    slugs = {re.sub(r"^\d+-", "", m.name) for m in MODULES}
    assert slugs == EXPECTED_MODULES


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.name)
def test_each_module_has_4_to_6_lessons_and_a_quiz(module):
    kinds = [frontmatter.load(f).get("kind", "reading") for f in sorted(module.glob("[0-9]*.md"))]
    content_lessons = [k for k in kinds if k in ("reading", "video", "file")]
    assert 4 <= len(content_lessons) <= 6, kinds
    assert kinds[-1] == "quiz", "the module ends in its quiz"
    quiz = frontmatter.load(sorted(module.glob("[0-9]*.md"))[-1])
    assert len(questions(module / quiz["questions"])) >= 5


@pytest.mark.parametrize("lesson", READINGS, ids=lambda f: f"{f.parent.name}/{f.name}")
def test_each_lesson_is_written_as_agreed(lesson):
    post = frontmatter.load(lesson)
    assert post.get("title") and 1 <= int(post.get("minutes", 0)) <= 30
    body = post.content
    assert words(body) >= 300, f"{lesson.name}: {words(body)} words"
    assert "## Ringkasan" in body
    assert "## Coba sekarang" in body
    assert "Kupang" in body or any(k in body for k in (
        "Oebufu", "Kayu Putih", "Liliba", "Fatululi", "Oebobo", "Oesapa", "Lasiana", "Namosain", "Sikumana",
        "Bakunase", "Naikoten", "Fontein", "Oeba", "Penfui", "Naikolan", "Alak")), "an example from Kupang"


def test_pre_and_post_tests_cover_the_same_ground_with_different_questions():
    post = frontmatter.load(COURSE / "course.md")
    pre_qs = questions(COURSE / post["pretest"]["questions"])
    post_qs = questions(COURSE / post["posttest"]["questions"])
    assert len(pre_qs) >= 15 and len(post_qs) >= 15
    assert not {q.text for q in pre_qs} & {q.text for q in post_qs}
    for qs in (pre_qs, post_qs):
        assert {q.kind for q in qs} == {"single", "multiple", "truefalse", "short"}


def test_assignment_with_rubric_ends_the_last_module():
    assignment = [f for f in LESSON_FILES if frontmatter.load(f).get("kind") == "assignment"]
    assert len(assignment) == 1 and assignment[0].parent == MODULES[-1]
    block = frontmatter.load(assignment[0])["assignment"]
    assert len(block["rubric"]) >= 3
    for criterion in block["rubric"]:
        assert criterion["criterion"] and len(criterion["levels"]) >= 2
        assert all(isinstance(level["description"], str) and level["description"] for level in criterion["levels"])


def test_rupiah_is_written_the_indonesian_way():
    for lesson in READINGS:
        body = frontmatter.load(lesson).content
        assert not re.search(r"Rp ?\d{1,3}(,\d{3})+(?!\d)", body), f"{lesson.name} uses a comma as thousands separator"
        assert not re.search(r"Rp\.? ?\d+,\d{2}\b", body), f"{lesson.name} has rupiah decimals"
