"""Issue 18's smaller items: words said twice, the login page's reset hint, publish warnings, the lesson
show/hide toggle, the certificate's signatory blocks and the unnamed default signatory."""
from sqlalchemy import select

from kopedu.cohorts.models import Cohort
from kopedu.extensions import db
from tests import factories


def test_assignment_page_does_not_say_tugas_twice(app, client, login):
    course = factories.course()
    assignment = factories.assignment(course, title="Tugas rencana bisnis")
    other = factories.assignment(course, title="Rencana aksi 3 bulan")
    trainer = factories.trainer_of(course)
    db.session.commit()
    login(trainer)
    html = client.get(f"/kelola/tugas/{assignment.id}").get_data(as_text=True)
    assert "<h1>Tugas rencana bisnis</h1>" in html and "Tugas: Tugas" not in html
    html = client.get(f"/kelola/tugas/{other.id}").get_data(as_text=True)
    assert "<h1>Tugas: Rencana aksi 3 bulan</h1>" in html


def test_new_cohort_message_does_not_say_angkatan_twice(app, client, login):
    admin = factories.user("admin")
    course = factories.course()
    factories.kupang_regions()
    db.session.commit()
    login(admin)
    response = client.post("/angkatan/baru", data={"course_id": course.id, "name": "Angkatan I Kota Kupang",
                                                   "code": "KPG-1", "region": "5371"})
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Angkatan sudah dibuat: Angkatan I Kota Kupang." in html and "Angkatan Angkatan" not in html
    assert db.session.scalar(select(Cohort.code)) == "KPG-1"


def test_login_page_sends_password_resets_to_the_admin_only(client):
    html = client.get("/masuk").get_data(as_text=True)
    assert "hanya admin yang bisa mengatur ulang kata sandi" in html
    assert "pelatih Anda" not in html


def test_publishing_with_hidden_lessons_or_an_empty_quiz_warns(app, client, login):
    from kopedu.courses.models import Quiz

    course = factories.course(published=False)
    course.modules[0].lessons[1].published = False
    hidden_title = course.modules[0].lessons[1].title
    db.session.add(Quiz(course=course, role="posttest", title="Post-test"))
    trainer = factories.trainer_of(course)
    db.session.commit()
    login(trainer)
    html = client.get(f"/kelola/kursus/{course.id}").get_data(as_text=True)
    assert "Periksa sebelum diterbitkan:" in html
    assert f"1 pelajaran disembunyikan dan tidak akan terlihat peserta: {hidden_title}." in html
    assert "Kuis tanpa soal: Post-test." in html
    response = client.post(f"/kelola/kursus/{course.id}/terbit", data={"published": "1"})
    assert response.status_code == 303
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Kursus sudah diterbitkan." in html and "Kuis tanpa soal: Post-test." in html
    db.session.expire_all()
    assert course.published  # a warning, not a refusal
    fragment = client.post(f"/kelola/kursus/{course.id}/terbit", data={"published": "1"},
                           headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Perhatian:" in fragment and "Kuis tanpa soal" in fragment


def test_lessons_are_shown_and_hidden_from_the_outline(app, client, login):
    course = factories.course()
    lesson = course.modules[0].lessons[0]
    trainer = factories.trainer_of(course)
    db.session.commit()
    login(trainer)
    html = client.get(f"/kelola/kursus/{course.id}").get_data(as_text=True)
    assert f'/kelola/pelajaran/{lesson.id}/tampil' in html and ">Sembunyikan</button>" in html
    fragment = client.post(f"/kelola/pelajaran/{lesson.id}/tampil", data={"published": "0"},
                           headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'id="outline"' in fragment and "Disembunyikan" in fragment and ">Tampilkan</button>" in fragment
    db.session.expire_all()
    assert lesson.published is False
    response = client.post(f"/kelola/pelajaran/{lesson.id}/tampil", data={"published": "1"})
    assert response.status_code == 303
    db.session.expire_all()
    assert lesson.published is True
    other = factories.trainer_of(factories.course())
    db.session.commit()
    client.post("/keluar")
    login(other)
    assert client.post(f"/kelola/pelajaran/{lesson.id}/tampil", data={"published": "0"}).status_code == 403


def _word_boxes(pdf: bytes) -> list[tuple[str, float, float]]:
    import re
    import shutil
    import subprocess

    import pytest

    if shutil.which("pdftotext") is None:  # pragma: no cover - poppler-utils is on the CI machines
        pytest.skip("pdftotext is not installed")
    html = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return [(m.group(5), float(m.group(1)), float(m.group(2))) for m in re.finditer(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', html)]


def test_the_two_signatory_blocks_are_aligned(app):
    from kopedu.certificates import services
    from kopedu.certificates.models import CertificateTemplate

    row = CertificateTemplate(id=1, **{**services.DEFAULT_TEMPLATE, "signatories": [
        {"name": "Drs. Yohanes Lema", "title": "Kepala Dinas Koperasi, Usaha Kecil dan Menengah Kota Kupang",
         "nip": "196805121994031007", "signature_path": None},
        {"name": "Maria Seran", "title": "Ketua Panitia", "nip": "", "signature_path": None}]})
    db.session.add(row)
    db.session.commit()
    words = _word_boxes(services.preview_pdf())
    y = {text: top for text, _x, top in words}
    assert "Yohanes" in y and "Maria" in y and "NIP." in y
    assert abs(y["Yohanes"] - y["Maria"]) < 1.0, (y["Yohanes"], y["Maria"])  # the names on one line
    # the titles end on the same line too, right above the signature space
    assert abs(max(top for t, _x, top in words if t in ("Kupang",)) - y["Panitia"]) < 1.0


def test_an_unnamed_default_signatory_warns_before_the_first_certificate(app, client, login):
    from kopedu.certificates import services
    from kopedu.certificates.models import CertificateTemplate

    admin = factories.user("admin")
    db.session.commit()
    login(admin)
    warning = 'penanda tangan sertifikat "Kepala Dinas Koperasi dan UKM Kota Kupang" belum bernama'
    for url in ("/sertifikat", "/admin/sertifikat/templat"):
        assert warning in client.get(url).get_data(as_text=True), url
    row = CertificateTemplate(id=1, **{**services.DEFAULT_TEMPLATE, "signatories": [
        {"name": "Drs. Yohanes Lema", "title": "Kepala Dinas Koperasi dan UKM Kota Kupang", "nip": "",
         "signature_path": None}]})
    db.session.add(row)
    db.session.commit()
    assert "belum bernama" not in client.get("/sertifikat").get_data(as_text=True)
