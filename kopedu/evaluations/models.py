"""One participant's evaluation of their cohort's training."""
from sqlalchemy import JSON, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kopedu.db import TimestampMixin
from kopedu.extensions import db


class TrainingEvaluation(TimestampMixin, db.Model):
    """`answers`: {"materi": {"rating": 1-5, "comment": str}, "penyelenggaraan": {…},
    "trainers": {"<user id>": {"rating": 1-5, "comment": str}}}. The enrolment is kept only so that a
    participant answers once; no page shows it beside the answers."""

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id", ondelete="CASCADE"), unique=True)
    answers: Mapped[dict] = mapped_column(JSON)

    cohort = relationship("Cohort")
