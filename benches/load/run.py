"""Load benchmark: the participant mix against gunicorn (production config, PostgreSQL) or against the
embedded default (SQLite, one `flask run` process). A script, not a test; it prints the figures.

    python benches/load/run.py                      # PostgreSQL database kopedu_load, 50 users, 60 s
    python benches/load/run.py --database sqlite    # embedded default: SQLite + flask run, 20 users, 30 s

What it does:
1. Builds a fresh database (PostgreSQL: drops and creates `kopedu_load` on KOPEDU_LOAD_PG, default
   postgresql://postgres@127.0.0.1:5432; SQLite: a file in a temporary instance folder), runs the
   migrations, loads the demo data and adds --users participants who finished the bundled course (so each
   has a stored certificate PDF) and have an open attempt of the first module quiz.
2. Starts the server on 127.0.0.1: gunicorn -c gunicorn.conf.py with KOPEDU_CONFIG=production, a SECRET_KEY
   and its own throwaway redis-server for REDIS_URL (rate limits) — or `flask run` for SQLite.
3. Logs every participant in through the login form (their own session cookie and CSRF token).
4. Runs wrk (Debian package `wrk`; installed with apt-get if missing and allowed) with benches/load/mix.lua:
   per 20 requests 4 × /beranda, 6 × a lesson page, 4 × htmx "Tandai selesai", 4 × htmx quiz answer save,
   2 × certificate PDF download; every request as one of the logged-in participants.
5. Prints requests/s, p50/p95/p99 latency, errors, server RSS (master + workers, peak and end), the CPU
   per request of the app, PostgreSQL and wrk (and what the host stole), the load average before and
   after, the server's own time per route from its access log, and for SQLite the number of
   "database is locked" lines in the server log.

The budget on a 2-core machine (PostgreSQL run): p95 ≤ 50 ms, no errors, ≥ 500 requests/s.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import resource
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from http.client import HTTPConnection
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
DEMO_PASSWORD = "demo12345"


# --------------------------------------------------------------------------------------------- set-up

def setup_data(users: int, out: Path) -> None:
    """Run inside a subprocess whose environment selects the database (development config)."""
    sys.path.insert(0, str(ROOT))
    from flask_migrate import upgrade
    from sqlalchemy import select

    from kopedu import create_app
    from kopedu.auth.models import User
    from kopedu.certificates import services as certificates
    from kopedu.courses.models import Course, Lesson, Module, Quiz
    from kopedu.demo import seed_demo
    from kopedu.extensions import db
    from kopedu.learning import services as learning
    from kopedu.learning.models import Enrollment, LessonProgress, QuizAttempt

    app = create_app("development")
    with app.app_context():
        started = time.perf_counter()
        upgrade()
        seed_demo()
        db.session.commit()
        course = db.session.scalar(select(Course).where(Course.published.is_(True)).order_by(Course.id))
        lessons = db.session.scalars(select(Lesson).join(Module).where(Module.course_id == course.id)
                                     .order_by(Module.position, Lesson.position)).all()
        quizzes = db.session.scalars(select(Quiz).where(Quiz.course_id == course.id)).all()
        module_quiz = next(q for q in sorted(quizzes, key=lambda q: q.id) if q.role == "lesson")
        readable = [lesson for lesson in lessons if lesson.kind in ("reading", "video", "file")]
        password_hash = None
        rows = []
        for i in range(users):
            phone = f"62812900{i + 1:05d}"
            user = User(full_name=f"Peserta Uji Beban {i + 1}", phone=phone, role="participant",
                        position="Pengurus", password_hash="")
            if password_hash is None:
                user.set_password(DEMO_PASSWORD)
                password_hash = user.password_hash
            user.password_hash = password_hash  # one scrypt hash for all: set-up time, not the run's
            db.session.add(user)
            db.session.flush()
            enrollment = Enrollment(user_id=user.id, course_id=course.id)
            db.session.add(enrollment)
            db.session.flush()
            db.session.add_all(LessonProgress(user_id=user.id, lesson_id=lesson.id) for lesson in lessons)
            for quiz in quizzes:
                db.session.add(QuizAttempt(quiz_id=quiz.id, user_id=user.id, number=1, score=90, passed=True,
                                           submitted_at=learning.utcnow()))
            db.session.flush()
            learning.refresh_progress(enrollment)
            # The bundled course's rules also ask for a passed assignment and attendance at the sessions,
            # which these participants do not have: their certificate is issued by hand, as an admin does.
            certificate = certificates.maybe_issue(enrollment) or certificates.issue(
                enrollment, reason="Uji beban: peserta dianggap lulus")
            state = learning.course_state(course, user, enrollment)
            attempt = learning.start_attempt(state, module_quiz)
            question = attempt.quiz.questions[0]
            lesson = readable[i % len(readable)]
            rows.append({"login": "0" + phone[2:], "slug": course.slug, "lesson_id": lesson.id,
                         "attempt_id": attempt.id, "question_id": question.id,
                         "choice_id": question.choices[0].id, "certificate_id": certificate.id})
            db.session.commit()
        # The PDFs are rendered after each commit by the in-process worker: wait for them before exiting.
        from kopedu.certificates.jobs import wait_for_workers

        if not wait_for_workers(600):
            raise SystemExit("the certificate PDFs were not rendered in 10 minutes")
        out.write_text(json.dumps(rows))
        print(f"set-up: {users} participants with certificates in {time.perf_counter() - started:.1f} s")


def prepare_postgres(server_url: str, name: str) -> str:
    import psycopg

    with psycopg.connect(server_url.rstrip("/") + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return "postgresql+psycopg://" + server_url.split("://", 1)[1].rstrip("/") + "/" + name


# ----------------------------------------------------------------------------------------------- HTTP

class Browser:
    """Keeps cookies (whatever their Secure flag: the benchmark talks plain HTTP on loopback)."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None, headers: dict | None = None):
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
        connection = HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            data = response.read()
            for header in response.headers.get_all("Set-Cookie") or []:
                cookie = SimpleCookie()
                cookie.load(header)
                for name, morsel in cookie.items():
                    self.cookies[name] = morsel.value
            return response.status, data
        finally:
            connection.close()

    def log_in(self, login: str) -> str:
        status, page = self.request("GET", "/masuk")
        token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert status == 200 and token, f"login page: {status}"
        form = urllib.parse.urlencode({"csrf_token": token.group(1).decode(), "login": login,
                                       "password": DEMO_PASSWORD})
        status, body = self.request("POST", "/masuk", form)
        assert status == 303, f"login of {login}: {status} {body[:200]!r}"
        status, page = self.request("GET", "/beranda")
        csrf = re.search(rb'"X-CSRFToken": "([^"]+)"', page)
        assert status == 200 and csrf, f"dashboard after login: {status}"
        return csrf.group(1).decode()


