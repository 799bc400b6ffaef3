import io
import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kopedu.courses.importer import ContentError, import_course
from werkzeug.datastructures import FileStorage

from kopedu import storage
from kopedu.courses.models import Assignment, Choice, Course, Lesson, Module, Question, Quiz
from kopedu.grading import services as grading
from kopedu.grading.models import Submission
from kopedu.extensions import db
from kopedu.db import utcnow
from kopedu.learning.models import AttemptAnswer, Enrollment, LessonProgress, QuizAttempt
from tests import factories
from tests.grading import samples

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
    assert len(course.modules) == 6
    roles = sorted(q.role for q in course.quizzes)
    assert roles.count("pretest") == 1 and roles.count("posttest") == 1 and roles.count("lesson") == 6
    attempts = {q.role: q.attempts_allowed for q in course.quizzes}
    assert attempts["pretest"] == 1 and attempts["posttest"] == 2 and attempts["lesson"] == 0
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


def test_a_post_test_without_attempts_gets_two(app, course_dir):
    course_md = course_dir / "course.md"
    text = course_md.read_text(encoding="utf-8")
    assert "  attempts: 2" in text
    course_md.write_text("\n".join(line for line in text.splitlines() if "attempts:" not in line) + "\n",
                         encoding="utf-8")
    course = import_course(course_dir).course
    db.session.commit()
    assert {q.role: q.attempts_allowed for q in course.quizzes if q.role != "lesson"} == {"pretest": 1, "posttest": 2}


# What the second edition added to the course; a first-edition install has none of it.
NEW_MODULE = "04-operasional-gerai-dan-kepatuhan"
NEW_LESSONS = ["02-tata-kelola-organisasi/06-simkopdes.md",
               "03-pengelolaan-keuangan/07-sak-ep-dengan-bahasa-sederhana.md",
               "06-rencana-bisnis-dan-rencana-aksi/05-proposal-pembiayaan-bank-himbara.md"]
RENUMBERED = {"05-pengembangan-usaha-digital": "04-pengembangan-usaha-digital",
              "06-rencana-bisnis-dan-rencana-aksi": "05-rencana-bisnis-dan-rencana-aksi"}


def _first_edition(tmp_path) -> Path:
    old = tmp_path / "first" / BUNDLED.name
    shutil.copytree(BUNDLED, old)
    shutil.rmtree(old / NEW_MODULE)
    for name in NEW_LESSONS:
        (old / name).unlink()
    for new, first in RENUMBERED.items():
        (old / new).rename(old / first)
    # the first edition's assignment took text and files (before the business-plan workbook)
    task = old / "05-rencana-bisnis-dan-rencana-aksi" / "06-tugas-rencana-bisnis-dan-rencana-aksi.md"
    text = task.read_text(encoding="utf-8").replace("  kind: business_plan\n", "").replace(
        "  submit_text: false", "  submit_text: true")
    task.write_text("\n".join(line for line in text.splitlines() if not line.startswith("      steps:")) + "\n",
                    encoding="utf-8")
    post = old / "post-test.gift"  # a different post-test, so the upgrade replaces its questions
    post.write_text(post.read_text(encoding="utf-8").rsplit("\n\n::", 1)[0] + "\n", encoding="utf-8")
    pre = old / "pre-test.gift"  # an older wording of the first item, and a wrong key the new edition corrects
    text = pre.read_text(encoding="utf-8")
    first = text.index("\n::") + 1
    title_end = text.index("::", first + 2) + 2
    pre.write_text(text[:title_end] + "Edisi lama: " + text[title_end:], encoding="utf-8")
    return old


