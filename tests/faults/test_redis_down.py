"""Redis down: pages still serve, the rate limits kept in Redis (here the password change form's) keep
working from each process's memory (the login limits are in the database and do not depend on Redis), and a
bulk certificate ZIP is built in the web process (saying so) or waits in the queue with a clear message.

Each test runs its own redis-server (tests/servers.py) and stops only that one."""
from __future__ import annotations

import io
import socket
import threading
import time
import uuid
from datetime import timedelta
import zipfile

import pytest
import redis
from sqlalchemy import select

from kopedu import create_app
from kopedu import extensions as ext
from kopedu.certificates import jobs
from kopedu.certificates.models import CertificateExport
from kopedu.extensions import db
from kopedu.learning.services import enroll
from tests import factories
from tests.certificates.helpers import complete
from tests.conftest import IsolatedClient, _empty_tables


@pytest.fixture
def redis_app(database_url, tmp_path, redis_server):
    """The app with REDIS_URL pointing at a throwaway Redis (rate limits and the job queue live there)."""
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url, UPLOAD_DIR=tmp_path / "uploads",
                     REDIS_URL=redis_server.url, RQ_QUEUE=f"kopedu-test-{uuid.uuid4().hex[:8]}")
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
        jobs.wait_for_workers(60)
        db.session.remove()
        _empty_tables()
        db.engine.dispose()
    ext.limiter._storage_dead = False  # the limiter object is shared by every app the tests create


def _participant_world():
    factories.kupang_regions()
    coop = factories.cooperative("5371030011")
    course = factories.course(lessons=2, sequential=False)
    user = factories.user(full_name="Yuliana Ndun", cooperative_id=coop.id, phone="6281299880001")
    enroll(user, course)
    db.session.commit()
    return course, user


def _log_in(client, phone: str, password: str = factories.PASSWORD):
    response = client.post("/masuk", data={"login": phone, "password": password})
    assert response.status_code == 303, response.get_data(as_text=True)[:300]


def test_pages_still_serve_when_redis_goes_down(redis_app, redis_server):
    course, user = _participant_world()
    lesson = course.modules[0].lessons[0]
    client = redis_app.test_client()
    _log_in(client, "081299880001")
    assert client.get("/beranda").status_code == 200
    assert client.get("/readyz").json == {"status": "ok", "database": "ok", "redis": "ok"}

    redis_server.stop()
    assert not redis_server.ping()
    assert client.get("/beranda").status_code == 200
    assert client.get(f"/kursus/{course.slug}/pelajaran/{lesson.id}").status_code == 200
    done = client.post(f"/kursus/{course.slug}/pelajaran/{lesson.id}/selesai", headers={"HX-Request": "true"})
    assert done.status_code == 200
    assert redis_app.test_client().get("/masuk").status_code == 200
    assert client.get("/livez").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 200  # degraded, not out of service
    assert ready.json == {"status": "degraded", "database": "ok", "redis": "unavailable"}


def _wrong_password_changes(client, n: int) -> list[int]:
    return [client.post("/akun/kata-sandi", data={"current_password": "salah-salah", "password": "baru-sekali-1"})
            .status_code for _ in range(n)]


def test_a_rate_limit_falls_back_to_memory_when_redis_is_down(redis_app, redis_server):
    _participant_world()
    connection = redis.Redis.from_url(redis_server.url)
    attacker = redis_app.test_client()
    _log_in(attacker, "081299880001")

    def failed_attempts(n: int) -> list[int]:
        return _wrong_password_changes(attacker, n)

    # Redis up: the limit (5 wrong current passwords per account) is counted in Redis, shared by all workers.
    assert failed_attempts(6) == [422] * 5 + [429]
    assert connection.keys("LIMITS*"), "the password change limit is not counted in Redis"

    redis_server.stop()
    # Redis down: no 500, and the same limit still holds, counted in this process's memory.
    statuses = failed_attempts(6)
    assert 500 not in statuses
    assert statuses == [422] * 5 + [429]
    # The login limits live in the database: a login still works with Redis down.
    _log_in(redis_app.test_client(), "081299880001")

    # Redis back: the limiter returns to it by itself (it re-checks Redis with a growing back-off).
    redis_server.start()
    connection.flushall()
    deadline = time.monotonic() + 40
    while not connection.keys("LIMITS*") and time.monotonic() < deadline:
        failed_attempts(1)
        time.sleep(0.5)
    assert connection.keys("LIMITS*"), "the rate limiter did not go back to Redis"


