"""`flask kopedu seed-scale`: a national synthetic dataset on PostgreSQL for the monitoring benchmark.

Every village of the BPS list gets one cooperative; 400,000 participants are spread over them, all
enrolled in one 40-lesson course (one cohort per kabupaten/kota), with 8,000,000 lesson progress rows
in total: each participant completed the first k lessons, and the enrolment's progress_pct,
last_activity_at and completed_at agree with those rows. Pre-tests and post-tests have attempts.
Everything is generated inside PostgreSQL (COPY and INSERT … SELECT generate_series), so it takes
minutes. Run it on a database of its own.
"""
import time
from pathlib import Path

import click
from sqlalchemy import select, text
from werkzeug.security import generate_password_hash

from kopedu.courses.models import Course, Lesson, Module, Quiz
from kopedu.extensions import db
from kopedu.regions.services import FILES, import_regions
from kopedu.reports import facts

COURSE_SLUG = "bimtek-skala-nasional"
MODULES, LESSONS_PER_MODULE = 4, 10
LESSONS = MODULES * LESSONS_PER_MODULE
PASSWORD = "skala12345"


class ScaleError(RuntimeError):
    pass


def seed_scale(directory: Path, participants: int = 400_000, progress_rows: int = 8_000_000,
               echo=click.echo, cohort_size: int | None = None, extra_steps=()) -> dict[str, int]:
    """Build the dataset; commits step by step (it is a scratch database). Returns row counts.

    Without `cohort_size` every kabupaten/kota has one cohort; with it, the participants of each
    kabupaten/kota are split into cohorts of at most `cohort_size` (balanced: from half of it up).
    `extra_steps` are (label, fn(conn, course_id)) run on the same connection after the attempts."""
    if db.engine.dialect.name != "postgresql":
        raise ScaleError("seed-scale needs PostgreSQL (set DATABASE_URL to an empty database).")
    if participants % 2:
        raise ScaleError("--participants must be even (progress rows are generated in pairs).")
    if progress_rows % participants or not 0 <= progress_rows // participants <= LESSONS:
        raise ScaleError(f"--progress-rows must be a multiple of --participants, at most {LESSONS} per participant.")
    if db.session.scalar(select(Course.id).where(Course.slug == COURSE_SLUG)) is not None:
        raise ScaleError("The scale dataset is already loaded in this database.")
    for name, _level in FILES:
        if not (Path(directory) / name).is_file():
            raise ScaleError(f"{directory}: {name} is missing")
    mean = progress_rows // participants
    started = time.perf_counter()
    try:
        import_regions(Path(directory))  # the same import as `flask kopedu import-regions`
    except ValueError as error:  # a malformed code, named with its file
        raise ScaleError(str(error)) from error
    course_id = _course()
    db.session.commit()
    echo(f"  regions and course: {time.perf_counter() - started:.1f} s")
    # One connection for the rest: the steps share temporary tables.
    with db.engine.connect() as conn:
        conn.execute(text("SET synchronous_commit = off"))

        def step(label, fn, *args):
            t = time.perf_counter()
            fn(conn, *args)
            conn.commit()
            echo(f"  {label}: {time.perf_counter() - t:.1f} s")

        step("cooperatives", _cooperatives)
        step("participants", _participants, participants)
        if cohort_size:
            step("cohorts", _sized_cohorts, course_id, cohort_size)
        else:
            step("cohorts", _cohorts, course_id)
        step("enrolments", _enrollments, course_id, mean, bool(cohort_size))
        step("lesson progress", _progress, course_id)
        step("quiz attempts", _attempts, course_id)
        for label, fn in extra_steps:
            step(label, fn, course_id)
        conn.execute(text("RESET synchronous_commit"))
        conn.commit()
    t = time.perf_counter()
    facts.rebuild()
    db.session.commit()
    echo(f"  monitoring facts: {time.perf_counter() - t:.1f} s")
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        t = time.perf_counter()
        conn.exec_driver_sql("VACUUM ANALYZE")
        echo(f"  vacuum analyze: {time.perf_counter() - t:.1f} s")
        counts = {name: conn.scalar(text(f'SELECT count(*) FROM "{name}"')) for name in
                  ("region", "cooperative", "user", "enrollment", "lesson_progress", "quiz_attempt", "cohort",
                   "monitor_enrollment")}
    echo(f"Done in {time.perf_counter() - started:.0f} s")
    return counts


