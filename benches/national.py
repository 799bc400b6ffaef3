"""The national benchmark: every page and export on a national dataset (PostgreSQL).

    createdb kopedu_scale_national
    export DATABASE_URL=postgresql+psycopg://USER@HOST/kopedu_scale_national
    python benches/national.py --build      # once: schema + dataset, a few minutes
    python benches/national.py [--runs 5] [--only WORD]

The dataset (--build) is the whole BPS region list (../shared/data/wilayah beside the project, or
--wilayah DIR; the rows are BPS data under the ODbL 1.0, see the LICENSE file in that folder), one
cooperative per village (~80 k), two officers each (~160 k participants) in cohorts of at most 100
inside their kabupaten/kota, all enrolled in one 40-lesson national course with lesson progress,
pre/post-test attempts and their answers, an assignment with submissions and grades, and
certificates for those who finished. Staff: one trainer per cohort, a national admin, a national
trainer whose region is one province, and observers of a province, a kabupaten/kota and a kecamatan.
Everything is generated inside PostgreSQL (COPY-free: INSERT … SELECT generate_series).

Each page is requested through the app (query + rendering, as the test client does) after one
warm-up request; the figures are the median server time of --runs requests, the SQL statements of
one request and the response bytes. The target: 300 ms and 100 KB, no 500.
"""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, select, text  # noqa: E402

from kopedu import create_app  # noqa: E402
from kopedu.auth.models import User  # noqa: E402
from kopedu.certificates import jobs  # noqa: E402
from kopedu.extensions import db  # noqa: E402

TARGET_MS, TARGET_BYTES = 300, 100 * 1024
PASSWORD = "bench-password"
STAFF = {  # phone (normalised) → role, region level
    "6281100000001": ("admin", None),
    "6281100000002": ("trainer", "province"),   # a trainer of the national course whose region is a province
    "6281100000003": ("observer", "province"),
    "6281100000004": ("observer", "regency"),
    "6281100000005": ("observer", "district"),
}


# --- building the dataset ------------------------------------------------------------------------

def _trainers(conn, course_id: int) -> None:
    """One trainer per cohort, with the cohort's kabupaten/kota as region, each a trainer of the course."""
    conn.execute(text("""
        INSERT INTO "user" (full_name, phone, password_hash, role, region_code, organisation, active,
                            session_token, created_at)
        SELECT 'Pelatih ' || h.name, '6288' || lpad(h.id::text, 9, '0'), 'x', 'trainer', h.region_code,
               'Dinas Koperasi', true, md5(h.id::text)::varchar(16), now()
        FROM cohort h WHERE h.course_id = :course"""), {"course": course_id})
    conn.execute(text("""
        INSERT INTO cohort_trainer (cohort_id, user_id)
        SELECT h.id, u.id FROM cohort h JOIN "user" u ON u.phone = '6288' || lpad(h.id::text, 9, '0')
        WHERE h.course_id = :course"""), {"course": course_id})
    conn.execute(text("""
        INSERT INTO course_trainer (course_id, user_id)
        SELECT DISTINCT h.course_id, ct.user_id FROM cohort_trainer ct JOIN cohort h ON h.id = ct.cohort_id
        WHERE h.course_id = :course"""), {"course": course_id})


def _answers(conn, course_id: int) -> None:
    """Ten single-choice questions (four choices) per pre/post-test, and an answer to each in every attempt."""
    conn.execute(text("""
        INSERT INTO question (quiz_id, position, kind, title, category, text, feedback)
        SELECT q.id, g, 'single', 'Soal ' || g, '', 'Pertanyaan sintetis ' || g || '?', ''
        FROM quiz q CROSS JOIN generate_series(1, 10) g WHERE q.course_id = :course"""), {"course": course_id})
    conn.execute(text("""
        INSERT INTO choice (question_id, position, text, weight, feedback)
        SELECT s.id, g, 'Pilihan ' || g, CASE WHEN g = 1 THEN 100 ELSE 0 END, ''
        FROM question s JOIN quiz q ON q.id = s.quiz_id CROSS JOIN generate_series(1, 4) g
        WHERE q.course_id = :course"""), {"course": course_id})
    conn.execute(text("""
        INSERT INTO attempt_answer (attempt_id, question_id, choice_ids, saved_at, score)
        SELECT a.id, s.id, json_build_array(c.id), a.submitted_at, CASE WHEN c.position = 1 THEN 1 ELSE 0 END
        FROM quiz_attempt a JOIN quiz q ON q.id = a.quiz_id AND q.course_id = :course
        JOIN question s ON s.quiz_id = q.id
        JOIN choice c ON c.question_id = s.id AND c.position = 1 + (a.user_id + s.position) % 4"""),
        {"course": course_id})


