"""Helpers shared by the certificate tests and the browser tests."""
from sqlalchemy import select

from kopedu.courses.models import Lesson, Module, Quiz
from kopedu.extensions import db
from kopedu.learning.models import LessonProgress
from kopedu import events
from tests import factories


def complete(enrollment, *, posttest_score: float = 85, quiz_score: float = 90, send: bool = True):
    """Do what the learning feature records when a participant finishes: progress rows and submitted
    quiz attempts; then emit progress_changed as learning does."""
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
        events.emit("progress_changed", enrollment)
    return enrollment


def _next_number(user_id, quiz_id) -> int:
    from sqlalchemy import func

    from kopedu.learning.models import QuizAttempt

    return (db.session.scalar(select(func.max(QuizAttempt.number)).where(
        QuizAttempt.user_id == user_id, QuizAttempt.quiz_id == quiz_id)) or 0) + 1


def settle():
    """Commit, then wait for what runs after the commit (the certificate PDFs) and read afresh."""
    from kopedu.certificates import jobs

    db.session.commit()
    assert jobs.wait_for_workers(60)
    db.session.expire_all()