def _cooperatives(conn) -> None:
    conn.execute(text("""
        INSERT INTO cooperative (name, village_code, created_at)
        SELECT 'Koperasi Desa/Kelurahan Merah Putih ' || initcap(r.name), r.code, now()
        FROM region r
        WHERE r.level = 'kelurahan_desa'
          AND NOT EXISTS (SELECT 1 FROM cooperative c WHERE c.village_code = r.code)"""))


def _course() -> int:
    course = Course(slug=COURSE_SLUG, title="Bimtek Nasional Pengurus KMP (data sintetis)",
                    summary="Kursus sintetis untuk uji skala.", published=True, jp_hours=32)
    db.session.add(course)
    for m in range(MODULES):
        module = Module(course=course, slug=f"modul-{m + 1}", title=f"Modul {m + 1}", position=m + 1)
        for i in range(LESSONS_PER_MODULE):
            module.lessons.append(Lesson(slug=f"pelajaran-{i + 1}", title=f"Pelajaran {m + 1}.{i + 1}",
                                         position=i + 1, body="Isi sintetis.", minutes=10))
        db.session.add(module)
    db.session.add_all([Quiz(course=course, role="pretest", title="Pre-test"),
                        Quiz(course=course, role="posttest", title="Post-test")])
    db.session.flush()
    return course.id


def _cohorts(conn, course_id: int) -> None:
    conn.execute(text("""
        INSERT INTO cohort (course_id, code, name, starts_on, ends_on, venue, region_code, created_at)
        SELECT :course, 'SKALA-' || r.code, 'Angkatan I ' || initcap(r.name), current_date - 70, current_date + 20,
               'Aula Dinas Koperasi ' || initcap(r.name), r.code, now()
        FROM region r WHERE r.level = 'kabupaten_kota'"""), {"course": course_id})


def _sized_cohorts(conn, course_id: int, size: int) -> None:
    """Cohorts of at most `size` participants inside each kabupaten/kota (scale_cohort maps each one)."""
    conn.execute(text("""
        CREATE TEMP TABLE scale_cohort AS
        SELECT user_id, regency, (rn * ceil(total::numeric / :size)::int / total) + 1 AS n
        FROM (SELECT u.id AS user_id, left(c.village_code, 4) AS regency,
                     row_number() OVER (PARTITION BY left(c.village_code, 4) ORDER BY c.village_code, u.id) - 1 AS rn,
                     count(*) OVER (PARTITION BY left(c.village_code, 4)) AS total
              FROM "user" u JOIN cooperative c ON c.id = u.cooperative_id WHERE u.phone LIKE '6289%') s"""),
        {"size": size})
    conn.execute(text("ALTER TABLE scale_cohort ADD PRIMARY KEY (user_id)"))
    conn.execute(text("""
        INSERT INTO cohort (course_id, code, name, starts_on, ends_on, venue, region_code, created_at)
        SELECT :course, 'SKALA-' || r.code || '-' || s.n, 'Angkatan ' || s.n || ' ' || initcap(r.name),
               current_date - 70, current_date + 20, 'Aula Dinas Koperasi ' || initcap(r.name), r.code, now()
        FROM (SELECT DISTINCT regency, n FROM scale_cohort) s JOIN region r ON r.code = s.regency"""),
        {"course": course_id})


def _participants(conn, n: int) -> None:
    """n participants, spread round-robin over the cooperatives; all with the same password hash."""
    conn.execute(text("""
        CREATE TEMP TABLE coop_seq AS
        SELECT id, row_number() OVER (ORDER BY village_code) - 1 AS rn FROM cooperative"""))
    ncoop = conn.scalar(text("SELECT count(*) FROM coop_seq"))
    conn.execute(text("CREATE INDEX ON coop_seq (rn)"))
    conn.execute(text("""
        INSERT INTO "user" (full_name, phone, password_hash, role, position, cooperative_id, active,
                            session_token, created_at)
        SELECT 'Peserta Skala ' || g, '6289' || lpad(g::text, 9, '0'), :hash, 'participant',
               (ARRAY['Ketua','Wakil Ketua','Sekretaris','Bendahara','Pengawas','Manajer','Anggota'])[1 + g % 7],
               c.id, true, md5(g::text || random()::text)::varchar(16), now() - interval '80 days'
        FROM generate_series(1, :n) AS g
        JOIN coop_seq c ON c.rn = g % :ncoop"""),
        {"n": n, "ncoop": ncoop, "hash": generate_password_hash(PASSWORD)})


