"""The production configuration refuses to start with a SECRET_KEY that is missing, a placeholder
(the `change-me` of the example env file), too short or too simple."""
import subprocess
import sys

import pytest

GOOD = "3f9a1c5e7b2d4f6a8c0e1b3d5f7a9c2e4b6d8f0a1c3e5b7d"


def _start(key: str | None):
    code = "from kopedu import create_app; create_app('production')"
    env = {"PATH": "/usr/bin:/bin", "KOPEDU_INSTANCE": "/tmp/kopedu-test-instance",
           "DATABASE_URL": "sqlite:////tmp/kopedu-test-instance/secret-key.sqlite3"}
    if key is not None:
        env["SECRET_KEY"] = key
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=".")


@pytest.mark.parametrize("key, message", [
    ("change-me", "placeholder"), ("CHANGE-ME", "placeholder"), ("please-change-me-now", "placeholder"),
    ("secret", "placeholder"), ("kopedu", "placeholder"), ("short-but-random-9f3", "too short"),
    ("a" * 64, "too simple"),
])
def test_production_refuses_a_placeholder_or_weak_secret_key(key, message):
    result = _start(key)
    assert result.returncode != 0 and "SECRET_KEY is" in result.stderr, result.stderr[-500:]
    assert message.split()[-1] in result.stderr


def test_production_starts_with_a_long_random_key():
    from config import check_secret_key

    check_secret_key(GOOD)  # no error
    result = _start(GOOD)
    assert result.returncode == 0, result.stderr[-800:]
