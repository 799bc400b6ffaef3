"""What only the object store does: keys under the prefix, presigned-URL redirects for attachments, and
refusing names outside the upload folder."""
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import select

from kopedu import storage
from kopedu.extensions import db
from kopedu.grading.models import SubmissionFile
from tests.s3 import keys, use_s3
from tests.storage.test_backends import _submit
from tests.grading import samples
from tests.certificates.conftest import world  # noqa: F401 - fixture


@pytest.fixture
def bucket(app, s3_endpoint):
    return use_s3(app, s3_endpoint, prefix="kopedu/prod")


def test_keys_are_the_paths_under_the_upload_folder_below_the_prefix(app, s3_endpoint, bucket):
    storage.write_file(Path(app.config["UPLOAD_DIR"]) / "certificates" / "2026" / "a.pdf", b"%PDF-1")
    db.session.commit()
    assert keys(s3_endpoint, bucket) == ["kopedu/prod/certificates/2026/a.pdf"]
    assert storage.key_for(Path(app.config["UPLOAD_DIR"]) / "certificates/2026/a.pdf") == "certificates/2026/a.pdf"
    assert storage.path_for("certificates/2026/a.pdf") == Path(app.config["UPLOAD_DIR"]) / "certificates/2026/a.pdf"
    with pytest.raises(ValueError):
        storage.write_file(Path(app.config["UPLOAD_DIR"]).parent / "elsewhere.pdf", b"x")
    with pytest.raises(ValueError):
        storage.write_file(Path(app.config["UPLOAD_DIR"]) / ".." / "escape.pdf", b"x")
    assert not storage.exists(Path("/etc/passwd"))


def test_redirect_mode_sends_attachments_by_presigned_url(app, client, login, s3_endpoint, bucket):
    app.config["STORAGE_DOWNLOADS"] = "redirect"
    participant, path = _submit(app)
    db.session.commit()
    stored = db.session.scalar(select(SubmissionFile))
    login(participant)
    url = f"/tugas/berkas/{stored.id}/{stored.original_name}"
    inline = client.get(url)  # a PDF shown in the page is streamed (the page's CSP allows only this site)
    assert inline.status_code == 200 and inline.data == samples.pdf()

    from kopedu.web.files import send_stored_file

    with app.test_request_context():
        response = send_stored_file(path, mimetype="application/pdf", download_name="Rencana usaha.pdf")
    assert response.status_code == 302 and response.headers["Cache-Control"] == "no-store"
    location = response.headers["Location"]
    assert location.startswith(s3_endpoint) and "X-Amz-Signature=" in location and "X-Amz-Expires=300" in location
    with urllib.request.urlopen(location, timeout=10) as answer:
        assert answer.read() == samples.pdf()
        assert answer.headers["Content-Type"] == "application/pdf"
        assert answer.headers["Content-Disposition"] == 'attachment; filename="Rencana usaha.pdf"'
    storage.remove(path)
    with app.test_request_context(), pytest.raises(Exception) as gone:
        send_stored_file(path, mimetype="application/pdf", download_name="x.pdf")
    assert getattr(gone.value, "code", None) == 404


def test_local_default_needs_no_server(app):
    assert app.config["STORAGE"] == "local" and storage.current().kind == "local"


def test_the_standard_variables_configure_the_client(monkeypatch, tmp_path):
    from kopedu.storage import make_store

    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_REGION", "garage")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "id")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    store = make_store({"STORAGE": "s3://kopedu/prod/", "UPLOAD_DIR": tmp_path})
    assert (store.kind, store.bucket, store.prefix) == ("s3", "kopedu", "prod")
    assert store.client.meta.region_name == "garage"
    assert store.client.meta.endpoint_url == "http://127.0.0.1:9"
    assert store.object_key(tmp_path / "submissions" / "abc") == "prod/submissions/abc"
    assert make_store({"STORAGE": "s3://kopedu", "UPLOAD_DIR": tmp_path}).object_key("lessons/x.pdf") == "lessons/x.pdf"
    for wrong in ("kopedu/prod", "s3:///prod", "https://kopedu/prod"):
        with pytest.raises(ValueError):
            make_store({"STORAGE": wrong, "UPLOAD_DIR": tmp_path})


def test_redirect_mode_certificate_download_checks_access_first(app, client, login, s3_endpoint, bucket, world):
    from tests.certificates.helpers import complete, settle
    from kopedu.certificates import services as certificates
    from tests import factories

    app.config["STORAGE_DOWNLOADS"] = "redirect"
    complete(world.enrollment)
    db.session.commit()
    settle()
    certificate = certificates.live_certificate(world.enrollment.id)
    db.session.refresh(certificate)
    stranger = app.test_client()
    login(factories.user(), c=stranger)
    refused = stranger.get(f"/sertifikat/{certificate.id}/unduh")
    assert refused.status_code == 403 and "Location" not in refused.headers
    login(world.participant)
    response = client.get(f"/sertifikat/{certificate.id}/unduh")
    assert response.status_code == 302 and response.headers["Location"].startswith(s3_endpoint)
    with urllib.request.urlopen(response.headers["Location"], timeout=10) as answer:
        pdf = answer.read()
        disposition = answer.headers["Content-Disposition"]
        assert disposition.startswith("attachment; filename=") and "Sertifikat-Yuliana_Ndun-" in disposition
    assert pdf == storage.read_bytes(Path(app.config["UPLOAD_DIR"]) / certificate.pdf_path)
