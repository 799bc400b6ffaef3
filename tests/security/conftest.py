"""Fixtures for the security tests: one world (see world.py) shared by a module's tests, with the
whole module in one app context; its tables are emptied when the module ends."""
import pytest

from kopedu import create_app
from kopedu.extensions import db
from tests.conftest import IsolatedClient, _empty_tables
from tests.security import world as world_module


@pytest.fixture(scope="module")
def world_app(database_url, tmp_path_factory):
    uploads = tmp_path_factory.mktemp("uploads")
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url, UPLOAD_DIR=uploads, RATELIMIT_ENABLED=False)
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
        from kopedu.certificates import jobs

        jobs.wait_for_workers(60)
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


@pytest.fixture(scope="module")
def world(world_app):
    return world_module.build(world_app)
