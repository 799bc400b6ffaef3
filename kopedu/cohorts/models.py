"""Bimtek cohorts (angkatan): trainers, in-person sessions, attendance and participant imports."""
from datetime import date, datetime, time

from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kopedu.db import TimestampMixin, TZDateTime, utcnow
from kopedu.extensions import db

ATTENDANCE_STATUSES = ("present", "late", "absent", "excused")
# Statuses that count as attending the session.
ATTENDED = ("present", "late")

cohort_trainer = Table(
    "cohort_trainer",
    db.metadata,
    Column("cohort_id", ForeignKey("cohort.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
)

# The accounts a participant import created (not the ones it only updated): the password sheet
# is printed for these.
import_account = Table(
    "import_account",
    db.metadata,
    Column("import_id", ForeignKey("participant_import.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
)


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
    region = relationship("Region", lazy="joined")
    trainers = relationship("User", secondary=cohort_trainer, lazy="selectin", order_by="User.full_name")
    sessions: Mapped[list["CohortSession"]] = relationship(
        back_populates="cohort", cascade="all, delete-orphan",
        order_by=lambda: [CohortSession.held_on, CohortSession.starts_at])

    def __repr__(self) -> str:
        return f"<Cohort {self.code}>"

    def is_trainer(self, user) -> bool:
        """An assigned trainer while their role is trainer (a role change takes effect at once)."""
        return (bool(user and user.is_authenticated) and user.role == "trainer"
                and any(t.id == user.id for t in self.trainers))


class CohortSession(db.Model):
    """One in-person meeting of a cohort; date and times are local (the app's time zone, WITA)."""

    __tablename__ = "cohort_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    held_on: Mapped[date] = mapped_column()
    starts_at: Mapped[time] = mapped_column()
    ends_at: Mapped[time] = mapped_column()
    place: Mapped[str | None] = mapped_column(String(200))
    topic: Mapped[str] = mapped_column(String(200))
    checkin_code: Mapped[str] = mapped_column(String(6))
    # "Tutup presensi": from then on the session's attendance is settled (it counts towards the
    # completion rules, and taps and self check-ins are refused until it is opened again).
    attendance_closed_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    attendance_closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    cohort: Mapped[Cohort] = relationship(back_populates="sessions")

    @property
    def attendance_closed(self) -> bool:
        return self.attendance_closed_at is not None

    __table_args__ = (UniqueConstraint("cohort_id", "checkin_code"),
                      CheckConstraint("ends_at > starts_at", name="ends_after_start"))


class Attendance(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("cohort_session.id", ondelete="CASCADE"))
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(10))
    method: Mapped[str] = mapped_column(String(10), default="trainer")  # trainer | self
    marked_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    session: Mapped[CohortSession] = relationship()
    enrollment = relationship("Enrollment")

    __table_args__ = (UniqueConstraint("session_id", "enrollment_id"),
                      CheckConstraint("status IN ('present', 'late', 'absent', 'excused')", name="status"))


class ParticipantImport(TimestampMixin, db.Model):
    """An uploaded participant list: its rows, read once at upload, are kept parsed between preview and
    confirmation (then cleared; the summary keeps the refused rows)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    parsed: Mapped[dict | None] = mapped_column(JSON)  # {"header": [...], "rows": [[line, [cells]], ...]}
    confirmed_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    summary: Mapped[dict | None] = mapped_column(JSON)

    cohort: Mapped[Cohort] = relationship()
    uploaded_by = relationship("User", foreign_keys=[uploaded_by_id])
    accounts = relationship("User", secondary=import_account, lazy="select")
