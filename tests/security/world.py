"""One world with a real object behind every URL variable, and one logged-in client per actor.

The object course is the bundled demo course (kopedu.demo.seed_demo): lessons, handouts, lesson
quizzes, pre- and post-test, an assignment. Around it: a cohort with a session and two imports, the
owner's quiz attempt, submission (with a PDF) and certificate (regenerated once, so an old version
exists), a finished ZIP export, a course image, and a second course with its own trainer.

Actors (ACTORS): anonymous; the participant who owns the objects (Yuliana Ndun, Oebufu, kecamatan
Oebobo); another participant of the same course and cohort (Fransiska Kase, Sikumana, kecamatan
Maulafa); a trainer of the course and cohort (Maria Goreti Seran, scope Kota Kupang); a trainer of
another course (scope Maulafa); the observer of the owner's kecamatan (Paulus Nenobais, Oebobo); an
observer of another kecamatan (Maulafa); an admin (Yohanes Bria, national: no region).

Region-scoped staff (kopedu.web.access): an admin of the owner's region, Kota Kupang (5371); an admin of
another region, Kabupaten Kupang (5303); a trainer of the object's course who trains a cohort of it in
Kabupaten Kupang (region 5303) and so sees none of the owner's cohort.
"""
import io
import itertools
import re
from datetime import timedelta
from types import SimpleNamespace

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from kopedu.auth.models import User
from kopedu.extensions import db

ACTORS = ("anon", "owner", "other", "trainer", "trainer_other", "observer", "observer_other", "admin",
          "admin_region", "admin_other", "trainer_far")

_seq = itertools.count(1)


def _pdf() -> bytes:
    from tests.grading import samples

    return samples.pdf()


def _png() -> bytes:
    from tests.grading import samples

    return samples.png()


