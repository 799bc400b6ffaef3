"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py wsgi:app` (see docs/deploy.md).

Every value can be overridden from the environment (GUNICORN_WORKERS, GUNICORN_THREADS, GUNICORN_BIND, …).
"""
import os


def _cpus() -> int:
    """The CPUs this process may use (a container's or a systemd CPUAffinity= limit), not the host's."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# A request spends part of its time waiting on PostgreSQL: two processes per CPU plus one, each with a few
# threads, keep the CPUs busy. Each worker holds up to pool_size + max_overflow (5 + 5) database
# connections: workers × 10 must stay under PostgreSQL's max_connections (100 by default).
workers = int(os.environ.get("GUNICORN_WORKERS", _cpus() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 2))
worker_class = "gthread"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 20
keepalive = 5
# Restart a worker after this many requests (with jitter, so not all at once): bounds slow leaks.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 5000))
max_requests_jitter = 500
# Load the app once in the master and fork: less memory per worker, and a broken release fails at start.
# (Code changes then need a restart, not a HUP.)
preload_app = True
# Heartbeat files in memory, not on a possibly slow disk.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None
errorlog = "-"
# The request id set by the app is sent back in X-Request-ID; log it beside each request.
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms rid=%({x-request-id}o)s'


def post_fork(server, worker):
    """Each worker opens its own database connections (none are inherited from the master)."""
    from kopedu.extensions import db

    app = worker.app.wsgi()
    with app.app_context():
        db.engine.dispose(close=False)
