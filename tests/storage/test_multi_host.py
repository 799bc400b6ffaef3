"""Two app hosts (separate processes and instance folders), one PostgreSQL, one Redis, one RQ worker and
one S3-compatible store: every stored file written through one host (or the worker, or a command) is
served by the other. The site starts as one host with a local folder and moves its files to the bucket
with `flask kopedu storage-migrate` first."""
from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from kopedu import create_app
from kopedu.certificates.models import Certificate, CertificateExport
from kopedu.courses.models import Course, CourseMedia, LessonAttachment
from kopedu.extensions import db
from kopedu.grading import services as grading
from kopedu.grading.models import SubmissionFile
from kopedu.reports.models import ReportExport
from tests import factories, servers
from tests.grading import samples
from tests.s3 import new_bucket, s3_env

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "content" / "courses" / "penguatan-kapasitas-pengurus-kmp"
SECRET = "multi-host-test-" + "k3y" * 12


@pytest.fixture
def pg():
    server = servers.postgres_server()
    try:
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def redis_server():
    server = servers.redis_server()
    try:
        yield server
    finally:
        server.cleanup()


class Cluster:
    def __init__(self, tmp_path: Path, database_url: str, redis_url: str, s3_endpoint: str, bucket: str):
        self.tmp = tmp_path
        self.base_env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "SECRET_KEY": SECRET,
                         "KOPEDU_CONFIG": "development", "KOPEDU_RATELIMIT_LOGIN": "1000 per minute",
                         "KOPEDU_EXPORT_BACKGROUND_ROWS": "0",  # every falling-behind export is built by the worker
                         "PYTHONPATH": str(ROOT), **s3_env(s3_endpoint)}
        for name in ("KOPEDU_UPLOAD_DIR", "KOPEDU_ACCEL_REDIRECT", "KOPEDU_STORAGE_DOWNLOADS", "FLASK_APP"):
            self.base_env.pop(name, None)
        self.storage = f"s3://{bucket}/kopedu"
        self.processes: list[subprocess.Popen] = []
        self.urls: dict[str, str] = {}

    def env(self, name: str, storage: str | None = None) -> dict:
        instance = self.tmp / name
        instance.mkdir(exist_ok=True)
        return {**self.base_env, "KOPEDU_INSTANCE": str(instance), "KOPEDU_STORAGE": storage or self.storage}

    def uploads(self, name: str) -> Path:
        return self.tmp / name / "uploads"

    def flask(self, name: str, *args: str, storage: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=self.env(name, storage),
                              capture_output=True, text=True, timeout=300)

    def start_host(self, name: str) -> str:
        port = servers.free_port()
        log = open(self.tmp / f"{name}.log", "w")
        self.processes.append(subprocess.Popen([sys.executable, "-m", "tests.storage.host", str(port)], cwd=ROOT,
                                               env=self.env(name), stdout=log, stderr=subprocess.STDOUT))
        self.urls[name] = f"http://127.0.0.1:{port}"
        return self.urls[name]

    def start_worker(self, name: str) -> None:
        log = open(self.tmp / f"{name}.log", "w")
        self.processes.append(subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "certificates", "worker"], cwd=ROOT,
            env=self.env(name), stdout=log, stderr=subprocess.STDOUT))

    def wait_until_up(self) -> None:
        import requests

        for name, url in self.urls.items():
            deadline = time.monotonic() + 60
            while True:
                try:
                    if requests.get(url + "/livez", timeout=2).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                assert time.monotonic() < deadline, (self.tmp / f"{name}.log").read_text()[-3000:]
                time.sleep(0.2)

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


def _wait_for(read, what: str, seconds: float = 180):
    deadline = time.monotonic() + seconds
    while True:
        db.session.rollback()
        value = read()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.3)


def _stored_files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                  if p.is_file() and "tmp" not in p.relative_to(folder).parts) if folder.exists() else []


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")),
                    reason="runs its own PostgreSQL whatever DATABASE_URL says: once per CI run (the SQLite pass)")