def build(app) -> SimpleNamespace:
    """Build the world in the current app context and commit it."""
    from kopedu.certificates import jobs
    from kopedu.certificates import services as certificates
    from kopedu.cohorts import importer
    from kopedu.courses import authoring_services
    from kopedu.courses.models import Assignment, Course, Lesson, LessonAttachment, Module, Quiz
    from kopedu.demo import DEMO_PASSWORD, seed_demo
    from kopedu.grading import services as grading
    from kopedu.learning.models import Enrollment, LessonProgress
    from tests import factories

    seed_demo()

    def demo(phone: str) -> User:
        return db.session.scalar(select(User).where(User.phone == phone))

    w = SimpleNamespace(password=DEMO_PASSWORD)
    w.owner = demo("6281200000001")           # Yuliana Ndun, Oebufu (kecamatan Oebobo)
    w.other = demo("6281200000007")           # Fransiska Kase, Sikumana (kecamatan Maulafa)
    w.trainer = demo("6281100000002")         # Maria Goreti Seran, trainer of the demo course
    w.observer = demo("6281100000003")        # Paulus Nenobais, observer of kecamatan Oebobo
    w.admin = demo("6281100000001")           # Yohanes Bria
    w.course = db.session.scalar(select(Course).where(Course.slug == "penguatan-kapasitas-pengurus-kmp"))
    assert w.owner.cooperative.village_code == "5371030011" and w.other.cooperative.village_code == "5371020002"
    # Agustinus Lay, the demo's second trainer, runs no course here: only Maria is "the trainer".
    w.course.trainers = [w.trainer]

    w.trainer_other = factories.user("trainer", full_name="Pelatih Kursus Lain", region_code="5371020",
                                     password=DEMO_PASSWORD)
    w.observer_other = factories.user("observer", full_name="Camat Maulafa", region_code="5371020",
                                      password=DEMO_PASSWORD)
    w.course_other = factories.course(title="Kursus Lain", lessons=1)
    w.course_other.trainers.append(w.trainer_other)
    w.cohort_other = factories.cohort(w.course_other, trainers=[w.trainer_other], code="LAIN-1")

    # --- region-scoped staff
    w.admin_region = factories.user("admin", full_name="Admin Dinas Kota Kupang", region_code="5371",
                                    password=DEMO_PASSWORD)
    w.admin_other = factories.user("admin", full_name="Admin Dinas Kabupaten Kupang", region_code="5303",
                                   password=DEMO_PASSWORD)
    w.trainer_far = factories.user("trainer", full_name="Pelatih Kabupaten Kupang", region_code="5303",
                                   password=DEMO_PASSWORD)
    w.course.trainers.append(w.trainer_far)
    w.cohort_far = factories.cohort(w.course, trainers=[w.trainer_far], code="KAB-1", region_code="5303",
                                    name="Angkatan Kabupaten Kupang 1")

    # --- the course's objects
    lessons = [lesson for module in w.course.modules for lesson in module.lessons]
    w.module = w.course.modules[0]
    w.reading = lessons[0]
    w.quiz = db.session.scalar(select(Quiz).where(Quiz.course_id == w.course.id, Quiz.role == "lesson")
                               .order_by(Quiz.id))
    w.quiz_lesson = w.quiz.lesson
    w.pretest = next(q for q in w.course.quizzes if q.role == "pretest")
    w.question = w.quiz.questions[0]
    w.attachment = db.session.scalar(select(LessonAttachment).join(Lesson).join(Module)
                                     .where(Module.course_id == w.course.id))
    w.assignment = db.session.scalar(select(Assignment).join(Lesson).join(Module)
                                     .where(Module.course_id == w.course.id))
    w.assignment_lesson = w.assignment.lesson
    w.criterion = w.assignment.criteria[0]
    w.media = authoring_services.upload_media(
        w.course, FileStorage(io.BytesIO(_png()), filename="gambar.png"), w.trainer, app.config["UPLOAD_DIR"])
    from kopedu.courses import narration
    w.narration = narration.attach(w.reading, FileStorage(io.BytesIO(b"OggS" + bytes(200)), filename="narasi.ogg"),
                                   recorded=False)

    # --- cohort, enrolments, session, imports
    w.cohort = factories.cohort(w.course, trainers=[w.trainer], code="KPG-1", name="Angkatan Kupang 1")
    w.enrollment = db.session.scalar(select(Enrollment).where(Enrollment.user_id == w.owner.id,
                                                              Enrollment.course_id == w.course.id))
    w.enrollment_other = db.session.scalar(select(Enrollment).where(Enrollment.user_id == w.other.id,
                                                                    Enrollment.course_id == w.course.id))
    w.enrollment.cohort_id = w.cohort.id
    w.enrollment_other.cohort_id = w.cohort.id
    w.session = factories.cohort_session(w.cohort)
    db.session.flush()
    w.import_done = _import(w.cohort, w.admin)
    importer.confirm(w.import_done, w.admin)
    w.import_pending = _import(w.cohort, w.admin)

    # --- the owner's work: every lesson done, a quiz attempt, a submission with a PDF, a certificate
    for lesson in lessons:
        db.session.add(LessonProgress(user_id=w.owner.id, lesson_id=lesson.id))
    w.enrollment.progress_pct = 100
    w.attempt = factories.quiz_attempt(w.owner, w.pretest, score=80)
    w.version = grading.submit(w.assignment, w.enrollment, text="Rencana bisnis kios sembako.",
                               files=[FileStorage(io.BytesIO(_pdf()), filename="rencana.pdf")],
                               upload_dir=app.config["UPLOAD_DIR"])
    w.submission = w.version.submission
    w.file = w.version.files[0]
    # --- plan-core: the bundled assignment is a workbook; the owner's is complete and sent (version 2)
    from kopedu.plans import services as plans
    from tests.plans.conftest import complete_data

    w.plan = plans.start(w.assignment, w.enrollment, w.owner)
    w.plan.data = complete_data()
    plans.submit(w.plan, w.enrollment)
    w.certificate = certificates.issue(w.enrollment, by=w.admin, reason="Matriks akses")
    certificates.regenerate(w.certificate, w.admin, "Versi lama untuk matriks akses")
    w.export = jobs.create_export(w.course, w.cohort, w.admin)
    w.job = certificates.create_job(w.course, "recheck", w.admin)
    db.session.commit()
    assert jobs.wait_for_workers(60)  # the certificate's PDF, rendered after the commit
    jobs.run_export(w.export.id)
    db.session.refresh(w.export)
    assert w.export.state == "done", w.export.error
    db.session.commit()
    _plan_kawal(w, app)
    return w