def _submissions(conn, course_id: int) -> None:
    """Lesson 1.5 is an assignment: everyone past it sent work; most are graded."""
    lesson_id = conn.scalar(text("""
        SELECT l.id FROM lesson l JOIN module m ON m.id = l.module_id
        WHERE m.course_id = :course AND m.position = 1 AND l.position = 5"""), {"course": course_id})
    conn.execute(text("UPDATE lesson SET kind = 'assignment' WHERE id = :l"), {"l": lesson_id})
    assignment_id = conn.scalar(text("""
        INSERT INTO assignment (lesson_id, submit_text, submit_files, pass_mark)
        VALUES (:l, true, false, 70) RETURNING id"""), {"l": lesson_id})
    conn.execute(text("""
        INSERT INTO submission (assignment_id, user_id, enrollment_id, status, version_count, last_submitted_at,
                                graded_at)
        SELECT :a, p.user_id, e.id,
               CASE WHEN p.g % 10 = 0 THEN 'menunggu' WHEN p.g % 10 = 1 THEN 'perlu_revisi' ELSE 'lulus' END,
               1, p.last_at - interval '30 days',
               CASE WHEN p.g % 10 <> 0 THEN p.last_at - interval '29 days' END
        FROM scale_participant p JOIN enrollment e ON e.user_id = p.user_id AND e.course_id = :course
        WHERE p.k >= 5"""), {"a": assignment_id, "course": course_id})
    conn.execute(text("""
        INSERT INTO submission_version (submission_id, number, text, submitted_at)
        SELECT s.id, 1, 'Laporan kegiatan koperasi (sintetis).', s.last_submitted_at
        FROM submission s WHERE s.assignment_id = :a"""), {"a": assignment_id})
    conn.execute(text("""
        INSERT INTO grade (submission_id, version_id, outcome, points, max_points, percent, scores, feedback,
                           graded_at)
        SELECT s.id, v.id, s.status, CASE WHEN s.status = 'lulus' THEN 8 ELSE 4 END, 10,
               CASE WHEN s.status = 'lulus' THEN 80 ELSE 40 END, '[]', 'Baik.', s.graded_at
        FROM submission s JOIN submission_version v ON v.submission_id = s.id
        WHERE s.assignment_id = :a AND s.graded_at IS NOT NULL"""), {"a": assignment_id})


def _certificates(conn, course_id: int) -> None:
    """A certificate for every finished enrolment (the PDF is not rendered: pdf_path stays empty)."""
    conn.execute(text("""
        INSERT INTO certificate (enrollment_id, serial, verify_code, issued_at, snapshot, version, created_at)
        SELECT e.id, 'SKALA/' || e.id, (SELECT string_agg(substr('23456789ACDEFGHJKMNPRTUVWXY',
                                                  1 + get_byte(decode(md5('v' || e.id || '-' || g), 'hex'), 0) % 27, 1), '')
                        FROM generate_series(1, 17) g), e.completed_at,
               json_build_object('name', u.full_name, 'position', u.position, 'cooperative', c.name,
                                 'course_title', 'Bimtek Nasional', 'issued_line', 'Jakarta'),
               1, e.completed_at
        FROM enrollment e JOIN "user" u ON u.id = e.user_id JOIN cooperative c ON c.id = u.cooperative_id
        WHERE e.course_id = :course AND e.completed_at IS NOT NULL"""), {"course": course_id})


