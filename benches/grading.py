"""Gradebook and grading-queue timings with a city-sized Bimtek.

    python benches/grading.py [PARTICIPANTS]      (default 600; DATABASE_URL to use PostgreSQL;
                                                   KOPEDU_BENCH_SQL=1 prints the statements)

Prints wall time (best of 3) and the number of SQL statements for: building the gradebook, the XLSX
and CSV exports, the gradebook page, the queue page and one inline grading. Not a test; nothing is
asserted. The statement counts stay the same for any number of participants.

Recorded (600 participants, 1,200 submissions, 4,200 quiz attempts; shared development machine):

    step                                    SQLite            PostgreSQL
    gradebook() rows and columns            21 ms  9 q        29 ms  9 q
    gradebook XLSX export                  110 ms  9 q       121 ms  9 q
    gradebook CSV export                    24 ms  9 q        31 ms  9 q
    GET gradebook page                     104 ms  9 q       110 ms  9 q
    GET /penilaian (queue, 25 rows)         12 ms  7 q        41 ms  7 q
    GET /penilaian?q=peserta%201            12 ms  7 q        27 ms  7 q
    POST grade inline (panel + OOB row)     12 ms 20 q        29 ms 20 q
"""
import os
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event, text  # noqa: E402

from kopedu import create_app  # noqa: E402
from kopedu.extensions import db  # noqa: E402


def main(n: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="kopedu-bench-"))
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp / 'bench.sqlite3'}"
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, UPLOAD_DIR=tmp / "uploads")
    with app.test_request_context():  # the services translate column titles
        db.drop_all()
        db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        db.create_all()
        course, trainer, submission_ids = build(n)
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("ANALYZE"))  # fresh statistics, as autovacuum would have by now
        counter = {"n": 0, "sql": []}

        def count(conn, cursor, statement, *args):
            counter["n"] += 1
            conn.info["started"] = time.perf_counter()

        def done(conn, cursor, statement, *args):
            took = (time.perf_counter() - conn.info.pop("started", time.perf_counter())) * 1000
            counter["sql"].append(f"{took:6.1f} ms  " + " ".join(statement.split())[:140])

        event.listen(db.engine, "before_cursor_execute", count)
        event.listen(db.engine, "after_cursor_execute", done)

        def measure(label, fn, repeat=3):
            best = None
            for _ in range(repeat):
                db.session.expire_all()
                counter["n"], counter["sql"] = 0, []
                started = time.perf_counter()
                fn()
                elapsed = time.perf_counter() - started
                best = elapsed if best is None else min(best, elapsed)
            print(f"{label:<38} {best * 1000:8.1f} ms   {counter['n']:3d} queries")
            if os.environ.get("KOPEDU_BENCH_SQL"):
                print("\n".join("    " + sql for sql in counter["sql"]))

        from kopedu.grading.gradebook import gradebook, gradebook_file

        print(f"{n} participants, 1 course (pre-test, 5 quizzes, 2 assignments, post-test), {db.engine.dialect.name}")
        measure("gradebook() rows and columns", lambda: gradebook(db.session.get(type(course), course.id)))
        measure("gradebook XLSX export", lambda: gradebook_file(gradebook(course), "xlsx"))
        measure("gradebook CSV export", lambda: gradebook_file(gradebook(course), "csv"))

        client = app.test_client()
        client.post("/masuk", data={"login": "bench-trainer@example.org", "password": "bench-password"})
        measure("GET gradebook page", lambda: client.get(f"/penilaian/kursus/{course.id}"))
        measure("GET /penilaian (queue, 25 rows)", lambda: client.get("/penilaian"))
        measure("GET /penilaian?q=peserta%201", lambda: client.get("/penilaian?q=peserta%201&status="))
        criteria = db.session.get(type(course), course.id).modules[0].lessons[-1].assignment.criteria
        levels = {f"c-{c.id}": "4" for c in criteria}
        ids = iter(submission_ids)

        def grade_one():
            client.post(f"/penilaian/{next(ids)}/nilai", headers={"HX-Request": "true"},
                        data={"version": "1", "ctx": "queue", "outcome": "lulus", "feedback": "", **levels})

        measure("POST grade inline (panel + OOB row)", grade_one)
        db.session.remove()
        db.drop_all()


