import subprocess
import sys

from kopedu import create_app
from kopedu.extensions import db
from tests import factories


def test_healthz_checks_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_security_headers(client):
    response = client.get("/masuk")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_base_layout_has_vendored_htmx_and_csrf_header(client, login):
    login(factories.user())
    html = client.get("/beranda").get_data(as_text=True)
    assert "/static/vendor/htmx-2.0.11.min.js?v=" in html
    assert 'hx-boost="true"' in html and "X-CSRFToken" in html
    assert "//cdn" not in html and "https://unpkg" not in html


def test_versioned_static_files_are_cached_for_a_year(client):
    html = client.get("/masuk").get_data(as_text=True)
    import re

    url = re.search(r'href="(/static/css/kopedu\.css\?v=[0-9a-f]+)"', html).group(1)
    response = client.get(url)
    assert response.status_code == 200
    assert "max-age=31536000" in response.headers["Cache-Control"]
    assert "immutable" in response.headers["Cache-Control"]


def test_pages_are_compressed(client):
    response = client.get("/masuk", headers={"Accept-Encoding": "gzip"})
    assert response.headers.get("Content-Encoding") == "gzip"


def test_participant_home_shows_name_cooperative_kelurahan(client, login):
    coop = factories.cooperative("5371030011", name="Koperasi Kelurahan Merah Putih Oebufu")
    user = factories.user(full_name="Yuliana Ndun", cooperative_id=coop.id, position="Ketua")
    db.session.commit()
    login(user)
    html = client.get("/beranda").get_data(as_text=True)
    for text in ("Yuliana Ndun", "Koperasi Kelurahan Merah Putih Oebufu", "Oebufu", "Oebobo", "Ketua"):
        assert text in html


def test_production_config_needs_secret_key(monkeypatch):
    code = "from kopedu import create_app; create_app('production')"
    env = {"PATH": "/usr/bin:/bin", "KOPEDU_INSTANCE": "/tmp/kopedu-test-instance"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=".")
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr


def test_liveness_and_request_id(client):
    response = client.get("/livez", headers={"X-Request-ID": "abc12345-test"})
    assert response.status_code == 200 and response.json == {"status": "ok"}
    assert response.headers["X-Request-ID"] == "abc12345-test"
    generated = client.get("/readyz", headers={"X-Request-ID": "bad id with spaces"})
    assert generated.status_code == 200
    assert len(generated.headers["X-Request-ID"]) == 32


def test_readiness_reports_missing_redis_as_degraded(app):
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
    response = app.test_client().get("/readyz")
    assert response.status_code == 200  # the app still serves without Redis (see tests/faults)
    assert response.json == {"status": "degraded", "redis": "unavailable", "database": "ok"}


def test_readiness_fails_without_database(tmp_path):
    fresh = create_app("testing", SQLALCHEMY_DATABASE_URI="sqlite:////nonexistent-dir/kopedu.sqlite3")
    response = fresh.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json == {"status": "error", "database": "unavailable"}
