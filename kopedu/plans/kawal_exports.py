"""The kawal tables for a Dinas report: one row per plan, or one per monthly check-in, of a region.

The rows are read a thousand at a time by keyset (plans by village code and id, check-ins by plan and
month: both indexed), so memory and each statement stay bounded whatever the region; a national list
(~60,000 plans, ~120,000 check-ins) is written by the background exports of kopedu.reports.exports,
a small one in the request.
"""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import lazyload, selectinload

from kopedu.db import local_date
from kopedu.extensions import db
from kopedu.plans.checkins import _planned, flags, plan_month, prefixes_query, today
from kopedu.plans.kawal_models import BATAL, BELUM, BERJALAN, SELESAI, Checkin, CheckinAction, KawalPlan
from kopedu.regions.models import title_case

CHUNK = 1000


def count(prefixes, what: str, cap: int) -> int:
    """How many rows the table of `what` ("plans" or "checkins") has in the region, counted up to `cap`."""
    plans = prefixes_query(prefixes).with_only_columns(KawalPlan.id)
    stmt = plans if what == "plans" else select(Checkin.id).where(Checkin.plan_id.in_(plans.scalar_subquery()))
    return db.session.scalar(select(func.count()).select_from(stmt.limit(cap).subquery())) or 0


def plans_header() -> list[str]:
    return [_("Koperasi"), _("Kode kelurahan"), _("Kelurahan/desa"), _("Pengurus"), _("Rencana lulus"),
            _("Penjualan rencana per bulan"), _("Cicilan per bulan"), _("Jumlah kegiatan"), _("Lapor terakhir"),
            _("Kas akhir terakhir"), _("Perlu perhatian")]


def plan_rows(prefixes, day: date | None = None, release: bool = False):
    """One row per plan of the region, by village code: what a Dinas report needs. With `release` (a
    background job), each chunk read is let go of once written."""
    day = day or today()
    key = tuple_(KawalPlan.village_code, KawalPlan.id)
    after = None
    while True:
        stmt = (prefixes_query(prefixes).options(selectinload(KawalPlan.checkins).selectinload(Checkin.actions))
                .order_by(KawalPlan.village_code, KawalPlan.id).limit(CHUNK))
        if after is not None:
            stmt = stmt.where(key > tuple_(*after))
        chunk = db.session.scalars(stmt).all()
        for kplan in chunk:
            latest = kplan.checkins[-1] if kplan.checkins else None
            sales = kplan.snapshot.get("sales") or ["0"]
            yield [kplan.cooperative.name, kplan.village_code, title_case(kplan.cooperative.village.name),
                   kplan.owner.full_name if kplan.owner else "", local_date(kplan.passed_at),
                   int(sales[0]), int(kplan.snapshot.get("instalment") or 0),
                   len(kplan.snapshot.get("actions") or []), latest.month if latest else None,
                   int(latest.cash) if latest else None, "; ".join(flag.text for flag in flags(kplan, day))]
        if len(chunk) < CHUNK:
            return
        after = (chunk[-1].village_code, chunk[-1].id)
        if release:
            db.session.expunge_all()


def checkins_header() -> list[str]:
    return [_("Koperasi"), _("Kode kelurahan"), _("Bulan"), _("Bulan ke-"), _("Penjualan rencana"), _("Penjualan"),
            _("Biaya rencana"), _("Biaya"), _("Kas akhir rencana"), _("Kas akhir"), _("Kegiatan selesai"),
            _("Kegiatan berjalan"), _("Kegiatan belum"), _("Kegiatan batal"), _("Pelapor"), _("Catatan")]


def checkin_rows(prefixes, release: bool = False):
    """One row per monthly check-in of the region's plans, with the plan's figures beside the actual."""
    plans = prefixes_query(prefixes).with_only_columns(KawalPlan.id).scalar_subquery()
    key = tuple_(Checkin.plan_id, Checkin.month)
    after = None
    while True:
        # the plan (for its planned figures; not its owner) with each check-in, the actions as counts
        stmt = (select(Checkin).where(Checkin.plan_id.in_(plans))
                .options(selectinload(Checkin.plan).lazyload(KawalPlan.owner), lazyload(Checkin.actions))
                .order_by(Checkin.plan_id, Checkin.month).limit(CHUNK))
        if after is not None:
            stmt = stmt.where(key > tuple_(*after))
        chunk = db.session.scalars(stmt).all()
        counts: dict[int, dict[str, int]] = {}
        if chunk:
            for checkin_id, status, n in db.session.execute(
                    select(CheckinAction.checkin_id, CheckinAction.status, func.count())
                    .where(CheckinAction.checkin_id.in_([c.id for c in chunk]))
                    .group_by(CheckinAction.checkin_id, CheckinAction.status)):
                counts.setdefault(checkin_id, {})[status] = n
        for checkin in chunk:
            kplan = checkin.plan
            n = plan_month(kplan, checkin.month)
            done = counts.get(checkin.id, {})

            def planned(field):
                value = _planned(kplan, field, n)
                return int(value) if value is not None else None

            yield [kplan.cooperative.name, kplan.village_code, checkin.month, n, planned("sales"),
                   int(checkin.sales), planned("costs"), int(checkin.costs), planned("cash_end"), int(checkin.cash),
                   done.get(SELESAI, 0), done.get(BERJALAN, 0), done.get(BELUM, 0), done.get(BATAL, 0),
                   checkin.reporter.full_name if checkin.reporter else "", checkin.note]
        if len(chunk) < CHUNK:
            return
        after = (chunk[-1].plan_id, chunk[-1].month)
        if release:
            db.session.expunge_all()