def _enrollments(conn, course_id: int, mean: int, sized: bool = False) -> None:
    """k lessons done per participant: pairs (r, 2·mean − r) keep the total at exactly mean · n."""
    conn.execute(text("""
        CREATE TEMP TABLE scale_participant AS
        SELECT user_id, g, k,
               CASE WHEN k = 0 THEN NULL
                    ELSE now() - make_interval(days => ((g * 37) % 45)::int, hours => ((g * 7) % 24)::int)
               END AS last_at
        FROM (SELECT id AS user_id, g,
                     CASE WHEN g % 2 = 1 THEN ((g + 1) / 2 * 7919) % (2 * :mean + 1)
                          ELSE 2 * :mean - ((g + 1) / 2 * 7919) % (2 * :mean + 1) END AS k
              FROM (SELECT id, right(phone, 9)::bigint AS g FROM "user" WHERE phone LIKE '6289%') u) s"""),
        {"mean": mean})
    conn.execute(text("ALTER TABLE scale_participant ADD PRIMARY KEY (user_id)"))
    conn.execute(text("""
        INSERT INTO enrollment (user_id, course_id, cohort_id, enrolled_at, last_activity_at, progress_pct,
                                completed_at)
        SELECT p.user_id, :course, h.id, now() - interval '60 days', p.last_at,
               (100 * p.k / :lessons)::int,  -- as learning computes it: done · 100 // required
               CASE WHEN p.k = :lessons THEN p.last_at END
        FROM scale_participant p
        JOIN "user" u ON u.id = p.user_id
        JOIN cooperative c ON c.id = u.cooperative_id
        """ + ("""JOIN scale_cohort sc ON sc.user_id = p.user_id
        LEFT JOIN cohort h ON h.code = 'SKALA-' || sc.regency || '-' || sc.n""" if sized else
               """LEFT JOIN cohort h ON h.region_code = left(c.village_code, 4) AND h.course_id = :course""")),
        {"course": course_id, "lessons": LESSONS})


def _progress(conn, course_id: int) -> None:
    """The first k lessons of each participant, one day apart, the last one at last_activity_at."""
    conn.execute(text("""
        CREATE TEMP TABLE lesson_seq AS
        SELECT l.id AS lesson_id, row_number() OVER (ORDER BY m.position, l.position) AS pos
        FROM lesson l JOIN module m ON m.id = l.module_id WHERE m.course_id = :course"""), {"course": course_id})
    conn.execute(text("""
        INSERT INTO lesson_progress (user_id, lesson_id, completed_at)
        SELECT p.user_id, l.lesson_id, p.last_at - make_interval(hours => (p.k - l.pos)::int * 20)
        FROM scale_participant p JOIN lesson_seq l ON l.pos <= p.k"""))
    conn.execute(text("""
        UPDATE enrollment e SET last_lesson_id = l.lesson_id
        FROM scale_participant p JOIN lesson_seq l ON l.pos = p.k
        WHERE e.user_id = p.user_id AND e.course_id = :course"""), {"course": course_id})


def _attempts(conn, course_id: int) -> None:
    """A submitted pre-test for everyone who started, a post-test for everyone who finished."""
    params = {"course": course_id}
    conn.execute(text("""
        INSERT INTO quiz_attempt (quiz_id, user_id, number, started_at, submitted_at, score, passed)
        SELECT q.id, p.user_id, 1, p.last_at - interval '40 days', p.last_at - interval '40 days',
               30 + (p.g * 13) % 41, (30 + (p.g * 13) % 41) >= q.pass_mark
        FROM scale_participant p JOIN quiz q ON q.course_id = :course AND q.role = 'pretest'
        WHERE p.k > 0"""), params)
    conn.execute(text("""
        INSERT INTO quiz_attempt (quiz_id, user_id, number, started_at, submitted_at, score, passed)
        SELECT q.id, p.user_id, 1, p.last_at, p.last_at, 55 + (p.g * 17) % 46, (55 + (p.g * 17) % 46) >= q.pass_mark
        FROM scale_participant p JOIN quiz q ON q.course_id = :course AND q.role = 'posttest'
        WHERE p.k = :lessons"""), {**params, "lessons": LESSONS})
