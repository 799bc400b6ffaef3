"""The workbook's services: find and start a plan, save one field, check the steps, send it to the trainer
(a grading SubmissionVersion with a snapshot of the data), grade it with notes per step, and who may see
what. Services take plain values and model objects, flush and never commit (the route commits).
"""
from __future__ import annotations

import copy

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from kopedu.auth.models import User
from kopedu.courses.models import Assignment, Lesson, Module
from kopedu.db import utcnow
from kopedu.extensions import db
from kopedu.grading import services as grading
from kopedu.grading.models import FAILED as G_FAILED
from kopedu.grading.models import PASSED as G_PASSED
from kopedu.grading.models import REVISE as G_REVISE
from kopedu.grading.models import Submission, SubmissionVersion
from kopedu.plans import finance, steps
from kopedu.plans.models import (DRAFT, FAILED, KIND, PASSED, RETURNED, SUBMITTED, BusinessPlan,
                                 BusinessPlanSnapshot, action_rows, finance_errors)
from kopedu.regions.models import Cooperative

OUTCOME_STATUS = {G_PASSED: PASSED, G_REVISE: RETURNED, G_FAILED: FAILED}
MAX_NOTE = 2000


class PlanError(ValueError):
    """What cannot be done with the workbook; the message is for the person (status: HTTP status)."""

    def __init__(self, message, status: int = 422):
        super().__init__(str(message))
        self.message = message
        self.status = status

    def __str__(self) -> str:
        return str(self.message)


# --------------------------------------------------------------------------- reading


def is_workbook(assignment) -> bool:
    return getattr(assignment, "kind", None) == KIND


def plan_by_id(plan_id: int) -> BusinessPlan | None:
    return db.session.scalar(select(BusinessPlan).where(BusinessPlan.id == plan_id).options(
        joinedload(BusinessPlan.assignment).joinedload(Assignment.lesson).joinedload(Lesson.module)
        .joinedload(Module.course)))


def plan_of(assignment_id: int, user_id: int) -> BusinessPlan | None:
    return db.session.scalar(select(BusinessPlan).where(BusinessPlan.assignment_id == assignment_id,
                                                        BusinessPlan.user_id == user_id))


def course_of(plan: BusinessPlan):
    return plan.assignment.lesson.module.course


def submission_of(plan: BusinessPlan) -> Submission | None:
    return grading.submission_of(plan.assignment_id, plan.user_id)


def colleagues(assignment: Assignment, user) -> list[BusinessPlan]:
    """Workbooks of the same assignment by other officers of the user's cooperative (to copy from)."""
    if not user.cooperative_id:
        return []
    return list(db.session.scalars(
        select(BusinessPlan).join(User, User.id == BusinessPlan.user_id)
        .where(BusinessPlan.assignment_id == assignment.id, BusinessPlan.user_id != user.id,
               User.cooperative_id == user.cooperative_id)
        .order_by(User.full_name)))


def in_region(user, plan: BusinessPlan) -> bool:
    """The plan's cooperative lies in the user's region scope (no scope = national)."""
    scope = user.region_code or ""
    cooperative = plan.cooperative or (plan.user.cooperative if plan.user else None)
    village = cooperative.village_code if cooperative is not None else ""
    return village.startswith(scope) if scope else True


def can_view(user, plan: BusinessPlan) -> bool:
    """The participant, the course's trainers, admins; observers of the region once the plan was sent."""
    if not getattr(user, "is_authenticated", False):
        return False
    if plan.user_id == user.id or course_of(plan).is_trainer(user):
        return True
    return user.role == "observer" and plan.submitted_at is not None and in_region(user, plan)


def can_edit(user, plan: BusinessPlan) -> bool:
    return getattr(user, "is_authenticated", False) and plan.user_id == user.id and plan.editable


def can_grade(user, plan: BusinessPlan) -> bool:
    return course_of(plan).is_trainer(user)


# --------------------------------------------------------------------------- starting


def start(assignment: Assignment, enrollment, user, copy_from: BusinessPlan | None = None) -> BusinessPlan:
    """The user's workbook for the assignment, made now (empty, or a copy of a colleague's data).
    Flushes. The unique (assignment, user) keeps it one; a second start returns the first."""
    existing = plan_of(assignment.id, user.id)
    if existing is not None:
        return existing
    data: dict = {}
    if copy_from is not None:
        if (copy_from.assignment_id != assignment.id or not user.cooperative_id
                or copy_from.user.cooperative_id != user.cooperative_id or copy_from.user_id == user.id):
            raise PlanError(_("Rencana ini tidak bisa disalin."), status=403)
        data = copy.deepcopy(copy_from.data or {})
    plan = BusinessPlan(assignment_id=assignment.id, user_id=user.id, cooperative_id=user.cooperative_id,
                        data=data, status=DRAFT, copied_from_id=copy_from.id if copy_from else None)
    db.session.add(plan)
    db.session.flush()
    return plan


