"""Participants submit assignment work: text and files checked by content, every version kept,
nothing half-written when something is refused, and nobody else sees the work."""
import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kopedu.extensions import db
from kopedu.grading import services
from kopedu.grading.models import Grade, Submission, SubmissionFile, SubmissionVersion
from tests import factories
from tests.grading import samples


@pytest.fixture
def setup(app):
    course = factories.course(title="Penguatan Kapasitas")
    assignment = factories.assignment(course)
    participant = factories.user(full_name="Yuliana Ndun", position="Ketua",
                                 cooperative_id=factories.cooperative().id)
    enrollment = factories.enrollment(participant, course)
    trainer = factories.trainer_of(course, full_name="Maria Seran")
    db.session.commit()
    return dict(course=course, assignment=assignment, participant=participant, enrollment=enrollment,
                trainer=trainer, lesson_id=assignment.lesson_id)


def stored_files(app) -> list[Path]:
    root = Path(app.config["UPLOAD_DIR"])
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def post(client, lesson_id, text="", files=()):
    data = {"text": text, "files": [(io.BytesIO(content), name) for name, content in files]}
    return client.post(f"/tugas/{lesson_id}/kirim", data=data, content_type="multipart/form-data")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_submit_text_then_resubmit_keeps_both_versions(client, login, setup):
    login(setup["participant"])
    response = post(client, setup["lesson_id"], text="Versi pertama rencana bisnis.")
    assert response.status_code == 303
    response = post(client, setup["lesson_id"], text="Versi kedua, lebih lengkap.")
    assert response.status_code == 303
    submission = db.session.scalar(select(Submission))
    assert submission.status == "menunggu" and submission.version_count == 2
    assert [v.text for v in submission.versions] == ["Versi pertama rencana bisnis.", "Versi kedua, lebih lengkap."]
    html = client.get(f"/tugas/{setup['lesson_id']}").get_data(as_text=True)
    assert "Versi pertama rencana bisnis." in html and "Versi kedua, lebih lengkap." in html
    assert "Kirim versi 3" in html


def test_every_accepted_type_is_stored_under_a_random_name_outside_static(client, login, setup, app):
    login(setup["participant"])
    files = [("rencana.pdf", samples.pdf()), ("foto.JPG", samples.jpg()), ("bagan.png", samples.png()),
             ("rencana.docx", samples.docx()), ("anggaran.xlsx", samples.xlsx())]
    response = post(client, setup["lesson_id"], files=files)
    assert response.status_code == 303, response.get_data(as_text=True)[:800]
    stored = db.session.scalars(select(SubmissionFile).order_by(SubmissionFile.position)).all()
    assert [(f.original_name, f.kind) for f in stored] == [
        ("rencana.pdf", "pdf"), ("foto.JPG", "jpg"), ("bagan.png", "png"), ("rencana.docx", "docx"),
        ("anggaran.xlsx", "xlsx")]
    on_disk = stored_files(app)
    assert sorted(p.name for p in on_disk) == sorted(f.stored_name for f in stored)
    assert all(len(p.name) == 32 and "." not in p.name for p in on_disk)
    assert all("static" not in p.parts for p in on_disk)
    assert (Path(app.config["UPLOAD_DIR"]) / "submissions" / stored[0].stored_name).read_bytes() == samples.pdf()


def test_fake_pdf_is_refused_with_a_clear_message_and_nothing_is_kept(client, login, setup, app):
    login(setup["participant"])
    response = post(client, setup["lesson_id"], text="Lihat lampiran.",
                    files=[("bagan.png", samples.png()), ("rencana.pdf", samples.fake_pdf())])
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "&#34;rencana.pdf&#34; bukan berkas PDF yang sah" in html or '"rencana.pdf" bukan berkas PDF yang sah' in html
    assert "Lihat lampiran." in html  # the typed text is not lost
    assert count(Submission) == count(SubmissionVersion) == count(SubmissionFile) == 0
    assert stored_files(app) == []  # neither the good PNG nor a temporary file


def test_file_over_10_mb_is_refused_and_nothing_is_kept(client, login, setup, app):
    login(setup["participant"])
    big = samples.pdf() + b"0" * (11 * 1024 * 1024)
    response = post(client, setup["lesson_id"], files=[("laporan.pdf", big)])
    assert response.status_code == 422
    assert "lebih dari 10 MB" in response.get_data(as_text=True)
    assert count(Submission) == count(SubmissionFile) == 0
    assert stored_files(app) == []


@pytest.mark.parametrize("name, content, message", [
    ("rencana.docx", samples.plain_zip(), "bukan berkas DOCX yang sah"),
    ("gambar.png", samples.jpg(), "bukan berkas PNG yang sah"),
    ("catatan.txt", b"hanya teks", "Jenis berkas"),
    ("kosong.pdf", b"", "kosong"),
])
def test_other_bad_files_are_refused(client, login, setup, app, name, content, message):
    login(setup["participant"])
    response = post(client, setup["lesson_id"], files=[(name, content)])
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count(Submission) == 0 and stored_files(app) == []


def test_more_than_five_files_are_refused(client, login, setup, app):
    login(setup["participant"])
    response = post(client, setup["lesson_id"], files=[(f"f{i}.png", samples.png()) for i in range(6)])
    assert response.status_code == 422
    assert "Paling banyak 5 berkas" in response.get_data(as_text=True)
    assert stored_files(app) == []


def test_empty_submission_is_refused(client, login, setup):
    login(setup["participant"])
    response = post(client, setup["lesson_id"], text="   ")
    assert response.status_code == 422
    assert "Tulis jawaban atau pilih berkas dulu." in response.get_data(as_text=True)


