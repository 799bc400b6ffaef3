"""Issuing records the certificate in the transaction; its PDF is rendered after the commit (RQ with
Redis, the in-process worker without), so nobody waits on the serial-number lock while WeasyPrint runs;
a download before the PDF exists says "sedang disiapkan"."""
import uuid

import pytest
from sqlalchemy import func, select, text

from kopedu.certificates import jobs, rendering, services
from kopedu.certificates.models import Certificate
from kopedu.extensions import db
from tests.certificates.helpers import complete, settle


def test_the_pdf_is_rendered_after_the_issuing_transaction_committed(app, world, monkeypatch):
    seen = []
    real = rendering.render_pdf

    def watching(context):
        # Another connection, as another request would be: the certificate is already committed and
        # the year's serial counter is not locked.
        with db.engine.connect() as other:
            seen.append(other.scalar(select(func.count(Certificate.id))))
            if db.engine.dialect.name == "postgresql":
                other.execute(text("SET lock_timeout = '200ms'"))
                other.execute(text("SELECT last FROM certificate_counter FOR UPDATE NOWAIT")).all()
                seen.append("counter free")
            other.rollback()
        return real(context)

    monkeypatch.setattr(rendering, "render_pdf", watching)
    complete(world.enrollment)
    [certificate] = db.session.scalars(select(Certificate)).all()
    assert certificate.pdf_path is None and seen == []  # nothing rendered inside the transaction
    settle()
    assert seen[0] == 1
    if db.engine.dialect.name == "postgresql":
        assert seen[1] == "counter free"
    certificate = db.session.scalars(select(Certificate)).one()
    assert services.pdf_file(certificate.pdf_path).read_bytes().startswith(b"%PDF")


def test_a_download_before_the_pdf_exists_says_it_is_being_prepared(app, world, client, login, monkeypatch):
    queued = []
    monkeypatch.setattr(jobs, "enqueue", lambda app, task, object_id, timeout=0: queued.append((task, object_id)))
    complete(world.enrollment)
    settle()
    [certificate] = db.session.scalars(select(Certificate)).all()
    assert queued == [("render_pdf", certificate.id)] and certificate.pdf_path is None
    login(world.participant)
    response = client.get(f"/sertifikat/{certificate.id}/unduh")
    assert response.status_code == 202 and response.headers["Refresh"] == "3"
    assert "Sertifikat sedang disiapkan" in response.get_data(as_text=True)
    jobs.render_pdf(certificate.id)  # what the worker does
    response = client.get(f"/sertifikat/{certificate.id}/unduh")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")


def test_two_renders_of_one_certificate_store_one_file(app, world):
    complete(world.enrollment)
    settle()
    [certificate] = db.session.scalars(select(Certificate)).all()
    first = certificate.pdf_path
    jobs.render_pdf(certificate.id)  # a second, late render: nothing to do
    db.session.expire_all()
    assert db.session.get(Certificate, certificate.id).pdf_path == first
    assert len(list((services.pdf_file(first).parent).glob("*.pdf"))) == 1


def test_with_redis_the_pdf_is_rendered_by_the_rq_worker(app, world):
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown
    from rq import Queue

    url = "redis://127.0.0.1:6379/0"
    try:
        Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except RedisDown:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    app.config["REDIS_URL"] = url
    app.config["RQ_QUEUE"] = f"kopedu-test-{uuid.uuid4().hex[:8]}"
    queue = Queue(app.config["RQ_QUEUE"], connection=Redis.from_url(url))
    try:
        complete(world.enrollment)
        settle()
        [certificate] = db.session.scalars(select(Certificate)).all()
        assert certificate.pdf_path is None and len(queue) == 1  # queued, not rendered in this process
        result = app.test_cli_runner().invoke(args=["certificates", "worker", "--burst"])
        assert result.exit_code == 0, result.output
        db.session.expire_all()
        assert services.pdf_file(db.session.get(Certificate, certificate.id).pdf_path) is not None
    finally:
        queue.delete(delete_jobs=True)