# --------------------------------------------------------------------------- saving one field


def save_field(plan: BusinessPlan, path: str, value: str) -> steps.Step:
    """Store one field as typed (trimmed of surrounding spaces). PlanError when the path names no field,
    the text is too long, or the workbook is not open for changes. Flushes; returns the field's step."""
    if not plan.editable:
        raise PlanError(_("Rencana ini sudah dikirim ke pelatih, jadi tidak bisa diubah sekarang."), status=409)
    found = steps.field_for(path)
    if found is None:
        raise PlanError(_("Isian ini tidak dikenal."), status=400)
    step, fld, table, row = found
    value = (value or "").replace("\r\n", "\n").strip()
    if len(value) > fld.max_length:
        raise PlanError(_("Terlalu panjang: paling banyak %(n)d huruf.", n=fld.max_length))
    data = copy.deepcopy(plan.data or {})
    section = data.get(step.key)
    if not isinstance(section, dict):
        section = data[step.key] = {}
    if table is None:
        section[fld.key] = value
    else:
        name = "produk" if table == "produk" else "rows"
        rows = section.get(name)
        if not isinstance(rows, list):
            rows = section[name] = []
        while len(rows) <= row:
            rows.append({})
        if not isinstance(rows[row], dict):
            rows[row] = {}
        rows[row][fld.key] = value
    plan.data = data  # a new object: the JSON column is written
    plan.updated_at = utcnow()
    db.session.flush()
    return step


# --------------------------------------------------------------------------- which steps are complete


def missing(data: dict, step: steps.Step) -> list[str]:
    """What the step still lacks, in plain words (empty when complete)."""
    out = []
    section = (data or {}).get(step.key) or {}
    for fld in step.fields:
        if fld.required and not str(section.get(fld.key) or "").strip():
            out.append(_("%(field)s belum diisi", field=fld.label))
    if step.key == "keuangan":
        errors = finance_errors(data)
        if errors:
            out.append(_("%(n)d angka belum bisa dibaca", n=len(errors)))
        inputs, _errors = finance.read_inputs(section)
        if not any(p.price > 0 and p.quantity > 0 for p in inputs.products):
            out.append(_("isi paling sedikit satu produk dengan harga jual dan jumlah terjual per bulan"))
        if not any(section.get(k) for k in ("sewa", "gaji", "listrik", "biaya_lain")):
            out.append(_("isi biaya tetap per bulan"))
    elif step.key == "rencana_aksi":
        rows = action_rows(data)
        full = [r for r in rows if all(r[k] for k in ("waktu", "kegiatan", "penanggung_jawab", "anggaran",
                                                       "indikator"))]
        if len(full) < steps.MIN_ROWS["rencana_aksi"]:
            out.append(_("isi paling sedikit %(n)d kegiatan lengkap (waktu, kegiatan, penanggung jawab, anggaran, "
                         "indikator)", n=steps.MIN_ROWS["rencana_aksi"]))
        for r in rows:
            if r["anggaran"]:
                try:
                    finance.parse_rupiah(r["anggaran"])
                except finance.MoneyError:
                    out.append(_("anggaran baris %(n)d belum bisa dibaca", n=r["index"] + 1))
    elif step.key == "risiko":
        rows = [r for r in steps.table_rows(data, step)
                if str(r.get("risiko") or "").strip() and str(r.get("pencegahan") or "").strip()]
        if len(rows) < steps.MIN_ROWS["risiko"]:
            out.append(_("tulis paling sedikit %(n)d risiko, masing-masing dengan cara mencegahnya",
                         n=steps.MIN_ROWS["risiko"]))
    return out


def progress(data: dict) -> dict[str, list[str]]:
    """{step key: what is missing} for every step, in order."""
    return {step.key: missing(data, step) for step in steps.STEPS}


def missing_lines(data: dict) -> list[str]:
    """"Langkah 8 Keuangan: …" for every incomplete step."""
    lines = []
    for step in steps.STEPS:
        lacks = missing(data, step)
        if lacks:
            lines.append(_("Langkah %(n)d %(title)s: %(what)s.", n=steps.number(step.key), title=step.title,
                           what="; ".join(lacks)))
    return lines


# --------------------------------------------------------------------------- sending to the trainer