def test_upgrading_a_first_edition_install_keeps_every_learners_progress(app, course_dir, tmp_path):
    course = import_course(_first_edition(tmp_path)).course
    db.session.commit()
    old_lessons = {(l.module.slug, l.slug): l.id for m in course.modules for l in m.lessons}
    learners = [factories.user() for _ in range(2)]
    for user in learners:
        factories.enrollment(user, course)
        for lesson_id in old_lessons.values():
            db.session.add(LessonProgress(user_id=user.id, lesson_id=lesson_id))
        for quiz in course.quizzes:
            attempt = QuizAttempt(quiz_id=quiz.id, user_id=user.id, number=1, submitted_at=utcnow(), score=80.0,
                                  passed=True)
            db.session.add(attempt)
            db.session.flush()
            db.session.add(AttemptAnswer(attempt_id=attempt.id, question_id=quiz.questions[0].id, text="x"))
    # one learner had sent the assignment as a file (a photo of a handwritten plan)
    assignment = db.session.scalar(select(Assignment))
    assert assignment.kind == "text_file" and assignment.submit_text
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.user_id == learners[0].id))
    version = grading.submit(assignment, enrollment, text="Rencana ditulis tangan, lihat foto.",
                             files=[FileStorage(io.BytesIO(samples.png()), filename="rencana.png")],
                             upload_dir=app.config["UPLOAD_DIR"])
    db.session.commit()
    quiz_ids = {q.id for q in course.quizzes}
    posttest_id = next(q.id for q in course.quizzes if q.role == "posttest")
    question_ids = {(q.quiz_id, q.title): q.id for quiz in course.quizzes for q in quiz.questions}
    choice_ids = {c.id for quiz in course.quizzes for q in quiz.questions for c in q.choices}
    answers_before = db.session.scalar(select(func.count()).select_from(AttemptAnswer))
    progress_before = db.session.scalar(select(func.count()).select_from(LessonProgress))

    result = app.test_cli_runner().invoke(args=["kopedu", "import-course", str(course_dir)])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    course = db.session.get(Course, course.id)
    assert [m.slug for m in course.modules] == [
        "dasar-perkoperasian", "tata-kelola-organisasi", "pengelolaan-keuangan", "operasional-gerai-dan-kepatuhan",
        "pengembangan-usaha-digital", "rencana-bisnis-dan-rencana-aksi"]
    new_lessons = {(l.module.slug, l.slug): l.id for m in course.modules for l in m.lessons}
    assert {k: new_lessons[k] for k in old_lessons} == old_lessons  # every old lesson kept its id
    added = set(new_lessons) - set(old_lessons)
    assert ("tata-kelola-organisasi", "simkopdes") in added and ("pengelolaan-keuangan", "sak-ep-dengan-bahasa-sederhana") in added
    assert ("rencana-bisnis-dan-rencana-aksi", "proposal-pembiayaan-bank-himbara") in added
    assert {("operasional-gerai-dan-kepatuhan", s) for s in ("menjalankan-gerai", "izin-usaha-koperasi",
            "pajak-dasar-koperasi", "aturan-simpan-pinjam", "kuis")} <= added
    assert "+ module operasional-gerai-dan-kepatuhan" in result.output
    assert db.session.scalar(select(func.count()).select_from(LessonProgress)) == progress_before
    for user in learners:
        done = set(db.session.scalars(select(LessonProgress.lesson_id).where(LessonProgress.user_id == user.id)))
        assert done == set(old_lessons.values())
        scores = dict(db.session.execute(select(QuizAttempt.quiz_id, QuizAttempt.score).where(
            QuizAttempt.user_id == user.id)).all())
        assert scores == {quiz_id: 80.0 for quiz_id in quiz_ids}  # attempts and scores survive
    # the assignment became the workbook in place; the file sent before is kept and still gradable
    upgraded = db.session.scalar(select(Assignment))
    assert upgraded.id == assignment.id and upgraded.kind == "business_plan"
    assert [c.steps for c in upgraded.criteria][2] == ["keuangan"]
    submission = db.session.scalar(select(Submission).where(Submission.user_id == learners[0].id))
    assert submission.version_count == 1 and submission.latest_version.id == version.id
    assert submission.latest_version.text == "Rencana ditulis tangan, lihat foto."
    stored = submission.latest_version.files[0]
    assert storage.exists(grading.submission_dir(app.config["UPLOAD_DIR"]) / stored.stored_name)
    trainer = factories.user("trainer")
    course.trainers.append(trainer)
    levels = {c.id: max(int(level["points"]) for level in c.levels) for c in upgraded.criteria}
    result = grading.grade(submission, trainer, version_number=1, levels=levels, outcome="lulus", feedback="")
    db.session.commit()
    assert result.outcome == "lulus" and submission.status == "lulus"
    posttest = next(q for q in course.quizzes if q.role == "posttest")
    assert posttest.id == posttest_id and len(posttest.questions) == 16 and posttest.attempts_allowed == 2
    # every question that is still there (same title) kept its id, its choices theirs, and the answers to it
    now = {(q.quiz_id, q.title): q for quiz in course.quizzes for q in quiz.questions}
    assert {key: now[key].id for key in question_ids if key in now} == {
        key: id_ for key, id_ in question_ids.items() if key in now}
    assert len(set(question_ids) - set(now)) == 0, "the upgrade removes no question of the old edition here"
    pretest = next(q for q in course.quizzes if q.role == "pretest")
    assert not pretest.questions[0].text.startswith("Edisi lama"), "the new wording replaced the old in place"
    assert {c.id for q in pretest.questions for c in q.choices} <= choice_ids
    assert db.session.scalar(select(func.count()).select_from(AttemptAnswer)) == answers_before


