"""Kawal sama-sama: the passed plan as the cooperative's plan, the monthly check-in, flags and the
pendamping's list.

- `adopt(plan)` (from the event submission_graded, when a workbook is graded lulus) copies what the
  follow-up needs into a KawalPlan: the monthly sales, cash costs and ending cash of the calculator's
  12-month table (kopedu.plans.models.finance_result), the instalment, and the action plan's rows with
  the month each is due (`due_month`). A plan passed again replaces the snapshot; check-ins stay.
- `save_checkin(...)`: one check-in per plan and month (sent again, it is corrected, not doubled; a
  write queued offline carries a client id and is applied once, kopedu.learning.sync).
- `flags(kplan, today)`: what needs attention, in plain words; `region_page(...)`: the region's plans
  sorted by need, keyset-paged.
Services flush, never commit.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from urllib.parse import quote

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import and_, case, or_, select
from sqlalchemy.orm import selectinload

from kopedu.db import local_date, utcnow
from kopedu.extensions import db
from kopedu.plans import finance
from kopedu.plans.kawal_models import (ACTION_STATUSES, BATAL, BELUM, SELESAI, Checkin, CheckinAction,
                                       KawalNote, KawalPlan)
from kopedu.regions.models import Cooperative, Region, title_case
from kopedu.resumable import services as resumable

PHOTO_PURPOSE = "kawal"
PHOTO_FOLDER = "kawal"
PER_PAGE = 25
MAX_NOTE = 2000
PHOTO_KINDS = ("jpg", "png")


class CheckinError(ValueError):
    """Refused; `errors` maps form fields to messages for the person."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def status_label(status: str) -> str:
    return {BELUM: _("Belum"), "berjalan": _("Berjalan"), SELESAI: _("Selesai"), BATAL: _("Batal")}.get(status, status)


