"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py wsgi:app` (see docs/deploy.md).

Every value can be overridden from the environment (GUNICORN_WORKERS, GUNICORN_THREADS, GUNICORN_BIND, …).
"""
import os

# The app is only served here, never migrated: create_app() then leaves out Flask-Migrate and Alembic.
os.environ.setdefault("KOPEDU_SERVE_ONLY", "1")


def _cpus() -> int:
    """The CPUs this process may use (a container's or a systemd CPUAffinity= limit), not the host's."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# One process per CPU: a request is mostly Python (the GIL lets one thread of a process run at a time),
# so more processes than CPUs only add memory (~55 MiB PSS each once copy-on-write has split the pages they
# touch) and context switches; a few threads per process overlap the waits on PostgreSQL and keep a
# process answering while one thread waits on a slow PDF or import. Not fewer than 4: a worker keeps the
# connections it accepted, and with 1 or 2 threads one worker holding most of them left the other idle
# (half the throughput in one run of four). Measured in benches/RESULTS.md.
# Each worker holds up to pool_size + max_overflow (5 + 5) database connections: workers × 10 must stay
# under PostgreSQL's max_connections (100 by default).
workers = int(os.environ.get("GUNICORN_WORKERS", _cpus()))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
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


def when_ready(server):
    """In the master, once, after the app is loaded and before the first fork: compile every template,
    configure the ORM mappers and load both catalogues, so that the workers share these from the start
    instead of building a copy each (about 5 MiB less in all with two workers, benches/RESULTS.md), and a
    worker restarted after max_requests answers its first requests without compiling anything."""
    from flask_babel import force_locale, get_translations
    from sqlalchemy.orm import configure_mappers

    app = server.app.wsgi()
    configure_mappers()
    templates = app.jinja_env.list_templates(filter_func=lambda name: name.endswith(".html"))
    for name in templates:
        app.jinja_env.get_template(name)
    with app.test_request_context():
        for locale in app.config["LANGUAGES"]:
            with force_locale(locale):
                get_translations()
    server.log.info("Warmed up before forking: %d templates compiled, mappers configured, catalogues %s",
                    len(templates), ", ".join(app.config["LANGUAGES"]))


def pre_fork(server, worker):
    """In the master, just before each fork: move every object loaded so far (the preloaded app) out of
    the garbage collector's reach, so that a collection in a worker does not write to those pages and
    copy them (gc.freeze; the collector's generation counts otherwise touch each object's header)."""
    import gc

    gc.collect()
    gc.freeze()


def post_fork(server, worker):
    """Each worker opens its own database connections (none are inherited from the master)."""
    from kopedu.extensions import db

    app = worker.app.wsgi()
    with app.app_context():
        db.engine.dispose(close=False)
