"""KopEdu: learning management for the officers of Koperasi Desa/Kelurahan Merah Putih."""
import os

from flask import Flask, has_request_context, jsonify, session
from flask_login import current_user
from sqlalchemy import text

from kopedu import extensions as ext


def create_app(config_name: str | None = None, **overrides) -> Flask:
    from config import CONFIGS, INSTANCE_DIR

    app = Flask(
        __name__,
        instance_path=str(INSTANCE_DIR),
        template_folder="../templates",
        static_folder="../static",
    )
    config_name = config_name or os.environ.get("KOPEDU_CONFIG", "development")
    app.config.from_object(CONFIGS[config_name]())
    app.config.update(overrides)
    app.config["RATELIMIT_STORAGE_URI"] = app.config.get("REDIS_URL") or "memory://"
    if app.config.get("REDIS_URL"):  # an unreachable Redis answers within the timeout, never hangs a request
        timeout = app.config.get("REDIS_TIMEOUT", 1)
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS",
                              {"socket_connect_timeout": timeout, "socket_timeout": timeout})
    if not app.config.get("REDIS_URL"):
        # The login and check-in limits are in the database, shared by every worker; the others
        # (certificate verify page, password changes) live in each process's memory without Redis.
        app.logger.warning("REDIS_URL is not set: the login and check-in limits are shared (kept in the "
                           "database), the other rate limits are counted per worker process")
    if app.config["TRUST_PROXY"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = app.config["TRUST_PROXY"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    _init_extensions(app)
    from kopedu import events  # noqa: F401 - the write path's session hooks (see its docstring)

    _register_models()
    _register_blueprints(app)
    _register_web(app)

    from kopedu.cli import register as register_cli

    register_cli(app)
    return app


def _init_extensions(app: Flask) -> None:
    ext.db.init_app(app)
    # Flask-Migrate (and Alembic under it: ~12 MiB per process) serves the `flask db` commands; the web
    # server's processes never migrate, and gunicorn.conf.py says so with KOPEDU_SERVE_ONLY=1.
    if os.environ.get("KOPEDU_SERVE_ONLY") != "1":
        from flask_migrate import Migrate

        Migrate(app, ext.db, directory=os.path.join(os.path.dirname(__file__), "..", "migrations"),
                render_as_batch=True, compare_type=True)
    ext.login_manager.init_app(app)
    ext.csrf.init_app(app)
    ext.babel.init_app(app, locale_selector=_select_locale)
    ext.limiter.init_app(app)
    ext.compress.init_app(app)
    ext.htmx.init_app(app)
    from kopedu.certificates import signing

    signing.check_at_start(app)


def _register_models() -> None:
    # Importing the modules registers every table on db.metadata (for Alembic and create_all).
    import kopedu.audit  # noqa: F401
    import kopedu.auth.models  # noqa: F401
    import kopedu.auth.throttle  # noqa: F401
    import kopedu.certificates.models  # noqa: F401
    import kopedu.cohorts.models  # noqa: F401
    import kopedu.courses.models  # noqa: F401
    import kopedu.evaluations.models  # noqa: F401
    import kopedu.grading.models  # noqa: F401
    import kopedu.learning.models  # noqa: F401
    import kopedu.plans.models  # noqa: F401
    import kopedu.regions.models  # noqa: F401
    import kopedu.reports.models  # noqa: F401
    import kopedu.plans.kawal_models  # noqa: F401
    import kopedu.plans.photos  # noqa: F401
    import kopedu.resumable.models  # noqa: F401


def _register_blueprints(app: Flask) -> None:
    from kopedu.web.params import IdConverter

    app.url_map.converters["int"] = IdConverter  # before any rule is added
    from kopedu.auth import bp as auth_bp
    from kopedu.auth.admin import bp as admin_bp
    from kopedu.certificates import bp as certificates_bp
    from kopedu.cohorts import bp as cohorts_bp
    from kopedu.courses import bp as courses_bp
    from kopedu.courses.authoring import bp as authoring_bp
    from kopedu.courses import narration  # noqa: F401  (the lesson editor's narration routes, on authoring_bp)
    from kopedu.courses import trainer_routes  # noqa: F401  (the course editor's trainer panel, on authoring_bp)
    from kopedu.courses import quiz_authoring  # noqa: F401  (the quiz and question editor, on authoring_bp)
    from kopedu.grading import bp as grading_bp
    from kopedu.learning import bp as learning_bp  # also adds the course page to courses_bp: import first
    from kopedu.evaluations import bp as evaluations_bp
    from kopedu.main import bp as main_bp
    from kopedu.plans import bp as plans_bp
    from kopedu.plans.kawal_routes import bp as kawal_bp
    from kopedu.reports import bp as reports_bp
    from kopedu.resumable import bp as resumable_bp

    for bp in (main_bp, auth_bp, admin_bp, courses_bp, authoring_bp, learning_bp, grading_bp, certificates_bp,
               cohorts_bp, reports_bp, evaluations_bp, plans_bp, kawal_bp, resumable_bp):
        app.register_blueprint(bp)


def _select_locale() -> str:
    """The user's language, else the session's, else Indonesian. Outside a request (CLI commands,
    background jobs) always Indonesian, so services may translate and format wherever they run."""
    languages = ("id", "en")
    if not has_request_context():
        return "id"
    if current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("locale") in languages:
        return session["locale"]
    return "id"


def _register_web(app: Flask) -> None:
    from kopedu.web import errors, filters, requestid, security, static, transactions

    transactions.register(app, ext.db)
    requestid.register(app)
    errors.register(app)
    filters.register(app)
    security.register(app)
    static.register(app)

    @app.context_processor
    def inject_globals():
        from flask_babel import get_locale

        return {"current_locale": str(get_locale()), "languages": app.config["LANGUAGES"]}

    @app.get("/livez")
    @ext.limiter.exempt
    def livez():
        """Liveness: the process answers. Nothing else is checked."""
        return jsonify(status="ok")

    @app.get("/healthz")
    @app.get("/readyz")
    @ext.limiter.exempt
    def readyz():
        """Readiness: the database answers. Redis, when configured, is reported too, but a Redis outage
        only degrades the service (rate limits per process, exports built in the web process), so it
        answers 200 with status "degraded" rather than taking every instance out of service."""
        checks, status = {}, "ok"
        try:
            ext.db.session.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception:  # noqa: BLE001 - any failure means not ready
            ext.db.session.rollback()
            checks["database"], status = "unavailable", "error"
        if app.config.get("REDIS_URL"):
            checks["redis"] = "ok" if redis_ok(app) else "unavailable"
            if checks["redis"] != "ok" and status == "ok":
                status = "degraded"
        return jsonify(status=status, **checks), 503 if status == "error" else 200


def redis_ok(app: Flask) -> bool:
    """True if the configured Redis answers a PING within REDIS_TIMEOUT."""
    import redis

    timeout = app.config.get("REDIS_TIMEOUT", 1)
    try:
        return bool(redis.Redis.from_url(app.config["REDIS_URL"], socket_timeout=timeout,
                                         socket_connect_timeout=timeout).ping())
    except redis.RedisError:
        return False
