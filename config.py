"""Configuration classes. Every value can come from the environment."""
import os
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("KOPEDU_INSTANCE", BASE_DIR / "instance"))


def _dev_secret_key() -> str:
    """A key generated once per checkout and kept under instance/."""
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _database_url(default: str) -> str:
    url = os.environ.get("DATABASE_URL", default)
    # Heroku-style URLs name the driver-less scheme; we use psycopg 3.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://"):]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = _database_url(f"sqlite:///{INSTANCE_DIR / 'kopedu.sqlite3'}")
    # No pool_pre_ping (a round trip per request): on PostgreSQL a dead pooled connection is noticed
    # at checkout without one (kopedu/web/transactions.py); SQLite has no server to lose.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    REDIS_URL = os.environ.get("REDIS_URL") or None
    # National and province monitoring views: figures kept this many seconds per process (0: off).
    MONITOR_CACHE_SECONDS = int(os.environ.get("KOPEDU_MONITOR_CACHE_SECONDS", "60"))
    # A falling-behind list or kawal table longer than this is built in the background (kopedu.reports.exports)
    EXPORT_BACKGROUND_ROWS = int(os.environ.get("KOPEDU_EXPORT_BACKGROUND_ROWS", "500"))
    BABEL_DEFAULT_LOCALE = "id"
    BABEL_DEFAULT_TIMEZONE = os.environ.get("KOPEDU_TIMEZONE", "Asia/Makassar")  # WITA (Kupang)
    LANGUAGES = {"id": "Bahasa Indonesia", "en": "English"}
    UPLOAD_DIR = Path(os.environ.get("KOPEDU_UPLOAD_DIR", INSTANCE_DIR / "uploads"))
    MAX_CONTENT_LENGTH = 60 * 1024 * 1024  # the whole request; per-file limits are checked by the features
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    # "Tetap masuk": a participant's login survives closing the browser this long (Flask-Login's
    # remember cookie, which carries the per-user session token: "Keluar" and a new password end it).
    REMEMBER_COOKIE_DURATION = timedelta(days=int(os.environ.get("KOPEDU_REMEMBER_DAYS", "30")))
    # Writes queued on phones (kopedu.learning.sync): rows kept this many days, at most this many a minute per user.
    CLIENT_WRITE_RETENTION_DAYS = int(os.environ.get("KOPEDU_CLIENT_WRITE_DAYS", "30"))
    CLIENT_WRITES_PER_MINUTE = int(os.environ.get("KOPEDU_CLIENT_WRITES_PER_MINUTE", "120"))
    PASSWORD_HASH_METHOD = "scrypt"  # werkzeug's default
    # Login limits, counted in the database (shared by every worker and host): wrong passwords per
    # account (then that account is locked until the window ends, the correct password too) and,
    # looser, per address (a hall's Wi-Fi or a carrier's CGNAT); the address limit never refuses a
    # correct password.
    RATELIMIT_LOGIN_ACCOUNT = os.environ.get("KOPEDU_RATELIMIT_LOGIN_ACCOUNT", "10 per 15 minutes; 30 per day")
    RATELIMIT_LOGIN = os.environ.get("KOPEDU_RATELIMIT_LOGIN", "100 per 10 minutes; 600 per hour")
    # Wrong self check-in codes per participant and cohort (in the database), and how long each
    # rotating check-in code lives (seconds; the previous one is accepted too).
    RATELIMIT_CHECKIN = os.environ.get("KOPEDU_RATELIMIT_CHECKIN", "10 per 10 minutes; 20 per day")
    CHECKIN_CODE_SECONDS = int(os.environ.get("KOPEDU_CHECKIN_CODE_SECONDS", "60"))
    # Wrong current passwords on the password change form, per account (a stolen session cannot guess).
    RATELIMIT_PASSWORD = os.environ.get("KOPEDU_RATELIMIT_PASSWORD", "5 per 10 minutes; 20 per day")
    # Explicit, although it is the default: Flask-Limiter keeps the previous app's value when an app's
    # config has none (one process creating several apps, as the tests do, would inherit a "disabled").
    RATELIMIT_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True
    # Redis down must not take the site down: limits fall back to each process's memory (the same
    # limits, counted per process) and any other limiter error is logged, not turned into a 500.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    REDIS_TIMEOUT = float(os.environ.get("KOPEDU_REDIS_TIMEOUT", "1"))  # seconds, connect and read
    # The regional monthly minimum wage (UMK/UMP) in whole rupiah: the business-plan workbook warns when a
    # plan pays a worker less. Unset: no warning (the course's lessons name no figure).
    KOPEDU_MIN_WAGE = os.environ.get("KOPEDU_MIN_WAGE") or None
    SEND_FILE_MAX_AGE_DEFAULT = 300
    COMPRESS_MIMETYPES = ["text/html", "text/css", "application/javascript", "text/javascript",
                          "application/json", "image/svg+xml", "text/csv"]
    COMPRESS_LEVEL = 6
    COMPRESS_MIN_SIZE = 500
    COMPRESS_ALGORITHM = ["br", "gzip"]
    PUBLIC_BASE_URL = os.environ.get("KOPEDU_PUBLIC_URL", "http://127.0.0.1:5000")
    TRUST_PROXY = int(os.environ.get("KOPEDU_TRUST_PROXY", "0"))
    # Behind nginx: the internal location that serves UPLOAD_DIR (e.g. /_files/). Downloads of stored
    # files then answer with X-Accel-Redirect and nginx sends the bytes. Unset: the app sends the file.
    ACCEL_REDIRECT = os.environ.get("KOPEDU_ACCEL_REDIRECT") or None
    # Where stored files live (kopedu/storage.py): "local" (UPLOAD_DIR, the default) or s3://BUCKET/PREFIX
    # for an S3-compatible object store (AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
    # AWS_REGION as boto3 reads them). On S3, downloads are streamed through the app ("stream", the
    # default) or attachments answered with a redirect to a short-lived presigned URL ("redirect"), signed
    # for STORAGE_PUBLIC_URL when browsers reach the store under another address than the app hosts do.
    STORAGE = os.environ.get("KOPEDU_STORAGE") or "local"
    STORAGE_DOWNLOADS = os.environ.get("KOPEDU_STORAGE_DOWNLOADS", "stream")
    STORAGE_PUBLIC_URL = os.environ.get("KOPEDU_STORAGE_PUBLIC_URL") or None
    STORAGE_URL_SECONDS = int(os.environ.get("KOPEDU_STORAGE_URL_SECONDS", "300"))
    CONTENT_DIR = BASE_DIR / "content" / "courses"
    # The issuing office's signing key for certificate PDFs (kopedu/certificates/signing.py): a PKCS#12
    # file and its passphrase, or a PEM key and certificate (and chain). Unset in production: unsigned.
    SIGNING_P12 = os.environ.get("KOPEDU_SIGNING_P12") or None
    SIGNING_PASSWORD = os.environ.get("KOPEDU_SIGNING_PASSWORD") or None
    SIGNING_KEY = os.environ.get("KOPEDU_SIGNING_KEY") or None
    SIGNING_CERT = os.environ.get("KOPEDU_SIGNING_CERT") or None
    SIGNING_CHAIN = os.environ.get("KOPEDU_SIGNING_CHAIN") or None
    SIGNING_DEMO_DIR = None  # where a self-signed demo certificate is made when nothing is configured

    @property
    def RATELIMIT_STORAGE_URI(self):  # noqa: N802 - Flask config name
        return self.REDIS_URL or "memory://"


