"""Fixtures for the certificate tests: a course with lessons, a lesson quiz and a post-test, its trainer,
an admin, and an enrolled participant of a cohort who has not finished yet."""
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from kopedu.certificates import jobs
from kopedu.courses.models import Lesson, Module, Quiz
from kopedu.extensions import db
from kopedu.learning.models import LessonProgress
from kopedu.learning.services import enroll
from kopedu.signals import progress_changed
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
    cohort = factories.cohort(course, code="ANGK-1", name="Angkatan 1")
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


def complete(enrollment, *, posttest_score: float = 85, quiz_score: float = 90, send: bool = True):
    """Do what the learning feature records when a participant finishes: progress rows and submitted
    quiz attempts; then send progress_changed as learning does."""
    user_id = enrollment.user_id
    lessons = db.session.scalars(select(Lesson).join(Module).where(Module.course_id == enrollment.course_id)).all()
    done = set(db.session.scalars(select(LessonProgress.lesson_id).where(LessonProgress.user_id == user_id)))
    for lesson in lessons:
        if lesson.id not in done:
            db.session.add(LessonProgress(user_id=user_id, lesson_id=lesson.id))
    user = enrollment.user
    for quiz in db.session.scalars(select(Quiz).where(Quiz.course_id == enrollment.course_id)):
        score = posttest_score if quiz.role == "posttest" else quiz_score
        factories.quiz_attempt(user, quiz, score=score, number=_next_number(user_id, quiz.id))
    enrollment.progress_pct = 100
    db.session.flush()
    if send:
        progress_changed.send(enrollment)
    return enrollment


def _next_number(user_id, quiz_id) -> int:
    from sqlalchemy import func

    from kopedu.learning.models import QuizAttempt

    return (db.session.scalar(select(func.max(QuizAttempt.number)).where(
        QuizAttempt.user_id == user_id, QuizAttempt.quiz_id == quiz_id)) or 0) + 1
