"""Uploads on every path that takes files (assignment work, course media, the certificate logo, the
participant import): file names with folders in them are stored under random names inside
UPLOAD_DIR and served with a safe Content-Disposition; wrong types (by content) and oversize files
are refused and leave nothing behind."""
import io
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select
from werkzeug.http import parse_options_header

from kopedu.extensions import db
from tests import factories
from tests.grading import samples

TRAVERSAL = ["../../etc/passwd", "..\\..\\windows\\win", "/etc/passwd", "....//....//rahasia"]
HTML = b"<!doctype html><html><script>alert(1)</script></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
EXE = b"MZ\x90\x00" + b"\x00" * 200


@pytest.fixture
def uw(app, regions):
    course = factories.course(title="Kursus Unggah", lessons=1)
    assignment = factories.assignment(course)
    trainer = factories.trainer_of(course)
    cohort = factories.cohort(course, trainers=[trainer])
    participant, enrollment = factories.participant_in(cohort)
    admin = factories.user("admin")
    db.session.commit()
    return SimpleNamespace(course=course, assignment=assignment, trainer=trainer, cohort=cohort,
                           participant=participant, admin=admin, root=Path(app.config["UPLOAD_DIR"]))


def files_under(path: Path) -> list[Path]:
    return sorted(p for p in path.rglob("*") if p.is_file()) if path.exists() else []


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def assert_nothing_escaped(root: Path) -> None:
    """Nothing was written next to or above UPLOAD_DIR (the fixture gives it its own folder)."""
    outside = [p for p in files_under(root.parent) if root not in p.parents]
    assert outside == [], outside


def assert_safe_download(response, expected_name: str, mimetype: str) -> None:
    assert response.status_code == 200
    assert response.mimetype == mimetype  # what the content is, not what the uploader claimed
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition
    kind, options = parse_options_header(disposition)
    assert kind in ("attachment", "inline")
    name = options.get("filename*") or options.get("filename")
    assert name == expected_name
    assert "/" not in name and "\\" not in name  # dots alone cannot climb out of a folder
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in csp or "frame-ancestors 'none'" in csp


