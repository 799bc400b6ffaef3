"""Fixtures for the fault tests: throwaway PostgreSQL/Redis servers, the app served over real HTTP by a
threaded server on a loopback port, and a small cookie-keeping HTTP client."""
from __future__ import annotations

import contextlib
import http.client
import threading
import urllib.parse
from http.cookies import SimpleCookie

import pytest
from werkzeug.serving import make_server

from kopedu.extensions import db
from tests import servers


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


def production_engine_options() -> dict:
    from config import ProductionConfig

    return dict(ProductionConfig.SQLALCHEMY_ENGINE_OPTIONS)


def make_app(database_url: str, upload_dir, **overrides):
    """A testing app (CSRF off) with the production engine options (pool size), its
    tables created on `database_url`."""
    from kopedu import create_app

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url, UPLOAD_DIR=upload_dir,
                     SQLALCHEMY_ENGINE_OPTIONS=production_engine_options(), **overrides)
    with app.app_context():
        db.create_all()
    return app


@contextlib.contextmanager
def serve(app):
    """Serve `app` with werkzeug's threaded server on a free loopback port; yields the base URL."""
    server = make_server("127.0.0.1", servers.free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="kopedu-test-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()


class Http:
    """One browser: keeps its cookies, does not follow redirects, never raises on an HTTP error status."""

    def __init__(self, base_url: str, timeout: float = 15):
        parts = urllib.parse.urlsplit(base_url)
        self.host, self.port, self.timeout = parts.hostname, parts.port, timeout
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, data: dict | None = None, headers: dict | None = None):
        body = urllib.parse.urlencode(data, doseq=True) if data is not None else None
        sent = dict(headers or {})
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            content = response.read()
            for header in response.headers.get_all("Set-Cookie") or []:
                cookie = SimpleCookie()
                cookie.load(header)
                for name, morsel in cookie.items():
                    if morsel["expires"] and "1970" in morsel["expires"] or morsel["max-age"] == "0":
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value
            return response.status, content, response.headers
        finally:
            connection.close()

    def get(self, path: str, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path: str, data: dict | None = None, **kwargs):
        return self.request("POST", path, data=data or {}, **kwargs)

    def login(self, login: str, password: str) -> None:
        status, body, _headers = self.post("/masuk", {"login": login, "password": password})
        assert status == 303, (status, body[:300])