# --------------------------------------------------------------------------- months


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, n: int) -> date:
    total = month.year * 12 + month.month - 1 + n
    return date(total // 12, total % 12 + 1, 1)


def today() -> date:
    return local_date(utcnow())


def plan_month(kplan: KawalPlan, month: date) -> int:
    """The plan's month number of a calendar month (1 = the month the plan passed)."""
    return (month.year - kplan.start_month.year) * 12 + month.month - kplan.start_month.month + 1


_MONTH_WORDS = {"pertama": 1, "kesatu": 1, "satu": 1, "kedua": 2, "dua": 2, "ketiga": 3, "tiga": 3}


def due_month(when: str) -> int:
    """The plan month an action is due by, read from its "waktu" as typed: "Bulan 2", "bulan ke-3",
    "Minggu 1–2" (weeks: month 1 for weeks 1–4, 2 for 5–8 …), "bulan pertama". Whatever cannot be read
    is due by the end of the three-month plan."""
    text = (when or "").lower()
    numbers = [int(n) for n in re.findall(r"\d+", text)]
    if "minggu" in text or "pekan" in text:
        if numbers:
            return max(1, min(12, (max(numbers) + 3) // 4))
    elif "bulan" in text or "bln" in text:
        if numbers:
            return max(1, min(12, max(numbers)))
        for word, n in _MONTH_WORDS.items():
            if word in text:
                return n
    return 3


# --------------------------------------------------------------------------- the plan becomes the cooperative's


def _digits(amount: Decimal) -> str:
    return str(int(finance.round_rupiah(amount)))


def adopt(plan) -> KawalPlan | None:
    """Make a passed BusinessPlan its cooperative's plan (a participant without a cooperative has none
    to follow). Flushes."""
    from kopedu.plans.models import action_rows, finance_result

    cooperative_id = plan.cooperative_id or (plan.user.cooperative_id if plan.user else None)
    if cooperative_id is None:
        return None
    cooperative = db.session.get(Cooperative, cooperative_id)
    result = finance_result(plan)
    snapshot = {
        "sales": [_digits(m.cash_in) for m in result.cash_table],
        "costs": [_digits(m.cash_out) for m in result.cash_table],
        "cash_end": [_digits(m.end) for m in result.cash_table],
        "instalment": _digits(result.instalment),
        "actions": [{"when": row["waktu"], "due": due_month(row["waktu"]), "activity": row["kegiatan"],
                     "who": row["penanggung_jawab"], "budget": row["anggaran"], "indicator": row["indikator"]}
                    for row in action_rows(plan)],
    }
    kplan = db.session.scalar(select(KawalPlan).where(KawalPlan.cooperative_id == cooperative_id))
    first_month = month_start(today())  # month 1: the month the plan passed
    if kplan is None:
        kplan = KawalPlan(cooperative_id=cooperative_id, start_month=first_month)
        db.session.add(kplan)
    kplan.village_code = cooperative.village_code
    kplan.plan_id, kplan.owner_id, kplan.passed_at, kplan.snapshot = plan.id, plan.user_id, utcnow(), snapshot
    db.session.flush()
    refresh_need(kplan)
    return kplan


def on_submission_graded(enrollment, submission=None, grade=None) -> None:
    """Event submission_graded (kopedu.events): a workbook graded lulus becomes the cooperative's plan."""
    from kopedu.grading.models import PASSED
    from kopedu.plans.models import BusinessPlan

    if grade is None or submission is None or grade.outcome != PASSED:
        return
    plan = db.session.scalar(select(BusinessPlan).where(BusinessPlan.assignment_id == submission.assignment_id,
                                                        BusinessPlan.user_id == submission.user_id))
    if plan is not None:
        adopt(plan)


# --------------------------------------------------------------------------- who sees what


def plan_by_id(plan_id: int) -> KawalPlan | None:
    return db.session.scalar(select(KawalPlan).where(KawalPlan.id == plan_id).options(
        selectinload(KawalPlan.checkins).selectinload(Checkin.actions)))


def plan_of_cooperative(cooperative_id: int | None) -> KawalPlan | None:
    if cooperative_id is None:
        return None
    return db.session.scalar(select(KawalPlan).where(KawalPlan.cooperative_id == cooperative_id).options(
        selectinload(KawalPlan.checkins).selectinload(Checkin.actions)))


def can_report(user, kplan: KawalPlan) -> bool:
    """The cooperative's own pengurus (its participants) report on its plan."""
    return user.is_authenticated and user.role == "participant" and user.cooperative_id == kplan.cooperative_id


def can_follow(user) -> bool:
    return user.is_authenticated and user.role in ("observer", "trainer", "admin")


def can_view(user, kplan: KawalPlan) -> bool:
    """The cooperative's pengurus; observers, trainers and admins whose region holds the cooperative."""
    return can_report(user, kplan) or (can_follow(user) and user.in_scope(kplan.village_code))


# --------------------------------------------------------------------------- the monthly check-in


@dataclass
class ActionInput:
    position: int
    status: str
    note: str
    photo_ids: list[str]


def _money(errors: dict, field: str, text: str) -> Decimal | None:
    try:
        return finance.parse_rupiah(text)
    except finance.MoneyError as error:
        errors[field] = str(error)
        return None


def checkin_of(kplan: KawalPlan, month: date) -> Checkin | None:
    return next((c for c in kplan.checkins if c.month == month), None)


def save_checkin(kplan: KawalPlan, user, month: date, *, sales: str, costs: str, cash: str, note: str,
                 actions: list[ActionInput]) -> Checkin:
    """The month's check-in (a second one for the same month corrects it). Photos are claimed from the
    resumable upload (kopedu.resumable). CheckinError with every problem; flushes."""
    errors: dict[str, str] = {}
    values = {field: _money(errors, field, text) for field, text in (("sales", sales), ("costs", costs),
                                                                     ("cash", cash))}
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        errors["note"] = _("Catatan terlalu panjang (paling banyak %(n)d karakter).", n=MAX_NOTE)
    count = len(kplan.snapshot.get("actions") or [])
    for item in actions:
        if item.position < 0 or item.position >= count or item.status not in ACTION_STATUSES:
            errors[f"a-{item.position}"] = _("Pilih status kegiatan: belum, berjalan, selesai atau batal.")
        elif len(item.note) > MAX_NOTE:
            errors[f"a-{item.position}"] = _("Catatan terlalu panjang (paling banyak %(n)d karakter).", n=MAX_NOTE)
    if errors:
        raise CheckinError(errors)
    photos = {}
    for item in actions:
        try:
            claimed = resumable.claim(user, item.photo_ids[-1:], PHOTO_PURPOSE, kplan.id)
        except resumable.ResumableError as error:
            raise CheckinError({f"a-{item.position}": str(error)}) from None
        if claimed:
            photos[item.position] = claimed[0]
    checkin = checkin_of(kplan, month)
    if checkin is None:
        checkin = Checkin(plan=kplan, month=month)
        db.session.add(checkin)
    checkin.reporter_id = user.id
    checkin.sales, checkin.costs, checkin.cash, checkin.note = values["sales"], values["costs"], values["cash"], note
    existing = {a.position: a for a in checkin.actions}
    for item in actions:
        row = existing.get(item.position)
        if row is None:
            row = CheckinAction(position=item.position)
            checkin.actions.append(row)
        row.status, row.note = item.status, item.note.strip()
        if item.position in photos:
            row.photo_name = photos[item.position].stored_name
            row.photo_original = photos[item.position].original_name
    checkin.updated_at = utcnow()
    if kplan.last_report_month is None or month > kplan.last_report_month:
        kplan.last_report_month = month
    db.session.flush()
    refresh_need(kplan)
    return checkin


def _may_upload_photo(user, plan_id: int) -> bool:
    kplan = db.session.get(KawalPlan, plan_id)
    return kplan is not None and can_report(user, kplan)


resumable.register(resumable.Purpose(PHOTO_PURPOSE, PHOTO_KINDS, 5 * resumable.uploads.MB, PHOTO_FOLDER,
                                     _may_upload_photo))


def latest_statuses(kplan: KawalPlan) -> dict[int, CheckinAction]:
    """Each action's latest reported status (from the newest check-in that names it)."""
    out: dict[int, CheckinAction] = {}
    for checkin in kplan.checkins:  # ordered by month
        for action in checkin.actions:
            out[action.position] = action
    return out


# --------------------------------------------------------------------------- flags and need


@dataclass
class Flag:
    code: str
    text: str


def _planned(kplan: KawalPlan, key: str, month_no: int) -> Decimal | None:
    values = kplan.snapshot.get(key) or []
    return Decimal(values[month_no - 1]) if 1 <= month_no <= len(values) else None


def late_actions(kplan: KawalPlan, day: date) -> list[int]:
    """Actions whose month has passed and that are neither done nor cancelled."""
    current = plan_month(kplan, month_start(day))
    statuses = latest_statuses(kplan)
    late = []
    for position, action in enumerate(kplan.snapshot.get("actions") or []):
        status = statuses[position].status if position in statuses else BELUM
        if int(action.get("due") or 3) < current and status not in (SELESAI, BATAL):
            late.append(position)
    return late


def flags(kplan: KawalPlan, day: date | None = None) -> list[Flag]:
    day = day or today()
    out = []
    this_month = month_start(day)
    latest = kplan.checkins[-1] if kplan.checkins else None
    if this_month >= kplan.start_month and (latest is None or latest.month < this_month):
        out.append(Flag("unreported", _("Belum lapor bulan ini")))
    instalment = Decimal(kplan.snapshot.get("instalment") or 0)
    if latest is not None and instalment > 0 and latest.cash < instalment:
        out.append(Flag("cash", _("Kas akhir di bawah cicilan")))
    late = len(late_actions(kplan, day))
    if late:
        out.append(Flag("late", ngettext("%(num)d kegiatan terlambat", "%(num)d kegiatan terlambat", late)))
    if latest is not None:
        planned = _planned(kplan, "sales", plan_month(kplan, latest.month))
        if planned and latest.sales < planned * Decimal("0.8"):
            out.append(Flag("sales", _("Penjualan jauh di bawah rencana")))
    return out


def refresh_need(kplan: KawalPlan) -> None:
    """The stored need (what the list sorts by after "not reported this month"): 3 for cash below the
    instalment, 1 per late action, 1 for sales far below the plan. Flushes."""
    need = 0
    for flag in flags(kplan):
        if flag.code == "cash":
            need += 3
        elif flag.code == "sales":
            need += 1
    need += len(late_actions(kplan, today()))
    kplan.need = need
    db.session.flush()


# --------------------------------------------------------------------------- the region's list


@dataclass
class Row:
    plan: KawalPlan
    flags: list[Flag]


@dataclass
class Page:
    rows: list[Row]
    next_cursor: str | None


def _reported_expr(this_month: date):
    return case((and_(KawalPlan.last_report_month.is_not(None), KawalPlan.last_report_month >= this_month), 1),
                else_=0)


def parse_cursor(text: str | None) -> tuple[int, int, int] | None:
    match = re.fullmatch(r"(0|1)\.(\d{1,6})\.(\d{1,12})", text or "")
    return (int(match.group(1)), int(match.group(2)), int(match.group(3))) if match else None


def follower_prefixes(user, region_code: str | None) -> tuple[str, ...]:
    """The region prefixes a follower's list is narrowed to: their own scope (admins without a region:
    none) and the region they chose inside it."""
    scope = None if user.role == "admin" and not user.region_code else user.region_code
    return tuple(prefix for prefix in (scope, region_code) if prefix)


def prefixes_query(prefixes) -> select:
    """The kawal plans inside every one of `prefixes` (BPS code prefixes), as index ranges of village codes."""
    stmt = select(KawalPlan)
    for prefix in prefixes:
        stmt = stmt.where(KawalPlan.village_code.between(prefix.ljust(10, "0"), prefix.ljust(10, "9")))
    return stmt


def region_query(user, region_code: str | None):
    """The plans a follower may see, narrowed to `region_code` (inside their scope), in the query."""
    return prefixes_query(follower_prefixes(user, region_code))


def region_page(user, region_code: str | None, cursor: str | None, day: date | None = None,
                per_page: int = PER_PAGE) -> Page:
    """One page of the region's plans, those not reported this month first, then by need (most flags
    first), then by id; keyset-paged (the cursor is the last row's sort key), so a page costs the same
    at any depth."""
    day = day or today()
    reported = _reported_expr(month_start(day))
    stmt = region_query(user, region_code).options(selectinload(KawalPlan.checkins).selectinload(Checkin.actions))
    after = parse_cursor(cursor)
    if after is not None:
        r, n, i = after
        stmt = stmt.where(or_(reported > r, and_(reported == r, KawalPlan.need < n),
                              and_(reported == r, KawalPlan.need == n, KawalPlan.id > i)))
    rows = db.session.scalars(stmt.order_by(reported, KawalPlan.need.desc(), KawalPlan.id).limit(per_page + 1)).all()
    more = len(rows) > per_page
    rows = rows[:per_page]
    next_cursor = None
    if more and rows:
        last = rows[-1]
        done = 1 if last.last_report_month is not None and last.last_report_month >= month_start(day) else 0
        next_cursor = f"{done}.{last.need}.{last.id}"
    return Page(rows=[Row(plan=p, flags=flags(p, day)) for p in rows], next_cursor=next_cursor)


def region_name(code: str | None) -> str | None:
    if not code:
        return None
    region = db.session.get(Region, code)
    return region.name if region else None


# --------------------------------------------------------------------------- notes and contact


def add_note(kplan: KawalPlan, author, body: str) -> KawalNote:
    body = (body or "").strip()
    if not body:
        raise CheckinError({"body": _("Tulis catatan pendampingan dulu.")})
    if len(body) > MAX_NOTE:
        raise CheckinError({"body": _("Catatan terlalu panjang (paling banyak %(n)d karakter).", n=MAX_NOTE)})
    note = KawalNote(plan_id=kplan.id, author_id=author.id, body=body)
    db.session.add(note)
    db.session.flush()
    return note


def notes_of(kplan: KawalPlan) -> list[KawalNote]:
    return db.session.scalars(select(KawalNote).where(KawalNote.plan_id == kplan.id)
                              .order_by(KawalNote.created_at.desc(), KawalNote.id.desc())).all()


def contact(kplan: KawalPlan):
    """Who the pendamping writes to: the pengurus whose plan it is."""
    return kplan.owner


def whatsapp_link(kplan: KawalPlan, sender) -> str | None:
    """A WhatsApp click-to-chat link to the cooperative's contact with a polite message (no paid API)."""
    person = contact(kplan)
    if person is None or not person.phone or not person.phone.startswith("62"):
        return None
    text = _("Selamat pagi Bapak/Ibu %(name)s, saya %(sender)s, pendamping %(coop)s. Bagaimana kabar rencana "
             "bisnis koperasi bulan ini? Bila ada yang bisa kami bantu, mohon kabari. Terima kasih.",
             name=person.full_name, sender=sender.full_name, coop=kplan.cooperative.name)
    return f"https://wa.me/{person.phone}?text={quote(text, safe='')}"
