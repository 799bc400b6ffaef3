"""Handouts: imported from the course folder (checked by content), downloaded only by those who may read."""
from pathlib import Path

import pytest

from kopedu.courses.importer import ContentError, import_course
from kopedu.courses.models import LessonAttachment
from kopedu.extensions import db
from kopedu.learning.models import Enrollment
from tests import factories
from tests.grading import samples

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def write_course(root: Path, attachments: str, files: dict[str, bytes]) -> Path:
    folder = root / "kursus-berkas"
    module = folder / "01-modul"
    module.mkdir(parents=True)
    (folder / "course.md").write_text("---\ntitle: Kursus Berkas\nsequential: true\n---\nIsi.\n", encoding="utf-8")
    (module / "module.md").write_text("---\ntitle: Modul\n---\n", encoding="utf-8")
    (module / "01-pertama.md").write_text("---\ntitle: Pertama\n---\nBaca.\n", encoding="utf-8")
    (module / "02-lembar.md").write_text(f"---\ntitle: Lembar kerja\n{attachments}---\nCetak.\n", encoding="utf-8")
    for name, data in files.items():
        (module / name).write_bytes(data)
    return folder


def test_import_stores_the_handout_under_a_random_name(app, tmp_path):
    folder = write_course(tmp_path, "attachments:\n  - file: lembar.pdf\n    title: Lembar kerja PDF\n",
                          {"lembar.pdf": PDF})
    report = import_course(folder)
    handout = db.session.query(LessonAttachment).one()
    assert handout.title == "Lembar kerja PDF" and handout.content_type == "application/pdf"
    assert handout.stored_name != "lembar.pdf" and handout.stored_name.endswith(".pdf")
    stored = Path(app.config["UPLOAD_DIR"]) / "lessons" / handout.stored_name
    assert stored.read_bytes() == PDF
    again = import_course(folder)  # unchanged: nothing rewritten
    assert db.session.query(LessonAttachment).one().stored_name == handout.stored_name
    assert not again.updated and report.course.id == again.course.id


@pytest.mark.parametrize("spec, files, message", [
    ("attachments:\n  - palsu.pdf\n", {"palsu.pdf": b"MZ\x90\x00 not a pdf"}, "bukan PDF"),
    ("attachments:\n  - skrip.exe\n", {"skrip.exe": b"MZ\x90\x00"}, "bukan PDF"),
    ("attachments:\n  - palsu.docx\n", {"palsu.docx": b"PK\x03\x04 any zip is no document"}, "bukan PDF"),
    ("attachments:\n  - foto.png\n", {"foto.png": PDF}, "bukan PDF"),  # a PDF, but named as a photo
    ("attachments:\n  - ../course.md\n", {}, "tidak ditemukan"),
    ("attachments:\n  - hilang.pdf\n", {}, "tidak ditemukan"),
    ("attachments: lembar.pdf\n", {"lembar.pdf": PDF}, "harus berupa daftar"),
])
def test_bad_attachments_are_refused_with_the_file_named(app, tmp_path, spec, files, message):
    folder = write_course(tmp_path, spec, files)
    with pytest.raises(ContentError, match=message) as error:
        import_course(folder)
    assert "02-lembar.md" in str(error.value)
    db.session.rollback()


def test_download_checks_enrolment_and_the_lock(client, login, app, tmp_path):
    folder = write_course(tmp_path, "attachments:\n  - lembar.pdf\n", {"lembar.pdf": PDF})
    course = import_course(folder).course
    course.self_enroll = False
    handout = db.session.query(LessonAttachment).one()
    url = f"/kursus/{course.slug}/berkas/{handout.id}"
    user, outsider = factories.user(), factories.user()
    db.session.add(Enrollment(user_id=user.id, course_id=course.id))
    other = factories.course(lessons=1)
    db.session.commit()

    outsider_client = app.test_client()
    login(outsider, c=outsider_client)
    assert outsider_client.get(url).status_code == 403

    login(user)
    assert client.get(url).status_code == 409  # the lesson is still locked (sequential course)
    first = course.modules[0].lessons[0]
    client.post(f"/kursus/{course.slug}/pelajaran/{first.id}/selesai")
    response = client.get(url)
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"] and "lembar.pdf" in response.headers["Content-Disposition"]
    assert "private" in response.headers["Cache-Control"]
    assert client.get(f"/kursus/{other.slug}/berkas/{handout.id}").status_code == 404

    page = client.get(f"/kursus/{course.slug}/pelajaran/{handout.lesson_id}").get_data(as_text=True)
    assert f'href="{url}" hx-boost="false" download' in page


def test_with_accel_redirect_nginx_sends_the_handout(client, login, app, tmp_path):
    folder = write_course(tmp_path, "attachments:\n  - lembar.pdf\n", {"lembar.pdf": PDF})
    course = import_course(folder).course
    course.sequential, course.self_enroll = False, False
    handout = db.session.query(LessonAttachment).one()
    user, outsider = factories.user(), factories.user()
    db.session.add(Enrollment(user_id=user.id, course_id=course.id))
    db.session.commit()
    app.config["ACCEL_REDIRECT"] = "/_files/"
    url = f"/kursus/{course.slug}/berkas/{handout.id}"

    login(user)
    response = client.get(url)
    assert response.status_code == 200 and response.data == b""
    assert response.headers["X-Accel-Redirect"] == f"/_files/lessons/{handout.stored_name}"
    assert response.headers["Content-Type"] == "application/pdf"
    assert 'filename=lembar.pdf' in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "private, max-age=3600"
    outsider_client = app.test_client()
    login(outsider, c=outsider_client)
    refused = outsider_client.get(url)
    assert refused.status_code == 403 and "X-Accel-Redirect" not in refused.headers


def test_office_handouts_are_checked_inside_the_zip(app, tmp_path):
    folder = write_course(tmp_path, "attachments:\n  - rencana.docx\n  - anggaran.xlsx\n  - paparan.pptx\n",
                          {"rencana.docx": samples.docx(), "anggaran.xlsx": samples.xlsx(), "paparan.pptx": samples.pptx()})
    import_course(folder)
    types = {a.filename: a.content_type.rsplit(".", 1)[-1] for a in db.session.query(LessonAttachment)}
    assert types == {"rencana.docx": "document", "anggaran.xlsx": "sheet", "paparan.pptx": "presentation"}