def wait_until_up(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode}")
        try:
            if Browser(port).request("GET", "/livez")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("the server did not start")


# ---------------------------------------------------------------------------------------- measurement

def process_tree(pid: int) -> list[int]:
    pids, frontier = [pid], [pid]
    while frontier:
        parent = frontier.pop()
        try:
            for child in Path(f"/proc/{parent}/task/{parent}/children").read_text().split():
                pids.append(int(child))
                frontier.append(int(child))
        except OSError:
            pass
    return pids


def rss_mb(pid: int) -> float:
    total = 0
    for p in process_tree(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def pss_mb(pid: int) -> float:
    """Proportional set size: pages shared by the forked workers counted once, not once per worker."""
    total = 0
    for p in process_tree(pid):
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def pss_by_process(pid: int) -> list[tuple[int, float]]:
    """(pid, PSS MiB) of every process of the tree, the master first."""
    result = []
    for p in process_tree(pid):
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    result.append((p, int(line.split()[1]) / 1024))
        except OSError:
            pass
    return result


class RssSampler(threading.Thread):
    """RSS and PSS of the server tree, once a second."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.samples, self.pss, self.stopped = pid, [], [], threading.Event()

    def run(self):
        while not self.stopped.is_set():
            self.samples.append(rss_mb(self.pid))
            self.pss.append(pss_mb(self.pid))
            self.stopped.wait(1)


def _process_cpu(stat: Path, name: str | None = None) -> int:
    """User + system clock ticks of one process from its /proc/<pid>/stat, with those of its children
    that ended and were waited for (a gunicorn worker restarted after max_requests keeps counting through
    its master; 0 if the process is gone, or if `name` is given and the process has another)."""
    try:
        head, tail = stat.read_text().rsplit(")", 1)
        if name is not None and not head.endswith(f"({name}"):
            return 0
        fields = tail.split()
        return sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime
    except (OSError, IndexError, ValueError):
        return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the process tree (the server's own work, whatever else runs)."""
    return sum(_process_cpu(Path(f"/proc/{p}/stat")) for p in process_tree(pid)) / os.sysconf("SC_CLK_TCK")


def machine_cpu() -> tuple[float, float]:
    """(busy, stolen) CPU-seconds of the whole machine since boot, from the first line of /proc/stat."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = (
        int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9])
    ticks = os.sysconf("SC_CLK_TCK")
    return (user + nice + system + irq + softirq) / ticks, steal / ticks


def postgres_cpu() -> float:
    """User + system CPU time of every PostgreSQL process on the machine (server and backends)."""
    return sum(_process_cpu(stat, "postgres") for stat in Path("/proc").glob("[0-9]*/stat")) / os.sysconf("SC_CLK_TCK")


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


ROUTES = [
    ("dashboard", re.compile(r"^GET /beranda ")),
    ("lesson page", re.compile(r"^GET /kursus/[^/]+/pelajaran/\d+ ")),
    ("Tandai selesai", re.compile(r"^POST /kursus/[^/]+/pelajaran/\d+/selesai ")),
    ("answer save", re.compile(r"^POST /kuis/percobaan/\d+/jawab ")),
    ("certificate PDF", re.compile(r"^GET /sertifikat/\d+/unduh ")),
]


def access_log_stats(path: Path, since: int) -> dict:
    """Per route from the gunicorn access log (lines after `since` bytes): count, statuses, server ms."""
    lines = path.read_bytes()[since:].decode(errors="replace").splitlines()
    stats = {name: {"ms": [], "status": {}} for name, _ in ROUTES}
    line_re = re.compile(r'"(\w+ \S+) HTTP/[\d.]+" (\d{3}) \S+ (\d+)ms')
    for line in lines:
        match = line_re.search(line)
        if not match:
            continue
        request, status, ms = match.group(1) + " ", match.group(2), int(match.group(3))
        for name, pattern in ROUTES:
            if pattern.match(request):
                stats[name]["ms"].append(ms)
                stats[name]["status"][status] = stats[name]["status"].get(status, 0) + 1
                break
    return stats


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def ensure_wrk(install: bool) -> str:
    wrk = shutil.which("wrk")
    if wrk:
        return wrk
    if not install:
        raise SystemExit("wrk is not installed: apt-get install wrk (or pass --install-wrk)")
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True,
                   env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    return shutil.which("wrk") or "/usr/bin/wrk"


def start_redis(port: int, folder: Path) -> subprocess.Popen | None:
    binary = shutil.which("redis-server")
    if binary is None:
        print("redis-server not found: running without REDIS_URL (in-memory rate limits)")
        return None
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", str(folder)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.3)
    return process


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


# ----------------------------------------------------------------------------------------------- main

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--users", type=int, help="concurrent users (default 50; SQLite 20)")
    parser.add_argument("--duration", type=int, help="seconds (default 60; SQLite 30)")
    parser.add_argument("--port", type=int, default=15420)
    parser.add_argument("--redis-port", type=int, default=15421)
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: gunicorn.conf.py)")
    parser.add_argument("--threads", type=int, help="gunicorn threads per worker (default: gunicorn.conf.py)")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--no-access-log", action="store_true", help="gunicorn without its access log")
    parser.add_argument("--install-wrk", action="store_true", help="apt-get install wrk if it is missing")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs, users file)")
    parser.add_argument("--setup-only-into", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.setup_only_into:  # the set-up subprocess
        setup_data(args.users, Path(args.setup_only_into))
        return

    sqlite = args.database == "sqlite"
    users = args.users or (20 if sqlite else 50)
    duration = args.duration or (30 if sqlite else 60)
    wrk = ensure_wrk(args.install_wrk)
    work = Path(tempfile.mkdtemp(prefix="kopedu-load-"))
    env = {**os.environ, "KOPEDU_INSTANCE": str(work / "instance"), "KOPEDU_UPLOAD_DIR": str(work / "uploads"),
           "PYTHONPATH": str(ROOT)}
    env.pop("REDIS_URL", None)
    if sqlite:
        env.pop("DATABASE_URL", None)
    else:
        env["DATABASE_URL"] = prepare_postgres(os.environ.get("KOPEDU_LOAD_PG", "postgresql://postgres@127.0.0.1:5432"),
                                               os.environ.get("KOPEDU_LOAD_DB", "kopedu_load"))
    users_json = work / "users.json"
    subprocess.run([sys.executable, __file__, "--users", str(users), "--setup-only-into", str(users_json)],
                   env={**env, "KOPEDU_CONFIG": "development"}, check=True, cwd=ROOT)
    people = json.loads(users_json.read_text())

    redis = None
    server_log = work / "server.log"
    access_log = work / "access.log"
    if sqlite:
        command = [str(BIN / "flask"), "--app", "wsgi", "run", "--host", "127.0.0.1", "--port", str(args.port)]
        server_env = {**env, "KOPEDU_CONFIG": "development"}
        description = "flask run (werkzeug, threaded), development config, SQLite (WAL)"
    else:
        redis = start_redis(args.redis_port, work)
        server_env = {**env, "KOPEDU_CONFIG": "production", "SECRET_KEY": secrets.token_hex(32),
                      "GUNICORN_BIND": f"127.0.0.1:{args.port}",
                      "GUNICORN_ACCESSLOG": "" if args.no_access_log else str(access_log)}
        if redis is not None:
            server_env["REDIS_URL"] = f"redis://127.0.0.1:{args.redis_port}/0"
        if args.workers:
            server_env["GUNICORN_WORKERS"] = str(args.workers)
        if args.threads:
            server_env["GUNICORN_THREADS"] = str(args.threads)
        command = [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"]
        description = "gunicorn -c gunicorn.conf.py, production config, PostgreSQL" + (
            ", REDIS_URL" if redis is not None else "")
    with open(server_log, "wb") as log:
        server = subprocess.Popen(command, env=server_env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until_up(args.port, server)
        started = time.perf_counter()
        lines = []
        for person in people:
            browser = Browser(args.port)
            csrf = browser.log_in(person["login"])
            cookie = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
            slug, lesson = person["slug"], person["lesson_id"]
            row = [cookie, csrf, f"/kursus/{slug}/pelajaran/{lesson}", f"/kursus/{slug}/pelajaran/{lesson}/selesai",
                   f"/kuis/percobaan/{person['attempt_id']}/jawab", f"q{person['question_id']}={person['choice_id']}",
                   f"/sertifikat/{person['certificate_id']}/unduh"]
            # Each action once, checked, before the clock starts.
            hx = {"X-CSRFToken": csrf, "HX-Request": "true"}
            checks = [browser.request("GET", "/beranda"), browser.request("GET", row[2]),
                      browser.request("POST", row[3], "", hx), browser.request("POST", row[4], row[5], hx),
                      browser.request("GET", row[6])]
            bad = [(i, status) for i, (status, _) in enumerate(checks) if status != 200]
            if bad:
                raise SystemExit(f"{person['login']}: actions answered {bad}")
            if not checks[4][1].startswith(b"%PDF"):
                raise SystemExit("the certificate download is not a PDF")
            lines.append("\t".join(row))
        users_tsv = work / "users.tsv"
        users_tsv.write_text("\n".join(lines) + "\n")
        print(f"logged in {len(people)} participants in {time.perf_counter() - started:.1f} s")

        log_offset = access_log.stat().st_size if access_log.exists() else 0
        server_log_offset = server_log.stat().st_size
        time.sleep(2)  # let the workers settle after the log-ins
        rss_before = rss_mb(server.pid)
        idle = pss_by_process(server.pid)
        cpu_before = cpu_seconds(server.pid)
        machine_before, postgres_before = machine_cpu(), postgres_cpu()
        wrk_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        load_before = loadavg()
        sampler = RssSampler(server.pid)
        sampler.start()
        wrk_command = [wrk, f"-t{args.wrk_threads}", f"-c{users}", f"-d{duration}s", "--latency", "--timeout", "10s",
                       "-s", str(ROOT / "benches" / "load" / "mix.lua"), f"http://127.0.0.1:{args.port}",
                       "--", str(users_tsv)]
        result = subprocess.run(wrk_command, capture_output=True, text=True, cwd=ROOT)
        sampler.stopped.set()
        sampler.join()
        cpu_used = cpu_seconds(server.pid) - cpu_before
        machine_after, wrk_after = machine_cpu(), resource.getrusage(resource.RUSAGE_CHILDREN)
        shares = {"busy": machine_after[0] - machine_before[0], "stolen": machine_after[1] - machine_before[1],
                  "app": cpu_used, "postgres": postgres_cpu() - postgres_before,
                  "wrk": (wrk_after.ru_utime + wrk_after.ru_stime) - (wrk_before.ru_utime + wrk_before.ru_stime)}
        pss_end = pss_mb(server.pid)
        load_after = loadavg()
        time.sleep(0.5)
        if result.returncode != 0:
            raise SystemExit(f"wrk failed: {result.stderr}")
        figures = json.loads(result.stdout.split("WRKJSON ", 1)[1].splitlines()[0])
        server_text = server_log.read_bytes()[server_log_offset:].decode(errors="replace")
        report(args, users, duration, description, figures, sampler, rss_before, idle, pss_end, shares, load_before,
               load_after, server_text, access_log_stats(access_log, log_offset) if access_log.exists() else None,
               sqlite, result.stdout)
    finally:
        stop(server)
        stop(redis)
        if args.keep:
            print(f"work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def report(args, users, duration, description, f, sampler, rss_before, idle, pss_end, shares, load_before,
           load_after, server_text, routes, sqlite, wrk_output) -> None:
    rss_samples = sampler.samples
    seconds = f["duration_us"] / 1e6
    errors = f["connect_errors"] + f["read_errors"] + f["write_errors"] + f["status_errors"] + f["timeouts"]
    server_errors = len(re.findall(r'" 5\d\d ', server_text))
    locked = server_text.count("database is locked")
    print()
    print(f"### {'SQLite, one process' if sqlite else 'PostgreSQL, gunicorn'} — {users} users, {duration} s")
    print()
    print(f"- server: {description}")
    print(f"- command: `python benches/load/run.py {' '.join(sys.argv[1:])}`".replace("run.py `", "run.py`"))
    print(f"- requests: {f['requests']:,} in {seconds:.1f} s = **{f['requests'] / seconds:,.0f} req/s**")
    print(f"- latency: p50 **{f['p50_us'] / 1000:.1f} ms**, p90 {f['p90_us'] / 1000:.1f} ms, "
          f"p95 **{f['p95_us'] / 1000:.1f} ms**, p99 **{f['p99_us'] / 1000:.1f} ms**, max {f['max_us'] / 1000:.1f} ms")
    print(f"- errors: **{errors}** (non-2xx/3xx {f['status_errors']}, connect {f['connect_errors']}, read "
          f"{f['read_errors']}, write {f['write_errors']}, timeouts {f['timeouts']}); 5xx in the server log: "
          f"{server_errors}" + (f"; \"database is locked\" in the server log: **{locked}**" if sqlite else ""))
    print(f"- server memory (RSS, master + workers): {rss_before:.0f} MB before, peak {max(rss_samples or [0]):.0f} MB,"
          f" end {rss_samples[-1] if rss_samples else 0:.0f} MB; PSS at the end (shared pages counted once) "
          f"{pss_end:.0f} MB")
    print(f"- server PSS (smaps_rollup, MiB; {len(idle)} processes: master + {len(idle) - 1} workers): idle "
          f"**{sum(p for _, p in idle):.0f}** (" + " + ".join(f"{p:.0f}" for _, p in idle) + "), under load peak "
          f"**{max(sampler.pss or [0]):.0f}**, end {pss_end:.0f}")
    cpu_used, per_request, cores = shares["app"], 1000 / max(1, f["requests"]), len(os.sched_getaffinity(0))
    print(f"- server CPU: {cpu_used:.1f} CPU-seconds for {f['requests']:,} requests = "
          f"**{cpu_used * per_request:.1f} ms of CPU per request** (app processes only; "
          f"{cpu_used / seconds:.2f} of the {cores} cores on average)")
    other = shares["busy"] - shares["app"] - shares["postgres"] - shares["wrk"]
    print(f"- machine CPU: {shares['busy']:.1f} CPU-seconds busy of {cores * seconds:.0f}; per request: app "
          f"{shares['app'] * per_request:.1f} ms, PostgreSQL {shares['postgres'] * per_request:.1f} ms, wrk "
          f"{shares['wrk'] * per_request:.1f} ms, the rest (kernel, Redis, this script) {other * per_request:.1f} ms;"
          f" stolen by the host {shares['stolen']:.1f} CPU-seconds")
    print(f"- load average (1/5/15 min): {load_before} before, {load_after} after")
    if routes:
        print()
        print("| route | requests | statuses | server p50 | server p95 | server p99 |")
        print("|---|---:|---|---:|---:|---:|")
        for name, data in routes.items():
            ms = data["ms"]
            statuses = ", ".join(f"{k}: {v:,}" for k, v in sorted(data["status"].items()))
            print(f"| {name} | {len(ms):,} | {statuses} | {pct(ms, 50):.0f} ms | {pct(ms, 95):.0f} ms | "
                  f"{pct(ms, 99):.0f} ms |")
        all_ms = [m for data in routes.values() for m in data["ms"]]
        if all_ms:
            print(f"\n(server time from the access log, whole milliseconds; mean {statistics.mean(all_ms):.1f} ms)")
    print()
    print("wrk output:")
    print("```")
    print("\n".join(line for line in wrk_output.splitlines() if not line.startswith("WRKJSON")).rstrip())
    print("```")


if __name__ == "__main__":
    main()
