"""Assignment work and its grading.

One Submission per participant and assignment holds the state of that work (waiting for a grade,
sent back for revision, passed, failed); every time the participant sends the work a new
SubmissionVersion is added — versions are never changed or deleted. A Grade belongs to one version;
grading the same version again adds another Grade, so every grading is kept.
"""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kopedu.db import TZDateTime, utcnow
from kopedu.extensions import db

WAITING = "menunggu"
PASSED = "lulus"
REVISE = "perlu_revisi"
FAILED = "tidak_lulus"
OUTCOMES = (PASSED, REVISE, FAILED)
STATUSES = (WAITING, REVISE, PASSED, FAILED)


class Submission(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    # RESTRICT: an assignment with participants' work cannot be deleted by accident.
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id", ondelete="RESTRICT"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=WAITING)
    version_count: Mapped[int] = mapped_column(default=0)
    last_submitted_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    graded_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    assignment = relationship("Assignment", lazy="joined")
    user = relationship("User", lazy="joined")
    enrollment = relationship("Enrollment")
    versions: Mapped[list["SubmissionVersion"]] = relationship(
        back_populates="submission", order_by="SubmissionVersion.number", cascade="all, delete-orphan")
    grades: Mapped[list["Grade"]] = relationship(
        back_populates="submission", order_by="Grade.id", cascade="all, delete-orphan")

    __table_args__ = (UniqueConstraint("assignment_id", "user_id"),
                      Index("ix_submission_status_last_submitted_at", "status", "last_submitted_at"))

    @property
    def latest_version(self) -> "SubmissionVersion | None":
        return self.versions[-1] if self.versions else None

    @property
    def latest_grade(self) -> "Grade | None":
        return self.grades[-1] if self.grades else None

    @property
    def open_for_submission(self) -> bool:
        """The participant may send (another) version: not graded yet, or sent back for revision."""
        return self.status in (WAITING, REVISE)


class SubmissionVersion(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column()
    text: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    submission: Mapped[Submission] = relationship(back_populates="versions")
    files: Mapped[list["SubmissionFile"]] = relationship(
        back_populates="version", order_by="SubmissionFile.position", cascade="all, delete-orphan")
    grades: Mapped[list["Grade"]] = relationship(back_populates="version", order_by="Grade.id")

    __table_args__ = (UniqueConstraint("submission_id", "number"),)


class SubmissionFile(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("submission_version.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(10))  # pdf | jpg | png | docx | xlsx
    mime: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))

    version: Mapped[SubmissionVersion] = relationship(back_populates="files")

    @property
    def is_image(self) -> bool:
        return self.kind in ("jpg", "png")

    @property
    def inline(self) -> bool:
        return self.kind in ("jpg", "png", "pdf")


class Grade(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("submission_version.id", ondelete="CASCADE"), index=True)
    grader_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    outcome: Mapped[str] = mapped_column(String(20))  # lulus | perlu_revisi | tidak_lulus
    points: Mapped[int] = mapped_column(default=0)
    max_points: Mapped[int] = mapped_column(default=0)
    percent: Mapped[float] = mapped_column(default=0.0)
    # [{"criterion_id", "title", "points", "max", "description"}] — a snapshot, so an edited rubric
    # does not change what an old grade said.
    scores: Mapped[list] = mapped_column(JSON, default=list)
    feedback: Mapped[str] = mapped_column(Text, default="")
    graded_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    seen_at: Mapped[datetime | None] = mapped_column(TZDateTime)  # when the participant read it

    submission: Mapped[Submission] = relationship(back_populates="grades")
    version: Mapped[SubmissionVersion] = relationship(back_populates="grades")
    grader = relationship("User", lazy="joined")
