"""Fixtures for the certificate tests: a course with lessons, a lesson quiz and a post-test, its trainer,
an admin, and an enrolled participant of a cohort who has not finished yet."""
from types import SimpleNamespace

import pytest

from kopedu.certificates import jobs
from kopedu.extensions import db
from kopedu.learning.services import enroll
from tests import factories


@pytest.fixture
def world(app, regions):
    coop = factories.cooperative("5371030011", name="Koperasi Kelurahan Merah Putih Oebufu")
    course = factories.course(title="Penguatan Kapasitas Pengurus KMP", jp_hours=32, lessons=3)
    lessons = [lesson for module in course.modules for lesson in module.lessons]
    lessons[-1].kind = "quiz"
    lesson_quiz = factories.quiz(course, lesson=lessons[-1], pass_mark=70)
    pretest = factories.quiz(course, role="pretest", pass_mark=0)
    posttest = factories.quiz(course, role="posttest", pass_mark=70)
    cohort = factories.cohort(course, code="ANGK-1", name="Angkatan 1", venue="Aula Dinas Koperasi dan UKM Kota Kupang")
    trainer = factories.user("trainer", full_name="Maria Goreti Seran")
    course.trainers.append(trainer)
    admin = factories.user("admin", full_name="Yohanes Bria")
    participant = factories.user(full_name="Yuliana Ndun", position="Ketua", cooperative_id=coop.id,
                                 phone="6281299887766", email="yuliana@example.org")
    enrollment = enroll(participant, course, cohort)
    db.session.flush()
    yield SimpleNamespace(course=course, lessons=lessons, lesson_quiz=lesson_quiz, pretest=pretest,
                          posttest=posttest, cohort=cohort, trainer=trainer, admin=admin, coop=coop,
                          participant=participant, enrollment=enrollment)
    jobs.wait_for_workers(60)
