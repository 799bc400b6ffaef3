"""Shared fixtures: one schema per test session, a fresh app and empty tables for every test.

The database is SQLite by default; set DATABASE_URL (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)
to run the same suite on PostgreSQL. Every table is emptied after each test.
"""
import contextvars
import os

import pytest
from flask.globals import _cv_app, _cv_request
from flask.testing import FlaskClient
from sqlalchemy import event, text

from kopedu import create_app
from kopedu.extensions import db, limiter
from tests import factories


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = _database_url(tmp_path_factory)
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        db.drop_all()
        db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        db.create_all()
        db.engine.dispose()
    return url


def _empty_tables() -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context (own `g`, own database session), as in production,
    even though the test itself holds an app context open for its factories."""

    def open(self, *args, **kwargs):
        def run():
            _cv_app.set(None)
            _cv_request.set(None)
            # A streamed response (an export) is read here, inside the request's own context.
            kwargs.setdefault("buffered", True)
            return super(IsolatedClient, self).open(*args, **kwargs)

        return contextvars.copy_context().run(run)


@pytest.fixture
def app(database_url, tmp_path):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url, UPLOAD_DIR=tmp_path / "uploads")
    app.test_client_class = IsolatedClient
    with app.app_context():
        # Rate-limit counters live in the limiter's storage, which outlives one app: every test starts
        # with none (otherwise a test's limit depends on what earlier tests posted in the same minute).
        limiter.reset()
        yield app
        # Background work the test started (certificate PDFs rendered after commit) ends before the cleanup.
        from kopedu.certificates import jobs

        jobs.wait_for_workers(60)
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def htmx_client(app):
    client = app.test_client()
    client.environ_base["HTTP_HX_REQUEST"] = "true"
    return client


@pytest.fixture
def regions(app):
    """Kota Kupang's kecamatan and kelurahan (and NTT above them)."""
    return factories.kupang_regions()


@pytest.fixture
def login(client):
    """login(user) logs the test client in through the real form."""

    def do_login(user, password=factories.PASSWORD, c=None):
        c = c or client
        db.session.commit()
        response = c.post("/masuk", data={"login": user.email or "0" + user.phone[2:], "password": password})
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        return c

    return do_login


@pytest.fixture
def count_queries(app):
    """with count_queries() as counter: … ; counter.count is the number of SQL statements run."""
    from contextlib import contextmanager

    @contextmanager
    def counting():
        class Counter:
            count = 0
            statements: list[str] = []

        counter = Counter()
        counter.statements = []

        def before(conn, cursor, statement, *args):
            counter.count += 1
            counter.statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            event.remove(db.engine, "before_cursor_execute", before)

    return counting
