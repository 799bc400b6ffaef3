"""Region scope: what the region filter (kopedu.web.access) costs on the staff pages that list personal data.

    python benches/region_scope.py [--per-region 1000] [--requests 15]

Runs on a throwaway SQLite file (or on DATABASE_URL if set: an EMPTY database, its tables are created and
dropped). Two Dinas — Kota Kupang (5371) and Kabupaten Kupang (5303) — each with --per-region participants in
cohorts of 100 of one national course. For each page and each viewer (the national admin, the admin of Kota
Kupang, the course's trainer of Kota Kupang): median server time through the Flask test client, SQL
statements and response bytes, and how many participants of each region the page names (Kota, Kab). The filter is a clause
of the page's own queries: a region viewer runs the same number of statements and gets only their half.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, insert  # noqa: E402

from kopedu import create_app  # noqa: E402
from kopedu.extensions import db  # noqa: E402


def build(per_region: int):
    from kopedu.auth.models import User
    from kopedu.cohorts.models import Cohort, cohort_trainer
    from kopedu.learning.models import Enrollment
    from kopedu.regions.models import Cooperative, Region
    from tests import factories
    from tests.regions.scope_world import KAB_KUPANG

    factories.kupang_regions()
    for code, name, level, parent in KAB_KUPANG:
        db.session.add(Region(code=code, name=name, level=level, parent_code=parent))
    db.session.flush()
    national = factories.user("admin", full_name="Admin Nasional", phone="6281100009001")
    admin_kota = factories.user("admin", full_name="Admin Kota", phone="6281100009002", region_code="5371")
    course = factories.course(title="Kursus Nasional")
    trainer = factories.trainer_of(course, full_name="Pelatih Kota", phone="6281100009003", region_code="5371")
    factories.assignment(course)
    password = db.session.get(User, national.id).password_hash
    for n, village in enumerate(("5371030011", "5303100005")):
        coop = factories.cooperative(village)
        cohorts = []
        for c in range(max(1, per_region // 100)):
            cohort = Cohort(course_id=course.id, code=f"R{n}-{c}", name=f"Angkatan {n}-{c}",
                            region_code=village[:4])
            db.session.add(cohort)
            cohorts.append(cohort)
        db.session.flush()
        if n == 0:
            db.session.execute(insert(cohort_trainer), [{"cohort_id": cohorts[0].id, "user_id": trainer.id}])
        users = [{"full_name": f"Peserta {n}-{i:05d}", "role": "participant", "phone": f"628{n + 3}{i:09d}",
                  "password_hash": password, "cooperative_id": coop.id, "session_token": f"{n}{i:015d}"}
                 for i in range(per_region)]
        db.session.execute(insert(User), users)
        ids = [u for (u,) in db.session.execute(
            db.select(User.id).where(User.cooperative_id == coop.id).order_by(User.id))]
        db.session.execute(insert(Enrollment), [
            {"user_id": uid, "course_id": course.id, "cohort_id": cohorts[i % len(cohorts)].id}
            for i, uid in enumerate(ids)])
    db.session.commit()
    assert Cooperative
    return national, admin_kota, trainer, course


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-region", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=15)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="kopedu-region-")
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{folder}/bench.sqlite3"
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, UPLOAD_DIR=Path(folder) / "uploads",
                     RATELIMIT_ENABLED=False)
    from tests.conftest import IsolatedClient

    app.test_client_class = IsolatedClient  # each request in its own app context, as in production
    with app.app_context():
        db.create_all()
        try:
            national, admin_kota, trainer, course = build(args.per_region)
            statements = []
            event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(1))
            pages = {"gradebook": f"/penilaian/kursus/{course.id}", "certificates": f"/sertifikat/kursus/{course.id}",
                     "pre/post": f"/kursus/{course.slug}/pre-post", "accounts": "/admin/pengguna",
                     "grading queue": "/penilaian?status="}
            print(f"{args.per_region:,} participants in each of 2 regions; median of {args.requests} requests")
            print(f"{'page':<14} {'viewer':<15} {'ms':>8} {'SQL':>5} {'KB':>8} {'Kota':>6} {'Kab':>6}")
            for page, path in pages.items():
                for label, user in (("national admin", national), ("admin 5371", admin_kota),
                                    ("trainer 5371", trainer)):
                    if page == "accounts" and user is trainer:
                        continue
                    client = app.test_client()
                    client.post("/masuk", data={"login": "0" + user.phone[2:], "password": "rahasia123"})
                    client.get(path)  # warm
                    times = []
                    for _ in range(args.requests):
                        statements.clear()
                        start = time.perf_counter()
                        response = client.get(path)
                        times.append(time.perf_counter() - start)
                    body = response.get_data(as_text=True)
                    assert response.status_code == 200, (path, label, response.status_code)
                    print(f"{page:<14} {label:<15} {statistics.median(times) * 1000:>8.1f} {len(statements):>5} "
                          f"{len(response.data) / 1024:>8.1f} {body.count('Peserta 0-'):>6} {body.count('Peserta 1-'):>6}")
        finally:
            db.session.remove()
            db.drop_all()


if __name__ == "__main__":
    main()
