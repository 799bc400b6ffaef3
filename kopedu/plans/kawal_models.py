"""Kawal sama-sama: a passed business plan becomes its cooperative's plan (KawalPlan, a snapshot of the
figures and the action plan as the trainer passed them), reported on each month (Checkin, one per plan
and month, with a status per action: CheckinAction) and followed by the region's observers, who keep
their visit notes (KawalNote, with author and date)."""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Date, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kopedu.db import TZDateTime, utcnow
from kopedu.extensions import db

BELUM, BERJALAN, SELESAI, BATAL = "belum", "berjalan", "selesai", "batal"
ACTION_STATUSES = (BELUM, BERJALAN, SELESAI, BATAL)
Money = Numeric(16, 0)  # whole rupiah


class KawalPlan(db.Model):
    __tablename__ = "kawal_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"), unique=True)
    # the scope of the region's observers: a prefix of this BPS code (copied from the cooperative)
    village_code: Mapped[str] = mapped_column(String(10), index=True)
    # the business plan it was made from
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("business_plan.id", ondelete="SET NULL"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    passed_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    start_month: Mapped[date] = mapped_column(Date)  # the plan's month 1
    # {"sales": [12 × rupiah], "costs": [...], "cash_end": [...], "instalment": rupiah,
    #  "actions": [{"when": month 1..12, "activity", "who", "budget", "indicator"}]} — strings of digits
    snapshot: Mapped[dict] = mapped_column(JSON, default=dict)
    # what the list sorts by (kept by every check-in): months without a report first, then the most flags
    last_report_month: Mapped[date | None] = mapped_column(Date)
    need: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, onupdate=utcnow)

    cooperative = relationship("Cooperative", lazy="joined")
    owner = relationship("User", lazy="joined")
    checkins: Mapped[list["Checkin"]] = relationship(back_populates="plan", order_by="Checkin.month",
                                                     cascade="all, delete-orphan")

    __table_args__ = (Index("ix_kawal_plan_need", "last_report_month", "need", "id"),)


class Checkin(db.Model):
    __tablename__ = "kawal_checkin"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("kawal_plan.id", ondelete="CASCADE"))
    month: Mapped[date] = mapped_column(Date)  # the first day of the month reported on
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    sales: Mapped[Decimal] = mapped_column(Money)
    costs: Mapped[Decimal] = mapped_column(Money)
    cash: Mapped[Decimal] = mapped_column(Money)  # cash at the end of the month
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, onupdate=utcnow)

    plan: Mapped[KawalPlan] = relationship(back_populates="checkins")
    reporter = relationship("User", lazy="joined")
    actions: Mapped[list["CheckinAction"]] = relationship(back_populates="checkin", order_by="CheckinAction.position",
                                                          cascade="all, delete-orphan")

    __table_args__ = (UniqueConstraint("plan_id", "month"),)


class CheckinAction(db.Model):
    __tablename__ = "kawal_checkin_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    checkin_id: Mapped[int] = mapped_column(ForeignKey("kawal_checkin.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column()  # the action's index in the plan's snapshot
    status: Mapped[str] = mapped_column(String(10), default=BELUM)
    note: Mapped[str] = mapped_column(Text, default="")
    photo_name: Mapped[str | None] = mapped_column(String(64))  # stored name, folder kawal/
    photo_original: Mapped[str | None] = mapped_column(String(255))

    checkin: Mapped[Checkin] = relationship(back_populates="actions")

    __table_args__ = (UniqueConstraint("checkin_id", "position"),)


class KawalNote(db.Model):
    __tablename__ = "kawal_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("kawal_plan.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    author = relationship("User", lazy="joined")
