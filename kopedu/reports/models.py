"""Monitoring facts: one row per participant enrolment with everything the dashboards group on.

The dashboards read only this table, so a national page is one scan of a narrow table instead of a
join of enrolments, users, cooperatives, quiz attempts and certificates. kopedu.reports.facts keeps
it up to date inside the transaction that changes the underlying rows (ORM flush events and the
progress events, see kopedu.events), and `flask kopedu refresh-monitoring` rebuilds it from scratch.
"""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from kopedu.db import TZDateTime
from kopedu.extensions import db


class MonitorEnrollment(db.Model):
    __tablename__ = "monitor_enrollment"

    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    cohort_id: Mapped[int | None] = mapped_column()
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"), index=True)
    # The BPS codes of the participant's cooperative, one per level, so each level groups on a column.
    province_code: Mapped[str] = mapped_column(String(2))
    regency_code: Mapped[str] = mapped_column(String(4))
    district_code: Mapped[str] = mapped_column(String(7))
    village_code: Mapped[str] = mapped_column(String(10), index=True)
    progress_pct: Mapped[int] = mapped_column(default=0)
    enrolled_at: Mapped[datetime] = mapped_column(TZDateTime)
    last_activity_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    activity_at: Mapped[datetime] = mapped_column(TZDateTime)  # last activity, or enrolment if none yet
    completed_at: Mapped[datetime | None] = mapped_column(TZDateTime, index=True)
    pretest: Mapped[float | None] = mapped_column()  # best submitted score, percent
    posttest: Mapped[float | None] = mapped_column()
    certified: Mapped[bool] = mapped_column(default=False)  # has a live certificate

    __table_args__ = (Index("ix_monitor_enrollment_activity_at", "activity_at", "enrollment_id"),)

