"""`flask db upgrade` from an empty database works and leaves no drift from the models."""
import os
import subprocess
import sys
import uuid

import pytest
from sqlalchemy import create_engine, text


def _flask(*args, env):
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args],
                          capture_output=True, text=True, env=env)


@pytest.fixture
def empty_database(tmp_path):
    url = os.environ.get("DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'migrate.sqlite3'}"
        return
    # A throwaway database beside the test one, so the suite's tables are not touched.
    name = f"kopedu_migrate_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base = url.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_upgrade_from_empty_and_check(empty_database, tmp_path):
    env = {**os.environ, "DATABASE_URL": empty_database, "KOPEDU_INSTANCE": str(tmp_path)}
    upgrade = _flask("db", "upgrade", env=env)
    assert upgrade.returncode == 0, upgrade.stderr
    check = _flask("db", "check", env=env)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "No new upgrade operations detected" in check.stdout + check.stderr
    downgrade = _flask("db", "downgrade", "base", env=env)
    assert downgrade.returncode == 0, downgrade.stderr