def _kawal(conn, course_id: int) -> None:
    """Monthly follow-up (kawal) of three cooperatives in four: a plan that passed in August 2026 with
    twelve planned months and three activities, one to three monthly check-ins (September to November)
    with a status for each activity."""
    conn.execute(text("""
        INSERT INTO kawal_plan (cooperative_id, village_code, plan_id, owner_id, passed_at, start_month,
                                snapshot, last_report_month, need, updated_at)
        SELECT c.id, c.village_code, NULL, (SELECT min(u.id) FROM "user" u WHERE u.cooperative_id = c.id),
               timestamptz '2026-08-20 10:00+08', date '2026-09-01',
               json_build_object(
                 'sales', (SELECT json_agg((5000000 + 250000 * m)::text) FROM generate_series(1, 12) m),
                 'costs', (SELECT json_agg((4000000 + 100000 * m)::text) FROM generate_series(1, 12) m),
                 'cash_end', (SELECT json_agg((2000000 + 150000 * m)::text) FROM generate_series(1, 12) m),
                 'instalment', '500000',
                 'actions', json_build_array(
                   json_build_object('when', 1, 'activity', 'Rapat anggota tahunan', 'who', 'Ketua',
                                     'budget', '750000', 'indicator', 'Notulen rapat'),
                   json_build_object('when', 2, 'activity', 'Buka gerai sembako', 'who', 'Manajer',
                                     'budget', '15000000', 'indicator', 'Gerai buka'),
                   json_build_object('when', 3, 'activity', 'Pencatatan kas harian', 'who', 'Bendahara',
                                     'budget', '0', 'indicator', 'Buku kas terisi'))),
               date '2026-09-01' + make_interval(months => c.id % 3), c.id % 5, now()
        FROM cooperative c WHERE c.id % 4 <> 0"""))
    conn.execute(text("""
        INSERT INTO kawal_checkin (plan_id, month, reporter_id, sales, costs, cash, note, created_at, updated_at)
        SELECT k.id, m::date, k.owner_id, 4800000 + (k.id % 7) * 100000, 4100000, 1900000 + (k.id % 5) * 200000,
               'Penjualan naik sedikit.', m + interval '28 days', m + interval '28 days'
        FROM kawal_plan k CROSS JOIN generate_series(timestamp '2026-09-01', k.last_report_month, interval '1 month') m"""))
    conn.execute(text("""
        INSERT INTO kawal_checkin_action (checkin_id, position, status, note)
        SELECT ch.id, p, CASE WHEN p = 0 THEN 'selesai' WHEN (ch.id + p) % 3 = 0 THEN 'belum' ELSE 'berjalan' END, ''
        FROM kawal_checkin ch CROSS JOIN generate_series(0, 2) p"""))


def build(wilayah: Path) -> None:
    from flask_migrate import upgrade

    from kopedu.reports.scale import seed_scale

    upgrade(directory=str(ROOT / "migrations"))
    villages = sum(1 for _ in open(wilayah / "villages.csv", encoding="utf-8"))
    participants = 2 * villages
    counts = seed_scale(wilayah, participants=participants, progress_rows=20 * participants, cohort_size=100,
                        extra_steps=[("trainers", _trainers), ("questions and answers", _answers),
                                     ("assignment submissions", _submissions), ("certificates", _certificates),
                                     ("monthly follow-up (kawal)", _kawal)])
    print(", ".join(f"{k}: {v:,}" for k, v in counts.items()))


# --- timing every page ---------------------------------------------------------------------------

