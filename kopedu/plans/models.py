"""The business-plan workbook (an assignment of `kind: business_plan`).

One BusinessPlan per participant and assignment (unique (assignment_id, user_id)); the workbook's answers
live in `data`, a JSON object keyed by step key (kopedu.plans.steps.STEP_KEYS):

    data["profil"]        {"nama_usaha", "ringkasan", "anggota", "lokasi"}              (text as typed)
    data["potensi"]       {"potensi", "kebutuhan", "data"}
    data["produk"]        {"produk", "harga", "keunggulan"}
    data["pasar"]         {"pembeli", "jumlah_pembeli", "pesaing"}
    data["pemasaran"]     {"cara", "digital"}        (WhatsApp Business, marketplace, QRIS)
    data["operasional"]   {"tempat", "pemasok", "jam", "pencatatan"}
    data["organisasi"]    {"pengelola", "tugas", "pengawasan"}
    data["keuangan"]      the finance inputs, text as typed (kopedu.plans.finance.read_inputs):
                          money "simpanan_pokok", "simpanan_wajib", "hibah", "modal_lain", "pinjaman",
                          "alat", "stok_awal", "biaya_awal_lain", "sewa", "gaji", "listrik", "biaya_lain";
                          "bunga_persen_tahun" (flat, per year), "tenor_bulan", "umur_alat_bulan",
                          "jumlah_pekerja"; "produk": [{"nama", "satuan", "harga", "jumlah", "hpp"}]
                          (price and HPP per unit, units sold per month)
    data["risiko"]        {"rows": [{"risiko", "pencegahan"}]}
    data["rencana_aksi"]  {"tujuan", "rows": [{"waktu", "kegiatan", "penanggung_jawab", "anggaran",
                          "indikator"}]}  — the three-month action plan; `anggaran` is rupiah as typed
                          (finance.parse_rupiah); a row whose five cells are all empty is no row.

Everything is stored as the participant typed it (nothing lost); reading happens when computing.
`finance_result(plan)` gives the plan's computed money (kopedu.plans.finance.Result) and
`action_rows(plan)` the action plan's non-empty rows — the two things a plan-vs-actual comparison needs.

Status (STATUSES): "draft" (being written; also after "Salin dari rencana …"), "submitted" (sent to the
trainer, locked), "returned" (sent back for revision, editable again, with notes per step), "passed"
(the trainer passed it: the cooperative's plan), "failed" (graded tidak lulus, locked). The grading
Submission (kopedu.grading) of the same assignment and user carries every sent version; each version's
data is kept in a BusinessPlanSnapshot, with the trainer's notes per step when it was graded.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kopedu.db import TimestampMixin, TZDateTime, utcnow
from kopedu.extensions import db

DRAFT = "draft"
SUBMITTED = "submitted"
RETURNED = "returned"
PASSED = "passed"
FAILED = "failed"
STATUSES = (DRAFT, SUBMITTED, RETURNED, PASSED, FAILED)
EDITABLE = (DRAFT, RETURNED)

KIND = "business_plan"  # Assignment.kind of a workbook assignment


class BusinessPlan(TimestampMixin, db.Model):
    __tablename__ = "business_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id", ondelete="RESTRICT"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    cooperative_id: Mapped[int | None] = mapped_column(ForeignKey("cooperative.id", ondelete="SET NULL"),
                                                       index=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default=DRAFT)
    copied_from_id: Mapped[int | None] = mapped_column(ForeignKey("business_plan.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    passed_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    assignment = relationship("Assignment", lazy="joined")
    user = relationship("User", lazy="joined")
    cooperative = relationship("Cooperative", lazy="joined")
    snapshots: Mapped[list["BusinessPlanSnapshot"]] = relationship(
        back_populates="plan", order_by="BusinessPlanSnapshot.id", cascade="all, delete-orphan")

    __table_args__ = (UniqueConstraint("assignment_id", "user_id"),)

    @property
    def editable(self) -> bool:
        return self.status in EDITABLE

    def step(self, key: str) -> dict:
        value = (self.data or {}).get(key)
        return value if isinstance(value, dict) else {}


class BusinessPlanSnapshot(db.Model):
    """The workbook's data as sent in one SubmissionVersion; `notes` are the trainer's notes per step
    ({step_key: text}) given when that version was graded."""

    __tablename__ = "business_plan_snapshot"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("business_plan.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("submission_version.id", ondelete="CASCADE"), unique=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    notes: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    plan: Mapped[BusinessPlan] = relationship(back_populates="snapshots")
    version = relationship("SubmissionVersion")


def finance_result(plan_or_data, *, min_wage=None):
    """The computed money of a plan (or of a data dict / snapshot data): kopedu.plans.finance.Result.
    Unreadable fields count as empty (their messages are in `finance_errors`)."""
    from kopedu.plans import finance

    data = plan_or_data.data if hasattr(plan_or_data, "data") else (plan_or_data or {})
    inputs, _errors = finance.read_inputs((data or {}).get("keuangan"))
    if min_wage is None:
        min_wage = _configured_min_wage()
    return finance.compute(inputs, min_wage=min_wage)


def finance_errors(plan_or_data) -> dict[str, str]:
    from kopedu.plans import finance

    data = plan_or_data.data if hasattr(plan_or_data, "data") else (plan_or_data or {})
    return finance.read_inputs((data or {}).get("keuangan"))[1]


def action_rows(plan_or_data) -> list[dict]:
    """The action plan's rows that have anything in them: [{"waktu", "kegiatan", "penanggung_jawab",
    "anggaran", "indikator"}] (text as typed), in order; `index` is the row's place in the stored list."""
    data = plan_or_data.data if hasattr(plan_or_data, "data") else (plan_or_data or {})
    rows = ((data or {}).get("rencana_aksi") or {}).get("rows") or []
    keys = ("waktu", "kegiatan", "penanggung_jawab", "anggaran", "indikator")
    out = []
    for index, row in enumerate(rows):
        row = row if isinstance(row, dict) else {}
        cells = {k: str(row.get(k) or "").strip() for k in keys}
        if any(cells.values()):
            out.append({**cells, "index": index})
    return out


def _configured_min_wage():
    from decimal import Decimal

    from flask import current_app, has_app_context

    if not has_app_context():
        return None
    value = current_app.config.get("KOPEDU_MIN_WAGE")
    return Decimal(str(value)) if value else None
