"""The bundled Bimtek curriculum parses completely and meets the counts the programme asks for: six
modules, parallel pre- and post-tests mapped competence by competence, no post-test item a learner has
already seen in a module quiz, and lesson tables narrow enough for a 360 px phone."""
import difflib
import re
from pathlib import Path

import frontmatter
import pytest
import yaml

from kopedu.courses import gift

COURSE = Path(__file__).resolve().parents[2] / "content" / "courses" / "penguatan-kapasitas-pengurus-kmp"
MODULES = sorted(p for p in COURSE.iterdir() if p.is_dir())
LESSON_FILES = sorted(f for m in MODULES for f in m.glob("[0-9]*.md"))
READINGS = [f for f in LESSON_FILES if frontmatter.load(f).get("kind", "reading") == "reading"]

EXPECTED_MODULES = {
    "dasar-perkoperasian", "tata-kelola-organisasi", "pengelolaan-keuangan", "operasional-gerai-dan-kepatuhan",
    "pengembangan-usaha-digital", "rencana-bisnis-dan-rencana-aksi",
}
COMPETENCES = yaml.safe_load((COURSE / "kompetensi.yml").read_text(encoding="utf-8"))["kompetensi"]
QUIZ_FILES = sorted(m / frontmatter.load(sorted(m.glob("[0-9]*.md"))[-1])["questions"] for m in MODULES)


def words(markdown: str) -> int:
    """Words of running text: table rows and Markdown punctuation left out."""
    text = "\n".join(line for line in markdown.splitlines() if not line.lstrip().startswith("|"))
    return len(re.findall(r"[0-9A-Za-zÀ-ÿ'’.-]*[A-Za-zÀ-ÿ0-9]", text))


def questions(path: Path) -> list[gift.Question]:
    result = gift.parse(path.read_text(encoding="utf-8"))
    assert not result.errors, f"{path}: {[(e.line, e.message) for e in result.errors]}"
    return result.questions


def test_the_six_modules_are_there():
    slugs = {re.sub(r"^\d+-", "", m.name) for m in MODULES}
    assert slugs == EXPECTED_MODULES


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.name)
def test_each_module_has_4_to_8_lessons_and_a_quiz(module):
    """Short lessons (see test_bundled_course_plain.py) make more of them: up to eight a module."""
    kinds = [frontmatter.load(f).get("kind", "reading") for f in sorted(module.glob("[0-9]*.md"))]
    content_lessons = [k for k in kinds if k in ("reading", "video", "file")]
    assert 4 <= len(content_lessons) <= 8, kinds
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
    assert "Kupang" in body or "NTT" in body or any(k in body for k in (
        "Oebufu", "Kayu Putih", "Liliba", "Fatululi", "Oebobo", "Oesapa", "Lasiana", "Namosain", "Sikumana",
        "Bakunase", "Naikoten", "Fontein", "Oeba", "Penfui", "Naikolan", "Alak")), "an example from Kupang"


def _tests():
    post = frontmatter.load(COURSE / "course.md")
    pre_qs = {q.title: q for q in questions(COURSE / post["pretest"]["questions"])}
    post_qs = {q.title: q for q in questions(COURSE / post["posttest"]["questions"])}
    return pre_qs, post_qs


def _numbers(text: str) -> set[str]:
    return set(re.findall(r"\d[\d.,]*", text))


def test_pre_and_post_tests_cover_the_same_ground_with_different_questions():
    pre_qs, post_qs = _tests()
    assert len(pre_qs) == len(post_qs) == 16
    assert not {q.text for q in pre_qs.values()} & {q.text for q in post_qs.values()}
    for qs in (pre_qs, post_qs):
        assert {q.kind for q in qs.values()} == {"single", "multiple", "truefalse", "short"}


def test_the_competence_map_pairs_every_pre_test_item_with_a_parallel_post_test_item():
    pre_qs, post_qs = _tests()
    assert len(COMPETENCES) == 16 and len({c["id"] for c in COMPETENCES}) == 16
    assert sorted(c["pre"]["soal"] for c in COMPETENCES) == sorted(pre_qs), "every pre-test item is mapped once"
    assert sorted(c["post"]["soal"] for c in COMPETENCES) == sorted(post_qs), "every post-test item is mapped once"
    assert {c["modul"] for c in COMPETENCES} == set(range(1, len(MODULES) + 1)), "every module is tested"
    for c in COMPETENCES:
        before, after = pre_qs[c["pre"]["soal"]], post_qs[c["post"]["soal"]]
        assert before.kind == after.kind, c["id"]  # same form of question, so the same difficulty of answering
        assert len(before.choices) == len(after.choices), c["id"]
        assert difflib.SequenceMatcher(None, before.text, after.text).ratio() < 0.8, f"{c['id']}: reworded"
        if c["terapan"] and _numbers(before.text):
            assert _numbers(before.text) != _numbers(after.text), f"{c['id']}: a case needs new numbers"


