"""CPU cost of each request of the load mix, measured in one process, one request at a time, and the
fixed costs under every request. A script, not a test; it prints the figures.

    python benches/load/cost.py                     # PostgreSQL database kopedu_cost
    python benches/load/cost.py --database sqlite
    python benches/load/cost.py --breakdown         # and where the mix's CPU goes, by library

It builds the same data as benches/load/run.py (the demo data plus a few participants who finished the
bundled course), logs one of them in through the login form of a test client (production config), and
runs each action of the mix --repeat times. For each it prints the CPU time of this process per request
(user + system, from os.times: the app's own cost, without the HTTP server and without the database
server's side), the wall time, the SQL statements per request and the response size. Then the floors:
a request that does nothing (/livez), and one database round trip through the ORM, through SQLAlchemy
Core, and through the driver alone, each with its transaction.

Two cores give 2,000 ms of CPU per second: at N ms per request, at most 2,000 / N requests per second,
before the HTTP server, PostgreSQL and the load generator take their share.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from benches.load.run import DEMO_PASSWORD, prepare_postgres  # noqa: E402

MIX = {"dashboard": 4, "lesson page": 6, "Tandai selesai": 4, "answer save": 4, "certificate PDF": 2}


def build(database: str, work: Path) -> tuple[dict, list[dict]]:
    env = {**os.environ, "KOPEDU_INSTANCE": str(work / "instance"), "KOPEDU_UPLOAD_DIR": str(work / "uploads"),
           "PYTHONPATH": str(ROOT)}
    env.pop("REDIS_URL", None)
    if database == "sqlite":
        env.pop("DATABASE_URL", None)
    else:
        env["DATABASE_URL"] = prepare_postgres(
            os.environ.get("KOPEDU_LOAD_PG", "postgresql://postgres@127.0.0.1:5432"),
            os.environ.get("KOPEDU_COST_DB", "kopedu_cost"))
    out = work / "users.json"
    subprocess.run([sys.executable, str(ROOT / "benches/load/run.py"), "--users", "3", "--setup-only-into", str(out)],
                   env={**env, "KOPEDU_CONFIG": "development"}, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    return env, json.loads(out.read_text())


def use_environment(env: dict) -> None:
    """This process talks to the database build() made, with a production SECRET_KEY."""
    os.environ.update({key: value for key, value in env.items() if key.startswith(("KOPEDU_", "DATABASE_URL"))})
    if "DATABASE_URL" not in env:
        os.environ.pop("DATABASE_URL", None)
    os.environ["SECRET_KEY"] = secrets.token_hex(32)


def logged_in_actions(app, person: dict) -> dict:
    """{name: function making that request of the mix} for `person`, logged in through the login form
    of a test client (and /livez, the floor)."""
    client = app.test_client()
    # The production session cookie is Secure: talk "https" to the test client (a Referer for CSRF).
    client.environ_base.update({"wsgi.url_scheme": "https", "HTTP_HOST": "localhost",
                                "HTTP_REFERER": "https://localhost/"})
    page = client.get("/masuk").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/masuk", data={"csrf_token": token, "login": person["login"], "password": DEMO_PASSWORD})
    assert response.status_code == 303, response.status_code
    csrf = re.search(r'"X-CSRFToken": "([^"]+)"', client.get("/beranda").get_data(as_text=True)).group(1)
    hx = {"X-CSRFToken": csrf, "HX-Request": "true"}
    lesson = f"/kursus/{person['slug']}/pelajaran/{person['lesson_id']}"
    return {
        "dashboard": lambda: client.get("/beranda"),
        "lesson page": lambda: client.get(lesson),
        "Tandai selesai": lambda: client.post(lesson + "/selesai", headers=hx),
        "answer save": lambda: client.post(f"/kuis/percobaan/{person['attempt_id']}/jawab", headers=hx,
                                           data={f"q{person['question_id']}": str(person["choice_id"])}),
        "certificate PDF": lambda: client.get(f"/sertifikat/{person['certificate_id']}/unduh"),
        "/livez (floor)": lambda: client.get("/livez"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--repeat", type=int, default=300)
    parser.add_argument("--profile", metavar="REQUEST", help="also print a cProfile of one request of the mix "
                        "(e.g. dashboard), by cumulative CPU time")
    parser.add_argument("--breakdown", action="store_true", help="also print where the mix's CPU goes, by "
                        "component (each function's own time in a cProfile of the mix, grouped by library)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="kopedu-cost-"))
    env, people = build(args.database, work)
    use_environment(env)

    from sqlalchemy import event, select

    from kopedu import create_app
    from kopedu.auth.models import User
    from kopedu.extensions import db

    app = create_app("production")
    person = people[0]
    actions = logged_in_actions(app, person)
    statements = [0]
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.__setitem__(0, statements[0] + 1))

    def measure(function, repeat):
        for _ in range(10):
            function()
        statements[0] = 0
        before, wall = os.times(), time.perf_counter()
        for _ in range(repeat):
            result = function()
        after = os.times()
        cpu = ((after.user - before.user) + (after.system - before.system)) / repeat * 1000
        return cpu, (time.perf_counter() - wall) / repeat * 1000, statements[0] / repeat, result

    print(f"## In-process cost per request ({args.database}, production config, {args.repeat} each)\n")
    print("| request | CPU ms | wall ms | SQL statements | response bytes |")
    print("|---|---:|---:|---:|---:|")
    costs = {}
    for name, function in actions.items():
        cpu, wall, sql, response = measure(function, args.repeat)
        assert response.status_code == 200, (name, response.status_code)
        costs[name] = cpu
        print(f"| {name} | {cpu:.2f} | {wall:.2f} | {sql:.0f} | {len(response.get_data()):,} |")
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        for _ in range(args.repeat):
            actions[args.profile]()
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
    mix = sum(costs[name] * weight for name, weight in MIX.items()) / sum(MIX.values())
    floor = costs["/livez (floor)"]
    if args.breakdown:
        print_breakdown(actions, mix, max(1, args.repeat // 10))
    print(f"\nThe mix (per 20: {', '.join(f'{w} × {n}' for n, w in MIX.items())}) averages **{mix:.2f} ms of CPU** "
          f"per request, **{mix / floor:.1f} × the /livez floor** ({floor:.2f} ms) of this run: at most "
          f"{2000 / mix:,.0f} requests/s on two cores for the app alone.\n")

    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.phone == "62" + person["login"][1:]))
        connection = db.engine.raw_connection()
        cursor = connection.cursor()

        def orm_get():
            db.session.get(User, user_id)
            db.session.rollback()
            db.session.expunge_all()

        def core_select():
            db.session.execute(select(User.id, User.full_name).where(User.id == user_id)).first()
            db.session.rollback()

        placeholder = "?" if args.database == "sqlite" else "%s"

        def driver():
            cursor.execute(f'SELECT id, full_name FROM "user" WHERE id = {placeholder}', (user_id,))
            cursor.fetchall()
            connection.rollback()

        print("| one database round trip, with its transaction | CPU ms |")
        print("|---|---:|")
        for name, function in [("ORM: session.get(User) (pool checkout, BEGIN, SELECT, ROLLBACK)", orm_get),
                               ("Core: select two columns (same transaction handling)", core_select),
                               ("driver alone: cursor.execute + fetchall + rollback", driver)]:
            cpu, _, _, _ = measure(function, args.repeat)
            print(f"| {name} | {cpu:.2f} |")
        connection.close()


# Where a function's own time goes: the first matching fragment of its file's path names the component.
COMPONENTS = [
    ("Jinja (templates and the engine)", ("/jinja2/", "/markupsafe/", "/templates/", "jinja2_fragments")),
    ("SQLAlchemy ORM", ("/sqlalchemy/orm/", "/flask_sqlalchemy/")),
    ("SQLAlchemy Core and engine", ("/sqlalchemy/",)),
    ("psycopg / sqlite3 (driver)", ("/psycopg/", "/psycopg_pool/", "sqlite3")),
    ("Flask and Werkzeug (routing, request, response, test client)", ("/flask/", "/werkzeug/")),
    ("Flask-Login, Flask-WTF (CSRF), itsdangerous (session)", ("/flask_login/", "/flask_wtf/", "/wtforms/",
                                                              "/itsdangerous/")),
    ("Flask-Babel and Babel (translations, formats)", ("/flask_babel/", "/babel/")),
    ("Flask-Limiter, limits, Flask-Compress, htmx", ("/flask_limiter/", "/limits/", "/flask_compress/",
                                                   "/flask_htmx/", "/htmx_flask/")),
    ("KopEdu's own code", ("/kopedu/",)),
    ("built-in functions and methods (str, dict, list, …)", ("~",)),
    ("Python's standard library", ("/lib/python3",)),
]


def print_breakdown(actions, mix_ms: float, rounds: int) -> None:
    """The mix profiled as a whole (each request in its proportion), each function's own time summed by
    component and scaled to the measured CPU per request of the mix."""
    import cProfile
    import pstats

    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(rounds):
        for name, weight in MIX.items():
            for _ in range(weight):
                actions[name]()
    profiler.disable()
    totals: dict[str, float] = {}
    for (filename, _line, _function), (_cc, _nc, own, _cum, _callers) in pstats.Stats(profiler).stats.items():
        component = next((label for label, parts in COMPONENTS if any(part in filename for part in parts)),
                         "other libraries")
        totals[component] = totals.get(component, 0.0) + own
    whole = sum(totals.values()) or 1.0
    print("\n| where the mix's CPU goes (cProfile, own time by component) | share | ms per request |")
    print("|---|---:|---:|")
    for component, own in sorted(totals.items(), key=lambda item: -item[1]):
        print(f"| {component} | {own / whole:.0%} | {own / whole * mix_ms:.2f} |")
    print(f"\n(The shares are of the profiled run, {rounds} × the 20 requests of the mix; the milliseconds "
          f"scale them to the {mix_ms:.2f} ms measured without the profiler, whose overhead falls "
          f"mostly on code with many small calls.)")


if __name__ == "__main__":
    main()
