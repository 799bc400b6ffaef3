"""How a request's transaction ends (kopedu/web/transactions.py): a read-only one with COMMIT on
PostgreSQL, so psycopg keeps its prepared statements; anything that wrote, failed or was left unflushed
ends as before, with nothing written."""
import pytest
from sqlalchemy import func, select, text

from kopedu.auth.models import User
from kopedu.extensions import db
from tests import factories


def _on_postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


def _one_connection_idle():
    """Give the test's own connection back to the pool before the requests."""
    db.session.commit()
    db.session.remove()


def test_read_only_requests_keep_the_prepared_statements(app, client, login):
    if not _on_postgresql():
        pytest.skip("prepared statements are psycopg's (PostgreSQL)")
    login(factories.user())
    _one_connection_idle()
    # psycopg prepares a statement at its sixth use on a connection; the pool may take turns between two.
    for _ in range(16):
        assert client.get("/beranda").status_code == 200
    prepared = db.session.scalar(text("SELECT count(*) FROM pg_prepared_statements"))
    db.session.rollback()
    assert prepared > 0


@pytest.fixture
def routes(app):
    """Three throwaway routes that misbehave in the ways the teardown must not turn into a write."""

    def insert_without_commit():
        db.session.add(User(full_name="Tidak tersimpan", phone="6281299999001", role="participant", password_hash="-"))
        db.session.flush()
        return "ok"

    def change_without_flush():
        user = db.session.scalar(select(User).where(User.phone == "6281299999002"))
        user.full_name = "Diubah tanpa simpan"
        return "ok"

    def read_then_fail():
        db.session.scalar(select(func.count(User.id)))
        raise RuntimeError("boom")

    for view in (insert_without_commit, change_without_flush, read_then_fail):
        app.add_url_rule(f"/_test/{view.__name__}", view.__name__, view)
    return app


def test_a_flushed_insert_that_is_not_committed_is_rolled_back(routes, client):
    _one_connection_idle()
    assert client.get("/_test/insert_without_commit").status_code == 200
    assert db.session.scalar(select(User).where(User.phone == "6281299999001")) is None


def test_an_unflushed_change_is_not_written(routes, client):
    factories.user(phone="6281299999002", full_name="Nama asli")
    _one_connection_idle()
    assert client.get("/_test/change_without_flush").status_code == 200
    assert db.session.scalar(select(User.full_name).where(User.phone == "6281299999002")) == "Nama asli"


def test_a_request_that_fails_after_reading_ends_cleanly(routes, client):
    routes.config["PROPAGATE_EXCEPTIONS"] = False
    _one_connection_idle()
    assert client.get("/_test/read_then_fail").status_code == 500
    # The connection went back to the pool usable: the next request and the test's own query work.
    assert client.get("/masuk").status_code == 200
    assert db.session.scalar(select(func.count(User.id))) == 0