def pick_targets() -> dict[str, str]:
    """The largest region at every level (by participants), following the largest one down."""
    q = db.session.execute
    t = {}
    t["province"] = q(text("""SELECT province_code FROM monitor_enrollment GROUP BY 1 ORDER BY count(*) DESC
                              LIMIT 1""")).scalar()
    t["regency"] = q(text("""SELECT regency_code FROM monitor_enrollment WHERE province_code = :p GROUP BY 1
                             ORDER BY count(*) DESC LIMIT 1"""), {"p": t["province"]}).scalar()
    t["district"] = q(text("""SELECT district_code FROM monitor_enrollment WHERE regency_code = :p GROUP BY 1
                              ORDER BY count(*) DESC LIMIT 1"""), {"p": t["regency"]}).scalar()
    t["village"], t["coop"] = q(text("""SELECT village_code, cooperative_id FROM monitor_enrollment
                                        WHERE district_code = :p GROUP BY 1, 2 ORDER BY count(*) DESC LIMIT 1"""),
                                {"p": t["district"]}).one()
    t["course"], t["slug"] = q(text("SELECT id, slug FROM course WHERE slug = 'bimtek-skala-nasional'")).one()
    t["cohort"] = q(text("""SELECT cohort_id FROM monitor_enrollment WHERE regency_code = :r GROUP BY 1
                            ORDER BY count(*) DESC LIMIT 1"""), {"r": t["regency"]}).scalar()
    t["trainer_phone"] = q(text("""SELECT u.phone FROM cohort_trainer ct JOIN "user" u ON u.id = ct.user_id
                                   WHERE ct.cohort_id = :c LIMIT 1"""), {"c": t["cohort"]}).scalar()
    t["participant_phone"], t["person"], t["enrollment"] = q(text("""
        SELECT u.phone, u.id, e.id FROM enrollment e JOIN "user" u ON u.id = e.user_id
        WHERE e.cohort_id = :c AND e.progress_pct BETWEEN 40 AND 90 ORDER BY u.id LIMIT 1"""),
        {"c": t["cohort"]}).one()
    t["lesson"] = q(text("""SELECT l.id FROM lesson l JOIN module m ON m.id = l.module_id
                            WHERE m.course_id = :c AND m.position = 2 AND l.position = 3"""), {"c": t["course"]}).scalar()
    t["assignment"] = q(text("""SELECT a.id FROM assignment a JOIN lesson l ON l.id = a.lesson_id
                                JOIN module m ON m.id = l.module_id WHERE m.course_id = :c"""),
                        {"c": t["course"]}).scalar()
    t["submission"] = q(text("""SELECT s.id FROM submission s JOIN enrollment e ON e.id = s.enrollment_id
                                WHERE e.cohort_id = :c ORDER BY s.id LIMIT 1"""), {"c": t["cohort"]}).scalar()
    t["quiz"] = q(text("SELECT id FROM quiz WHERE course_id = :c AND role = 'pretest'"), {"c": t["course"]}).scalar()
    t["certificate"], t["verify"] = q(text("SELECT id, verify_code FROM certificate ORDER BY id LIMIT 1")).one()
    t["name"] = q(text('SELECT full_name FROM "user" WHERE id = :u'), {"u": t["person"]}).scalar()
    # Anchors deep in the keyset lists (what page 2,000 / page 100 / page 10 were with OFFSET paging).
    t["deep_user"] = q(text('SELECT id FROM "user" ORDER BY id DESC OFFSET 50000 LIMIT 1')).scalar()
    t["deep_cohort"] = q(text("SELECT id FROM cohort ORDER BY id DESC OFFSET 500 LIMIT 1")).scalar()
    t["deep_lagging"] = q(text("""SELECT enrollment_id FROM monitor_enrollment WHERE completed_at IS NULL
                                  ORDER BY activity_at, enrollment_id OFFSET 5000 LIMIT 1""")).scalar()
    t["kawal"] = q(text("""SELECT id FROM kawal_plan WHERE village_code BETWEEN :lo AND :hi ORDER BY id LIMIT 1"""),
                   {"lo": t["district"].ljust(10, "0"), "hi": t["district"].ljust(10, "9")}).scalar()
    return {k: str(v) for k, v in t.items()}


def staff_users(t) -> None:
    """The national admin, the province trainer and the observers (password PASSWORD), and the
    cohort trainer's and participant's passwords."""
    region = {"province": t["province"], "regency": t["regency"], "district": t["district"], None: None}
    for phone, (role, level) in STAFF.items():
        user = db.session.scalar(select(User).where(User.phone == phone))
        if user is None:
            user = User(full_name=f"Bench {role} {level or 'nasional'}", phone=phone, role=role, password_hash="")
            db.session.add(user)
        user.region_code = region[level]
        user.set_password(PASSWORD)
    for phone in (t["trainer_phone"], t["participant_phone"]):
        db.session.scalar(select(User).where(User.phone == phone)).set_password(PASSWORD)
    db.session.flush()
    trainer = db.session.scalar(select(User).where(User.phone == "6281100000002"))
    db.session.execute(text("""INSERT INTO course_trainer (course_id, user_id) VALUES (:c, :u)
                               ON CONFLICT DO NOTHING"""), {"c": int(t["course"]), "u": trainer.id})
    db.session.commit()


