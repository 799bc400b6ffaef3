"""Throwaway PostgreSQL and Redis servers for the fault and deployment tests.

Each one runs from a temporary folder on a free loopback port, is started and stopped by the test that
owns it, and never touches the machine's own services. When the server binaries are missing the test is
skipped with a message — except under CI (CI=true), where that skip is a failure.
"""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest


def free_port() -> int:
    """A loopback port nobody listens on (≥ 15400, away from the usual services)."""
    for _ in range(200):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port >= 15400:
            return port
    raise RuntimeError("no free port")


def missing(what: str) -> None:
    """Skip the test because `what` is not installed; under CI that is a failure."""
    message = f"{what} is not installed: this fault test cannot run (CI installs it in .ci/run)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def _version_key(folder: str) -> tuple:
    version = Path(folder).parent.name
    return tuple(int(part) if part.isdigit() else 0 for part in version.split("."))


def postgres_bindir() -> Path | None:
    explicit = os.environ.get("KOPEDU_PG_BINDIR")
    if explicit:  # named on purpose: that one or none
        return Path(explicit) if Path(explicit, "initdb").is_file() and Path(explicit, "pg_ctl").is_file() else None
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True):
        if Path(folder, "initdb").is_file() and Path(folder, "pg_ctl").is_file():
            return Path(folder)
    found = shutil.which("initdb")
    return Path(found).parent if found and shutil.which("pg_ctl") else None


def _unprivileged_user() -> str | None:
    """PostgreSQL refuses to run as root: as root, its commands run as `postgres` (or `nobody`)."""
    if os.geteuid() != 0:
        return None
    import pwd

    for user in ("postgres", "nobody"):
        try:
            pwd.getpwnam(user)
            return user
        except KeyError:
            continue
    raise RuntimeError("running as root and there is no postgres or nobody user to run PostgreSQL as")


class PostgresServer:
    """initdb into a temporary folder and run postgres on a free port (trust auth, user `postgres`)."""

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="kopedu-pg-"))
        self.datadir = self.root / "data"
        self.logfile = self.root / "postgres.log"
        user = _unprivileged_user()
        self.prefix = ["runuser", "-u", user, "--"] if user else []
        if user:
            shutil.chown(self.root, user=user)
        os.chmod(self.root, 0o700)

    def _tool(self, name: str, *args: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run([*self.prefix, str(self.bindir / name), *args], capture_output=True, text=True,
                              check=check, timeout=timeout)

    def init(self) -> "PostgresServer":
        self._tool("initdb", "-D", str(self.datadir), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                   "--no-instructions", "--locale=C.UTF-8" if _has_c_utf8() else "--locale=C")
        with open(self.datadir / "postgresql.conf", "a") as conf:
            conf.write(f"\nport = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                       f"unix_socket_directories = '{self.root}'\nmax_connections = 60\n"
                       "shared_buffers = 32MB\nfsync = on\nlog_min_messages = warning\n")
        return self

    def start(self) -> None:
        self._tool("pg_ctl", "-D", str(self.datadir), "-l", str(self.logfile), "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        self._tool("pg_ctl", "-D", str(self.datadir), "-m", mode, "-w", "-t", "60", "stop", check=False)

    def restart(self, mode: str = "fast", down_for: float = 0.0) -> None:
        self.stop(mode)
        if down_for:
            time.sleep(down_for)
        self.start()

    def is_running(self) -> bool:
        return self._tool("pg_ctl", "-D", str(self.datadir), "status", check=False).returncode == 0

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def libpq_env(self) -> dict[str, str]:
        return {"PGHOST": "127.0.0.1", "PGPORT": str(self.port), "PGUSER": "postgres"}

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def cleanup(self) -> None:
        if self.is_running():
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


def _has_c_utf8() -> bool:
    try:
        out = subprocess.run(["locale", "-a"], capture_output=True, text=True, timeout=10).stdout.lower()
    except (OSError, subprocess.SubprocessError):
        return False
    return "c.utf8" in out or "c.utf-8" in out


def postgres_server() -> PostgresServer:
    """A started throwaway server (the caller stops it with cleanup()); skips if PostgreSQL is missing."""
    bindir = postgres_bindir()
    if bindir is None:
        missing("PostgreSQL server (initdb, pg_ctl)")
    server = PostgresServer(bindir).init()
    server.start()
    return server


class RedisServer:
    """redis-server on a free port, no persistence, in a temporary folder."""

    def __init__(self, binary: str):
        self.binary = binary
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="kopedu-redis-"))
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.root), "--logfile", str(self.root / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.ping():
                return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def ping(self) -> bool:
        import redis

        try:
            return bool(redis.Redis.from_url(self.url, socket_connect_timeout=0.2, socket_timeout=0.2).ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process = None

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


def redis_server() -> RedisServer:
    binary = shutil.which("redis-server")
    if binary is None:
        missing("redis-server")
    server = RedisServer(binary)
    server.start()
    return server
