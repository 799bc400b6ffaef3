"""Monitoring dashboards at national scale: time every drill-down level on the seed-scale dataset.

    createdb kopedu_scale
    export DATABASE_URL=postgresql+psycopg://USER@HOST/kopedu_scale
    flask --app wsgi db upgrade && flask --app wsgi kopedu seed-scale --yes
    python benches/monitoring.py [--runs 7]

Each page is requested through the app (query + rendering) as an admin; the figures are the
median and the slowest of the timed runs after one warm-up request, and the number of SQL
statements the page ran. The target is 300 ms per page.
"""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, select, text  # noqa: E402

from kopedu import create_app  # noqa: E402
from kopedu.auth.models import User  # noqa: E402
from kopedu.extensions import db  # noqa: E402

TARGET_MS = 300


def pick_targets() -> dict[str, str]:
    """The largest region at every level (by participants), following the largest one down."""
    q = db.session.execute
    province = q(text("""SELECT left(c.village_code, 2) FROM "user" u JOIN cooperative c ON c.id = u.cooperative_id
                         GROUP BY 1 ORDER BY count(*) DESC LIMIT 1""")).scalar()
    regency = q(text("""SELECT left(c.village_code, 4) FROM "user" u JOIN cooperative c ON c.id = u.cooperative_id
                        WHERE c.village_code LIKE :p GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"""),
                {"p": province + "%"}).scalar()
    district = q(text("""SELECT left(c.village_code, 7) FROM "user" u JOIN cooperative c ON c.id = u.cooperative_id
                         WHERE c.village_code LIKE :p GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"""),
                 {"p": regency + "%"}).scalar()
    village, coop = q(text("""SELECT c.village_code, c.id FROM "user" u JOIN cooperative c ON c.id = u.cooperative_id
                              WHERE c.village_code LIKE :p GROUP BY 1, 2 ORDER BY count(*) DESC LIMIT 1"""),
                      {"p": district + "%"}).one()
    person = q(text("""SELECT u.id FROM "user" u WHERE u.cooperative_id = :c ORDER BY u.id LIMIT 1"""),
               {"c": coop}).scalar()
    return {"province": province, "regency": regency, "district": district, "village": village,
            "coop": str(coop), "person": str(person)}


def bench_user() -> User:
    user = db.session.scalar(select(User).where(User.phone == "6281199999999"))
    if user is None:
        user = User(full_name="Bench Admin", phone="6281199999999", role="admin", password_hash="")
        db.session.add(user)
    user.set_password("bench-password")
    db.session.commit()
    return user


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgresql"):
        sys.exit("Set DATABASE_URL to the PostgreSQL database seeded with `flask kopedu seed-scale`.")
    app = create_app("development", SQLALCHEMY_DATABASE_URI=url, WTF_CSRF_ENABLED=False,
                     RATELIMIT_ENABLED=False)
    with app.app_context():
        counts = {name: db.session.scalar(text(f'SELECT count(*) FROM "{name}"'))
                  for name in ("region", "cooperative", "user", "enrollment", "lesson_progress", "quiz_attempt")}
        print("dataset: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
        t = pick_targets()
        bench_user()
        db.session.remove()
        pages = [
            ("national (34 provinces)", "/pantau/"),
            (f"province {t['province']}", f"/pantau/wilayah/{t['province']}"),
            (f"kabupaten/kota {t['regency']}", f"/pantau/wilayah/{t['regency']}"),
            (f"kecamatan {t['district']}", f"/pantau/wilayah/{t['district']}"),
            (f"kelurahan {t['village']}", f"/pantau/wilayah/{t['village']}"),
            (f"cooperative {t['coop']}", f"/pantau/koperasi/{t['coop']}"),
            (f"participant {t['person']}", f"/pantau/peserta/{t['person']}"),
            ("falling behind, national", "/pantau/tertinggal"),
            ("falling behind, national, page 100", "/pantau/tertinggal?page=100"),
            (f"falling behind, province {t['province']}", f"/pantau/wilayah/{t['province']}/tertinggal"),
            (f"falling behind, kecamatan {t['district']}", f"/pantau/wilayah/{t['district']}/tertinggal"),
            ("national, one course", "/pantau/?kursus=1"),
            ("national export CSV", "/pantau/ekspor.csv"),
            (f"province {t['province']} export XLSX", f"/pantau/wilayah/{t['province']}/ekspor.xlsx"),
        ]
        client = app.test_client()
        response = client.post("/masuk", data={"login": "081199999999", "password": "bench-password"})
        assert response.status_code in (302, 303), response.status_code

        statements = []
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(1))
        print(f"\n{'page':44} {'median':>8} {'max':>8} {'queries':>8}")
        worst = 0.0
        for label, path in pages:
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            timings = []
            for _ in range(args.runs):
                statements.clear()
                started = time.perf_counter()
                response = client.get(path)
                timings.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200
            median = statistics.median(timings)
            worst = max(worst, median)
            flag = "" if median <= TARGET_MS else "  > target"
            print(f"{label:44} {median:7.0f}ms {max(timings):7.0f}ms {len(statements):8d}{flag}")
        print(f"\nslowest median {worst:.0f} ms (target {TARGET_MS} ms)")


if __name__ == "__main__":
    main()
