"""PostgreSQL restarted while the app is in use: the app recovers by itself (a dead pooled connection is noticed at checkout, no restart of
the app) and no progress write that was acknowledged with a 2xx is lost.

Each test runs its own PostgreSQL server (tests/servers.py) and restarts only that one."""
from __future__ import annotations

import threading
import time

import psycopg
import pytest

from kopedu.extensions import db
from tests import factories
from tests.faults.conftest import Http, make_app, serve

PARTICIPANTS = 4
LESSONS = 24  # 2 modules of 12


def _world(app):
    """A course (not sequential) with LESSONS lessons and PARTICIPANTS enrolled participants."""
    from kopedu.learning.services import enroll

    with app.app_context():
        factories.kupang_regions()
        coop = factories.cooperative("5371030011")
        course = factories.course(lessons=LESSONS // 2, modules=2, sequential=False)
        people = []
        for n in range(PARTICIPANTS):
            user = factories.user(full_name=f"Peserta {n}", cooperative_id=coop.id, phone=f"6281277700{n:03d}")
            enroll(user, course)
            people.append((user.id, f"081277700{n:03d}"))
        lessons = [lesson.id for module in course.modules for lesson in module.lessons]
        db.session.commit()
        return course.slug, lessons, people


def _progress_rows(pg, database: str) -> set[tuple[int, int]]:
    with psycopg.connect(host="127.0.0.1", port=pg.port, user="postgres", dbname=database) as conn:
        return {(user_id, lesson_id) for user_id, lesson_id in
                conn.execute("SELECT user_id, lesson_id FROM lesson_progress").fetchall()}


def _enrollment_progress(pg, database: str) -> dict[int, int]:
    with psycopg.connect(host="127.0.0.1", port=pg.port, user="postgres", dbname=database) as conn:
        return dict(conn.execute("SELECT user_id, progress_pct FROM enrollment").fetchall())


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_acknowledged_progress_survives_a_postgres_restart_under_load(pg, tmp_path, mode):
    """Participants click "Tandai selesai" through every lesson while PostgreSQL is stopped (cleanly, or
    killed as in a crash: `immediate`) and started again. Requests during the outage fail; afterwards
    the same app process serves again, and every click that was answered 2xx is in the database."""
    app = make_app(pg.create_database("kopedu"), tmp_path / "uploads")
    slug, lessons, people = _world(app)
    acknowledged: set[tuple[int, int]] = set()
    failures: list[str] = []
    lock = threading.Lock()
    restarted = threading.Event()
    progress = threading.Semaphore(0)

    def participant(user_id: int, phone: str, base: str):
        browser = Http(base)
        browser.login(phone, factories.PASSWORD)
        deadline = time.monotonic() + 90
        for lesson_id in lessons:
            while time.monotonic() < deadline:
                try:
                    status, body, _ = browser.post(f"/kursus/{slug}/pelajaran/{lesson_id}/selesai",
                                                   headers={"HX-Request": "true"})
                except OSError as error:  # the server never drops a connection, but say so if it does
                    status, body = 0, str(error).encode()
                if 200 <= status < 300:
                    with lock:
                        acknowledged.add((user_id, lesson_id))
                    progress.release()
                    if not restarted.is_set():
                        time.sleep(0.01)  # keep the clicks spread over the restart
                    break
                with lock:
                    failures.append(f"{status} {body[:80]!r}")
                time.sleep(0.05)

    with serve(app) as base:
        threads = [threading.Thread(target=participant, args=(user_id, phone, base)) for user_id, phone in people]
        for thread in threads:
            thread.start()
        for _ in range(PARTICIPANTS * 3):  # a few clicks each are in before the outage
            assert progress.acquire(timeout=30), "no progress before the restart"
        pg.restart(mode, down_for=1.0)
        restarted.set()
        for thread in threads:
            thread.join(120)
        ready_status, ready_body, _ = Http(base).get("/readyz")

    assert failures, "the restart happened while nobody was clicking: the test proved nothing"
    assert len(acknowledged) == PARTICIPANTS * LESSONS, "the app did not recover after the restart"
    stored = _progress_rows(pg, "kopedu")
    lost = acknowledged - stored
    assert not lost, f"{len(lost)} acknowledged progress writes are missing after the restart"
    assert set(_enrollment_progress(pg, "kopedu").values()) == {100}
    assert ready_status == 200, ready_body


def test_first_request_after_a_restart_succeeds(pg, tmp_path):
    """The pool's connections all died with the server; the checkout notices and reconnects, so even
    the very first request after the restart is served (no 500 for the unlucky first visitor)."""
    app = make_app(pg.create_database("kopedu"), tmp_path / "uploads")
    slug, lessons, people = _world(app)
    with serve(app) as base:
        browser = Http(base)
        browser.login(people[0][1], factories.PASSWORD)
        # Several requests at once, so that the pool holds more than one connection.
        threads = [threading.Thread(target=browser.get, args=(f"/kursus/{slug}/pelajaran/{lesson_id}",))
                   for lesson_id in lessons[:6]]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        pg.restart("fast")
        statuses = [browser.get(f"/kursus/{slug}/pelajaran/{lesson_id}")[0] for lesson_id in lessons[:6]]
        done, _, _ = browser.post(f"/kursus/{slug}/pelajaran/{lessons[0]}/selesai", headers={"HX-Request": "true"})
    assert statuses == [200] * 6
    assert done == 200
    assert (people[0][0], lessons[0]) in _progress_rows(pg, "kopedu")


def test_readiness_follows_the_database(pg, tmp_path):
    app = make_app(pg.create_database("kopedu"), tmp_path / "uploads")
    with serve(app) as base:
        probe = Http(base)
        assert probe.get("/readyz")[0] == 200
        pg.stop("fast")
        try:
            status, body, _ = probe.get("/readyz")
            live, _, _ = probe.get("/livez")
        finally:
            pg.start()
        assert status == 503 and b'"database":"unavailable"' in body.replace(b" ", b"")
        assert live == 200  # liveness does not depend on the database: no restart loop
        assert probe.get("/readyz")[0] == 200
