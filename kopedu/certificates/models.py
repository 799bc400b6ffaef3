"""Certificates: completion rules per course, the certificate template, issued certificates with their
regeneration history, the yearly serial counter and background ZIP exports."""
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kopedu.db import TimestampMixin, TZDateTime, utcnow
from kopedu.extensions import db

DEFAULT_SERIAL_FORMAT = "{seq:04d}/BIMTEK-KMP/{cohort}/{year}"


class CompletionRule(db.Model):
    """When a participant of a course gets a certificate. One row per course; a course without a row
    uses the defaults below (required lessons done and quizzes passed, issued automatically)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), unique=True)
    auto_issue: Mapped[bool] = mapped_column(default=True)
    require_lessons: Mapped[bool] = mapped_column(default=True)
    require_quizzes: Mapped[bool] = mapped_column(default=True)
    min_posttest_score: Mapped[int | None] = mapped_column()  # percent
    require_assignments: Mapped[bool] = mapped_column(default=False)
    min_attendance_pct: Mapped[int | None] = mapped_column()  # percent
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, onupdate=utcnow)

    course = relationship("Course")


class CertificateTemplate(db.Model):
    """The look and the fixed text of the certificate: the national one (region_code NULL, id 1; missing
    means the defaults) and one per issuing Dinas (its letterhead, logo and signatories) for a region.
    A certificate uses the template of the most specific region that has one (services.template_for)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), unique=True)
    title: Mapped[str] = mapped_column(String(60), default="SERTIFIKAT")
    header_lines: Mapped[str] = mapped_column(Text, default="")  # one line of the letterhead per line
    recipient_line: Mapped[str] = mapped_column(String(200), default="diberikan kepada")
    achievement_line: Mapped[str] = mapped_column(String(300), default="")
    closing_line: Mapped[str] = mapped_column(String(300), default="")
    issuer_name: Mapped[str] = mapped_column(String(200), default="")
    issue_place: Mapped[str] = mapped_column(String(80), default="Kupang")
    serial_format: Mapped[str] = mapped_column(String(120), default=DEFAULT_SERIAL_FORMAT)
    primary_colour: Mapped[str] = mapped_column(String(7), default="#8c1d17")
    accent_colour: Mapped[str] = mapped_column(String(7), default="#b38b2d")
    logo_path: Mapped[str | None] = mapped_column(String(200))  # relative to UPLOAD_DIR
    # [{"name", "title", "nip", "signature_path"}], one or two
    signatories: Mapped[list | None] = mapped_column(JSON)
    # The issuing office on printed documents (daftar hadir, recap): its address under the letterhead
    # and who approves them ("Mengetahui," jabatan, name, NIP).
    address: Mapped[str] = mapped_column(Text, default="")
    approver_title: Mapped[str] = mapped_column(String(200), default="")
    approver_name: Mapped[str] = mapped_column(String(160), default="")
    approver_nip: Mapped[str] = mapped_column(String(30), default="")
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))