def pages(t) -> dict[str, list[tuple[str, str]]]:
    c, h, s = t["course"], t["cohort"], t["slug"]
    prov, reg, dis = t["province"], t["regency"], t["district"]
    surname = t["name"].split()[-1]
    monitor = [
        ("monitoring, national", "/pantau/"),
        (f"monitoring, province {prov}", f"/pantau/wilayah/{prov}"),
        (f"monitoring, kab/kota {reg}", f"/pantau/wilayah/{reg}"),
        (f"monitoring, kecamatan {dis}", f"/pantau/wilayah/{dis}"),
        (f"monitoring, kelurahan {t['village']}", f"/pantau/wilayah/{t['village']}"),
        ("monitoring, cooperative", f"/pantau/koperasi/{t['coop']}"),
        ("monitoring, participant", f"/pantau/peserta/{t['person']}"),
        ("attendance recap, cohort", f"/pantau/angkatan/{h}/rekap-kehadiran"),
        ("lagging, national", "/pantau/tertinggal"),
        ("lagging, national, page 100", f"/pantau/tertinggal?sesudah={t['deep_lagging']}"),
        (f"lagging, province {prov}", f"/pantau/wilayah/{prov}/tertinggal"),
        (f"lagging, kecamatan {dis}", f"/pantau/wilayah/{dis}/tertinggal"),
        ("export CSV, national", "/pantau/ekspor.csv"),
        (f"export XLSX, province {prov}", f"/pantau/wilayah/{prov}/ekspor.xlsx"),
        (f"export CSV, kab/kota {reg}", f"/pantau/wilayah/{reg}/ekspor.csv"),
        ("export CSV, lagging national", "/pantau/tertinggal/ekspor.csv"),
        (f"export XLSX, lagging province {prov}", f"/pantau/wilayah/{prov}/tertinggal/ekspor.xlsx"),
        (f"export CSV, lagging kecamatan {dis}", f"/pantau/wilayah/{dis}/tertinggal/ekspor.csv"),
    ]
    kawal = [  # the monthly follow-up of the business plans (kopedu.plans.kawal_routes)
        ("kawal list, own scope", "/kawal/wilayah"),
        (f"kawal list, kab/kota {reg}", f"/kawal/wilayah?wilayah={reg}"),
        ("kawal list, page 2", "/kawal/wilayah?setelah=0.2.40000"),
        ("kawal plan", f"/kawal/rencana/{t['kawal']}"),
        (f"kawal export plans XLSX, kecamatan {dis}", f"/kawal/wilayah/rencana.xlsx?wilayah={dis}"),
        (f"kawal export check-ins CSV, kab/kota {reg}", f"/kawal/wilayah/laporan.csv?wilayah={reg}"),
        ("kawal export plans CSV, own scope", "/kawal/wilayah/rencana.csv"),
        ("kawal export check-ins XLSX, own scope", "/kawal/wilayah/laporan.xlsx"),
    ]
    return {
        "participant": [
            ("beranda", "/beranda"),
            ("course catalogue", "/kursus"),
            ("course page", f"/kursus/{s}"),
            ("lesson page", f"/kursus/{s}/pelajaran/{t['lesson']}"),
            ("quiz page", f"/kuis/{t['quiz']}"),
            ("my assignments", "/tugas"),
            ("verify a certificate", f"/verifikasi/{t['verify']}"),
            ("kawal: own cooperative's follow-up", "/kawal"),
        ],
        "trainer": [
            ("beranda", "/beranda"),
            ("cohort list", "/angkatan"),
            ("cohort page", f"/angkatan/{h}"),
            ("attendance page", "/hadir"),
            ("grading queue", "/penilaian"),
            ("grade a submission", f"/penilaian/{t['submission']}"),
            ("gradebook, cohort", f"/penilaian/kursus/{c}?angkatan={h}"),
            ("gradebook, whole course", f"/penilaian/kursus/{c}"),
            ("gradebook export XLSX, cohort", f"/penilaian/kursus/{c}/buku-nilai.xlsx?angkatan={h}"),
            ("gradebook export CSV, cohort", f"/penilaian/kursus/{c}/buku-nilai.csv?angkatan={h}"),
            ("pre/post report, whole course", f"/kursus/{s}/pre-post"),
            ("pre/post report, cohort", f"/kursus/{s}/pre-post?angkatan={h}"),
            ("certificates, my courses", "/sertifikat"),
            ("certificates of the course", f"/sertifikat/kursus/{c}"),
            ("certificates, cohort", f"/sertifikat/kursus/{c}?angkatan={h}"),
        ],
        "trainer-province": [
            ("cohort list", "/angkatan"),
            ("gradebook, whole course", f"/penilaian/kursus/{c}"),
            ("pre/post report, whole course", f"/kursus/{s}/pre-post"),
            ("grading queue", "/penilaian"),
            ("certificates of the course", f"/sertifikat/kursus/{c}"),
        ],
        "admin": [
            ("beranda", "/beranda"),
            ("course admin list", "/kelola/"),
            ("course editor", f"/kelola/kursus/{c}"),
            ("course editor, trainer search", f"/kelola/kursus/{c}/pelatih?cari=pelatih&tambah=pelatih"),
            ("cohort list", "/angkatan"),
            ("cohort list, page 10", f"/angkatan?sesudah={t['deep_cohort']}"),
            ("cohort page", f"/angkatan/{h}"),
            ("new cohort form", "/angkatan/baru"),
            ("new cohort form, trainer search", "/angkatan/baru?cari_pelatih=pelatih"),
            ("user list", "/admin/pengguna"),
            ("user list, page 2000", f"/admin/pengguna?sesudah={t['deep_user']}"),
            ("user search by name", f"/admin/pengguna?q={surname}"),
            ("user search by phone", f"/admin/pengguna?q=0{t['participant_phone'][2:]}"),
            ("user page", f"/admin/pengguna/{t['person']}"),
            ("user page, cooperative search", f"/admin/pengguna/{t['person']}?cari_koperasi=merah"),
            ("grading queue", "/penilaian"),
            ("gradebook, cohort", f"/penilaian/kursus/{c}?angkatan={h}"),
            ("gradebook, whole course", f"/penilaian/kursus/{c}"),
            ("gradebook export CSV, whole course", f"/penilaian/kursus/{c}/buku-nilai.csv"),
            ("pre/post report, whole course", f"/kursus/{s}/pre-post"),
            ("certificates of the course", f"/sertifikat/kursus/{c}"),
            ("certificates, search", f"/sertifikat/kursus/{c}?q={surname}"),
            ("certificate rules", f"/sertifikat/kursus/{c}/aturan"),
            ("certificate template", "/admin/sertifikat/templat"),
        ] + monitor + kawal,
        "observer-province": monitor[:5] + monitor[8:11] + monitor[13:15] + kawal,
        "observer-regency": [(label, path) for label, path in monitor if prov not in path][:0] + [
            (f"monitoring, kab/kota {reg}", f"/pantau/wilayah/{reg}"),
            (f"monitoring, kecamatan {dis}", f"/pantau/wilayah/{dis}"),
            ("monitoring, home", "/pantau/"),
            (f"lagging, kab/kota {reg}", f"/pantau/wilayah/{reg}/tertinggal"),
            (f"export CSV, kab/kota {reg}", f"/pantau/wilayah/{reg}/ekspor.csv"),
        ],
        "observer-district": [
            (f"monitoring, kecamatan {dis}", f"/pantau/wilayah/{dis}"),
            ("monitoring, home", "/pantau/"),
            (f"lagging, kecamatan {dis}", f"/pantau/wilayah/{dis}/tertinggal"),
            (f"export CSV, kecamatan {dis}", f"/pantau/wilayah/{dis}/ekspor.csv"),
            ("kawal list, own scope", "/kawal/wilayah"),
            ("kawal plan", f"/kawal/rencana/{t['kawal']}"),
            ("kawal export check-ins XLSX, own scope", "/kawal/wilayah/laporan.xlsx"),
        ],
    }


