"""From learning to a certificate through the real routes only, on the bundled demo course: every lesson
done, every quiz and the post-test submitted, the business-plan workbook filled, sent and graded Lulus — then the
Beranda lists the certificate, its PDF opens and the public verify page says SAH. Nothing here writes
progress, attempts or certificates by hand."""
import io
import re

from pypdf import PdfReader
from sqlalchemy import select

from kopedu.auth.models import User
from kopedu.certificates import jobs
from kopedu.courses.models import Course, Lesson, Module, Quiz
from kopedu.demo import DEMO_PASSWORD, seed_demo
from kopedu.extensions import db
from kopedu.grading.models import Submission
from tests.plans.conftest import complete_data, flat_fields

SLUG = "penguatan-kapasitas-pengurus-kmp"


def _log_in(client, phone):
    response = client.post("/masuk", data={"login": phone, "password": DEMO_PASSWORD})
    assert response.status_code == 303, response.get_data(as_text=True)[:300]


def _right_answers(quiz_id) -> dict:
    """The form a participant who knows every answer sends: q<id> → choice ids, the accepted text, the
    number or the matching pairs (kopedu.demo_bimtek answers the same way)."""
    from kopedu.demo_bimtek import right_answer

    quiz = db.session.get(Quiz, quiz_id)
    return {f"q{question.id}": right_answer(question) for question in quiz.questions}


def _take_quiz(client, quiz_id):
    started = client.post(f"/kuis/{quiz_id}/mulai")
    assert started.status_code == 303, started.get_data(as_text=True)[:300]
    attempt_url = started.headers["Location"]
    sent = client.post(attempt_url + "/kirim", data=_right_answers(quiz_id))
    assert sent.status_code == 303
    assert client.get(attempt_url).status_code == 200


def test_learning_to_a_verified_certificate_through_the_routes(app, client):
    seed_demo()
    db.session.commit()
    course = db.session.scalar(select(Course).where(Course.slug == SLUG))
    trainer = app.test_client()
    _log_in(trainer, "081100000002")
    # The trainer asks for the assignment too (and the default lessons and quizzes).
    saved = trainer.post(f"/sertifikat/kursus/{course.id}/aturan", data={
        "auto_issue": "y", "require_lessons": "y", "require_quizzes": "y", "require_assignments": "y",
        "min_posttest_score": "70"})
    assert saved.status_code == 303
    assert jobs.wait_for_workers(60)

    _log_in(client, "081200000001")
    assert "Unduh sertifikat (PDF)" not in client.get("/beranda").get_data(as_text=True)

    pretest = db.session.scalar(select(Quiz).where(Quiz.course_id == course.id, Quiz.role == "pretest"))
    if pretest is not None:
        _take_quiz(client, pretest.id)
    lessons = db.session.execute(
        select(Lesson.id, Lesson.kind).join(Module).where(Module.course_id == course.id, Lesson.published.is_(True))
        .order_by(Module.position, Lesson.position)).all()
    kinds = {kind for _id, kind in lessons}
    assert "assignment" in kinds and "quiz" in kinds
    for lesson_id, kind in lessons:
        if kind == "quiz":
            quiz_id = db.session.scalar(select(Quiz.id).where(Quiz.lesson_id == lesson_id))
            _take_quiz(client, quiz_id)
        elif kind == "assignment":
            # module 6's assignment is the business-plan workbook: start it, fill every step, send it
            assert client.post(f"/rencana/tugas/{lesson_id}/mulai").status_code == 303
            plan_url = client.get(f"/rencana/tugas/{lesson_id}").headers["Location"]
            saved = client.post(plan_url + "/simpan", data=flat_fields(complete_data()))
            assert saved.status_code == 303, saved.get_data(as_text=True)[:300]
            sent = client.post(plan_url + "/kirim")
            assert sent.status_code == 303, sent.get_data(as_text=True)[:300]
        else:
            done = client.post(f"/kursus/{SLUG}/pelajaran/{lesson_id}/selesai")
            assert done.status_code == 303, (lesson_id, kind, done.get_data(as_text=True)[:300])
    posttest = db.session.scalar(select(Quiz).where(Quiz.course_id == course.id, Quiz.role == "posttest"))
    _take_quiz(client, posttest.id)
    assert jobs.wait_for_workers(60)
    # Everything but the grading: no certificate yet.
    assert "Unduh sertifikat (PDF)" not in client.get("/beranda").get_data(as_text=True)

    user = db.session.scalar(select(User).where(User.phone == "6281200000001"))
    submission = db.session.scalar(select(Submission).where(Submission.user_id == user.id))
    page = trainer.get(f"/penilaian/{submission.id}")
    assert page.status_code == 200
    form = {"version": str(submission.latest_version.number), "outcome": "lulus", "feedback": "Bagus."}
    for criterion in submission.assignment.criteria:
        form[f"c-{criterion.id}"] = str(max(int(level["points"]) for level in criterion.levels))
    # the trainer grades the workbook beside the rubric; the rule "assignment passed" holds unchanged
    from kopedu.plans.models import BusinessPlan

    plan = db.session.scalar(select(BusinessPlan).where(BusinessPlan.user_id == user.id))
    graded = trainer.post(f"/rencana/{plan.id}/nilai", data=form)
    assert graded.status_code == 303, graded.get_data(as_text=True)[:500]
    db.session.expire_all()
    assert db.session.get(BusinessPlan, plan.id).status == "passed"
    assert jobs.wait_for_workers(60)  # the PDF is rendered after the grading request committed

    home = client.get("/beranda").get_data(as_text=True)
    assert "Unduh sertifikat (PDF)" in home and course.title in home
    [link] = set(re.findall(r'href="(/sertifikat/\d+/unduh)"', home))  # the list and the course card
    pdf = client.get(link)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    text = " ".join(PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text().split())
    assert "Yuliana Ndun" in text
    [code] = re.findall(r"\b[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]+\b", text)

    anyone = app.test_client()
    verify = anyone.get(f"/verifikasi/{code}")
    assert verify.status_code == 200
    html = verify.get_data(as_text=True)
    assert "SAH" in html and "Sertifikat ini asli dan berlaku." in html and "Yuliana Ndun" in html


