"""Bimtek cohorts (angkatan)."""
from datetime import date

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kopedu.db import TimestampMixin
from kopedu.extensions import db


class Cohort(TimestampMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date | None] = mapped_column()
    ends_on: Mapped[date | None] = mapped_column()
    venue: Mapped[str | None] = mapped_column(String(200))
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)

    course = relationship("Course", lazy="joined")
