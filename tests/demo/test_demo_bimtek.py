"""The demo shows the product: after seed-demo a running Bimtek exists with a participant at every
stage, checked through the models and services, and the trainer reaches the daftar hadir PDF by following
the links from the cohort page."""
import re

import pytest
from sqlalchemy import func, select

from kopedu.auth.models import User
from kopedu.demo import DEMO_PASSWORD, seed_demo
from kopedu.demo_bimtek import COHORT_CODE, STAGES, demo_logins
from kopedu.extensions import db


@pytest.fixture
def demo(app):
    seed_demo()
    db.session.commit()


def _enrollment(phone):
    from kopedu.cohorts.models import Cohort
    from kopedu.learning.models import Enrollment

    return db.session.scalar(select(Enrollment).join(User, User.id == Enrollment.user_id)
                             .join(Cohort, Cohort.id == Enrollment.cohort_id)
                             .where(User.phone == phone, Cohort.code == COHORT_CODE))


def _phones(stage):
    return [phone for s, phone, _ in STAGES if s == stage]


def test_every_stage_of_a_running_bimtek(demo):
    from kopedu.certificates import services as certificates
    from kopedu.certificates.models import Certificate
    from kopedu.cohorts import importer
    from kopedu.cohorts import services as cohorts
    from kopedu.cohorts.models import Cohort, ParticipantImport
    from kopedu.db import local_zone, utcnow
    from kopedu.evaluations import services as evaluations
    from kopedu.grading import services as grading
    from kopedu.learning.models import QuizAttempt

    cohort = db.session.scalar(select(Cohort).where(Cohort.code == COHORT_CODE))
    assert cohort.region_code == "5371" and len(cohort.trainers) == 2
    today = utcnow().astimezone(local_zone()).date()
    past, now, coming = sorted(cohort.sessions, key=lambda s: s.held_on)
    assert past.held_on < today and past.attendance_closed and cohorts.attendance_summary(past)["present"] > 10
    assert now.held_on == today and not now.attendance_closed and cohorts.checkin_open(now)
    assert coming.held_on > today and not coming.attendance_closed
    assert cohorts.participant_count(cohort) == 24

    rule = certificates.rules_for(cohort.course)
    assert rule.id is not None and rule.require_assignments and rule.min_attendance_pct

    posttest = next(q for q in cohort.course.quizzes if q.role == "posttest")
    assignment = grading.assignment_for_lesson(next(
        lesson.id for module in cohort.course.modules for lesson in module.lessons if lesson.kind == "assignment"))

    def attempts(e, quiz):
        return db.session.scalar(select(func.count(QuizAttempt.id)).where(
            QuizAttempt.user_id == e.user_id, QuizAttempt.quiz_id == quiz.id, QuizAttempt.submitted_at.is_not(None)))

    def status(e):
        submission = grading.submission_of(assignment.id, e.user_id)
        return submission and submission.status

    [e] = map(_enrollment, _phones("not_started"))
    assert e.progress_pct == 0 and status(e) is None
    [e] = map(_enrollment, _phones("mid_course"))
    assert 0 < e.progress_pct < 100 and attempts(e, posttest) == 0
    [e] = map(_enrollment, _phones("posttest_done"))
    assert attempts(e, posttest) == 1 and status(e) is None
    [e] = map(_enrollment, _phones("submitted"))
    assert status(e) == "menunggu"
    [e] = map(_enrollment, _phones("revision"))
    assert status(e) == "perlu_revisi"
    [e] = map(_enrollment, _phones("passed"))
    assert status(e) == "lulus" and certificates.live_certificate(e.id) is None
    assert {c.key: c.met for c in certificates.evaluate(e)} == {
        "lessons": True, "quizzes": True, "posttest": True, "assignments": True, "attendance": False}
    for e in map(_enrollment, _phones("certificate")):
        assert certificates.meets_rules(e) and certificates.live_certificate(e.id) is not None
    [e] = map(_enrollment, _phones("revoked"))
    [revoked] = db.session.scalars(select(Certificate).where(Certificate.enrollment_id == e.id))
    assert revoked.revoked and revoked.revoke_reason and certificates.live_certificate(e.id) is None

    results = evaluations.results(cohort)
    assert results.responses >= evaluations.MIN_RESPONSES and results.shown

    [pending] = db.session.scalars(select(ParticipantImport).where(ParticipantImport.cohort_id == cohort.id))
    preview = importer.preview(cohort, importer.load_records(pending))
    assert pending.confirmed_at is None and len(preview.rows) == 4 and preview.bad and preview.good


def test_seed_demo_twice_changes_nothing(demo):
    from kopedu.certificates.models import Certificate
    from kopedu.cohorts.models import Attendance, Cohort

    def counts():
        return [db.session.scalar(select(func.count()).select_from(model)) for model in (Cohort, Attendance, Certificate)]

    before = counts()
    seed_demo()
    db.session.commit()
    assert counts() == before


def test_the_trainer_reaches_a_daftar_hadir_pdf_from_the_cohort_page(demo, client):
    from kopedu.cohorts.models import Cohort

    assert client.post("/masuk", data={"login": "081100000002", "password": DEMO_PASSWORD}).status_code == 303
    cohort = db.session.scalar(select(Cohort).where(Cohort.code == COHORT_CODE))
    listing = client.get("/angkatan").get_data(as_text=True)
    [cohort_url] = set(re.findall(rf'href="(/angkatan/{cohort.id})"', listing))
    seen, frontier, pdf_url = set(), [cohort_url], None
    for _depth in range(3):
        links = []
        for url in frontier:
            seen.add(url)
            response = client.get(url)
            assert response.status_code == 200, url
            found = re.findall(r'href="([^"]*daftar-hadir\.pdf)"', response.get_data(as_text=True))
            if found:
                pdf_url = found[0]
                break
            links += [link for link in re.findall(rf'href="(/angkatan/{cohort.id}/[^"?#]*)"',
                                                  response.get_data(as_text=True))
                      if link not in seen and not re.search(r"\.(pdf|xlsx|csv)$", link)]
        if pdf_url:
            break
        frontier = list(dict.fromkeys(links))
    assert pdf_url, "no daftar hadir link reachable from the cohort page"
    pdf = client.get(pdf_url.replace("&amp;", "&"))
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")


def test_demo_logins_list_every_account_by_role(demo):
    groups = dict(demo_logins())
    phones = [phone for rows in groups.values() for phone, _name, _shows in rows]
    assert len(phones) == len(set(phones)) == 28
    assert db.session.scalar(select(func.count(User.id)).where(User.phone.like("628%"))) == 28
    assert all(shows for rows in groups.values() for *_x, shows in rows)
    assert [heading for heading in groups] == ["Admin", "Pelatih / trainer", "Pemantau / observer",
                                               "Peserta / participant"]


def test_readme_names_every_stage_login():
    from pathlib import Path

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    for _stage, phone, _shows in STAGES:
        assert f"`0{phone[2:]}`" in readme, phone
    for phone in ("081100000001", "081100000002", "081100000003", "081100000004"):
        assert f"`{phone}`" in readme
    assert COHORT_CODE in readme and "demo-logins" in readme
