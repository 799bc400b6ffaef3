"""Bulk ZIP of a course's or a cohort's certificates, built in the background."""
import io
import time
import uuid
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from kopedu.certificates import jobs, services
from kopedu.certificates.models import CertificateExport, CertificateJob
from kopedu.extensions import db
from kopedu.learning.services import enroll
from tests import factories
from tests.certificates.helpers import complete, settle


@pytest.fixture
def cohort_with_certificates(world):
    """Angkatan 1: the world's participant plus three more, all certified; one more participant of
    Angkatan 1 without a certificate; one certified participant of another cohort; one revoked."""
    complete(world.enrollment)
    names = ["Stefanus Tefa", "Imelda Pah", "Daniel Manafe/Ndolu"]
    for name in names:
        complete(enroll(factories.user(full_name=name), world.course, world.cohort))
    enroll(factories.user(full_name="Belum Selesai"), world.course, world.cohort)
    revoked = complete(enroll(factories.user(full_name="Dicabut Saja"), world.course, world.cohort))
    services.revoke(services.live_certificate(revoked.id), world.admin, "Data palsu")
    other = factories.cohort(world.course, code="ANGK-2")
    complete(enroll(factories.user(full_name="Angkatan Dua"), world.course, other))
    settle()
    return world


def _wait_until_finished(client, url, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        html = client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
        if "hx-trigger" not in html:
            return html
        time.sleep(0.05)
    raise AssertionError("export did not finish")


def test_cohort_zip_has_one_pdf_per_certified_participant(app, client, login, cohort_with_certificates):
    world = cohort_with_certificates
    login(world.trainer)
    response = client.post(f"/sertifikat/kursus/{world.course.id}/zip", data={"cohort_id": world.cohort.id})
    assert response.status_code == 303
    status_url = response.headers["Location"]
    first = client.get(status_url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'id="export-progress"' in first and "<html" not in first
    html = _wait_until_finished(client, status_url)
    assert "Unduh ZIP" in html and 'hx-boost="false"' in html
    export = db.session.scalar(select(CertificateExport))
    download = client.get(f"/sertifikat/ekspor/{export.id}/unduh")
    assert download.status_code == 200 and download.mimetype == "application/zip"
    assert "Sertifikat-kursus-" in download.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(download.data))
    names = sorted(archive.namelist())
    assert len(names) == 4  # the four live certificates of Angkatan 1: not the revoked one, not Angkatan 2
    assert all(name.endswith(".pdf") and "/" not in name for name in names)
    year = services.live_certificate(world.enrollment.id).issued_at.year
    assert f"0001_BIMTEK-KMP_ANGK-1_{year}-Yuliana_Ndun.pdf" in names
    assert any(name.endswith("-Daniel_Manafe_Ndolu.pdf") for name in names)
    for name in names:
        assert archive.read(name).startswith(b"%PDF")


def test_course_zip_has_every_live_certificate(app, client, login, cohort_with_certificates):
    world = cohort_with_certificates
    login(world.admin)
    response = client.post(f"/sertifikat/kursus/{world.course.id}/zip")
    _wait_until_finished(client, response.headers["Location"])
    export = db.session.scalar(select(CertificateExport))
    assert (export.state, export.total, export.done) == ("done", 5, 5)
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/sertifikat/ekspor/{export.id}/unduh").data))
    assert len(archive.namelist()) == 5


def test_a_missing_stored_pdf_is_rendered_again_for_the_zip(app, cohort_with_certificates):
    world = cohort_with_certificates
    certificate = services.live_certificate(world.enrollment.id)
    (Path(app.config["UPLOAD_DIR"]) / certificate.pdf_path).unlink()
    export = jobs.create_export(world.course, world.cohort, world.admin)
    db.session.commit()
    jobs.run_export(export.id)
    db.session.expire_all()
    export = db.session.get(CertificateExport, export.id)
    assert export.state == "done"
    certificate = services.live_certificate(world.enrollment.id)
    assert services.pdf_file(certificate.pdf_path) is not None


def test_export_with_nothing_to_zip_says_so(client, login, world):
    login(world.trainer)
    response = client.post(f"/sertifikat/kursus/{world.course.id}/zip", data={"cohort_id": world.cohort.id})
    assert response.status_code == 303
    assert db.session.scalar(select(CertificateExport.id)) is None
    assert "Belum ada sertifikat untuk diunduh" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_export_access(app, client, login, cohort_with_certificates):
    world = cohort_with_certificates
    other_course = factories.course()
    stranger = factories.user("trainer")
    other_course.trainers.append(stranger)
    foreign_cohort = factories.cohort(other_course, code="LAIN-1")
    db.session.commit()
    login(stranger)
    assert client.post(f"/sertifikat/kursus/{world.course.id}/zip").status_code == 403
    # a cohort of another course cannot be smuggled into one's own course
    response = client.post(f"/sertifikat/kursus/{other_course.id}/zip", data={"cohort_id": world.cohort.id})
    assert db.session.scalar(select(CertificateExport.id)) is None
    assert response.status_code == 303
    owner = app.test_client()
    login(world.trainer, c=owner)
    made = owner.post(f"/sertifikat/kursus/{world.course.id}/zip", data={"cohort_id": world.cohort.id})
    _wait_until_finished(owner, made.headers["Location"])
    export_id = db.session.scalar(select(CertificateExport.id))
    assert client.get(f"/sertifikat/ekspor/{export_id}").status_code == 403
    assert client.get(f"/sertifikat/ekspor/{export_id}/unduh").status_code == 403
    participant = app.test_client()
    login(world.participant, c=participant)
    assert participant.get(f"/sertifikat/ekspor/{export_id}/unduh").status_code == 403
    assert foreign_cohort.id


def test_old_zip_files_are_purged(app, cohort_with_certificates):
    world = cohort_with_certificates
    export = jobs.create_export(world.course, None, world.admin)
    db.session.commit()
    jobs.run_export(export.id)
    db.session.expire_all()
    export = db.session.get(CertificateExport, export.id)
    path = jobs.export_file(export)
    assert path is not None and path.is_file()
    assert jobs.purge_old_exports(hours=-1) == 1
    assert not path.exists() and export.file_path is None


def _redis_or_skip(app):
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown

    url = "redis://127.0.0.1:6379/0"
    try:
        Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except RedisDown:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    return url


def test_with_redis_the_export_goes_to_an_rq_worker(app, client, login, cohort_with_certificates):
    from redis import Redis
    from rq import Queue

    world = cohort_with_certificates
    url = _redis_or_skip(app)
    app.config["REDIS_URL"] = url
    app.config["RQ_QUEUE"] = f"kopedu-test-{uuid.uuid4().hex[:8]}"
    connection = Redis.from_url(url)
    queue = Queue(app.config["RQ_QUEUE"], connection=connection)
    try:
        login(world.trainer)
        response = client.post(f"/sertifikat/kursus/{world.course.id}/zip", data={"cohort_id": world.cohort.id})
        export = db.session.scalar(select(CertificateExport))
        assert export.state == "queued" and len(queue) == 1  # queued, not built in this process
        assert "Sedang menyiapkan" in client.get(response.headers["Location"]).get_data(as_text=True)
        result = app.test_cli_runner().invoke(args=["certificates", "worker", "--burst"])
        assert result.exit_code == 0, result.output
        db.session.expire_all()
        export = db.session.get(CertificateExport, export.id)
        assert export.state == "done", export.error
        archive = zipfile.ZipFile(io.BytesIO(client.get(f"/sertifikat/ekspor/{export.id}/unduh").data))
        assert len(archive.namelist()) == 4
    finally:
        queue.delete(delete_jobs=True)


def test_worker_command_needs_redis(app):
    result = app.test_cli_runner().invoke(args=["certificates", "worker", "--burst"])
    assert result.exit_code != 0 and "REDIS_URL" in result.output


def test_a_queue_that_falls_back_or_fails_is_said_on_the_progress_page(app, client, login, monkeypatch,
                                                                       cohort_with_certificates):
    """Export and course job alike: the web process doing the work is announced; a job that could not be
    handed over at all is marked failed with the error (never left queued forever)."""
    world = cohort_with_certificates
    login(world.trainer)
    monkeypatch.setattr(jobs, "start", lambda job: "fallback")
    monkeypatch.setattr(jobs, "start_job", lambda job: "fallback")
    response = client.post(f"/sertifikat/kursus/{world.course.id}/zip", follow_redirects=True)
    assert "jadi ZIP ini dibuat langsung oleh server web" in response.get_data(as_text=True)
    response = client.post(f"/sertifikat/kursus/{world.course.id}/periksa", follow_redirects=True)
    assert "jadi pekerjaan ini dilakukan langsung oleh server web" in response.get_data(as_text=True)

    def broken(job):
        raise ConnectionError("antrean mati")

    monkeypatch.setattr(jobs, "start", broken)
    monkeypatch.setattr(jobs, "start_job", broken)
    response = client.post(f"/sertifikat/kursus/{world.course.id}/zip")
    assert response.status_code == 303 and "/sertifikat/ekspor/" in response.headers["Location"]
    response = client.post(f"/sertifikat/kursus/{world.course.id}/periksa")
    assert response.status_code == 303 and "/sertifikat/tugas/" in response.headers["Location"]
    db.session.expire_all()
    for model in (CertificateExport, CertificateJob):
        job = db.session.scalar(select(model).order_by(model.id.desc()).limit(1))
        assert (job.state, job.error) == ("failed", "ConnectionError: antrean mati")
