"""The sample nginx site in docs/nginx/kopedu.conf, run for real in front of the app: static files with a
year-long cache for ?v= URLs, certificate PDFs sent by nginx through X-Accel-Redirect, the internal
location closed to the outside, the request id passed through.

nginx runs from a temporary folder on free loopback ports (TLS with a throwaway self-signed certificate)
and is stopped at the end. Without nginx the test is skipped (under CI, where .ci/run installs it, failed)."""
from __future__ import annotations

import http.client
import os
import re
import shutil
import ssl
import subprocess
import time
from pathlib import Path

import pytest

from kopedu.certificates import jobs, services
from kopedu.extensions import db
from kopedu.learning.services import enroll
from tests import factories, servers
from tests.certificates.helpers import complete
from tests.faults.conftest import serve

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "docs" / "nginx" / "kopedu.conf"


def _site_config(tmp: Path, app_port: int, http_port: int, https_port: int, uploads: Path) -> str:
    text = SAMPLE.read_text()
    replacements = {
        "server 127.0.0.1:8000": f"server 127.0.0.1:{app_port}",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen [::]:80;": "",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "listen [::]:443 ssl http2;": "",
        "/etc/letsencrypt/live/kopedu.example.go.id/fullchain.pem": str(tmp / "cert.pem"),
        "/etc/letsencrypt/live/kopedu.example.go.id/privkey.pem": str(tmp / "key.pem"),
        "alias /opt/kopedu/static/;": f"alias {ROOT / 'static'}/;",
        "alias /var/lib/kopedu/uploads/;": f"alias {uploads}/;",
    }
    for old, new in replacements.items():
        assert old in text, f"the sample nginx config no longer has {old!r}: update this test"
        text = text.replace(old, new)
    return text


@pytest.fixture
def nginx(tmp_path):
    binary = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").is_file() else None)
    if binary is None:
        servers.missing("nginx")
    if shutil.which("openssl") is None:
        servers.missing("openssl")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
                   check=True, capture_output=True)
    started = []

    def start(app_port: int, uploads: Path) -> int:
        http_port, https_port = servers.free_port(), servers.free_port()
        (tmp_path / "site.conf").write_text(_site_config(tmp_path, app_port, http_port, https_port, uploads))
        mime = "/etc/nginx/mime.types"
        (tmp_path / "nginx.conf").write_text(f"""
{"user root;" if os.geteuid() == 0 else ""}
worker_processes 1;
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log warn;
events {{ worker_connections 64; }}
http {{
    {f"include {mime};" if Path(mime).is_file() else ""}
    default_type application/octet-stream;
    log_format with_id '$request_id "$request" $status';
    access_log {tmp_path}/access.log with_id;
    client_body_temp_path {tmp_path}/body;
    proxy_temp_path {tmp_path}/proxy;
    fastcgi_temp_path {tmp_path}/fastcgi;
    uwsgi_temp_path {tmp_path}/uwsgi;
    scgi_temp_path {tmp_path}/scgi;
    include {tmp_path}/site.conf;
}}
""")
        check = subprocess.run([binary, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                               capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        subprocess.run([binary, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")], check=True)
        started.append(True)
        deadline = time.monotonic() + 10
        while not (tmp_path / "nginx.pid").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        return https_port

    start.folder = tmp_path
    yield start
    if started:
        subprocess.run([binary, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-s", "stop"],
                       capture_output=True)


def _access_log(folder: Path) -> str:
    path = folder / "access.log"
    return path.read_text() if path.exists() else ""


def _https(port: int):
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=15)


def _get(port: int, path: str, headers: dict | None = None):
    connection = _https(port)
    try:
        connection.request("GET", path, headers={"Host": "kopedu.example.go.id", **(headers or {})})
        response = connection.getresponse()
        return response.status, response.read(), response.headers
    finally:
        connection.close()


def _post(port: int, path: str, form: str):
    connection = _https(port)
    try:
        connection.request("POST", path, body=form, headers={
            "Host": "kopedu.example.go.id", "Content-Type": "application/x-www-form-urlencoded"})
        response = connection.getresponse()
        return response.status, response.read(), response.headers
    finally:
        connection.close()


def test_sample_nginx_config_serves_static_and_certificates(app, nginx):
    factories.kupang_regions()
    course = factories.course(lessons=1, sequential=False)
    user = factories.user(full_name="Yuliana Ndun", phone="6281299660001")
    certificate = services.live_certificate(complete(enroll(user, course)).id)
    db.session.commit()
    assert jobs.wait_for_workers(60)  # the PDF is rendered after the commit
    uploads = Path(app.config["UPLOAD_DIR"])
    stored = (uploads / certificate.pdf_path).read_bytes()
    app.config["ACCEL_REDIRECT"] = "/_files/"

    with serve(app) as base:
        port = nginx(int(base.rsplit(":", 1)[1]), uploads)

        # Static: served by nginx itself (no request id from the app), cached for a year when versioned.
        status, body, headers = _get(port, "/masuk")
        assert status == 200
        # nginx's $request_id reaches the app, which answers (and logs) with the same id.
        request_id = headers["X-Request-ID"]
        deadline = time.monotonic() + 5
        while f'{request_id} "GET /masuk' not in _access_log(nginx.folder) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert f'{request_id} "GET /masuk HTTP/1.1" 200' in _access_log(nginx.folder)
        css = re.search(rb'href="(/static/css/kopedu\.css\?v=[0-9a-f]+)"', body).group(1).decode()
        status, body, headers = _get(port, css)
        assert status == 200 and body == (ROOT / "static" / "css" / "kopedu.css").read_bytes()
        assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert "X-Request-ID" not in headers
        assert _get(port, "/static/css/kopedu.css")[2]["Cache-Control"] == "public, max-age=300"

        # The stored PDF: the app checks access, nginx sends the bytes.
        status, _, headers = _post(port, "/masuk", "login=081299660001&password=" + factories.PASSWORD)
        assert status == 303
        cookie = headers["Set-Cookie"].split(";", 1)[0]
        status, body, headers = _get(port, f"/sertifikat/{certificate.id}/unduh", {"Cookie": cookie})
        assert status == 200 and body == stored
        assert headers["Content-Type"] == "application/pdf"
        assert headers["Content-Disposition"].startswith("attachment;")
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert "X-Accel-Redirect" not in headers

        # Without a login the app refuses and nginx sends nothing; the internal location is closed.
        status, body, _ = _get(port, f"/sertifikat/{certificate.id}/unduh")
        assert status == 302 and stored not in body
        assert _get(port, f"/_files/{certificate.pdf_path}")[0] == 404
