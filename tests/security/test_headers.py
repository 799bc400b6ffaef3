"""Security headers, templates without inline script, a new session at login, production error pages
without stack traces, no user enumeration at login, no redirect off the site."""
import re
from pathlib import Path

import pytest

from kopedu import create_app
from kopedu.extensions import db
from tests import factories
from tests.conftest import IsolatedClient
from tests.security.checks import assert_security_headers, csp_directives
from tests.security.world import page_token

ROOT = Path(__file__).resolve().parents[2]


def test_pages_errors_fragments_and_json_carry_the_headers(app, client, htmx_client, login):
    user = factories.user()
    login(user)
    for response in (client.get("/beranda"), client.get("/tidak-ada"), client.get("/admin/pengguna"),
                     client.get("/livez"), htmx_client.get("/masuk"), app.test_client().get("/beranda")):
        assert_security_headers(response)
    html = client.get("/beranda")
    csp = csp_directives(html.headers["Content-Security-Policy"])
    assert csp["object-src"] == ["'none'"] and csp["base-uri"] == ["'self'"]
    assert "'unsafe-inline'" not in csp.get("style-src", [])


TEMPLATE_DIRS = [ROOT / "templates"]
INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "on* event attribute"),
    (re.compile(r"\shx-on", re.I), "hx-on attribute"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
    (re.compile(r"\|\s*safe\b"), "|safe filter"),
    (re.compile(r"autoescape\s+false"), "autoescape off"),
]


def test_templates_have_no_inline_script_handlers_or_unescaped_output():
    """The CSP would block them anyway; this finds them before a browser does."""
    problems = []
    templates = [p for d in TEMPLATE_DIRS for p in d.rglob("*.html")]
    assert len(templates) > 40
    for path in templates:
        text = path.read_text()
        for pattern, what in INLINE:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                problems.append(f"{path.relative_to(ROOT)}:{line}: {what}")
    assert problems == []


# --------------------------------------------------------------------------- session fixation


@pytest.fixture
def csrf_app(app):
    other = create_app("testing", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                       UPLOAD_DIR=app.config["UPLOAD_DIR"], WTF_CSRF_ENABLED=True)
    other.test_client_class = IsolatedClient
    yield other
    with other.app_context():
        db.engine.dispose()


def session_data(app, cookie_value: str) -> dict:
    return app.session_interface.get_signing_serializer(app).loads(cookie_value)


def test_login_starts_a_new_session(csrf_app):
    factories.user(phone="6281200000001")
    db.session.commit()
    victim = csrf_app.test_client()
    token_before = page_token(victim, "/masuk")
    planted = victim.get_cookie("session").value  # what an attacker could have planted in the browser

    assert "_user_id" not in session_data(csrf_app, planted)
    response = victim.post("/masuk", data={"login": "081200000001", "password": factories.PASSWORD,
                                           "csrf_token": token_before})
    assert response.status_code == 303
    after = victim.get_cookie("session").value
    assert after != planted and "_user_id" in session_data(csrf_app, after)
    assert page_token(victim, "/beranda") != token_before  # the old session's form token is gone too
    now = session_data(csrf_app, victim.get_cookie("session").value)
    assert now["csrf_token"] != session_data(csrf_app, planted)["csrf_token"]

    attacker = csrf_app.test_client()
    attacker.set_cookie("session", planted)
    response = attacker.get("/beranda")
    assert response.status_code == 302 and "/masuk" in response.headers["Location"]


def test_logout_ends_the_session_in_that_browser(csrf_app):
    factories.user(phone="6281200000002")
    db.session.commit()
    client = csrf_app.test_client()
    client.post("/masuk", data={"login": "081200000002", "password": factories.PASSWORD,
                                "csrf_token": page_token(client, "/masuk")})
    token = page_token(client, "/beranda")
    assert client.post("/keluar", data={"csrf_token": token}).status_code == 303
    assert client.get("/beranda").status_code == 302
    cookie = client.get_cookie("session")
    assert cookie is None or "_user_id" not in session_data(csrf_app, cookie.value)


# --------------------------------------------------------------------------- production error pages

TRACE_MARKERS = ("Traceback", 'File "', "ZeroDivisionError", "OperationalError", "sqlalchemy", "site-packages",
                 "kopedu/", "Werkzeug Debugger", "division by zero", "nonexistent-folder")


def production_app(monkeypatch, database_uri: str, tmp_path):
    from config import ProductionConfig

    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "production-test-secret-" + "x" * 20)
    app = create_app("production", SQLALCHEMY_DATABASE_URI=database_uri, UPLOAD_DIR=tmp_path / "prod-uploads",
                     REDIS_URL=None, RATELIMIT_STORAGE_URI="memory://")
    app.test_client_class = IsolatedClient
    return app


def _no_trace(response):
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Terjadi kesalahan di server" in body
    for marker in TRACE_MARKERS:
        assert marker not in body, marker


