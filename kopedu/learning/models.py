"""What a participant does: enrolment, lesson progress and quiz attempts."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kopedu.db import TZDateTime, utcnow
from kopedu.extensions import db


class Enrollment(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohort.id", ondelete="SET NULL"), index=True)
    enrolled_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    last_lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lesson.id", ondelete="SET NULL"))
    last_activity_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    progress_pct: Mapped[int] = mapped_column(default=0)  # kept up to date by learning.services
    completed_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    user = relationship("User", lazy="joined")
    course = relationship("Course", lazy="joined")
    cohort = relationship("Cohort")

    __table_args__ = (UniqueConstraint("user_id", "course_id"),)


class LessonProgress(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"), index=True)
    completed_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("user_id", "lesson_id"),)


class QuizAttempt(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(default=1)
    started_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    deadline_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    score: Mapped[float | None] = mapped_column()  # percent, set on submit
    passed: Mapped[bool | None] = mapped_column()
    layout: Mapped[dict | None] = mapped_column(JSON)  # question order and choice order, fixed at start

    quiz = relationship("Quiz")
    answers: Mapped[list["AttemptAnswer"]] = relationship(
        back_populates="attempt", cascade="all, delete-orphan")

    __table_args__ = (UniqueConstraint("quiz_id", "user_id", "number"),
                      Index("ix_quiz_attempt_quiz_id_user_id", "quiz_id", "user_id"))


class AttemptAnswer(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempt.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"))
    choice_ids: Mapped[list | None] = mapped_column(JSON)
    text: Mapped[str | None] = mapped_column(Text)
    saved_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    score: Mapped[float | None] = mapped_column()  # 0..1 of the question's points, set on submit

    attempt: Mapped[QuizAttempt] = relationship(back_populates="answers")

    __table_args__ = (UniqueConstraint("attempt_id", "question_id"),)


class ClientWrite(db.Model):
    """A write made on a phone (lesson completion, quiz answer, a workbook field), by the id the phone
    gave it. The unique (user, client id) makes a replayed write a no-op: it is applied once. A write
    with a target (what it changes: "answer:<attempt>:<question>") keeps one row per (user, target): the
    newest choice applied, by the time it was chosen on the phone (kopedu.learning.sync.apply_once)."""
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    client_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))  # "lesson_done", "answer", …
    applied_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, index=True)
    target: Mapped[str | None] = mapped_column(String(120))
    chosen_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    __table_args__ = (UniqueConstraint("user_id", "client_id"), UniqueConstraint("user_id", "target"))
