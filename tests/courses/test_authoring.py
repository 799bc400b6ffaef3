"""Authoring (/kelola): the course's trainers and admins write courses, modules, lessons, quizzes,
questions, assignments and rubrics; GIFT import with a preview and export; course media."""
import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kopedu.courses import gift
from kopedu.courses.models import (Assignment, Course, CourseMedia, Lesson, Module, Question, Quiz,
                                   RubricCriterion)
from kopedu.extensions import db
from tests import factories
from tests.grading import samples

BANK = (Path(__file__).parent / "data" / "bank.gift").read_text(encoding="utf-8")


@pytest.fixture
def course(app):
    c = factories.course(title="Kursus Pengurus", lessons=2, modules=2, published=False)
    db.session.commit()
    return c


@pytest.fixture
def trainer(course):
    t = factories.trainer_of(course, full_name="Maria Seran")
    db.session.commit()
    return t


@pytest.fixture
def quiz(course):
    q = Quiz(course=course, role="pretest", title="Pre-test")
    db.session.add(q)
    db.session.commit()
    return q


def fresh(model, ident):
    db.session.expire_all()
    return db.session.get(model, ident)


def question_count(quiz_id) -> int:
    return db.session.scalar(select(func.count()).select_from(Question).where(Question.quiz_id == quiz_id))


# --------------------------------------------------------------------------- access


def test_who_may_author(client, login, course, trainer, quiz, app):
    lesson = course.modules[0].lessons[0]
    assignment = factories.assignment(course)
    db.session.commit()
    urls = [f"/kelola/kursus/{course.id}", f"/kelola/modul/{course.modules[0].id}", f"/kelola/pelajaran/{lesson.id}",
            f"/kelola/kuis/{quiz.id}", f"/kelola/kuis/{quiz.id}/impor", f"/kelola/kuis/{quiz.id}/ekspor",
            f"/kelola/tugas/{assignment.id}"]
    anonymous = app.test_client()
    assert all(anonymous.get(u).status_code == 302 for u in urls)
    for role in ("participant", "observer"):
        c = app.test_client()
        login(factories.user(role), c=c)
        assert c.get("/kelola/").status_code == 403
        assert all(c.get(u).status_code == 403 for u in urls)
    other = app.test_client()
    login(factories.trainer_of(factories.course()), c=other)
    assert other.get("/kelola/").status_code == 200
    assert "Kursus Pengurus" not in other.get("/kelola/").get_data(as_text=True)
    assert all(other.get(u).status_code == 403 for u in urls), [(u, other.get(u).status_code) for u in urls]
    assert other.post(f"/kelola/kursus/{course.id}/terbit", data={"published": "1"}).status_code == 403
    assert other.post(f"/kelola/pelajaran/{lesson.id}/hapus").status_code == 403
    assert fresh(Lesson, lesson.id) is not None
    login(trainer)
    assert all(client.get(u).status_code == 200 for u in urls)
    admin = app.test_client()
    login(factories.user("admin"), c=admin)
    assert all(admin.get(u).status_code == 200 for u in urls)


# --------------------------------------------------------------------------- courses, modules, lessons


def test_trainer_creates_a_course_and_becomes_its_trainer(client, login, app):
    trainer = factories.user("trainer")
    db.session.commit()
    login(trainer)
    response = client.post("/kelola/kursus/baru", data={"title": "Pemasaran Digital untuk Koperasi"})
    assert response.status_code == 303
    course = db.session.scalar(select(Course).where(Course.slug == "pemasaran-digital-untuk-koperasi"))
    assert course.published is False and [t.id for t in course.trainers] == [trainer.id]
    assert client.post("/kelola/kursus/baru", data={"title": ""}).status_code == 422