def test_at_least_half_of_the_items_are_applied_cases():
    applied = [c for c in COMPETENCES if c["terapan"]]
    assert 2 * len(applied) >= len(COMPETENCES)
    pre_qs, post_qs = _tests()
    computed = [c for c in applied if pre_qs[c["pre"]["soal"]].kind == "short"]
    for c in computed:  # a computed answer is a number, in both forms
        for q in (pre_qs[c["pre"]["soal"]], post_qs[c["post"]["soal"]]):
            assert re.fullmatch(r"\d+", q.answers[0]), q.title


@pytest.mark.parametrize("quiz_file", QUIZ_FILES, ids=lambda p: p.parent.name)
def test_no_pre_or_post_test_item_comes_from_a_module_quiz(quiz_file):
    pre_qs, post_qs = _tests()
    for quiz_q in questions(quiz_file):
        for q in [*pre_qs.values(), *post_qs.values()]:
            assert q.title != quiz_q.title, q.title
            ratio = difflib.SequenceMatcher(None, q.text, quiz_q.text).ratio()
            assert ratio < 0.75, f"{q.title} is too close to the quiz item {quiz_q.title} ({ratio:.2f})"


def test_the_post_test_allows_two_attempts():
    spec = frontmatter.load(COURSE / "course.md")["posttest"]
    assert spec["attempts"] == 2 and spec["pass_mark"] == 70


def _tables(markdown: str) -> list[list[list[str]]]:
    tables, current = [], []
    for line in [*markdown.splitlines(), ""]:
        if line.lstrip().startswith("|"):
            if not re.fullmatch(r"\|[-| :]+\|", line.strip()):
                current.append([cell.strip().replace("**", "") for cell in line.strip().strip("|").split("|")])
        elif current:
            tables.append(current)
            current = []
    return tables


# A 360 px screen leaves about 330 px for a table: about 40 characters of body text. A table fits when
# its columns' longest unbreakable words fit side by side; longer cells wrap.
MAX_COLUMNS = 4
MAX_WORDS_WIDTH = 40


@pytest.mark.parametrize("lesson", [f for f in LESSON_FILES], ids=lambda f: f"{f.parent.name}/{f.name}")
def test_lesson_tables_fit_a_phone(lesson):
    for table in _tables(frontmatter.load(lesson).content):
        columns = max(len(row) for row in table)
        assert columns <= MAX_COLUMNS, f"{lesson.name}: a table of {columns} columns: {table[0]}"
        widest = [max((len(word) for row in table if i < len(row) for word in row[i].split()), default=0)
                  for i in range(columns)]
        assert sum(widest) <= MAX_WORDS_WIDTH, f"{lesson.name}: table {table[0]} needs {sum(widest)} characters"


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


def test_the_finance_items_are_numerical_and_matching_questions():
    """Break-even, cash left after the instalment and a member's SHU share are typed as numbers (read the
    Indonesian way, whatever the spelling: no list of accepted spellings); cash versus profit is matched."""
    by_title = {}
    for path in QUIZ_FILES:
        result = gift.parse(path.read_text(encoding="utf-8"))
        assert result.errors == [], path
        by_title.update({q.title: q for q in result.questions})
    numerical = {title: q for title, q in by_title.items() if q.kind == gift.NUMERICAL}
    assert {"Hitung titik impas", "Sisa kas setelah cicilan", "Jasa usaha anggota"} <= set(numerical)
    right = {title: next(c.text for c in q.choices if c.weight == 100) for title, q in numerical.items()}
    assert right["Hitung titik impas"] == "40250000"  # 4.830.000 ÷ 12 %
    assert right["Sisa kas setelah cicilan"] == "900000"  # 1.800.000 + 300.000 − 1.200.000 (depreciation is not cash)
    assert right["Jasa usaha anggota"] == "120000"  # 6.000.000 ÷ 150.000.000 × 3.000.000
    for title, q in numerical.items():  # typed the Indonesian way, with or without "Rp", it is right
        grouped = f"{int(right[title]):,}".replace(",", ".")
        for typed in (grouped, "Rp " + grouped, right[title]):
            assert gift.numeric_match(q.choices, gift.read_number(typed)).weight == 100, (title, typed)
    matching = [q for q in by_title.values() if q.kind == gift.MATCHING]
    assert any("Penyusutan alat" in [c.text for c in q.choices] for q in matching)
