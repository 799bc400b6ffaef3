"""Monitoring exports: the participant table, and large falling-behind lists built in the background.

A small list (a kecamatan, a kabupaten) is written while the request reads it (a streamed CSV, or an
XLSX). A large one — more than EXPORT_BACKGROUND_ROWS people (config, 500), e.g. a province's or the country's list — takes
as long as it has rows (the country's: ~120,000 rows, ~20 MB), so it is built once by the job queue
(RQ, or the in-process worker) into the file store, and the request answers at once: with the file
if one was finished in the last FRESH_SECONDS for the same key, else with a page that follows the
job and links the file when it is ready. The key holds everything the file depends on — the list,
the region, the filters, whether the viewer may see phone numbers, the courses they may see, the
language and the format — so a file is shared only by viewers who would get the same one.
"""
from __future__ import annotations

import json
import logging
import secrets
import time
from datetime import timedelta
from pathlib import Path

from flask import current_app
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from sqlalchemy import delete, select, update

from kopedu import storage
from kopedu.certificates import jobs
from kopedu.db import utcnow
from kopedu.extensions import db
from kopedu.reports import services
from kopedu.reports.models import ReportExport
from kopedu.web.exports import csv_chunks, render_table
from kopedu.web.filters import datetime_short

log = logging.getLogger(__name__)

FRESH_SECONDS = 600       # a finished file serves every request for the same list for this long
FAILED_SHOW_SECONDS = 60  # a failed export is shown (not retried) for this long
PROGRESS_EVERY = 1.0      # seconds between the job's progress commits


# --- the table ------------------------------------------------------------------------------------

def participant_table(rows, phone: bool, with_place: bool = False):
    """(headers, lines) of the participant table; `lines` follows `rows` (a generator stays lazy)."""
    headers = [_("Nama")] + ([_("HP")] if phone else []) + [_("Jabatan")]
    if with_place:
        headers += [_("Koperasi"), _("Kode kelurahan")]
    headers += [_("Kursus"), _("Kemajuan (%)"), _("Aktivitas terakhir"), _("Pre-test"), _("Post-test"),
                _("Kenaikan"), _("Kehadiran (%)"), _("Selesai"), _("Sertifikat"), _("Tertinggal")]
    return headers, _lines(rows, phone, with_place, _("ya"))


def _lines(rows, phone: bool, with_place: bool, yes: str):
    for r in rows:
        line = [r.full_name] + ([r.phone] if phone else []) + [r.position]
        if with_place:
            line += [r.cooperative, r.village_code]
        line += [r.course, r.progress, _local(r.last_activity_at), round_or_none(r.pre), round_or_none(r.post),
                 round_or_none(r.gain), r.attendance, _local(r.completed_at), yes if r.certified else "", yes if r.behind else ""]
        yield line


def _local(value):
    return None if value is None else datetime_short(value)


def round_or_none(value, digits: int = 1):
    return None if value is None else round(value, digits)


# --- large lists in the background -----------------------------------------------------------------

def background_rows() -> int:
    """EXPORT_BACKGROUND_ROWS (config, 500: about 0.15 s of rows written in a request)."""
    return current_app.config["EXPORT_BACKGROUND_ROWS"]


def is_large(scope: services.Scope, filters: services.Filters) -> bool:
    """More falling-behind people than background_rows() (a capped count: it stops there)."""
    limit = background_rows()
    return services.behind_count(scope, filters, cap=limit + 1) > limit


def behind_params(scope: services.Scope, filters: services.Filters, phone: bool, fmt: str) -> dict:
    """What a falling-behind file depends on."""
    return {"list": "behind", "region": scope.region_code, "course": filters.course_id,
            "threshold": filters.threshold, "courses": list(filters.course_ids) if filters.course_ids is not None else None,
            "phone": phone, "fmt": fmt}


def kawal_params(what: str, prefixes, fmt: str) -> dict:
    """What a kawal table file depends on: "plans" or "checkins", and the region prefixes."""
    return {"list": f"kawal_{what}", "prefixes": list(prefixes), "fmt": fmt}


def key_of(params: dict) -> str:
    return json.dumps(params, sort_keys=True, separators=(",", ":"))[:300]


def latest(key: str) -> ReportExport | None:
    """The newest export of `key` still worth using: unfinished (and not abandoned), done within
    FRESH_SECONDS, or failed within FAILED_SHOW_SECONDS (shown; a request after that starts again)."""
    export = db.session.scalars(select(ReportExport).where(ReportExport.key == key)
                                .order_by(ReportExport.id.desc()).limit(1)).first()
    if export is None:
        return None
    now = utcnow()
    if export.state == "done":
        return export if export.finished_at and now - export.finished_at < timedelta(seconds=FRESH_SECONDS) else None
    if export.state == "failed":
        return export if export.finished_at and now - export.finished_at < timedelta(seconds=FAILED_SHOW_SECONDS) else None
    stamp = export.updated_at or export.created_at
    return export if now - stamp < timedelta(minutes=jobs.STALE_MINUTES) else None