def test_attendance_cycle_on_the_demo_course_issues_only_at_close_and_only_if_the_rule_holds(app, client):
    """B1: an attendance-only rule; tapping Izin → Hadir → Terlambat → Tidak hadir issues nothing, and
    closing the attendance issues only to the participant the rule holds for."""
    from kopedu.certificates.models import Certificate
    from kopedu.cohorts.models import Cohort, CohortSession
    from kopedu.learning.models import Enrollment

    seed_demo()
    db.session.commit()
    course = db.session.scalar(select(Course).where(Course.slug == SLUG))
    trainer_id = db.session.scalar(select(User.id).where(User.phone == "6281100000002"))
    _log_in(client, "081100000001")  # the admin sets up the cohort; the trainer takes attendance
    made = client.post("/angkatan/baru", data={
        "course_id": str(course.id), "name": "Angkatan Uji Presensi", "code": "UJI-PRESENSI",
        "starts_on": "2026-11-18", "ends_on": "2026-11-18", "venue": "Aula Dinas", "region": "5371",
        "trainer_ids": [str(trainer_id)]})
    assert made.status_code == 303, made.get_data(as_text=True)[:500]
    cohort = db.session.scalar(select(Cohort).where(Cohort.code == "UJI-PRESENSI"))
    made = client.post(f"/angkatan/{cohort.id}/sesi/baru", data={
        "topic": "Tata kelola koperasi", "held_on": "2026-11-18", "starts_at": "08:00", "ends_at": "12:00"})
    assert made.status_code == 303, made.get_data(as_text=True)[:500]
    session = db.session.scalar(select(CohortSession).where(CohortSession.cohort_id == cohort.id))
    csv = ("nama,hp,jabatan,kelurahan\n"
           "Agnes Uji Satu,0813-7100-0001,Ketua,5371030011\n"
           "Benediktus Uji Dua,0813-7100-0002,Bendahara,5371030011\n").encode()
    uploaded = client.post(f"/angkatan/{cohort.id}/impor", data={"file": (io.BytesIO(csv), "peserta.csv")},
                           content_type="multipart/form-data")
    assert uploaded.status_code == 303, uploaded.get_data(as_text=True)[:500]
    confirmed = client.post(uploaded.headers["Location"] + "/konfirmasi")
    assert confirmed.status_code == 303
    first, second = db.session.scalars(select(Enrollment).where(Enrollment.cohort_id == cohort.id)
                                       .join(User, User.id == Enrollment.user_id).order_by(User.full_name)).all()

    trainer = app.test_client()
    _log_in(trainer, "081100000002")
    # The empty post-test box is sent as a browser sends it: the demo's rule asks for a post-test score,
    # and a field left out of the form keeps the saved value.
    saved = trainer.post(f"/sertifikat/kursus/{course.id}/aturan", data={
        "auto_issue": "y", "min_attendance_pct": "100", "min_posttest_score": ""})
    assert saved.status_code == 303
    assert jobs.wait_for_workers(60)

    def certified(enrollment) -> bool:
        db.session.expire_all()
        return db.session.scalar(select(Certificate.id).where(Certificate.enrollment_id == enrollment.id,
                                                              Certificate.revoked_at.is_(None))) is not None

    base = f"/angkatan/{cohort.id}/sesi/{session.id}"
    for status in ("excused", "present", "late", "absent"):  # Izin → Hadir → Terlambat → Tidak hadir
        assert trainer.post(f"{base}/presensi/{first.id}", data={"status": status}).status_code == 303
        assert not certified(first)
    assert trainer.post(f"{base}/presensi/{second.id}", data={"status": "present"}).status_code == 303
    assert jobs.wait_for_workers(60)
    assert not certified(second)  # open attendance is not settled

    assert trainer.post(f"{base}/tutup-presensi").status_code == 303
    assert jobs.wait_for_workers(60)
    assert certified(second) and not certified(first)
    code = db.session.scalar(select(Certificate.verify_code).where(Certificate.enrollment_id == second.id))
    html = app.test_client().get(f"/verifikasi/{code}").get_data(as_text=True)
    assert "SAH" in html and "Benediktus Uji Dua" in html
