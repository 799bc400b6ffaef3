"""Migration 0003 gives assignment lessons that already exist their Assignment and rubric rows."""
import json
import os
import subprocess
import sys

from sqlalchemy import create_engine, text

from tests.test_migrations import empty_database  # noqa: F401 - fixture


def _flask(*args, env):
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], capture_output=True, text=True,
                          env=env)


def test_existing_assignment_lessons_get_their_rubric(empty_database, tmp_path):  # noqa: F811
    env = {**os.environ, "DATABASE_URL": empty_database, "KOPEDU_INSTANCE": str(tmp_path)}
    assert _flask("db", "upgrade", "0001", env=env).returncode == 0
    url = empty_database
    engine = create_engine(url)
    settings = {"assignment": {"submit_text": True, "submit_files": False, "pass_mark": 75, "due_days": 14,
                               "rubric": [{"criterion": "Keuangan", "levels": [{"points": 4, "description": "Lengkap"},
                                                                              {"points": 0, "description": "Tidak ada"}]}]}}
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO course (id, slug, title, summary, description, jp_hours, sequential, self_enroll, "
                          "published, created_at) VALUES (1, 'k', 'K', '', '', 0, false, true, true, CURRENT_TIMESTAMP)"))
        conn.execute(text("INSERT INTO module (id, course_id, slug, title, summary, position) VALUES (1, 1, 'm', 'M', '', 1)"))
        for lesson_id, kind, value in ((1, "assignment", settings), (2, "reading", None)):
            conn.execute(text("INSERT INTO lesson (id, module_id, slug, title, summary, position, kind, body, minutes, "
                              "required, published, settings, created_at) VALUES (:id, 1, :slug, 'T', '', :id, :kind, "
                              "'', 5, true, true, :settings, CURRENT_TIMESTAMP)"),
                         {"id": lesson_id, "slug": f"l{lesson_id}", "kind": kind,
                          "settings": json.dumps(value) if value else None})
    engine.dispose()
    upgrade = _flask("db", "upgrade", env=env)
    assert upgrade.returncode == 0, upgrade.stderr
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT lesson_id, submit_text, submit_files, pass_mark, due_days FROM assignment")).all()
        criteria = conn.execute(text("SELECT title, levels FROM rubric_criterion")).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [(1, True, False, 75, 14)]
    levels = criteria[0][1] if not isinstance(criteria[0][1], str) else json.loads(criteria[0][1])
    assert criteria[0][0] == "Keuangan" and levels[0] == {"points": 4, "description": "Lengkap"}
    assert _flask("db", "downgrade", "0001", env=env).returncode == 0