class Certificate(TimestampMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id", ondelete="CASCADE"), index=True)
    serial: Mapped[str] = mapped_column(String(120), unique=True)
    verify_code: Mapped[str] = mapped_column(String(24), unique=True)  # normalised: no dashes
    issued_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    issue_reason: Mapped[str | None] = mapped_column(Text)  # set when issued by hand
    revoked_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    revoke_reason: Mapped[str | None] = mapped_column(Text)
    expires_on: Mapped[date | None] = mapped_column()
    # what is printed (names, places, course, template): the verify page shows this, not live data
    snapshot: Mapped[dict] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(default=1)
    pdf_path: Mapped[str | None] = mapped_column(String(200))  # relative to UPLOAD_DIR
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    pdf_size: Mapped[int | None] = mapped_column()
    # who signed the stored PDF (kopedu.certificates.signing: "CN, organisation"), None when unsigned
    pdf_signer: Mapped[str | None] = mapped_column(String(300))

    enrollment = relationship("Enrollment")
    versions: Mapped[list["CertificateVersion"]] = relationship(
        back_populates="certificate", order_by="CertificateVersion.version", cascade="all, delete-orphan")

    # One live (not revoked) certificate per enrollment, whatever the number of concurrent requests.
    __table_args__ = (
        Index("uq_certificate_live_enrollment", "enrollment_id", unique=True,
              sqlite_where=text("revoked_at IS NULL"), postgresql_where=text("revoked_at IS NULL")),
    )

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def expired(self, today: date | None = None) -> bool:
        return self.expires_on is not None and (today or date.today()) > self.expires_on

    def status(self, today: date | None = None) -> str:
        """valid | revoked | expired."""
        if self.revoked:
            return "revoked"
        if self.expired(today):
            return "expired"
        return "valid"


class CertificateVersion(db.Model):
    """An earlier rendering of a certificate, kept when an admin regenerates it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificate.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column()
    snapshot: Mapped[dict] = mapped_column(JSON)
    pdf_path: Mapped[str | None] = mapped_column(String(200))
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    replaced_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text, default="")

    certificate: Mapped[Certificate] = relationship(back_populates="versions")

    __table_args__ = (UniqueConstraint("certificate_id", "version"),)


class CertificateCounter(db.Model):
    """The running number in the serial, one sequence per year (as a Dinas numbers its letters)."""

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(default=0)


EXPORT_STATES = ("queued", "running", "done", "failed")


class BackgroundWork:
    """What a progress page reads from a background job's row (state, done and total)."""

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")

    @property
    def percent(self) -> int:
        if self.state == "done":
            return 100
        return int(self.done * 100 / self.total) if self.total else 0


class CertificateExport(BackgroundWork, TimestampMixin, db.Model):
    """A ZIP of a course's (or a cohort's) certificates, built in the background."""

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    state: Mapped[str] = mapped_column(String(10), default="queued")
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    file_path: Mapped[str | None] = mapped_column(String(200))
    file_size: Mapped[int | None] = mapped_column()
    error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    course = relationship("Course")
    cohort = relationship("Cohort")


JOB_KINDS = ("recheck", "preview", "issue", "regenerate")


class CertificateJob(BackgroundWork, TimestampMixin, db.Model):
    """Work on a whole course, done in the background with its progress on a page that polls:
    recheck (after the rules were saved: who meets them now; issues to them when issue is automatic),
    preview (who "Terbitkan untuk semua yang memenuhi syarat" would issue to, for the trainer to confirm),
    issue (to the people a finished preview or recheck listed, each checked again) and regenerate (bulk
    "Buat ulang", with a reason)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(Text)  # regenerate: why (kept on every version it makes)
    use_current_template: Mapped[bool] = mapped_column(default=False)
    state: Mapped[str] = mapped_column(String(10), default="queued")
    total: Mapped[int] = mapped_column(default=0)  # enrolments (recheck, issue) or certificates to look at
    done: Mapped[int] = mapped_column(default=0)
    eligible: Mapped[int] = mapped_column(default=0)  # meet the rules and never had a certificate
    issued: Mapped[int] = mapped_column(default=0)  # certificates issued (or regenerated) by this job
    no_longer: Mapped[int] = mapped_column(default=0)  # hold a valid certificate but no longer meet the rules
    failed: Mapped[int] = mapped_column(default=0)
    # recheck: the valid certificates whose holders no longer meet the rules (the admin decides)
    no_longer_ids: Mapped[list | None] = mapped_column(JSON)
    # recheck and preview: the enrolments that meet the rules and have no certificate (what a trainer
    # confirms); issue: the enrolments it may issue to (copied from the preview that was confirmed)
    eligible_ids: Mapped[list | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    course = relationship("Course")

    @property
    def percent(self) -> int:
        """Looking at everyone first, then issuing to those who qualify (regenerate: one step a certificate)."""
        if self.state == "done" or self.kind == "regenerate":
            return super().percent
        work = self.total + self.eligible
        return int((self.done + self.issued + self.failed) * 100 / work) if work else 0