def test_course_settings(client, login, course, trainer):
    login(trainer)
    response = client.post(f"/kelola/kursus/{course.id}", data={
        "title": "Kursus Pengurus KMP", "summary": "Ringkas.", "description": "## Tentang\nIsi.", "jp_hours": "32",
        "sequential": "y", "self_enroll": ""})
    assert response.status_code == 303
    course = fresh(Course, course.id)
    assert (course.title, course.jp_hours, course.sequential, course.self_enroll) == ("Kursus Pengurus KMP", 32, True, False)
    bad = client.post(f"/kelola/kursus/{course.id}", data={"title": "", "jp_hours": "-3"},
                      headers={"HX-Request": "true"})
    assert bad.status_code == 422 and "Wajib diisi." in bad.get_data(as_text=True)


def test_publish_and_unpublish(client, login, trainer, app):
    empty = factories.course(lessons=0, published=False)
    empty.trainers.append(trainer)
    db.session.commit()
    login(trainer)
    response = client.post(f"/kelola/kursus/{empty.id}/terbit", data={"published": "1"}, headers={"HX-Request": "true"})
    assert response.status_code == 409 and "belum punya pelajaran" in response.get_data(as_text=True)
    assert fresh(Course, empty.id).published is False
    course = trainer and db.session.scalar(select(Course).where(Course.title == "Kursus Pengurus"))
    response = client.post(f"/kelola/kursus/{course.id}/terbit", data={"published": "1"}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "Tarik dari katalog" in response.get_data(as_text=True)
    assert fresh(Course, course.id).published is True
    client.post(f"/kelola/kursus/{course.id}/terbit", data={"published": "0"})
    assert fresh(Course, course.id).published is False


def test_modules_and_lessons_are_added_edited_reordered_and_deleted(client, login, course, trainer):
    login(trainer)
    response = client.post(f"/kelola/kursus/{course.id}/modul", data={"title": "Pengelolaan Keuangan"},
                           headers={"HX-Request": "true"})
    assert response.status_code == 200 and "Pengelolaan Keuangan" in response.get_data(as_text=True)
    module = db.session.scalar(select(Module).where(Module.title == "Pengelolaan Keuangan"))
    assert module.position == 3 and module.slug == "pengelolaan-keuangan"

    client.post(f"/kelola/modul/{module.id}/pindah", data={"direction": "up"}, headers={"HX-Request": "true"})
    db.session.expire_all()
    assert [m.title for m in fresh(Course, course.id).modules] == ["Modul 1", "Pengelolaan Keuangan", "Modul 2"]

    response = client.post(f"/kelola/modul/{module.id}/pelajaran", data={"title": "Pembukuan sederhana", "kind": "reading"})
    lesson = db.session.scalar(select(Lesson).where(Lesson.title == "Pembukuan sederhana"))
    assert response.headers["Location"].endswith(f"/kelola/pelajaran/{lesson.id}")
    assert lesson.published is False
    response = client.post(f"/kelola/pelajaran/{lesson.id}", data={
        "title": "Pembukuan sederhana", "summary": "", "body": "Catat **setiap** transaksi.", "minutes": "12",
        "required": "y", "published": "y", "video_url": ""})
    assert response.status_code == 303
    lesson = fresh(Lesson, lesson.id)
    assert (lesson.body, lesson.minutes, lesson.published) == ("Catat **setiap** transaksi.", 12, True)

    first = course.modules[0].lessons
    client.post(f"/kelola/pelajaran/{first[1].id}/pindah", data={"direction": "up"})
    db.session.expire_all()
    assert [l.title for l in fresh(Module, course.modules[0].id).lessons] == ["Pelajaran 1.2", "Pelajaran 1.1"]
    # moving the first one up changes nothing
    client.post(f"/kelola/pelajaran/{first[1].id}/pindah", data={"direction": "up"})
    assert [l.title for l in fresh(Module, course.modules[0].id).lessons] == ["Pelajaran 1.2", "Pelajaran 1.1"]

    assert client.post(f"/kelola/pelajaran/{lesson.id}/hapus").status_code == 303
    assert fresh(Lesson, lesson.id) is None
    response = client.post(f"/kelola/modul/{module.id}/hapus", headers={"HX-Request": "true"})
    assert response.status_code == 200 and "Pengelolaan Keuangan" not in response.get_data(as_text=True)


def test_markdown_preview_uses_the_sanitising_filter(client, login, course, trainer):
    login(trainer)
    response = client.post("/kelola/pratinjau?field=body", data={"body": "## Judul\n\n**tebal** <script>alert(1)</script>"},
                           headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert "<h2>Judul</h2>" in html and "<strong>tebal</strong>" in html
    assert "<script>" not in html and "<html" not in html
    page = client.get(f"/kelola/pelajaran/{course.modules[0].lessons[0].id}").get_data(as_text=True)
    assert 'hx-trigger="input changed delay:500ms"' in page


def test_new_quiz_and_assignment_lessons_get_their_definitions(client, login, course, trainer):
    login(trainer)
    module = course.modules[0]
    client.post(f"/kelola/modul/{module.id}/pelajaran", data={"title": "Kuis keuangan", "kind": "quiz"})
    client.post(f"/kelola/modul/{module.id}/pelajaran", data={"title": "Tugas rencana aksi", "kind": "assignment"})
    quiz_lesson = db.session.scalar(select(Lesson).where(Lesson.title == "Kuis keuangan"))
    assert quiz_lesson.quiz is not None and quiz_lesson.quiz.role == "lesson"
    assignment_lesson = db.session.scalar(select(Lesson).where(Lesson.title == "Tugas rencana aksi"))
    assert assignment_lesson.assignment is not None
    assert assignment_lesson.settings["assignment"]["rubric"] == []
    response = client.post(f"/kelola/kursus/{course.id}/tes/posttest")
    quiz = db.session.scalar(select(Quiz).where(Quiz.course_id == course.id, Quiz.role == "posttest"))
    assert response.headers["Location"].endswith(f"/kelola/kuis/{quiz.id}")


# --------------------------------------------------------------------------- questions


def test_question_editor_for_the_four_types(client, login, trainer, quiz):
    login(trainer)
    base = f"/kelola/kuis/{quiz.id}/soal/baru"
    single = {"text": "Organ tertinggi koperasi?", "rows": "6", "choice-0": "Rapat Anggota", "choice-1": "Pengurus",
              "choice-0-feedback": "Benar.", "correct": "0"}
    assert client.post(base + "?jenis=single", data=single).status_code == 303
    multiple = {"text": "Simpanan wajib?", "rows": "6", "choice-0": "pokok", "choice-0-weight": "50",
                "choice-1": "wajib", "choice-1-weight": "50", "choice-2": "sukarela", "choice-2-weight": "-100"}
    assert client.post(base + "?jenis=multiple", data=multiple).status_code == 303
    truefalse = {"text": "RAT diadakan setahun sekali.", "correct": "true", "feedback_false": "Coba baca lagi."}
    assert client.post(base + "?jenis=truefalse", data=truefalse).status_code == 303
    short = {"text": "Sisa Hasil Usaha disingkat ...", "answers": "SHU\r\nS.H.U.\r\n"}
    assert client.post(base + "?jenis=short", data=short).status_code == 303
    questions = fresh(Quiz, quiz.id).questions
    assert [q.kind for q in questions] == ["single", "multiple", "truefalse", "short"]
    assert [(c.text, c.weight, c.feedback) for c in questions[0].choices] == [
        ("Rapat Anggota", 100.0, "Benar."), ("Pengurus", 0.0, "")]
    assert [c.weight for c in questions[1].choices] == [50.0, 50.0, -100.0]
    assert [(c.text, c.weight, c.feedback) for c in questions[2].choices] == [
        ("Benar", 100.0, ""), ("Salah", 0.0, "Coba baca lagi.")]
    assert questions[3].answers == ["SHU", "S.H.U."]

    # editing keeps the choice ids (saved answers point at them)
    ids = [c.id for c in questions[0].choices]
    edit = {**single, "choice-1": "Pengurus harian", "choice-2": "Pengawas"}
    assert client.post(f"/kelola/soal/{questions[0].id}", data=edit).status_code == 303
    choices = fresh(Question, questions[0].id).choices
    assert [c.id for c in choices][:2] == ids and [c.text for c in choices] == ["Rapat Anggota", "Pengurus harian", "Pengawas"]


@pytest.mark.parametrize("kind, data, message", [
    ("single", {"text": "Soal", "choice-0": "a", "choice-1": "b"}, "Tandai tepat satu pilihan yang benar."),
    ("single", {"text": "", "choice-0": "a", "choice-1": "b", "correct": "0"}, "Tulis pertanyaannya."),
    ("multiple", {"text": "Soal", "choice-0": "a", "choice-0-weight": "50", "choice-1": "b", "choice-1-weight": "30"},
     "Jumlah bobot pilihan yang benar harus 100, sekarang 80."),
    ("multiple", {"text": "Soal", "choice-0": "a", "choice-0-weight": "x", "choice-1": "b"}, "Bobot harus antara"),
    ("truefalse", {"text": "Soal"}, "Pilih Benar atau Salah."),
    ("short", {"text": "Soal", "answers": "  "}, "Tulis paling sedikit satu jawaban"),
])
def test_bad_questions_are_refused(client, login, trainer, quiz, kind, data, message):
    login(trainer)
    response = client.post(f"/kelola/kuis/{quiz.id}/soal/baru?jenis={kind}", data={"rows": "6", **data},
                           headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert question_count(quiz.id) == 0


# --------------------------------------------------------------------------- GIFT import and export


def test_gift_file_with_13_questions_of_four_types_imports_after_preview(client, login, trainer, quiz):
    login(trainer)
    response = client.post(f"/kelola/kuis/{quiz.id}/impor", data={
        "action": "preview", "file": (io.BytesIO(BANK.encode("utf-8")), "bank.gift")},
        content_type="multipart/form-data")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "13 soal terbaca, 0 soal bermasalah." in html
    assert "Simpan 13 soal" in html and 'name="gift_text"' in html
    assert question_count(quiz.id) == 0  # nothing saved before the confirmation

    response = client.post(f"/kelola/kuis/{quiz.id}/impor", data={"action": "confirm", "gift_text": BANK})
    assert response.status_code == 303
    questions = fresh(Quiz, quiz.id).questions
    assert len(questions) == 13
    assert {q.kind for q in questions} == {"single", "multiple", "truefalse", "short"}
    assert questions[0].title == "Prinsip keanggotaan" and questions[0].category == "Dasar perkoperasian"
    assert questions[0].choices[0].feedback == "Benar. Ini prinsip pertama koperasi."
    assert [c.weight for c in questions[3].choices] == [50.0, 50.0, -100.0]
    assert questions[5].text == "Rapat Anggota Tahunan paling lambat diadakan\nenam bulan setelah tahun buku berakhir.\nPernyataan ini ..."
    assert questions[8].text.startswith("Tanda sama dengan (=) dan kurung kurawal { } harus di-escape; rasio 1:2.")
    assert questions[4].answers == ["SHU", "S.H.U."]


def test_malformed_question_is_reported_with_its_line_and_nothing_saved(client, login, trainer, quiz):
    login(trainer)
    broken = BANK.replace("::Singkatan SHU::Sisa Hasil Usaha disingkat ... {=SHU =S.H.U.}",
                          "::Singkatan SHU::Sisa Hasil Usaha disingkat ... =SHU")
    broken += "\n::Bobot salah::Pilih dua {~%50%a ~%20%b ~c}\n"
    line_of_shu = broken.splitlines().index("::Singkatan SHU::Sisa Hasil Usaha disingkat ... =SHU") + 1
    response = client.post(f"/kelola/kuis/{quiz.id}/impor", data={"action": "preview", "gift_text": broken})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "12 soal terbaca, 2 soal bermasalah." in html
    assert f"<strong>Baris {line_of_shu}:</strong> Blok jawaban {{ }} tidak ditemukan" in html
    assert f"<strong>Baris {len(broken.splitlines())}:</strong> Jumlah bobot positif harus 100%, tertulis 70%" in html
    assert question_count(quiz.id) == 0
    # confirming saves only the questions that were read
    response = client.post(f"/kelola/kuis/{quiz.id}/impor", data={"action": "confirm", "gift_text": broken})
    assert response.status_code == 303 and question_count(quiz.id) == 12


def test_gift_that_is_not_utf8_or_empty_is_refused(client, login, trainer, quiz):
    login(trainer)
    response = client.post(f"/kelola/kuis/{quiz.id}/impor", data={
        "action": "preview", "file": (io.BytesIO("Soal {=ya ~tidak}".encode("utf-16")), "bank.gift")},
        content_type="multipart/form-data")
    assert response.status_code == 422 and "UTF-8" in response.get_data(as_text=True)
    response = client.post(f"/kelola/kuis/{quiz.id}/impor", data={"action": "preview", "gift_text": "// hanya komentar"})
    assert response.status_code == 422 and "Tidak ada soal" in response.get_data(as_text=True)
    assert question_count(quiz.id) == 0


def test_import_can_replace_the_questions(client, login, trainer, quiz):
    login(trainer)
    client.post(f"/kelola/kuis/{quiz.id}/impor", data={"action": "confirm", "gift_text": BANK})
    client.post(f"/kelola/kuis/{quiz.id}/impor", data={"action": "confirm", "gift_text": "Satu soal {T}", "replace": "1"})
    assert question_count(quiz.id) == 1


def test_export_then_import_is_a_round_trip(client, login, trainer, quiz, course):
    login(trainer)
    client.post(f"/kelola/kuis/{quiz.id}/impor", data={"action": "confirm", "gift_text": BANK})
    response = client.get(f"/kelola/kuis/{quiz.id}/ekspor")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    exported = response.get_data(as_text=True)
    assert gift.parse(exported).questions == gift.parse(BANK).questions

    other = Quiz(course=course, role="posttest", title="Post-test")
    db.session.add(other)
    db.session.commit()
    client.post(f"/kelola/kuis/{other.id}/impor", data={"action": "confirm", "gift_text": exported})

    def signature(quiz_id):
        return [(q.kind, q.title, q.category, q.text, q.feedback, q.answers,
                 [(c.text, c.weight, c.feedback) for c in q.choices]) for q in fresh(Quiz, quiz_id).questions]

    assert signature(other.id) == signature(quiz.id)
    assert client.get(f"/kelola/kuis/{other.id}/ekspor").get_data(as_text=True) == exported


def test_questions_are_reordered_and_deleted(client, login, trainer, quiz):
    login(trainer)
    client.post(f"/kelola/kuis/{quiz.id}/impor", data={"action": "confirm", "gift_text": "A {T}\n\nB {F}\n\nC {T}"})
    questions = fresh(Quiz, quiz.id).questions
    response = client.post(f"/kelola/soal/{questions[2].id}/pindah", data={"direction": "up"}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and 'id="questions"' in response.get_data(as_text=True)
    assert [q.text for q in fresh(Quiz, quiz.id).questions] == ["A", "C", "B"]
    client.post(f"/kelola/soal/{questions[0].id}/hapus")
    assert [q.text for q in fresh(Quiz, quiz.id).questions] == ["C", "B"]


# --------------------------------------------------------------------------- assignments and rubric


def test_assignment_settings_and_rubric_editor(client, login, course, trainer):
    assignment = factories.assignment(course, rubric=[])
    db.session.commit()
    login(trainer)
    url = f"/kelola/tugas/{assignment.id}"
    response = client.post(url, data={"submit_text": "", "submit_files": "", "pass_mark": "70"})
    assert response.status_code == 422 and "paling sedikit satu cara mengirim" in response.get_data(as_text=True)
    response = client.post(url, data={"submit_text": "y", "submit_files": "y", "pass_mark": "75", "due_days": "",
                                      "due_date": "2026-12-15"})
    assert response.status_code == 303
    assignment = fresh(Assignment, assignment.id)
    assert assignment.pass_mark == 75 and assignment.due_date.isoformat() == "2026-12-15"

    new = f"/kelola/tugas/{assignment.id}/kriteria"
    bad = client.post(new, data={"title": "Rencana keuangan", "level_rows": "5", "level-0-points": "4"},
                      headers={"HX-Request": "true"})
    assert bad.status_code == 422 and "paling sedikit dua tingkat" in bad.get_data(as_text=True)
    for title in ("Rencana keuangan", "Rencana aksi"):
        ok = client.post(new, data={"title": title, "level_rows": "5", "level-0-points": "0", "level-0-description": "Tidak ada",
                                    "level-1-points": "4", "level-1-description": "Lengkap", "level-2-points": "2",
                                    "level-2-description": "Sebagian"}, headers={"HX-Request": "true"})
        assert ok.status_code == 200
    criteria = fresh(Assignment, assignment.id).criteria
    assert [c.title for c in criteria] == ["Rencana keuangan", "Rencana aksi"]
    assert [lv["points"] for lv in criteria[0].levels] == [4, 2, 0]  # best first
    client.post(f"/kelola/kriteria/{criteria[1].id}/pindah", data={"direction": "up"})
    assert [c.title for c in fresh(Assignment, assignment.id).criteria] == ["Rencana aksi", "Rencana keuangan"]
    client.post(f"/kelola/kriteria/{criteria[1].id}", data={"title": "Rencana aksi 3 bulan", "level_rows": "5",
                                                           "level-0-points": "3", "level-1-points": "1"})
    client.post(f"/kelola/kriteria/{criteria[0].id}/hapus")
    assignment = fresh(Assignment, assignment.id)
    assert [(c.title, c.max_points) for c in assignment.criteria] == [("Rencana aksi 3 bulan", 3)]
    mirror = assignment.lesson.settings["assignment"]
    assert mirror["pass_mark"] == 75 and [r["criterion"] for r in mirror["rubric"]] == ["Rencana aksi 3 bulan"]
    assert db.session.scalar(select(func.count()).select_from(RubricCriterion)) == 1


def test_assignment_with_participants_work_cannot_be_deleted(client, login, course, trainer, app):
    from kopedu.grading import services

    assignment = factories.assignment(course)
    participant = factories.user()
    enrollment = factories.enrollment(participant, course)
    services.submit(assignment, enrollment, text="Rencana.", files=[], upload_dir=app.config["UPLOAD_DIR"])
    db.session.commit()
    login(trainer)
    response = client.post(f"/kelola/pelajaran/{assignment.lesson_id}/hapus", headers={"HX-Request": "true"})
    assert response.status_code == 409
    assert "peserta sudah mengirim tugas" in response.get_data(as_text=True)
    assert fresh(Lesson, assignment.lesson_id) is not None


# --------------------------------------------------------------------------- media


def test_media_upload_serve_and_delete(client, login, course, trainer, app):
    login(trainer)
    response = client.post(f"/kelola/kursus/{course.id}/media", data={"file": (io.BytesIO(samples.png()), "Bagan SHU.png")},
                           content_type="multipart/form-data", headers={"HX-Request": "true"})
    assert response.status_code == 200
    media = db.session.scalar(select(CourseMedia))
    html = response.get_data(as_text=True)
    url = f"/kelola/media/{media.stored_name}/Bagan-SHU.png"
    assert f"![Bagan SHU.png]({url})" in html
    stored = Path(app.config["UPLOAD_DIR"]) / "course-media" / media.stored_name
    assert stored.read_bytes() == samples.png()
    assert client.get(url).status_code == 200

    participant = app.test_client()
    login(factories.user(), c=participant)
    assert participant.get(url).status_code == 404  # the course is still a draft
    course = fresh(Course, course.id)
    course.published = True
    db.session.commit()
    served = participant.get(url)
    assert served.status_code == 200 and served.mimetype == "image/png" and served.data == samples.png()

    fake = client.post(f"/kelola/kursus/{course.id}/media", data={"file": (io.BytesIO(samples.fake_pdf()), "modul.pdf")},
                       content_type="multipart/form-data", headers={"HX-Request": "true"})
    assert fake.status_code == 422 and "bukan berkas PDF yang sah" in fake.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(CourseMedia)) == 1

    client.post(f"/kelola/media/{media.id}/hapus")
    assert not stored.exists()
    assert db.session.scalar(select(func.count()).select_from(CourseMedia)) == 0
    assert sorted(p.name for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file()) == []


def test_quiz_lesson_keeps_its_instructions_from_the_lesson_body(client, login, course, trainer):
    login(trainer)
    module = course.modules[0]
    client.post(f"/kelola/modul/{module.id}/pelajaran", data={"title": "Kuis modul", "kind": "quiz"})
    lesson = db.session.scalar(select(Lesson).where(Lesson.title == "Kuis modul"))
    client.post(f"/kelola/pelajaran/{lesson.id}", data={"title": "Kuis modul 1", "body": "Jawab 10 soal.", "minutes": "10",
                                                       "required": "y", "published": "y"})
    quiz = fresh(Lesson, lesson.id).quiz
    assert (quiz.title, quiz.instructions) == ("Kuis modul 1", "Jawab 10 soal.")
    client.post(f"/kelola/kuis/{quiz.id}", data={"title": "Kuis modul 1", "pass_mark": "80", "attempts_allowed": "0",
                                                 "shuffle": "y", "show_answers": "always"})
    quiz = fresh(Quiz, quiz.id)
    assert (quiz.pass_mark, quiz.show_answers, quiz.instructions) == (80, "always", "Jawab 10 soal.")


def test_media_can_be_uploaded_from_the_lesson_editor(client, login, course, trainer, app):
    lesson = course.modules[0].lessons[0]
    login(trainer)
    assert 'name="lesson"' in client.get(f"/kelola/pelajaran/{lesson.id}").get_data(as_text=True)
    response = client.post(f"/kelola/kursus/{course.id}/media", data={
        "lesson": str(lesson.id), "file": (io.BytesIO(samples.jpg()), "foto rapat.jpg")},
        content_type="multipart/form-data", headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="media-list"' in html and "![foto rapat.jpg](/kelola/media/" in html and "<html" not in html
    plain = client.post(f"/kelola/kursus/{course.id}/media", data={
        "lesson": str(lesson.id), "file": (io.BytesIO(samples.png()), "b.png")}, content_type="multipart/form-data")
    assert plain.status_code == 303 and plain.headers["Location"].endswith(f"/kelola/pelajaran/{lesson.id}#media")
    other_lesson = factories.course().modules[0].lessons[0]
    db.session.commit()
    mismatch = client.post(f"/kelola/kursus/{course.id}/media", data={
        "lesson": str(other_lesson.id), "file": (io.BytesIO(samples.png()), "b.png")}, content_type="multipart/form-data")
    assert mismatch.status_code == 403  # not a lesson of a course this trainer writes
    assert db.session.scalar(select(func.count()).select_from(CourseMedia)) == 2  # nothing stored for it