def _with_parts(base: bytes, extra: dict[str, bytes], replace: dict[bytes, bytes] | None = None) -> bytes:
    """An Office package with more parts in it (and text replaced in its [Content_Types].xml)."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "[Content_Types].xml":
                for old, new in (replace or {}).items():
                    data = data.replace(old, new)
            target.writestr(info.filename, data)
        for name, data in extra.items():
            target.writestr(name, data)
    return out.getvalue()


def docm() -> bytes:
    """A macro-enabled Word file: the DOCX layout plus word/vbaProject.bin."""
    return _with_parts(samples.docx(), {"word/vbaProject.bin": b"\xd0\xcf\x11\xe0macro"})


def docm_declared() -> bytes:
    """As Word writes it: the main part declared macro-enabled."""
    return _with_parts(samples.docx(), {}, {b"wordprocessingml.document.main+xml":
                                            b"wordprocessingml.document.main+xml\" x=\"application/vnd.ms-word.document.macroEnabled.main+xml"})


def jar() -> bytes:
    """A Java archive dressed as a DOCX: it has the DOCX parts, and a manifest and a class."""
    return _with_parts(samples.docx(), {"META-INF/MANIFEST.MF": b"Main-Class: Jahat\n", "Jahat.class": b"\xca\xfe\xba\xbe"})


def another_main_type() -> bytes:
    """word/document.xml present, but declared as something else; the DOCX type named elsewhere."""
    return _with_parts(samples.docx(), {}, {b'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"':
                                            b'ContentType="application/x-other" Note="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"'})


@pytest.mark.parametrize("make", [docm, docm_declared, jar, another_main_type])
def test_zip_containers_that_are_no_docx_fail_the_content_check(make):
    from kopedu.web import uploads

    assert uploads.sniff(samples.docx()) == "docx"
    assert uploads.sniff(make()) is None


# --------------------------------------------------------------------------- assignment work


def _submit(client, uw, name, content):
    return client.post(f"/tugas/{uw.assignment.lesson.id}/kirim", content_type="multipart/form-data",
                       data={"text": "", "files": [(io.BytesIO(content), name)]})


def test_submission_with_a_path_in_its_name_is_stored_under_a_random_name(client, login, uw):
    from kopedu.grading.models import SubmissionFile

    login(uw.participant)
    for prefix in TRAVERSAL:
        response = _submit(client, uw, prefix + ".pdf", samples.pdf())
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        stored = db.session.scalar(select(SubmissionFile).order_by(SubmissionFile.id.desc()).limit(1))
        name = stored.original_name
        assert name.endswith(re.split(r"[\\/]", prefix)[-1] + ".pdf"), (prefix, name)
        assert "/" not in name and "\\" not in name
        assert re.fullmatch(r"[0-9a-f]{32}", stored.stored_name)
        assert (uw.root / "submissions" / stored.stored_name).read_bytes() == samples.pdf()
        assert_safe_download(client.get(f"/tugas/berkas/{stored.id}/{name}"), name, "application/pdf")
    names = db.session.scalars(select(SubmissionFile.stored_name)).all()
    assert files_under(uw.root) == sorted(uw.root / "submissions" / n for n in names)
    assert_nothing_escaped(uw.root)


@pytest.mark.parametrize("name, content", [("rencana.docm", samples.docx()), ("rencana.jar", samples.docx()),
                                           ("rencana.docx", docm()), ("rencana.docx", jar()),
                                           ("laporan.exe", samples.pdf())])
def test_a_name_whose_ending_is_not_its_content_is_refused(client, login, uw, name, content):
    from kopedu.grading.models import SubmissionFile

    login(uw.participant)
    response = _submit(client, uw, name, content)
    assert response.status_code == 422 and "diterima" in response.get_data(as_text=True)
    assert count(SubmissionFile) == 0 and files_under(uw.root / "submissions") == []


def test_a_name_without_an_ending_gets_the_ending_of_its_content(client, login, uw):
    from kopedu.grading.models import SubmissionFile

    login(uw.participant)
    assert _submit(client, uw, "rencana usaha", samples.docx()).status_code == 303
    assert _submit(client, uw, "Laporan tahap 1.2", samples.pdf()).status_code == 303
    names = db.session.scalars(select(SubmissionFile.original_name).order_by(SubmissionFile.id)).all()
    assert names == ["rencana usaha.docx", "Laporan tahap 1.2.pdf"]
    stored = db.session.scalar(select(SubmissionFile).order_by(SubmissionFile.id))
    response = client.get(f"/tugas/berkas/{stored.id}/{stored.original_name}")
    assert_safe_download(response, "rencana usaha.docx", uploads_mime("docx"))


def uploads_mime(kind: str) -> str:
    from kopedu.web import uploads

    return uploads.KINDS[kind][0]


def test_submission_name_with_header_tricks_is_served_safely(client, login, uw):
    from kopedu.grading.models import SubmissionFile

    login(uw.participant)
    name = "laporan; filename=jahat.exe\t\x07.pdf"
    assert _submit(client, uw, name, samples.pdf()).status_code == 303
    stored = db.session.scalar(select(SubmissionFile))
    assert "\t" not in stored.original_name and "\x07" not in stored.original_name
    response = client.get(f"/tugas/berkas/{stored.id}/x.pdf")
    assert_safe_download(response, stored.original_name, "application/pdf")


def test_submission_of_a_wrong_type_is_refused_and_nothing_is_kept(client, login, uw):
    from kopedu.grading.models import Submission, SubmissionFile

    login(uw.participant)
    for name, content in [("tugas.pdf", HTML), ("gambar.png", SVG), ("rencana.docx", EXE),
                          ("rencana.pdf", samples.png()), ("skrip.html", HTML), ("program.exe", EXE)]:
        response = _submit(client, uw, name, content)
        assert response.status_code == 422, name
        assert "Berkas yang diterima" in response.get_data(as_text=True), name
        assert count(Submission) == count(SubmissionFile) == 0
        assert files_under(uw.root) == [], name


def test_oversize_submission_is_refused_and_nothing_is_kept(client, login, uw):
    from kopedu.grading.models import Submission

    login(uw.participant)
    response = _submit(client, uw, "besar.pdf", samples.pdf() + b"0" * (10 * 1024 * 1024))
    assert response.status_code == 422
    assert "lebih dari 10 MB" in response.get_data(as_text=True)
    assert count(Submission) == 0 and files_under(uw.root) == []


def test_a_request_over_the_whole_request_limit_gets_413_and_nothing_is_kept(app, client, login, uw):
    from kopedu.grading.models import Submission

    app.config["MAX_CONTENT_LENGTH"] = 512 * 1024
    login(uw.participant)
    response = _submit(client, uw, "besar.pdf", samples.pdf() + b"0" * (600 * 1024))
    assert response.status_code == 413
    assert "Berkas terlalu besar." in response.get_data(as_text=True)
    assert count(Submission) == 0 and files_under(uw.root) == []


# --------------------------------------------------------------------------- course media


def _media(client, uw, name, content, content_type=None):
    file = (io.BytesIO(content), name, content_type) if content_type else (io.BytesIO(content), name)
    return client.post(f"/kelola/kursus/{uw.course.id}/media", content_type="multipart/form-data",
                       data={"file": [file]})


def test_media_with_a_path_in_its_name_is_stored_under_a_random_name(client, login, uw):
    from kopedu.courses.models import CourseMedia

    login(uw.trainer)
    for prefix in TRAVERSAL:
        response = _media(client, uw, prefix + ".png", samples.png(), content_type="text/html")
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        media = db.session.scalar(select(CourseMedia).order_by(CourseMedia.id.desc()).limit(1))
        name = media.original_name
        assert name.endswith(re.split(r"[\\/]", prefix)[-1] + ".png") and "/" not in name and "\\" not in name
        assert re.fullmatch(r"[0-9a-f]{32}", media.stored_name)
        assert (uw.root / "course-media" / media.stored_name).is_file()
        assert_safe_download(client.get(f"/kelola/media/{media.stored_name}/{name}"), name, "image/png")
    names = db.session.scalars(select(CourseMedia.stored_name)).all()
    assert files_under(uw.root) == sorted(uw.root / "course-media" / n for n in names)
    assert_nothing_escaped(uw.root)


def test_media_of_a_wrong_type_is_refused_and_nothing_is_kept(client, login, uw):
    from kopedu.courses.models import CourseMedia

    login(uw.trainer)
    for name, content in [("gambar.png", SVG), ("gambar.svg", SVG), ("halaman.html", HTML),
                          ("lampiran.pdf", HTML), ("alat.exe", EXE)]:
        response = _media(client, uw, name, content)
        assert response.status_code == 422, name
        assert count(CourseMedia) == 0 and files_under(uw.root) == [], name


def test_oversize_media_is_refused_and_nothing_is_kept(client, login, uw):
    from kopedu.courses.models import CourseMedia

    login(uw.trainer)
    response = _media(client, uw, "buku.pdf", samples.pdf() + b"0" * (10 * 1024 * 1024))
    assert response.status_code == 422
    assert "lebih dari 10 MB" in response.get_data(as_text=True)
    assert count(CourseMedia) == 0 and files_under(uw.root) == []


# --------------------------------------------------------------------------- certificate logo


def _template(client, logo_name, logo):
    data = {"title": "SERTIFIKAT", "header_lines": "PEMERINTAH KOTA KUPANG", "recipient_line": "diberikan kepada",
            "achievement_line": "telah mengikuti", "closing_line": "", "issuer_name": "Dinas Koperasi",
            "issue_place": "Kupang", "serial_format": "{seq:04d}/DK/{year}", "primary_colour": "#123456",
            "accent_colour": "#abcdef", "sig1_name": "Drs. Paulus Ratu", "sig1_title": "Kepala Dinas",
            "sig1_nip": "", "sig2_name": "", "sig2_title": "", "sig2_nip": "",
            "logo": (io.BytesIO(logo), logo_name)}
    return client.post("/admin/sertifikat/templat", data=data, content_type="multipart/form-data")


def test_logo_with_a_path_in_its_name_is_stored_under_a_random_name(client, login, uw):
    from kopedu.certificates.services import template_settings

    login(uw.admin)
    response = _template(client, "../../../static/img/logo.png", samples.png())
    assert response.status_code == 303, response.get_data(as_text=True)[:800]
    logo_path = template_settings().logo_path
    assert re.fullmatch(r"certificates/assets/[A-Za-z0-9_-]{20,}\.png", logo_path)
    assert files_under(uw.root) == [uw.root / logo_path]
    assert_nothing_escaped(uw.root)


def test_logo_of_a_wrong_type_or_too_big_is_refused_and_nothing_is_kept(client, login, uw):
    from kopedu.certificates.models import CertificateTemplate

    login(uw.admin)
    for name, content, message in [
        ("logo.png", SVG, "PNG atau JPEG"),
        ("logo.svg", SVG, "PNG atau JPEG"),
        ("logo.png", HTML, "PNG atau JPEG"),
        ("logo.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64, "rusak"),
        ("logo.png", samples.png() + b"0" * (1024 * 1024), "1 MB"),
    ]:
        response = _template(client, name, content)
        assert response.status_code == 422, message
        assert message in response.get_data(as_text=True)
        assert count(CertificateTemplate) == 0 and files_under(uw.root) == [], message


# --------------------------------------------------------------------------- participant import

CSV = b"nama,hp,email,jabatan,kelurahan,koperasi\nYuliana Ndun,0812-3456-7890,,Ketua,5371030011,\n"


def _import(client, uw, name, content):
    return client.post(f"/angkatan/{uw.cohort.id}/impor", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(content), name)})


def test_import_with_a_path_in_its_name_is_stored_under_a_random_name(client, login, uw):
    from kopedu.cohorts.models import ParticipantImport

    login(uw.trainer)
    response = _import(client, uw, "../../../etc/peserta.csv", CSV)
    assert response.status_code == 303, response.get_data(as_text=True)[:800]
    record = db.session.scalar(select(ParticipantImport))
    assert record.filename == "peserta.csv" and record.parsed["rows"]
    assert files_under(uw.root) == []  # the list is kept parsed, in the database
    assert_nothing_escaped(uw.root)
    response = client.get(f"/angkatan/{uw.cohort.id}/impor/{record.id}/ditolak.csv")
    kind, options = parse_options_header(response.headers["Content-Disposition"])
    assert kind == "attachment" and "/" not in options["filename"] and ".." not in options["filename"]


def test_import_of_a_wrong_type_or_too_big_is_refused_and_nothing_is_kept(client, login, uw):
    from kopedu.cohorts.models import ParticipantImport

    login(uw.trainer)
    for name, content, message in [
        ("peserta.csv", samples.png(), "bukan CSV atau XLSX"),
        ("peserta.xlsx", samples.docx(), ""),
        ("peserta.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, ".xls lama"),
        ("peserta.csv", b"", ""),
        ("peserta.csv", CSV + b"Nama," * (2 * 1024 * 1024 // 5), "2 MB"),
    ]:
        response = _import(client, uw, name, content)
        assert response.status_code == 422, name
        assert message in response.get_data(as_text=True)
        assert count(ParticipantImport) == 0 and files_under(uw.root) == [], name