# --- plan-kawal: the owner's cooperative's plan with a check-in (and a photo), an upload in progress
def _plan_kawal(w, app) -> None:
    import secrets

    from kopedu import storage
    from kopedu.plans import checkins
    from kopedu.plans.kawal_models import Checkin, CheckinAction, KawalPlan
    from kopedu.resumable.models import ResumableUpload

    month = checkins.month_start(checkins.today())
    w.kawal = KawalPlan(cooperative_id=w.owner.cooperative_id, village_code=w.owner.cooperative.village_code,
                        owner_id=w.owner.id, start_month=month,
                        snapshot={"sales": ["1000000"] * 12, "costs": ["900000"] * 12, "cash_end": ["500000"] * 12,
                                  "instalment": "100000",
                                  "actions": [{"when": "Bulan 1", "due": 1, "activity": "Rapat", "who": "Ketua",
                                               "budget": "0", "indicator": "Notulen"}]})
    db.session.add(w.kawal)
    db.session.flush()
    photo = secrets.token_hex(16)
    storage.write_file(app.config["UPLOAD_DIR"] / "kawal" / photo, _png())
    checkin = Checkin(plan_id=w.kawal.id, month=month, reporter_id=w.owner.id, sales=1000000, costs=900000,
                      cash=500000)
    checkin.actions.append(CheckinAction(position=0, status="selesai", photo_name=photo, photo_original="rapat.png"))
    db.session.add(checkin)
    db.session.flush()
    w.checkin_action = checkin.actions[0]
    w.upload = ResumableUpload(id=secrets.token_hex(16), user_id=w.owner.id, purpose="tugas",
                               target_id=w.assignment_lesson.id, original_name="rencana.pdf", size=1000, offset=0)
    db.session.add(w.upload)
    # the owner's workbook (a draft, of a workbook assignment of its own) with a photo
    from kopedu.plans.models import BusinessPlan
    from tests import factories

    workbook = factories.assignment(w.course, title="Buku kerja (matriks)")
    workbook.kind = "business_plan"
    w.photo_plan = BusinessPlan(assignment_id=workbook.id, user_id=w.owner.id,
                                cooperative_id=w.owner.cooperative_id, data={})
    db.session.add(w.photo_plan)
    db.session.flush()
    w.plan_photo = fresh_plan_photo(w)
    db.session.commit()


def fresh_plan_photo(w):
    import secrets

    from flask import current_app

    from kopedu import storage
    from kopedu.plans.photos import PlanPhoto

    name = secrets.token_hex(16)
    storage.write_file(current_app.config["UPLOAD_DIR"] / "plans" / name, _png())
    photo = PlanPhoto(plan_id=w.photo_plan.id, caption="Gerai", stored_name=name, original_name="gerai.png",
                      kind="png", size=len(_png()))
    db.session.add(photo)
    db.session.commit()
    return photo


def _import(cohort, actor):
    from kopedu.cohorts import importer

    n = next(_seq)
    data = ("nama,hp,email,jabatan,kelurahan,koperasi\n"
            f"Peserta Impor {n}A,0813-9{n:03d}-0001,,Ketua,5371030011,\n"
            f"Peserta Impor {n}B,0813-9{n:03d}-0002,,Bendahara,5371020002,\n").encode()
    return importer.store_upload(cohort, data, "peserta.csv", actor)


# --------------------------------------------------------------------------- fresh objects


def fresh_user(w):
    from tests import factories

    user = factories.user(full_name=f"Akun Cadangan {next(_seq)}")
    db.session.commit()
    return user


