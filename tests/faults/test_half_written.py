"""A failed upload or import leaves nothing half-written: no rows and no files.

Failures tried: a content error found after a handout was already copied (course import), and the database
connection dying at COMMIT (course import, certificate template logo upload) — the latter on a throwaway
PostgreSQL server whose connection the test kills (pg_terminate_backend) just before the COMMIT."""
from __future__ import annotations

import io
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from kopedu.certificates.models import CertificateTemplate
from kopedu.courses.models import Course, Lesson, LessonAttachment
from kopedu.extensions import db
from tests import factories
from tests.conftest import IsolatedClient
from tests.faults.conftest import make_app

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (140, 29, 23)).save(out, "PNG")
    return out.getvalue()


def _course_folder(root: Path, *, broken_second_lesson: bool) -> Path:
    """A course whose first lesson hands out a PDF; the second lesson's front matter may be broken."""
    course = root / "kursus-uji-gangguan"
    module = course / "01-modul-satu"
    module.mkdir(parents=True)
    (course / "course.md").write_text("---\ntitle: Kursus Uji Gangguan\nsequential: false\n---\nUji.\n")
    (module / "module.md").write_text("---\ntitle: Modul Satu\n---\n")
    (module / "materi.pdf").write_bytes(PDF)
    (module / "01-dengan-lampiran.md").write_text(
        "---\ntitle: Dengan lampiran\nattachments:\n  - materi.pdf\n---\nBaca lampirannya.\n")
    second = "---\ntitle: [tidak ditutup\n---\nRusak.\n" if broken_second_lesson else "---\ntitle: Kedua\n---\nIsi.\n"
    (module / "02-kedua.md").write_text(second)
    return course


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_course_import_with_an_error_after_a_copied_handout_leaves_nothing(app, tmp_path):
    folder = _course_folder(tmp_path / "content", broken_second_lesson=True)
    result = app.test_cli_runner().invoke(args=["kopedu", "import-course", str(folder)])
    assert result.exit_code != 0 and "02-kedua.md:" in result.output  # the error names the file
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Course)) == 0
    assert db.session.scalar(select(func.count()).select_from(LessonAttachment)) == 0
    assert _files(Path(app.config["UPLOAD_DIR"])) == [], "the copied handout was left behind"

    # Fixed, the same import goes through and keeps its handout.
    (folder / "01-modul-satu" / "02-kedua.md").write_text("---\ntitle: Kedua\n---\nIsi.\n")
    result = app.test_cli_runner().invoke(args=["kopedu", "import-course", str(folder)])
    assert result.exit_code == 0, result.output
    stored = _files(Path(app.config["UPLOAD_DIR"]))
    assert len(stored) == 1 and stored[0].read_bytes() == PDF


class CommitKiller:
    """Kill the database connection of the next COMMIT on `engine`, just before it is sent."""

    def __init__(self, engine, port: int):
        self.engine, self.port, self.fired = engine, port, 0
        event.listen(engine, "commit", self._kill)

    def _kill(self, connection):
        if self.fired:
            return
        self.fired += 1
        pid = connection.connection.dbapi_connection.info.backend_pid
        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres",
                             autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))

    def remove(self):
        event.remove(self.engine, "commit", self._kill)


@pytest.fixture
def pg_app(pg, tmp_path):
    app = make_app(pg.create_database("kopedu"), tmp_path / "uploads", PROPAGATE_EXCEPTIONS=False)
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def test_course_import_whose_commit_fails_leaves_no_rows_and_no_files(pg, pg_app, tmp_path):
    folder = _course_folder(tmp_path / "content", broken_second_lesson=False)
    killer = CommitKiller(db.engine, pg.port)
    try:
        result = pg_app.test_cli_runner().invoke(args=["kopedu", "import-course", str(folder)])
    finally:
        killer.remove()
    assert killer.fired == 1
    assert result.exit_code != 0 and isinstance(result.exception, OperationalError)
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(Course)) == 0  # pre-ping: a new connection
    assert db.session.scalar(select(func.count()).select_from(Lesson)) == 0
    assert _files(Path(pg_app.config["UPLOAD_DIR"])) == [], "the handout outlived the failed import"

    result = pg_app.test_cli_runner().invoke(args=["kopedu", "import-course", str(folder)])
    assert result.exit_code == 0, result.output
    assert len(_files(Path(pg_app.config["UPLOAD_DIR"]))) == 1


def _template_form(logo: bytes, signature: bytes) -> dict:
    return {"title": "SERTIFIKAT", "header_lines": "PEMERINTAH KOTA KUPANG", "recipient_line": "diberikan kepada",
            "achievement_line": "telah mengikuti Bimtek", "closing_line": "", "issuer_name": "Dinas Koperasi",
            "issue_place": "Kupang", "serial_format": "{seq:04d}/DK/{year}", "primary_colour": "#123456",
            "accent_colour": "#abcdef", "sig1_name": "Drs. Paulus Ratu", "sig1_title": "Kepala Dinas",
            "sig1_nip": "", "sig2_name": "", "sig2_title": "", "sig2_nip": "",
            "logo": (io.BytesIO(logo), "logo.png"), "sig1_signature": (io.BytesIO(signature), "ttd.png")}


def test_template_upload_whose_commit_fails_leaves_no_files(pg, pg_app):
    factories.user("admin", full_name="Yohanes Bria", phone="6281199770001")
    db.session.commit()
    client = pg_app.test_client()
    assert client.post("/masuk", data={"login": "081199770001", "password": factories.PASSWORD}).status_code == 303
    uploads = Path(pg_app.config["UPLOAD_DIR"])

    killer = CommitKiller(db.engine, pg.port)
    try:
        response = client.post("/admin/sertifikat/templat", data=_template_form(_png(), _png()),
                               content_type="multipart/form-data")
    finally:
        killer.remove()
    assert killer.fired == 1
    assert response.status_code == 500
    assert "Terjadi kesalahan di server" in response.get_data(as_text=True)
    db.session.remove()
    assert db.session.get(CertificateTemplate, 1) is None
    assert _files(uploads) == [], "the logo and signature outlived the failed save"

    # The app recovered by itself: the same upload now goes through and both images are kept.
    response = client.post("/admin/sertifikat/templat", data=_template_form(_png(), _png()),
                           content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    row = db.session.get(CertificateTemplate, 1)
    assert row is not None and row.logo_path
    assert {p.relative_to(uploads).as_posix() for p in _files(uploads)} == {
        row.logo_path, row.signatories[0]["signature_path"]}