def test_a_lessons_pictures_are_stored_as_course_media_and_reused_on_reimport(app, client, login, course_dir):
    from kopedu.courses.models import CourseMedia
    from kopedu.learning import offline

    course = import_course(course_dir).course
    db.session.commit()
    lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "simkopdes-pintu-layanan"))
    links = re.findall(r"!\[[^\]]*\]\((/kelola/media/[0-9a-f]{32}/[^)]+\.png)\)", lesson.body)
    assert len(links) == 4 and "](simkopdes-" not in lesson.body
    assert len(offline._MEDIA.findall(lesson.body)) == 4  # links the offline copy of the module saves
    media = db.session.scalars(select(CourseMedia).where(CourseMedia.course_id == course.id)).all()
    assert {m.original_name for m in media} >= {"simkopdes-1-masuk.png", "qris-1-dokumen.png", "wa-katalog-1-alat-bisnis.png"}
    assert all(m.kind == "png" and m.size <= 60 * 1024 for m in media)

    user = factories.user()
    login(user)
    picture = client.get(links[0])
    assert picture.status_code == 200 and picture.data.startswith(b"\x89PNG")

    count = len(media)
    import_course(course_dir)  # unchanged: the same stored pictures, the same text
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(CourseMedia)) == count
    assert db.session.get(Lesson, lesson.id).body == lesson.body

    picture_file = course_dir / "02-tata-kelola-organisasi" / "simkopdes-1-masuk.png"
    picture_file.write_bytes(picture_file.read_bytes() + b"\0")  # a new drawing under the same name
    import_course(course_dir)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(CourseMedia)) == count + 1
    assert links[0] not in db.session.get(Lesson, lesson.id).body


@pytest.mark.parametrize("target, message", [
    ("tidak-ada.png", "tidak ditemukan"),
    ("../../luar.png", "tidak ditemukan"),
    ("module.md", "bukan PNG atau JPG"),
])
def test_a_picture_that_is_missing_or_no_image_is_refused_with_its_file(app, course_dir, target, message):
    lesson_file = course_dir / "02-tata-kelola-organisasi" / "07-simkopdes-pintu-layanan.md"
    lesson_file.write_text(lesson_file.read_text(encoding="utf-8") + f"\n![x]({target})\n", encoding="utf-8")
    with pytest.raises(ContentError, match=message) as error:
        import_course(course_dir)
    assert "07-simkopdes-pintu-layanan.md:1:" in str(error.value)


def test_a_picture_given_by_address_is_left_alone(app, course_dir):
    lesson_file = course_dir / "02-tata-kelola-organisasi" / "07-simkopdes-pintu-layanan.md"
    lesson_file.write_text(lesson_file.read_text(encoding="utf-8") + "\n![peta](https://contoh.id/peta.png)\n",
                           encoding="utf-8")
    import_course(course_dir)
    lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "simkopdes-pintu-layanan"))
    assert "![peta](https://contoh.id/peta.png)" in lesson.body