def build(n: int):
    from kopedu.auth.models import User
    from kopedu.courses.models import Assignment, Course, Lesson, Module, Quiz, RubricCriterion
    from kopedu.grading.models import Submission, SubmissionVersion
    from kopedu.learning.models import Enrollment, QuizAttempt
    from kopedu.regions.models import Cooperative, Region

    db.session.add_all([Region(code="53", name="NUSA TENGGARA TIMUR", level="provinsi"),
                        Region(code="5371", name="KOTA KUPANG", level="kabupaten_kota", parent_code="53"),
                        Region(code="5371030", name="OEBOBO", level="kecamatan", parent_code="5371")])
    villages = [Region(code=f"5371030{i:03d}", name=f"KELURAHAN {i:02d}", level="kelurahan_desa",
                       parent_code="5371030") for i in range(1, 51)]
    db.session.add_all(villages)
    coops = [Cooperative(name=f"Koperasi {v.name}", village_code=v.code) for v in villages]
    db.session.add_all(coops)
    trainer = User(full_name="Pelatih", email="bench-trainer@example.org", role="trainer", password_hash="")
    trainer.set_password("bench-password")
    course = Course(slug="bench", title="Bench", published=True)
    course.trainers.append(trainer)
    db.session.add(course)
    quizzes = [Quiz(course=course, role="pretest", title="Pre"), Quiz(course=course, role="posttest", title="Post")]
    for m in range(5):
        module = Module(course=course, slug=f"m{m}", title=f"Modul {m}", position=m)
        quiz_lesson = Lesson(slug="kuis", title=f"Kuis {m}", kind="quiz", position=1)
        module.lessons.append(quiz_lesson)
        quizzes.append(Quiz(course=course, lesson=quiz_lesson, role="lesson", title=f"Kuis {m}"))
        db.session.add(module)
    assignments = []
    for a in range(2):
        lesson = Lesson(slug=f"tugas{a}", title=f"Tugas {a}", kind="assignment", position=2)
        course.modules[a].lessons.append(lesson)
        assignment = Assignment(lesson=lesson)
        for c in range(5):
            assignment.criteria.append(RubricCriterion(position=c, title=f"Kriteria {c}", levels=[
                {"points": 4, "description": "baik"}, {"points": 2, "description": "cukup"},
                {"points": 0, "description": "kurang"}]))
        assignments.append(assignment)
    db.session.add_all(quizzes + assignments)
    db.session.flush()
    users = [User(full_name=f"Peserta {i}", phone=f"62812{i:08d}", role="participant", password_hash="x",
                  position="Ketua", cooperative_id=coops[i % len(coops)].id) for i in range(n)]
    db.session.add_all(users)
    db.session.flush()
    now = datetime.now(timezone.utc)
    enrollments = [Enrollment(user_id=u.id, course_id=course.id, progress_pct=(i * 7) % 101) for i, u in enumerate(users)]
    db.session.add_all(enrollments)
    db.session.flush()
    db.session.add_all([QuizAttempt(quiz_id=q.id, user_id=u.id, number=1, score=float((i * 13) % 100),
                                    submitted_at=now) for i, u in enumerate(users) for q in quizzes])
    submissions = []
    for i, (u, e) in enumerate(zip(users, enrollments)):
        for a in assignments:
            s = Submission(assignment_id=a.id, user_id=u.id, enrollment_id=e.id, version_count=1,
                           last_submitted_at=now - timedelta(minutes=i))
            s.versions.append(SubmissionVersion(number=1, text="Rencana bisnis " * 20))
            submissions.append(s)
    db.session.add_all(submissions)
    db.session.commit()
    return course, trainer, [s.id for s in submissions[:3]]


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 600)