def _certified_course():
    """A course with a trainer and three participants holding certificates."""
    factories.kupang_regions()
    coop = factories.cooperative("5371030011")
    course = factories.course(lessons=2, sequential=False)
    trainer = factories.user("trainer", full_name="Maria Goreti Seran", phone="6281199880002")
    course.trainers.append(trainer)
    for n in range(3):
        complete(enroll(factories.user(full_name=f"Peserta {n}", cooperative_id=coop.id), course))
    db.session.commit()
    return course, trainer


def test_zip_export_is_built_in_the_web_process_when_redis_is_down(redis_app, redis_server):
    course, trainer = _certified_course()
    client = redis_app.test_client()
    _log_in(client, "081199880002")
    redis_server.stop()

    response = client.post(f"/sertifikat/kursus/{course.id}/zip")
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Antrean tugas latar belakang sedang tidak bisa dihubungi" in page  # says what happened
    assert jobs.wait_for_workers(60)
    db.session.expire_all()
    export = db.session.scalar(select(CertificateExport))
    assert export.state == "done", export.error
    download = client.get(f"/sertifikat/ekspor/{export.id}/unduh")
    assert download.status_code == 200
    assert len(zipfile.ZipFile(io.BytesIO(download.data)).namelist()) == 3


def test_zip_export_waits_in_the_queue_with_a_clear_message_until_a_worker_runs(redis_app, redis_server):
    from rq import Queue

    course, trainer = _certified_course()
    client = redis_app.test_client()
    _log_in(client, "081199880002")
    response = client.post(f"/sertifikat/kursus/{course.id}/zip")
    queue = Queue(redis_app.config["RQ_QUEUE"], connection=redis.Redis.from_url(redis_server.url))
    # Redis is up: queued for the RQ worker, not built here (beside the three certificates' PDF renders)
    assert [job.args[0] for job in queue.jobs].count("run_export") == 1
    status_url = response.headers["Location"]
    first = client.get(status_url).get_data(as_text=True)
    assert "Masih menunggu giliran" not in first  # just queued: no alarm yet

    export = db.session.scalar(select(CertificateExport))
    export.created_at -= timedelta(minutes=2)  # no worker took it for two minutes
    db.session.commit()
    waiting = client.get(status_url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Masih menunggu giliran di antrean" in waiting and "worker" in waiting
    assert 'hx-trigger="every 1s"' in waiting  # the page keeps polling

    result = redis_app.test_cli_runner().invoke(args=["certificates", "worker", "--burst"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(CertificateExport, export.id).state == "done"


class HangingRedis:
    """A server that accepts connections and never answers: Redis hung, or a network that drops packets."""

    def __init__(self):
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(64)
        self.port = self.socket.getsockname()[1]
        self.connections = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.connections.append(connection)

    def close(self):
        for connection in self.connections:
            connection.close()
        self.socket.close()


def test_a_hanging_redis_holds_no_request_longer_than_its_timeout(database_url, tmp_path):
    """No request waits on Redis forever: each Redis call gives up after REDIS_TIMEOUT, then the limiter
    counts in memory and the ZIP export is built in the web process."""
    hanging = HangingRedis()
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url, UPLOAD_DIR=tmp_path / "uploads",
                     REDIS_URL=f"redis://127.0.0.1:{hanging.port}/0", REDIS_TIMEOUT=0.3)
    app.test_client_class = IsolatedClient
    results = {}

    def scenario():
        with app.app_context():
            course, trainer = _certified_course()
            other = app.test_client()
            _log_in(other, "081199880002")
            results["logins"] = _wrong_password_changes(other, 6)
            results["export"] = other.post(f"/sertifikat/kursus/{course.id}/zip").status_code
            results["ready"] = other.get("/readyz").json
            jobs.wait_for_workers(60)
            db.session.expire_all()
            results["state"] = db.session.scalar(select(CertificateExport.state))

    worker = threading.Thread(target=scenario, daemon=True)
    try:
        worker.start()
        worker.join(120)  # generous: with a 0.3 s timeout this takes a few seconds; without one, forever
        assert not worker.is_alive(), "a request hung on the unanswering Redis"
        assert results["logins"] == [422] * 5 + [429]  # the limit held, counted in memory
        assert results["export"] == 303 and results["state"] == "done"
        assert results["ready"] == {"status": "degraded", "database": "ok", "redis": "unavailable"}
    finally:
        hanging.close()
        with app.app_context():
            db.session.remove()
            _empty_tables()
            db.engine.dispose()
        ext.limiter._storage_dead = False