def test_two_hosts_one_worker_share_every_stored_file(tmp_path, pg, redis_server, s3_endpoint):
    import requests

    database_url = pg.create_database("kopedu")
    bucket = new_bucket(s3_endpoint)
    cluster = Cluster(tmp_path, database_url, redis_server.url, s3_endpoint, bucket)

    # Before: one host ("a") with its files on a local folder; a participant already sent a file.
    setup = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url, UPLOAD_DIR=cluster.uploads("a"))
    with setup.app_context():
        db.create_all()
        admin = factories.user("admin", email="admin@example.org")
        trainer = factories.user("trainer", email="pelatih@example.org")
        factories.kupang_regions()
        participant = factories.user(full_name="Yuliana Ndun", email="yuliana@example.org",
                                     cooperative_id=factories.cooperative().id)
        course = factories.course(title="Penguatan Kapasitas", lessons=1, sequential=False)
        course.trainers.append(trainer)
        assignment = factories.assignment(course, title="Rencana bisnis")
        enrollment = factories.enrollment(participant, course)
        old = grading.submit(assignment, enrollment, text="Versi pertama.", upload_dir=cluster.uploads("a"),
                             files=[FileStorage(io.BytesIO(samples.pdf()), filename="versi-satu.pdf")])
        db.session.commit()
        old_file = old.files[0]
        ids = dict(course=course.id, lesson=assignment.lesson_id, enrollment=enrollment.id, old_file=old_file.id,
                   old_name=old_file.original_name)
        assert _stored_files(cluster.uploads("a")) == [f"submissions/{old_file.stored_name}"]

        # The move to the object store: copy and verify, twice (the second copies nothing).
        moved = cluster.flask("a", "kopedu", "storage-migrate")
        assert moved.returncode == 0, moved.stdout + moved.stderr
        assert "1 copied" in moved.stdout and "0 failed" in moved.stdout
        again = cluster.flask("a", "kopedu", "storage-migrate")
        assert "0 copied" in again.stdout and "1 already there" in again.stdout
        for path in cluster.uploads("a").rglob("*"):  # host a's disk is no longer used
            if path.is_file():
                path.unlink()

        a, b = cluster.start_host("a"), cluster.start_host("b")
        cluster.start_worker("worker")
        try:
            cluster.wait_until_up()
            person, staff, boss = requests.Session(), requests.Session(), requests.Session()
            for session, login in ((person, "yuliana@example.org"), (staff, "pelatih@example.org"),
                                   (boss, "admin@example.org")):
                answer = session.post(a + "/masuk", data={"login": login, "password": factories.PASSWORD},
                                      allow_redirects=False)
                assert answer.status_code == 303, answer.text[:300]

            # The file sent before the move, on host b.
            before = person.get(f"{b}/tugas/berkas/{ids['old_file']}/{ids['old_name']}")
            assert before.status_code == 200 and before.content == samples.pdf()

            # Upload on a, download on b.
            docx = samples.docx()
            sent = person.post(f"{a}/tugas/{ids['lesson']}/kirim", data={"text": "Versi kedua."},
                               files={"files": ("versi-dua.docx", docx)}, allow_redirects=False)
            assert sent.status_code in (302, 303), sent.text[:500]
            new_file = _wait_for(lambda: db.session.scalar(
                select(SubmissionFile).where(SubmissionFile.id != ids["old_file"])), "the new submission file")
            downloaded = person.get(f"{b}/tugas/berkas/{new_file.id}/{new_file.original_name}")
            assert downloaded.status_code == 200 and downloaded.content == docx
            assert "versi-dua.docx" in downloaded.headers["Content-Disposition"]

            # A falling-behind export built by the worker into the store (the participant has done nothing
            # yet), asked for on a, downloaded on b.
            first = boss.get(f"{a}/pantau/tertinggal/ekspor.csv")
            assert first.status_code == 200 and "disiapkan" in first.text, first.text[:300]
            report = _wait_for(lambda: db.session.scalar(
                select(ReportExport).where(ReportExport.state.in_(("done", "failed")))), "the report export")
            assert report.state == "done", report.error
            listed = boss.get(f"{b}/pantau/tertinggal/ekspor.csv")
            assert listed.status_code == 200 and listed.headers["Content-Type"].startswith("text/csv")
            assert "Yuliana Ndun" in listed.content.decode("utf-8-sig")

            # A certificate issued on a (rendered by the worker) is downloaded on b without a re-render.
            issued = staff.post(f"{a}/sertifikat/kursus/{ids['course']}/terbitkan/{ids['enrollment']}",
                                data={"enrollment_id": ids["enrollment"], "reason": "Ikut tatap muka penuh"},
                                allow_redirects=False)
            assert issued.status_code in (302, 303), issued.text[:500]
            certificate = _wait_for(lambda: db.session.scalar(
                select(Certificate).where(Certificate.pdf_path.is_not(None))), "the certificate's PDF")
            pdf_path, pdf_sha256 = certificate.pdf_path, certificate.pdf_sha256
            got = person.get(f"{b}/sertifikat/{certificate.id}/unduh", allow_redirects=False)
            assert got.status_code == 200, got.text[:300]  # not 202 "sedang disiapkan", not a render on b
            assert hashlib.sha256(got.content).hexdigest() == pdf_sha256 and got.content.startswith(b"%PDF-")
            db.session.rollback()
            assert db.session.get(Certificate, certificate.id).pdf_path == pdf_path  # not rendered again

            # A ZIP built by the worker, downloaded on b.
            asked = staff.post(f"{a}/sertifikat/kursus/{ids['course']}/zip", allow_redirects=False)
            assert asked.status_code in (200, 302, 303), asked.text[:300]
            export = _wait_for(lambda: db.session.scalar(
                select(CertificateExport).where(CertificateExport.state.in_(("done", "failed")))), "the ZIP")
            assert export.state == "done", export.error
            zipped = staff.get(f"{b}/sertifikat/ekspor/{export.id}/unduh")
            assert zipped.status_code == 200
            archive = zipfile.ZipFile(io.BytesIO(zipped.content))
            assert [hashlib.sha256(archive.read(n)).hexdigest() for n in archive.namelist()] == [pdf_sha256]

            # Handouts written by `flask kopedu import-course` (on a), and a course image uploaded on a: on b.
            imported = cluster.flask("a", "kopedu", "import-course", str(BUNDLED))
            assert imported.returncode == 0, imported.stdout + imported.stderr
            handout = _wait_for(lambda: db.session.scalar(select(LessonAttachment)), "the handout")
            slug = db.session.scalar(select(Course.slug).join(Course.modules).where(
                Course.id != ids["course"]).limit(1))
            new_course_id = db.session.scalar(select(Course.id).where(Course.slug == slug))
            got_handout = boss.get(f"{b}/kursus/{slug}/berkas/{handout.id}")
            assert got_handout.status_code == 200
            assert got_handout.content == next(BUNDLED.rglob(handout.filename)).read_bytes()
            uploaded = boss.post(f"{a}/kelola/kursus/{new_course_id}/media", headers={"HX-Request": "true"},
                                 files={"file": ("Bagan SHU.png", samples.png())})
            assert uploaded.status_code == 200, uploaded.text[:300]
            media = _wait_for(lambda: db.session.scalar(  # the one uploaded here, not a bundled picture
                select(CourseMedia).where(CourseMedia.original_name == "Bagan SHU.png")), "the course image")
            image = boss.get(f"{b}/kelola/media/{media.stored_name}/Bagan-SHU.png")
            assert image.status_code == 200 and image.content == samples.png()
            assert image.headers["Content-Type"] == "image/png"

            # No host keeps a stored file of its own.
            for name in ("a", "b", "worker"):
                assert _stored_files(cluster.uploads(name)) == [], name
        finally:
            cluster.stop()
            db.session.remove()
            db.engine.dispose()