def test_files_refused_when_the_assignment_takes_text_only(client, login, app):
    course = factories.course()
    assignment = factories.assignment(course, submit_files=False)
    participant = factories.user()
    factories.enrollment(participant, course)
    db.session.commit()
    login(participant)
    response = post(client, assignment.lesson_id, text="teks", files=[("a.pdf", samples.pdf())])
    assert response.status_code == 422
    assert "tidak menerima berkas" in response.get_data(as_text=True)


def test_files_placed_in_a_transaction_that_does_not_commit_are_removed(app, setup):
    from werkzeug.datastructures import FileStorage

    assignment, enrollment = setup["assignment"], setup["enrollment"]
    storage = FileStorage(io.BytesIO(samples.pdf()), filename="rencana.pdf")
    services.submit(assignment, enrollment, text="", files=[storage], upload_dir=app.config["UPLOAD_DIR"])
    assert len(stored_files(app)) == 1
    db.session.rollback()  # e.g. the commit failed
    assert stored_files(app) == []
    assert count(SubmissionFile) == 0


def test_cannot_submit_after_the_work_passed(client, login, setup):
    login(setup["participant"])
    post(client, setup["lesson_id"], text="Rencana.")
    submission = db.session.scalar(select(Submission))
    services.grade(submission, setup["trainer"], version_number=1, outcome="lulus", feedback="Bagus.",
                   levels={c.id: 4 for c in setup["assignment"].criteria})
    db.session.commit()
    response = post(client, setup["lesson_id"], text="Lagi.")
    assert response.status_code == 422
    assert "sudah dinilai" in response.get_data(as_text=True)
    assert db.session.scalar(select(Submission)).version_count == 1


def test_participant_not_enrolled_gets_403(client, login, setup):
    login(factories.user())
    assert client.get(f"/tugas/{setup['lesson_id']}").status_code == 403
    assert post(client, setup["lesson_id"], text="x").status_code == 403


def test_anonymous_is_sent_to_login(client, setup):
    response = client.get(f"/tugas/{setup['lesson_id']}")
    assert response.status_code == 302 and "/masuk" in response.headers["Location"]


def test_unpublished_assignment_is_hidden_from_participants(client, login, app):
    course = factories.course()
    assignment = factories.assignment(course, published=False)
    participant = factories.user()
    factories.enrollment(participant, course)
    db.session.commit()
    login(participant)
    assert client.get(f"/tugas/{assignment.lesson_id}").status_code == 404


def test_other_participant_cannot_open_the_files(client, login, setup, app):
    login(setup["participant"])
    post(client, setup["lesson_id"], text="Rahasia koperasi kami.", files=[("rencana.pdf", samples.pdf())])
    stored = db.session.scalar(select(SubmissionFile))
    url = f"/tugas/berkas/{stored.id}/berkas.pdf"
    own = client.get(url)
    assert own.status_code == 200 and own.data == samples.pdf() and own.mimetype == "application/pdf"
    assert "frame-ancestors 'self'" in own.headers["Content-Security-Policy"]

    other = factories.user()
    factories.enrollment(other, setup["course"])
    db.session.commit()
    other_client = app.test_client()
    login(other, c=other_client)
    assert other_client.get(url).status_code == 404
    page = other_client.get(f"/tugas/{setup['lesson_id']}").get_data(as_text=True)
    assert "Rahasia koperasi kami." not in page

    outsider = factories.user("trainer")  # a trainer of no course
    db.session.commit()
    trainer_client = app.test_client()
    login(outsider, c=trainer_client)
    assert trainer_client.get(url).status_code == 404

    course_trainer = app.test_client()
    login(setup["trainer"], c=course_trainer)
    assert course_trainer.get(url).status_code == 200


def test_docx_is_sent_as_a_download(client, login, setup):
    login(setup["participant"])
    post(client, setup["lesson_id"], files=[("rencana.docx", samples.docx())])
    stored = db.session.scalar(select(SubmissionFile))
    response = client.get(f"/tugas/berkas/{stored.id}/berkas.docx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "rencana.docx" in response.headers["Content-Disposition"]


def test_feedback_badge_counts_new_feedback_until_it_is_read(client, login, setup):
    login(setup["participant"])
    post(client, setup["lesson_id"], text="Rencana.")
    assert services.unread_feedback_count(setup["participant"]) == 0
    submission = db.session.scalar(select(Submission))
    services.grade(submission, setup["trainer"], version_number=1, outcome="perlu_revisi",
                   feedback="Tambahkan hitungan titik impas.", levels={c.id: 2 for c in setup["assignment"].criteria})
    db.session.commit()
    assert services.unread_feedback_count(setup["participant"]) == 1
    home = client.get("/beranda").get_data(as_text=True)
    assert 'id="nav-feedback" class="nav-badge">1<' in home
    page = client.get(f"/tugas/{setup['lesson_id']}").get_data(as_text=True)
    assert "Tambahkan hitungan titik impas." in page and "Perlu revisi" in page
    assert services.unread_feedback_count(setup["participant"]) == 0
    assert db.session.scalar(select(Grade)).seen_at is not None
    assert 'id="nav-feedback" class="nav-badge"></span>' in client.get("/beranda").get_data(as_text=True)


def test_my_assignments_and_dashboard_list_open_work(client, login, setup):
    login(setup["participant"])
    home = client.get("/beranda").get_data(as_text=True)
    assert "Tugas yang perlu dikerjakan" in home and "Tugas rencana bisnis" in home
    listing = client.get("/tugas").get_data(as_text=True)
    assert "Tugas rencana bisnis" in listing and "Belum dikirim" in listing
