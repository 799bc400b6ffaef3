import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kopedu.courses.importer import ContentError, import_course
from kopedu.courses.models import Choice, Course, Lesson, Module, Question, Quiz
from kopedu.extensions import db
from kopedu.learning.models import LessonProgress
from tests import factories

BUNDLED = Path(__file__).resolve().parents[2] / "content" / "courses" / "penguatan-kapasitas-pengurus-kmp"


@pytest.fixture
def course_dir(tmp_path):
    target = tmp_path / "penguatan-kapasitas-pengurus-kmp"
    shutil.copytree(BUNDLED, target)
    return target


def _snapshot():
    rows = {}
    for model in (Course, Module, Lesson, Quiz, Question, Choice):
        rows[model.__name__] = db.session.scalar(select(func.count()).select_from(model))
    lessons = {l.id: (l.slug, l.title, l.body, l.position) for l in db.session.scalars(select(Lesson))}
    return rows, lessons


def test_bundled_course_imports_completely(app, course_dir):
    report = import_course(course_dir)
    db.session.commit()
    course = report.course
    assert course.title == "Penguatan Kapasitas Pengurus Koperasi Merah Putih"
    assert course.published and course.sequential and course.jp_hours > 0
    assert len(course.modules) == 5
    roles = sorted(q.role for q in course.quizzes)
    assert roles.count("pretest") == 1 and roles.count("posttest") == 1 and roles.count("lesson") == 5
    assignment = db.session.scalar(select(Lesson).where(Lesson.kind == "assignment"))
    assert assignment.settings["assignment"]["rubric"]


def test_import_twice_leaves_the_same_rows(app, course_dir):
    import_course(course_dir)
    db.session.commit()
    before = _snapshot()
    report = import_course(course_dir)
    db.session.commit()
    assert report.created == [] and report.updated == []
    assert _snapshot() == before


def test_editing_one_lesson_updates_only_it_and_keeps_progress(app, course_dir):
    import_course(course_dir)
    db.session.commit()
    lesson_file = course_dir / "03-pengelolaan-keuangan" / "02-pembukuan-sederhana.md"
    lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "pembukuan-sederhana"))
    user = factories.user()
    db.session.add(LessonProgress(user_id=user.id, lesson_id=lesson.id))
    db.session.commit()
    rows_before, lessons_before = _snapshot()

    lesson_file.write_text(lesson_file.read_text(encoding="utf-8") + "\n\nCatatan tambahan dari Dinas.\n",
                           encoding="utf-8")
    report = import_course(course_dir)
    db.session.commit()
    rows_after, lessons_after = _snapshot()
    assert report.updated == ["lesson pengelolaan-keuangan/pembukuan-sederhana"]
    assert rows_after == rows_before
    changed = [lid for lid in lessons_before if lessons_before[lid] != lessons_after[lid]]
    assert changed == [lesson.id]
    assert "Catatan tambahan dari Dinas." in lessons_after[lesson.id][2]
    assert db.session.scalar(select(func.count()).select_from(LessonProgress)) == 1


def test_broken_front_matter_names_file_and_line(app, course_dir):
    bad = course_dir / "01-dasar-perkoperasian" / "01-apa-itu-koperasi.md"
    text = bad.read_text(encoding="utf-8").replace("title:", "title: [tidak ditutup", 1)
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ContentError) as error:
        import_course(course_dir)
    message = str(error.value)
    assert "01-apa-itu-koperasi.md:" in message
    assert message.split("01-apa-itu-koperasi.md:")[1].split(":")[0].isdigit()


def test_broken_gift_names_file_and_line_and_saves_nothing(app, course_dir):
    quiz_file = course_dir / "02-tata-kelola-organisasi" / "kuis.gift"
    lines = quiz_file.read_text(encoding="utf-8").splitlines()
    lines += ["", "::Rusak::Soal tanpa jawaban benar {", "~satu", "~dua", "}"]
    quiz_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ContentError) as error:
        import_course(course_dir)
    db.session.rollback()
    assert f"kuis.gift:{len(lines) - 3}:" in str(error.value)
    assert db.session.scalar(select(func.count()).select_from(Course)) == 0


def test_cli_import_course_twice(app, course_dir):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["kopedu", "import-course", str(course_dir)])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["kopedu", "import-course", str(course_dir)])
    assert second.exit_code == 0 and "0 created, 0 updated" in second.output


def test_cli_reports_content_error(app, course_dir):
    (course_dir / "course.md").write_text("---\nsummary: tanpa judul\n---\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["kopedu", "import-course", str(course_dir)])
    assert result.exit_code != 0
    assert "course.md:1:" in result.output and "title" in result.output
