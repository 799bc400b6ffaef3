"""The file store on both backends (`backend`: the local folder, then an S3-compatible server): the same
commit/rollback semantics, and every kind of stored file written and sent through it."""
import io
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from kopedu import storage
from kopedu.certificates import jobs, rendering, services as certificates
from kopedu.courses.importer import import_course
from kopedu.courses.models import CourseMedia, LessonAttachment
from kopedu.extensions import db
from kopedu.grading import services as grading
from kopedu.grading.models import SubmissionFile
from tests import factories
from tests.certificates.conftest import world  # noqa: F401 - fixture
from tests.certificates.helpers import complete, settle
from tests.grading import samples

BUNDLED = Path(__file__).resolve().parents[2] / "content" / "courses" / "penguatan-kapasitas-pengurus-kmp"


def _local_files(app) -> list[str]:
    """Files on this host's disk under UPLOAD_DIR (staging folder aside)."""
    root = Path(app.config["UPLOAD_DIR"])
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()
                  and "tmp" not in p.relative_to(root).parts) if root.exists() else []


def _submit(app):
    course = factories.course(lessons=1, sequential=False)
    assignment = factories.assignment(course)
    participant = factories.user(full_name="Yuliana Ndun")
    enrollment = factories.enrollment(participant, course)
    version = grading.submit(assignment, enrollment, text="Rencana bisnis.",
                             files=[FileStorage(io.BytesIO(samples.pdf()), filename="rencana usaha.pdf")],
                             upload_dir=app.config["UPLOAD_DIR"])
    return participant, grading.submission_dir(app.config["UPLOAD_DIR"]) / version.files[0].stored_name


def test_kept_on_commit_removed_on_rollback(app, backend):
    _participant, placed = _submit(app)
    written = storage.write_file(Path(app.config["UPLOAD_DIR"]) / "x" / "lampiran.bin", b"isi")
    assert storage.exists(placed) and storage.read_bytes(written) == b"isi" and storage.size(written) == 3
    assert {str(placed), str(written)} <= set(storage.pending())
    db.session.rollback()
    assert not storage.exists(placed) and not storage.exists(written)
    with pytest.raises(FileNotFoundError):
        storage.read_bytes(written)

    _participant, kept = _submit(app)
    db.session.commit()
    assert storage.read_bytes(kept) == samples.pdf() and storage.pending() == []
    storage.delete_after_commit(kept)
    db.session.rollback()
    assert storage.exists(kept)  # the deletion did not commit: the file stays
    storage.delete_after_commit(kept)
    db.session.execute(select(1))
    db.session.commit()
    assert not storage.exists(kept)
    assert list(Path(app.config["UPLOAD_DIR"]).glob("*/tmp/*")) == []  # staged uploads never linger


def test_submission_is_stored_and_downloaded(app, client, login, backend):
    participant, path = _submit(app)
    db.session.commit()
    stored = db.session.scalar(select(SubmissionFile))
    login(participant)
    response = client.get(f"/tugas/berkas/{stored.id}/{stored.original_name}")
    assert response.status_code == 200 and response.data == samples.pdf()
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("inline")
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in response.headers["Content-Security-Policy"]
    on_disk = _local_files(app)
    if backend == "s3":
        assert on_disk == []  # nothing on this host: the object store has it
        store = storage.current()
        assert store.head(path)["ContentLength"] == len(samples.pdf())
        assert store.object_key(path) == f"berkas/submissions/{stored.stored_name}"
    else:
        assert on_disk == [f"submissions/{stored.stored_name}"]
    stranger = app.test_client()
    login(factories.user(), c=stranger)
    assert stranger.get(f"/tugas/berkas/{stored.id}/{stored.original_name}").status_code in (403, 404)


