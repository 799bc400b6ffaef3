"""Stored files are sent by the app by default, or handed to nginx with X-Accel-Redirect when
ACCEL_REDIRECT (KOPEDU_ACCEL_REDIRECT) names the internal location that serves the upload folder."""
import io
import zipfile
from pathlib import Path

import pytest

from kopedu.certificates import jobs, services
from kopedu.extensions import db
from tests import factories
from tests.certificates.helpers import complete, settle


@pytest.fixture
def issued(world):
    complete(world.enrollment)
    certificate = services.live_certificate(world.enrollment.id)
    settle()
    return certificate


def test_default_the_app_sends_the_pdf_itself(app, client, login, world, issued):
    assert app.config["ACCEL_REDIRECT"] is None  # opt-in: unset unless KOPEDU_ACCEL_REDIRECT is set
    login(world.participant)
    response = client.get(f"/sertifikat/{issued.id}/unduh")
    assert response.status_code == 200 and "X-Accel-Redirect" not in response.headers
    assert response.data == (Path(app.config["UPLOAD_DIR"]) / issued.pdf_path).read_bytes()
    assert response.headers["ETag"] == f'"{issued.pdf_sha256}"'


def test_with_accel_redirect_nginx_sends_the_pdf(app, client, login, world, issued):
    app.config["ACCEL_REDIRECT"] = "/_files/"
    login(world.participant)
    response = client.get(f"/sertifikat/{issued.id}/unduh")
    assert response.status_code == 200
    assert response.data == b""  # no bytes from the app: nginx reads the file
    assert response.headers["X-Accel-Redirect"] == f"/_files/{issued.pdf_path}"
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "Sertifikat-Yuliana_Ndun-" in disposition
    assert response.headers["Cache-Control"] == "private, no-cache"


def test_with_accel_redirect_access_is_still_checked_by_the_app(app, client, login, world, issued):
    app.config["ACCEL_REDIRECT"] = "/_files/"
    assert "X-Accel-Redirect" not in client.get(f"/sertifikat/{issued.id}/unduh").headers  # anonymous
    stranger = factories.user()
    login(stranger)
    refused = client.get(f"/sertifikat/{issued.id}/unduh")
    assert refused.status_code == 403 and "X-Accel-Redirect" not in refused.headers
    services.revoke(issued, world.admin, "Data palsu")
    db.session.commit()
    owner = app.test_client()
    login(world.participant, c=owner)
    revoked = owner.get(f"/sertifikat/{issued.id}/unduh")
    assert revoked.status_code == 403 and "X-Accel-Redirect" not in revoked.headers


def test_with_accel_redirect_zip_exports_too(app, client, login, world):
    complete(world.enrollment)
    db.session.commit()
    export = jobs.create_export(world.course, None, world.admin)
    db.session.commit()
    jobs.run_export(export.id)
    login(world.trainer)

    app.config["ACCEL_REDIRECT"] = None
    direct = client.get(f"/sertifikat/ekspor/{export.id}/unduh")
    assert direct.status_code == 200 and len(zipfile.ZipFile(io.BytesIO(direct.data)).namelist()) == 1

    app.config["ACCEL_REDIRECT"] = "/_files"
    db.session.expire_all()
    handed = client.get(f"/sertifikat/ekspor/{export.id}/unduh")
    assert handed.status_code == 200 and handed.data == b""
    target = handed.headers["X-Accel-Redirect"]
    assert target.startswith("/_files/certificates/exports/") and target.endswith(".zip")
    assert (Path(app.config["UPLOAD_DIR"]) / target.removeprefix("/_files/")).is_file()
    assert "Sertifikat-kursus-" in handed.headers["Content-Disposition"]