def submit(plan: BusinessPlan, enrollment) -> SubmissionVersion:
    """"Kirim ke pelatih": every step must be complete (else PlanError listing what is missing; nothing is
    changed). Adds a grading SubmissionVersion (status menunggu) and a snapshot of the data. Flushes."""
    if plan.status == SUBMITTED:
        raise PlanError(_("Rencana ini sudah dikirim dan menunggu penilaian pelatih."), status=409)
    if not plan.editable:
        raise PlanError(_("Rencana ini sudah dinilai, jadi tidak bisa dikirim lagi."), status=409)
    lines = missing_lines(plan.data)
    if lines:
        raise PlanError(_("Belum bisa dikirim. Lengkapi dulu:") + "\n" + "\n".join(lines))
    submission = db.session.scalar(select(Submission).where(Submission.assignment_id == plan.assignment_id,
                                                            Submission.user_id == plan.user_id))
    if submission is not None and not submission.open_for_submission:
        raise PlanError(_("Tugas ini sudah dinilai, jadi tidak bisa dikirim lagi."), status=409)
    if submission is not None and submission.version_count >= grading.MAX_VERSIONS:
        raise PlanError(_("Anda sudah mengirim %(n)d versi, batas untuk tugas ini. Minta pelatih menilai versi "
                          "terakhir.", n=grading.MAX_VERSIONS), status=409)
    if submission is None:
        submission = Submission(assignment_id=plan.assignment_id, user_id=plan.user_id,
                                enrollment_id=enrollment.id, version_count=0)
        db.session.add(submission)
    number = submission.version_count + 1
    submission.version_count = number
    submission.status = grading.WAITING
    submission.last_submitted_at = utcnow()
    version = SubmissionVersion(submission=submission, number=number, text=summary_text(plan))
    db.session.add(version)
    db.session.flush()
    db.session.add(BusinessPlanSnapshot(plan=plan, version_id=version.id, data=copy.deepcopy(plan.data or {})))
    plan.status = SUBMITTED
    plan.submitted_at = utcnow()
    db.session.flush()
    return version


def summary_text(plan: BusinessPlan) -> str:
    """The short text kept in the SubmissionVersion (shown in the grading lists)."""
    name = str(plan.step("profil").get("nama_usaha") or "").strip()
    result = finance_result_safe(plan)
    line = _("Buku kerja rencana bisnis: %(name)s.", name=name or "—")
    if result is not None and result.sales:
        line += " " + _("Penjualan %(sales)s per bulan, laba bersih %(net)s, titik impas kas %(be)s.",
                        sales=finance.rupiah(result.sales), net=finance.rupiah(result.net_profit),
                        be=finance.rupiah(result.cash_break_even))
    return line


def finance_result_safe(plan_or_data):
    from kopedu.plans.models import finance_result

    return finance_result(plan_or_data)


# --------------------------------------------------------------------------- grading


def grade(plan: BusinessPlan, submission: Submission, grader, *, version_number: int, levels: dict[int, int],
          outcome: str, feedback: str, notes: dict[str, str]):
    """Grade the latest version with the rubric (kopedu.grading.services.grade) and keep the trainer's notes
    per step with that version's snapshot. Feedback may be left empty when notes say what to fix: the notes
    become the feedback. Flushes; returns the Grade."""
    notes = {key: (notes.get(key) or "").replace("\r\n", "\n").strip()[:MAX_NOTE] for key in steps.STEP_KEYS}
    notes = {key: value for key, value in notes.items() if value}
    feedback = (feedback or "").strip()
    if not feedback and notes and outcome in (G_REVISE, G_FAILED):
        feedback = "\n".join(f"{steps.number(k)}. {steps.BY_KEY[k].title}: {v}" for k, v in notes.items())
    result = grading.grade(submission, grader, version_number=version_number, levels=levels, outcome=outcome,
                           feedback=feedback)
    snapshot = db.session.scalar(select(BusinessPlanSnapshot).where(
        BusinessPlanSnapshot.version_id == result.version_id))
    if snapshot is not None:
        snapshot.notes = notes or None
    db.session.flush()
    return result


def on_submission_graded(enrollment, submission=None, grade=None, **_details) -> None:
    """Event submission_graded (kopedu.events): a workbook follows its submission's status, whichever
    page graded it (this one or the grading queue)."""
    if submission is None or not is_workbook(submission.assignment):
        return
    plan = plan_of(submission.assignment_id, submission.user_id)
    if plan is None:
        return
    plan.status = OUTCOME_STATUS.get(submission.status, plan.status)
    if plan.status == PASSED and plan.passed_at is None:
        plan.passed_at = utcnow()
    db.session.flush()


def latest_notes(plan: BusinessPlan) -> dict[str, str]:
    """The trainer's notes per step on the latest graded version (shown while the plan is returned)."""
    for snapshot in reversed(plan.snapshots):
        if snapshot.notes:
            return dict(snapshot.notes)
    return {}


def snapshots_by_version(plan: BusinessPlan) -> dict[int, BusinessPlanSnapshot]:
    return {s.version_id: s for s in plan.snapshots}


def plan_for_submission(submission: Submission) -> BusinessPlan | None:
    return db.session.scalar(select(BusinessPlan).where(BusinessPlan.assignment_id == submission.assignment_id,
                                                        BusinessPlan.user_id == submission.user_id)
                             .options(selectinload(BusinessPlan.snapshots)))


def cooperative_name(plan: BusinessPlan) -> str:
    cooperative = plan.cooperative or db.session.get(Cooperative, plan.user.cooperative_id or 0)
    return cooperative.name if cooperative is not None else plan.user.full_name