def find_or_start(params: dict, user) -> ReportExport:
    """The export for these params (in the request's language): the fresh or running one, else a new one
    handed to the job queue after commit. Flushes."""
    params = dict(params, locale=str(get_locale() or "id"))
    key = key_of(params)
    export = latest(key)
    if export is not None:
        return export
    export = ReportExport(key=key, params=json.dumps(params), requested_by_id=getattr(user, "id", None),
                          state="queued", done=0)
    db.session.add(export)
    db.session.flush()
    from kopedu import events

    app = current_app._get_current_object()
    events.after_commit(jobs.enqueue, app, "report_export", export.id, 3600)
    return export


def run(export_id: int) -> None:
    """The job: write the list to a scratch file, put it in the store, mark the export done (or failed)
    and remove the files of older exports of the same key. Commits as it goes (progress)."""
    export = db.session.get(ReportExport, export_id)
    if export is None or export.state != "queued":
        return
    export.state = "running"
    export.updated_at = utcnow()
    db.session.commit()
    params = json.loads(export.params)
    rel = f"reports/exports/{secrets.token_urlsafe(16)}.{params['fmt']}"
    target = Path(current_app.config["UPLOAD_DIR"]) / rel
    partial = storage.scratch_dir() / f"{secrets.token_hex(16)}.{params['fmt']}.part"
    session = db.session()
    session.expire_on_commit = False  # the progress commits must not make the rows being read load again
    try:
        with force_locale(params["locale"]):
            count = _write(partial, params, export_id)
        size = partial.stat().st_size
        storage.put_file(partial, target, transactional=False)
        db.session.execute(update(ReportExport).where(ReportExport.id == export_id).values(
            state="done", done=count, file_path=rel, file_size=size, finished_at=utcnow(), updated_at=utcnow()))
        db.session.commit()
        _forget_older(export.key, export_id)
    except Exception as error:  # noqa: BLE001 - whatever failed, the page must say so
        _failed(export_id, partial, error)
    finally:
        session.expire_on_commit = True


def _failed(export_id: int, partial: Path, error: Exception) -> None:
    log.exception("report export %s failed", export_id)
    db.session.rollback()
    partial.unlink(missing_ok=True)
    db.session.execute(update(ReportExport).where(ReportExport.id == export_id).values(
        state="failed", error=f"{type(error).__name__}: {error}"[:500], finished_at=utcnow()))
    db.session.commit()


def _table(params: dict, rows_seen):
    """(headers, lines, sheet title) of the list `params` names; `rows_seen` wraps its row source."""
    if params["list"] == "behind":
        scope = services.Scope(region_code=params["region"])
        filters = services.Filters(course_id=params["course"], threshold=params["threshold"],
                                   course_ids=tuple(params["courses"]) if params["courses"] is not None else None)
        headers, lines = participant_table(rows_seen(services.iter_behind_rows(scope, filters)), params["phone"],
                                           with_place=True)
        return headers, lines, _("Tertinggal")
    from kopedu.plans import kawal_exports

    if params["list"] == "kawal_plans":
        return kawal_exports.plans_header(), rows_seen(kawal_exports.plan_rows(params["prefixes"], release=True)), \
            _("Rencana")
    return kawal_exports.checkins_header(), rows_seen(kawal_exports.checkin_rows(params["prefixes"], release=True)), \
        _("Laporan bulanan")


def _write(partial: Path, params: dict, export_id: int) -> int:
    counted = _Counted(export_id)
    headers, lines, title = _table(params, counted.through)
    if params["fmt"] == "csv":
        with partial.open("w", newline="", encoding="utf-8") as fh:
            for chunk in csv_chunks(headers, lines):  # the same CSV as a streamed download
                fh.write(chunk)
    else:
        partial.write_bytes(render_table(headers, lines, "xlsx", title))
    return counted.count


class _Counted:
    """Rows passed through, their number committed to the export now and then (the page shows it)."""

    def __init__(self, export_id: int):
        self.export_id, self.count, self.last = export_id, 0, time.monotonic()

    def through(self, rows):
        for row in rows:
            self.count += 1
            if time.monotonic() - self.last > PROGRESS_EVERY:
                db.session.execute(update(ReportExport).where(ReportExport.id == self.export_id).values(
                    done=self.count, updated_at=utcnow()))
                db.session.commit()
                self.last = time.monotonic()
            yield row


def _forget_older(key: str, keep_id: int) -> None:
    """Older exports of the same list are of no use once a newer one is done: files and rows go."""
    older = db.session.execute(select(ReportExport.id, ReportExport.file_path).where(
        ReportExport.key == key, ReportExport.id < keep_id)).all()
    for _id, path in older:
        if path:
            storage.remove(Path(current_app.config["UPLOAD_DIR"]) / path)
    if older:
        db.session.execute(delete(ReportExport).where(ReportExport.id.in_([row[0] for row in older])))
        db.session.commit()


jobs.register_task("report_export", run)