def fresh_course_trainer(w):
    """A trainer of Kota Kupang on the course, for a row that takes one off it."""
    from tests import factories

    user = factories.user("trainer", full_name=f"Pelatih Cadangan {next(_seq)}", region_code="5371")
    w.course.trainers.append(user)
    db.session.commit()
    return user


def fresh_module(w):
    from kopedu.courses import authoring_services

    module = authoring_services.add_module(w.course, f"Modul cadangan {next(_seq)}")
    db.session.commit()
    return module


def fresh_lesson(w):
    from kopedu.courses import authoring_services

    lesson = authoring_services.add_lesson(w.module, title=f"Pelajaran cadangan {next(_seq)}", kind="reading")
    lesson.published = False
    db.session.commit()
    return lesson


def fresh_question(w):
    from kopedu.courses.models import Question

    question = Question(quiz_id=w.quiz.id, position=1000 + next(_seq), kind="short", text="Cadangan?",
                        answers=["ya"])
    db.session.add(question)
    db.session.commit()
    return question


def fresh_criterion(w):
    from kopedu.courses.models import RubricCriterion

    criterion = RubricCriterion(assignment_id=w.assignment.id, position=1000 + next(_seq), title="Cadangan",
                                levels=[{"points": 1, "description": "Ada"}, {"points": 0, "description": "Tidak"}])
    db.session.add(criterion)
    db.session.commit()
    return criterion


def fresh_media(w):
    from flask import current_app

    from kopedu.courses import authoring_services

    media = authoring_services.upload_media(w.course, FileStorage(io.BytesIO(_png()), filename="cadangan.png"),
                                            w.trainer, current_app.config["UPLOAD_DIR"])
    db.session.commit()
    return media


def fresh_session(w):
    from tests import factories

    session = factories.cohort_session(w.cohort)
    db.session.commit()
    return session


def open_session(w):
    """A session of the world's cohort whose check-in window is open now (its code and QR exist)."""
    from datetime import datetime, time, timedelta

    from kopedu.db import local_zone
    from tests import factories

    now = datetime.now(local_zone())
    session = factories.cohort_session(w.cohort, held_on=now.date(), starts_at=time(0, 0),
                                       ends_at=time(23, 59))
    if not now.time() < time(23, 59):  # the last minute of the day: the window has closed
        session.held_on = (now + timedelta(days=1)).date()
    db.session.commit()
    return session


def fresh_import(w):
    record = _import(w.cohort, w.admin)
    db.session.commit()
    return record


def fresh_attempt(w, user=None):
    """An open attempt of the owner (or `user`) on the pre-test."""
    from kopedu.db import utcnow
    from kopedu.learning.models import QuizAttempt
    from tests import factories

    user = user or w.owner
    number = (db.session.scalar(select(db.func.max(QuizAttempt.number)).where(
        QuizAttempt.user_id == user.id, QuizAttempt.quiz_id == w.pretest.id)) or 0) + 1
    attempt = factories.quiz_attempt(user, w.pretest, score=0, number=number, submitted=False)
    attempt.deadline_at = utcnow() + timedelta(hours=2)
    db.session.commit()
    return attempt


# --------------------------------------------------------------------------- clients


def login(app, user, password: str, csrf: bool = False):
    """A test client logged in as `user` through the real form (with the page's token when CSRF is on)."""
    client = app.test_client()
    data = {"login": "0" + user.phone[2:], "password": password}
    if csrf:
        data["csrf_token"] = page_token(client, "/masuk")
    response = client.post("/masuk", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    return client


def clients(app, w, csrf: bool = False) -> dict:
    result = {"anon": app.test_client()}
    for actor in ACTORS[1:]:
        result[actor] = login(app, getattr(w, actor), w.password, csrf=csrf)
    return result


_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|"X-CSRFToken": "([^"]+)"')


def page_token(client, path: str = "/beranda") -> str:
    """The CSRF token as a page hands it out (hidden field or the body's hx-headers)."""
    html = client.get(path).get_data(as_text=True)
    match = _TOKEN.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1) or match.group(2)