class DevelopmentConfig(Config):
    DEBUG = False  # the embedded default runs without the debugger; FLASK_DEBUG=1 turns it on
    SIGNING_DEMO_DIR = INSTANCE_DIR

    def __init__(self):
        if not self.SECRET_KEY:
            self.SECRET_KEY = _dev_secret_key()


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret-key"
    WTF_CSRF_ENABLED = False
    SQLALCHEMY_DATABASE_URI = _database_url("sqlite://")
    UPLOAD_DIR = None  # set per test by the fixtures
    STORAGE = "local"  # the S3 tests set their own
    # scrypt costs ~0.15 s of CPU per hash and per check: the suite creates and logs in hundreds of
    # accounts, so it uses a cheap method (stored in each hash, so checking follows it).
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    SIGNING_DEMO_DIR = Path(tempfile.gettempdir()) / f"kopedu-test-signing-{os.getuid()}"
    MONITOR_CACHE_SECONDS = 0  # figures follow each change at once (tests/reports/test_monitor_cache.py turns it on)


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": 5, "max_overflow": 5}

    def __init__(self):
        check_secret_key(self.SECRET_KEY)


# Values copied from examples and tutorials: a key anyone can read signs anyone's session.
KNOWN_PLACEHOLDERS = {"change-me", "changeme", "change_me", "change-this", "changethis", "secret", "secret-key",
                      "secret_key", "secretkey", "your-secret-key", "your_secret_key", "dev", "development",
                      "test", "testing", "test-secret-key", "kopedu", "password", "default", "xxx", "todo"}
MIN_SECRET_KEY = 32  # characters (secrets.token_hex(32) gives 64)


def check_secret_key(key: str | None) -> None:
    """Refuse a production start without a real SECRET_KEY: missing, a known placeholder, too short,
    or one character repeated."""
    if not key:
        raise RuntimeError("SECRET_KEY must be set in production")
    if key.strip().lower() in KNOWN_PLACEHOLDERS or "change" in key.lower() and "me" in key.lower():
        raise RuntimeError("SECRET_KEY is a placeholder; set a long random key "
                           "(python3 -c \"import secrets; print(secrets.token_hex(32))\")")
    if len(key) < MIN_SECRET_KEY or len(set(key)) < 8:
        raise RuntimeError(f"SECRET_KEY is too short or too simple: use at least {MIN_SECRET_KEY} random characters "
                           "(python3 -c \"import secrets; print(secrets.token_hex(32))\")")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
