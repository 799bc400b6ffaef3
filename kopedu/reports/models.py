"""Monitoring facts: one row per participant enrolment with everything the dashboards group on.

The dashboards read only this table, so a national page is one scan of a narrow table instead of a
join of enrolments, users, cooperatives, quiz attempts and certificates. kopedu.reports.facts keeps
it up to date inside the transaction that changes the underlying rows (ORM flush events and the
progress events, see kopedu.events), and `flask kopedu refresh-monitoring` rebuilds it from scratch.
"""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kopedu.db import TZDateTime, utcnow
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



class ReportExport(db.Model):
    """A monitoring export too large to write inside a request (the falling-behind list of a province
    or of the country), built in the background into the file store. `key` says what it holds — the
    list, region, filters, the columns the viewer may see, the language and the format — so everyone
    asking for the same list within kopedu.reports.exports.FRESH_SECONDS gets the same file."""
    __tablename__ = "report_export"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300), index=True)
    params: Mapped[str] = mapped_column(Text)  # JSON: what the job needs to build it again
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(String(10), default="queued")  # queued, running, done, failed
    done: Mapped[int] = mapped_column(default=0)  # rows written so far
    file_path: Mapped[str | None] = mapped_column(String(200))
    file_size: Mapped[int | None] = mapped_column()
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")
