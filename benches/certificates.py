"""Certificates: render time of one certificate, server time of a stored download, bulk ZIP of 1,000.

    python benches/certificates.py [--count 1000] [--renders 30] [--downloads 200]

Runs on a throwaway SQLite file (or on DATABASE_URL if set: an EMPTY database, its tables are
created and dropped) with uploads in a temporary folder. Figures:

- render: WeasyPrint PDF of one certificate (HTML → PDF bytes, fonts subset and embedded); the median
  of --renders runs after one warm-up, and the cold first render of the process. Aim: ≤ 150 ms median.
- download: GET /sertifikat/<id>/unduh by its owner through the Flask test client (login, access check,
  stored file sent with ETag); median of --downloads requests. Aim: ≤ 5 ms.
- bulk: issuing --count certificates (each rendered once and stored), then the background ZIP of all of
  them as the trainer gets it, and the worst case: the same ZIP when every stored PDF went missing and the
  job renders all of them again. Aim: ≤ 90 s for 1,000 on 2 cores.
"""
import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select  # noqa: E402

from kopedu import create_app  # noqa: E402
from kopedu.extensions import db  # noqa: E402


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--renders", type=int, default=30)
    parser.add_argument("--downloads", type=int, default=200)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="kopedu-bench-"))
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{work / 'bench.sqlite3'}"
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, UPLOAD_DIR=work / "uploads")
    with app.app_context():
        db.drop_all()
        db.create_all()
        try:
            run(app, args)
        finally:
            db.session.remove()
            db.drop_all()
            db.engine.dispose()
    shutil.rmtree(work, ignore_errors=True)


def run(app, args) -> None:
    from kopedu.auth.models import User
    from kopedu.certificates import jobs, services
    from kopedu.certificates.models import Certificate, CertificateExport
    from kopedu.cohorts.models import Cohort
    from kopedu.courses.models import Course
    from kopedu.learning.models import Enrollment
    from kopedu.regions.models import Cooperative
    from tests import factories

    print(f"database: {db.engine.dialect.name}, cores: {os.cpu_count()}")
    factories.kupang_regions()
    coop = Cooperative(name="Koperasi Kelurahan Merah Putih Oebufu", village_code="5371030011")
    course = Course(slug="bimtek", title="Penguatan Kapasitas Pengurus Koperasi Merah Putih", jp_hours=32,
                    published=True)
    db.session.add_all([coop, course])
    db.session.flush()
    cohort = Cohort(course_id=course.id, code="KPG-1", name="Angkatan 1", venue="Aula Dinas Koperasi")
    admin = factories.user("admin")
    owner = factories.user(full_name="Yuliana Ndun", position="Ketua", cooperative_id=coop.id)
    db.session.add(cohort)
    db.session.flush()
    course.trainers.append(admin)

    # --- render ---------------------------------------------------------------------------------------
    enrollment = Enrollment(user_id=owner.id, course_id=course.id, cohort_id=cohort.id)
    db.session.add(enrollment)
    db.session.flush()
    started = time.perf_counter()
    certificate = services.issue(enrollment, by=admin, reason="bench")
    cold = time.perf_counter() - started
    db.session.commit()
    times = []
    services.render_certificate(certificate)
    for _ in range(args.renders):
        started = time.perf_counter()
        services.render_certificate(certificate)
        times.append(time.perf_counter() - started)
    size = certificate.pdf_size
    print(f"render one certificate: median {ms(statistics.median(times))}, min {ms(min(times))}, "
          f"max {ms(max(times))} over {args.renders} (cold first issue incl. font loading: {ms(cold)}; "
          f"PDF {size / 1024:.0f} KiB)")

    # --- download -------------------------------------------------------------------------------------
    client = app.test_client()
    response = client.post("/masuk", data={"login": "0" + owner.phone[2:], "password": factories.PASSWORD})
    assert response.status_code == 303, response.status_code
    url = f"/sertifikat/{certificate.id}/unduh"
    assert client.get(url).data.startswith(b"%PDF")
    times = []
    for _ in range(args.downloads):
        started = time.perf_counter()
        response = client.get(url)
        response.get_data()
        times.append(time.perf_counter() - started)
        assert response.status_code == 200
    print(f"stored download (test client): median {ms(statistics.median(times))}, "
          f"p95 {ms(sorted(times)[int(len(times) * .95)])} over {args.downloads}")

    # --- bulk -----------------------------------------------------------------------------------------
    n = args.count - 1
    db.session.execute(insert(User), [
        {"full_name": f"Peserta Bimtek {i:04d}", "phone": f"62819{i:08d}", "role": "participant",
         "position": "Anggota", "cooperative_id": coop.id, "password_hash": "-", "session_token": f"{i:032x}",
         "active": True, "created_at": services.utcnow()} for i in range(n)])
    user_ids = db.session.scalars(select(User.id).where(User.phone.like("62819%"))).all()
    db.session.execute(insert(Enrollment), [
        {"user_id": uid, "course_id": course.id, "cohort_id": cohort.id, "progress_pct": 100,
         "enrolled_at": services.utcnow()} for uid in user_ids])
    db.session.commit()
    enrollments = db.session.scalars(select(Enrollment).where(Enrollment.user_id.in_(user_ids))).all()
    started = time.perf_counter()
    for number, e in enumerate(enrollments, 1):
        services.issue(e, by=admin, reason="bench")
        if number % 100 == 0:
            db.session.commit()
    db.session.commit()
    issue_time = time.perf_counter() - started
    total = db.session.query(Certificate).count()
    print(f"issue {len(enrollments)} certificates (render + store each, one process): {issue_time:.1f} s "
          f"({issue_time / len(enrollments) * 1000:.0f} ms each)")

    def zip_once(label: str) -> None:
        export = jobs.create_export(course, cohort, admin)
        db.session.commit()
        started = time.perf_counter()
        jobs.start(export)
        assert jobs.wait_for_workers(3600)
        elapsed = time.perf_counter() - started
        db.session.expire_all()
        export = db.session.get(CertificateExport, export.id)
        assert export.state == "done", export.error
        path = jobs.export_file(export)
        with zipfile.ZipFile(path) as archive:
            members = len(archive.namelist())
        print(f"bulk ZIP of {members} certificates ({label}): {elapsed:.1f} s, "
              f"{export.file_size / 1024 / 1024:.1f} MiB")
        assert members == total

    zip_once("stored PDFs")
    upload = Path(app.config["UPLOAD_DIR"])
    for path in db.session.scalars(select(Certificate.pdf_path)):
        (upload / path).unlink()
    zip_once("worst case: every PDF missing, rendered again by the job")


if __name__ == "__main__":
    main()
