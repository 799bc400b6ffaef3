"""Enrolment, progress and quiz results."""
from sqlalchemy import func, select

from kopedu.extensions import db
from kopedu.learning.models import Enrollment, QuizAttempt


def enroll(user, course, cohort=None) -> Enrollment:
    """The user's enrolment in the course, created if missing (idempotent). Flushes."""
    enrollment = db.session.scalar(select(Enrollment).where(
        Enrollment.user_id == user.id, Enrollment.course_id == course.id))
    if enrollment is None:
        enrollment = Enrollment(user_id=user.id, course_id=course.id, cohort_id=getattr(cohort, "id", None))
        db.session.add(enrollment)
    elif cohort is not None and enrollment.cohort_id is None:
        enrollment.cohort_id = cohort.id
    db.session.flush()
    return enrollment


def best_scores(quiz_ids, user_ids=None) -> dict[tuple[int, int], float]:
    """Best submitted score (percent) per (user_id, quiz_id): one aggregate query."""
    quiz_ids = list(quiz_ids)
    if not quiz_ids:
        return {}
    stmt = (select(QuizAttempt.user_id, QuizAttempt.quiz_id, func.max(QuizAttempt.score))
            .where(QuizAttempt.quiz_id.in_(quiz_ids), QuizAttempt.submitted_at.is_not(None))
            .group_by(QuizAttempt.user_id, QuizAttempt.quiz_id))
    if user_ids is not None:
        stmt = stmt.where(QuizAttempt.user_id.in_(list(user_ids)))
    return {(user_id, quiz_id): score for user_id, quiz_id, score in db.session.execute(stmt)}