def test_certificate_pdf_zip_and_logo_go_through_the_store(app, client, login, world, backend):
    logo = certificates._store_asset(samples.png(), "png")
    assert storage.exists(Path(app.config["UPLOAD_DIR"]) / logo)
    assert rendering.image_data_uri(Path(app.config["UPLOAD_DIR"]) / logo).startswith("data:image/png;base64,")
    assert rendering.image_data_uri(Path(app.config["UPLOAD_DIR"]) / "certificates/assets/none.png") is None
    complete(world.enrollment)
    db.session.commit()
    settle()
    certificate = certificates.live_certificate(world.enrollment.id)
    db.session.refresh(certificate)
    assert certificate.pdf_path
    pdf = storage.read_bytes(Path(app.config["UPLOAD_DIR"]) / certificate.pdf_path)
    login(world.participant)
    response = client.get(f"/sertifikat/{certificate.id}/unduh")
    assert response.status_code == 200 and response.data == pdf and pdf.startswith(b"%PDF-")
    assert response.headers["ETag"] == f'"{certificate.pdf_sha256}"'
    assert response.headers["Content-Disposition"].startswith("attachment;")
    again = client.get(f"/sertifikat/{certificate.id}/unduh", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""

    export = jobs.create_export(world.course, None, world.admin)
    db.session.commit()
    jobs.run_export(export.id)
    db.session.refresh(export)
    assert export.state == "done", export.error
    trainer = app.test_client()
    login(world.trainer, c=trainer)
    zipped = trainer.get(f"/sertifikat/ekspor/{export.id}/unduh")
    assert zipped.status_code == 200 and zipped.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(zipped.data))
    assert [archive.read(name) for name in archive.namelist()] == [pdf]
    assert len(zipped.data) == export.file_size
    if backend == "s3":
        assert _local_files(app) == []
    jobs.purge_old_exports(hours=-1)
    db.session.commit()
    assert trainer.get(f"/sertifikat/ekspor/{export.id}/unduh").status_code == 404


def test_course_media_and_handouts(app, client, login, backend):
    report = import_course(BUNDLED)
    db.session.commit()
    course = report.course
    handout = db.session.scalar(select(LessonAttachment))
    source = next(BUNDLED.rglob(handout.filename)).read_bytes()
    assert storage.read_bytes(Path(app.config["UPLOAD_DIR"]) / "lessons" / handout.stored_name) == source
    trainer = factories.user("admin")
    login(trainer)
    response = client.get(f"/kursus/{course.slug}/berkas/{handout.id}")
    assert response.status_code == 200 and response.data == source
    assert handout.filename in response.headers["Content-Disposition"]

    uploaded = client.post(f"/kelola/kursus/{course.id}/media",
                           data={"file": (io.BytesIO(samples.png()), "Bagan SHU.png")},
                           content_type="multipart/form-data", headers={"HX-Request": "true"})
    assert uploaded.status_code == 200
    # the bundled course brings pictures of its own (course media too): this is the one uploaded here
    media = db.session.scalar(select(CourseMedia).where(CourseMedia.original_name == "Bagan SHU.png"))
    image = client.get(f"/kelola/media/{media.stored_name}/Bagan-SHU.png")
    assert image.status_code == 200 and image.mimetype == "image/png" and image.data == samples.png()
    client.post(f"/kelola/media/{media.id}/hapus")
    assert not storage.exists(Path(app.config["UPLOAD_DIR"]) / "course-media" / media.stored_name)
    if backend == "s3":
        assert _local_files(app) == []


def test_a_missing_file_is_a_404(app, client, login, backend):
    participant, path = _submit(app)
    db.session.commit()
    storage.remove(path)
    stored = db.session.scalar(select(SubmissionFile))
    login(participant)
    assert client.get(f"/tugas/berkas/{stored.id}/{stored.original_name}").status_code == 404


def test_a_download_can_be_resumed(app, client, login, backend):
    participant, path = _submit(app)
    db.session.commit()
    stored = db.session.scalar(select(SubmissionFile))
    login(participant)
    url = f"/tugas/berkas/{stored.id}/{stored.original_name}"
    whole = samples.pdf()
    part = client.get(url, headers={"Range": "bytes=5-"})
    assert part.status_code == 206 and part.data == whole[5:]
    assert part.headers["Content-Range"] == f"bytes 5-{len(whole) - 1}/{len(whole)}"
    first = client.get(url, headers={"Range": "bytes=0-3"})
    assert first.status_code == 206 and first.data == whole[:4]
    assert client.get(url, headers={"Range": f"bytes={len(whole) + 10}-"}).status_code == 416