def test_production_500_page_shows_no_stack_trace(monkeypatch, app, tmp_path):
    prod = production_app(monkeypatch, app.config["SQLALCHEMY_DATABASE_URI"], tmp_path)
    assert not prod.debug and not prod.testing and not prod.config["PROPAGATE_EXCEPTIONS"]

    @prod.get("/_uji/galat")
    def boom():
        return 1 / 0

    client = prod.test_client()
    _no_trace(client.get("/_uji/galat", base_url="https://localhost"))
    fragment = client.get("/_uji/galat", headers={"HX-Request": "true"}, base_url="https://localhost")
    _no_trace(fragment)
    assert "<html" not in fragment.get_data(as_text=True)  # htmx gets the short fragment
    with prod.app_context():
        db.engine.dispose()


def test_production_database_failure_shows_no_stack_trace(monkeypatch, tmp_path):
    broken = f"sqlite:///{tmp_path}/nonexistent-folder/kopedu.sqlite3"
    prod = production_app(monkeypatch, broken, tmp_path)
    client = prod.test_client()
    from kopedu.certificates import codes

    response = client.get(f"/verifikasi/{codes.display(codes.new_code())}", base_url="https://localhost")
    _no_trace(response)
    ready = client.get("/readyz", base_url="https://localhost")
    assert ready.status_code == 503 and ready.json["database"] == "unavailable"
    with prod.app_context():
        db.engine.dispose()


def test_production_session_cookie_is_secure_httponly_and_samesite(monkeypatch, app, tmp_path):
    factories.user(phone="6281200000003")
    db.session.commit()
    prod = production_app(monkeypatch, app.config["SQLALCHEMY_DATABASE_URI"], tmp_path)
    client = prod.test_client()
    html = client.get("/masuk", base_url="https://localhost").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    response = client.post("/masuk", base_url="https://localhost", headers={"Referer": "https://localhost/masuk"},
                           data={"login": "081200000003", "password": factories.PASSWORD, "csrf_token": token})
    assert response.status_code == 303
    cookie = next(v for v in response.headers.getlist("Set-Cookie") if v.startswith("session="))
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"secure", "httponly", "samesite=lax"} <= flags
    with prod.app_context():
        db.engine.dispose()


# --------------------------------------------------------------------------- login: no enumeration, no open redirect


def test_unknown_account_and_wrong_password_look_the_same(app, client, monkeypatch):
    """Same status, same page (apart from what was typed), and a password hash is checked in both cases
    (so the time taken does not tell either)."""
    import werkzeug.security

    import kopedu.auth.models as models

    factories.user(phone="6281200000004")
    db.session.commit()
    checked = []
    real = werkzeug.security.check_password_hash

    def spy(hashed, password):
        checked.append(hashed)
        return real(hashed, password)

    monkeypatch.setattr(werkzeug.security, "check_password_hash", spy)
    monkeypatch.setattr(models, "check_password_hash", spy)
    wrong = client.post("/masuk", data={"login": "081200000004", "password": "salah-sekali"})
    assert len(checked) == 1
    unknown = client.post("/masuk", data={"login": "081200000099", "password": "salah-sekali"})
    assert len(checked) == 2
    assert wrong.status_code == unknown.status_code == 422

    def page(response, typed):
        html = response.get_data(as_text=True).replace(typed, "…")
        return re.sub(r'("X-CSRFToken": "|name="csrf_token"[^>]*value=")[^"]*', r"\1…", html)

    assert page(wrong, "081200000004") == page(unknown, "081200000099")


OFF_SITE = ["https://evil.example/", "//evil.example/", "/\\evil.example/", "/\\/evil.example", "\\\\evil.example",
            "/\t/evil.example", "/\n/evil.example", "javascript:alert(1)", "http:/evil.example"]


def test_login_and_language_switch_never_redirect_off_the_site(app, client):
    from urllib.parse import quote

    factories.user(phone="6281200000005")
    db.session.commit()
    for target in OFF_SITE:
        response = client.post(f"/masuk?next={quote(target, safe='')}",
                               data={"login": "081200000005", "password": factories.PASSWORD})
        assert response.status_code == 303, target
        assert response.headers["Location"] == "/beranda", target
        response = client.post("/bahasa", data={"lang": "id", "next": target})
        assert response.headers["Location"] == "/beranda", target
        client.post("/keluar")


def test_login_keeps_a_local_next_path(app, client):
    factories.user(phone="6281200000006")
    db.session.commit()
    response = client.post("/masuk?next=/kursus%3Fq%3Dkoperasi",
                           data={"login": "081200000006", "password": factories.PASSWORD})
    assert response.headers["Location"] == "/kursus?q=koperasi"


# --------------------------------------------------------------------------- forms posted without their fields


def test_edit_forms_posted_without_fields_do_not_fail(app, client, login, regions):
    """A POST without a body (a bot, a broken proxy) gets an answer, not a server error: the edit forms
    once read the Region object of the edited account or cohort as if it were the typed region."""
    admin = factories.user("admin")
    observer = factories.user("observer", region_code="5371030")
    cohort = factories.cohort(region_code="5371")
    db.session.commit()
    login(admin)
    for path in (f"/admin/pengguna/{observer.id}", f"/angkatan/{cohort.id}/ubah"):
        response = client.post(path)
        assert response.status_code in (303, 422), path
    db.session.expire_all()
    assert observer.region_code == "5371030" and cohort.region_code == "5371"