ACTORS = {"participant": "participant_phone", "trainer": "trainer_phone", "trainer-province": "6281100000002",
          "admin": "6281100000001", "observer-province": "6281100000003", "observer-regency": "6281100000004",
          "observer-district": "6281100000005"}


def measure(app, t, runs: int, only: str | None) -> int:
    """Outside any app context: each request gets its own (and its own `g`, where the user is kept)."""
    statements = []
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(1))
    over = 0
    print(f"\n| actor | page | status | median ms | SQL | KB |\n|---|---|---|---:|---:|---:|")
    for actor, rows in pages(t).items():
        client = app.test_client()
        phone = t.get(ACTORS[actor], ACTORS[actor])
        response = client.post("/masuk", data={"login": "0" + phone[2:], "password": PASSWORD})
        assert response.status_code in (302, 303), (actor, response.status_code)
        for label, path in rows:
            if only and not any(word in f"{actor} {label}" for word in only.split(",")):
                continue
            try:
                response = client.get(path)
                response.get_data()  # the warm-up is read to the end too (a streamed body ends its request)
                response.close()
                # A large export is built in the background by the warm-up request (kopedu.reports.exports):
                # the timed requests get the finished file, as every request does while it is fresh.
                jobs.wait_for_workers(900)
                timings = []
                for _ in range(runs if response.status_code < 500 else 0):
                    statements.clear()
                    started = time.perf_counter()
                    response = client.get(path)
                    body = response.get_data()  # a streamed export is consumed here, inside the timing
                    timings.append((time.perf_counter() - started) * 1000)
                status = response.status_code
                size = len(response.get_data())
            except Exception as error:  # noqa: BLE001 — a failing page is a row, not the end of the run
                status, timings, size = type(error).__name__[:20], [], 0
            median = statistics.median(timings) if timings else float("nan")
            html = response.mimetype == "text/html" if timings else True
            bad = not timings or median > TARGET_MS or (html and size > TARGET_BYTES) or status not in (200, 302, 303)
            over += bad
            if os.environ.get("BENCH_DEBUG") and (bad or status != 200):
                print(response.get_data(as_text=True)[-2000:])
            print(f"| {actor} | {label} | {status} | {median:.0f} | {len(statements) if timings else '-'} "
                  f"| {size / 1024:.1f} |{' **over**' if bad else ''}", flush=True)
    return over


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", action="store_true", help="create the schema and the national dataset")
    parser.add_argument("--wilayah", type=Path, default=ROOT.parent / "shared" / "data" / "wilayah",
                        help="BPS wilayah folder (default: ../shared/data/wilayah beside the project)")
    parser.add_argument("--add-kawal", action="store_true", help="add the kawal step to a dataset built without it")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", help="time only the rows whose actor/label contains one of these (comma-separated)")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgresql"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database of its own (see the docstring).")
    app = create_app("development", SQLALCHEMY_DATABASE_URI=url, WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False,
                     PASSWORD_HASH_METHOD="pbkdf2:sha256:1000")
    with app.app_context():
        if args.build:
            build(args.wilayah)
            return
        if args.add_kawal:  # a dataset built before the kawal step: add it
            with db.engine.begin() as conn:
                _kawal(conn, 0)
                conn.execute(text("ANALYZE kawal_plan; ANALYZE kawal_checkin; ANALYZE kawal_checkin_action"))
            return
        counts = {name: db.session.scalar(text(f'SELECT count(*) FROM "{name}"'))
                  for name in ("region", "cooperative", "user", "cohort", "enrollment", "lesson_progress",
                               "quiz_attempt", "attempt_answer", "submission", "certificate")}
        print("dataset: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
        t = pick_targets()
        staff_users(t)
        db.session.remove()
    over = measure(app, t, args.runs, args.only)
    print(f"\n{over} row(s) over {TARGET_MS} ms / {TARGET_BYTES // 1024} KB of HTML, or failing")


if __name__ == "__main__":
    main()
