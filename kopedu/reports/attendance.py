"""Printed attendance for the SPJ: the daftar hadir of one session (with a signature column and the
trainer's signature block, under the certificate template's letterhead) and the recap of a cohort
(participants × sessions, attendance %), as PDF, XLSX and CSV.

Here and not in cohorts because it uses the certificate template (letterhead, logo, place) and its
PDF renderer (shipped fonts, restricted fetcher, the process-wide rendering lock). Plain values in,
tables and PDF bytes out; nothing is written.
"""
from dataclasses import dataclass, field

from flask import current_app, render_template
from flask_babel import gettext as _
from sqlalchemy import select

from kopedu.certificates import rendering
from kopedu.certificates.services import template_settings
from kopedu.cohorts import services as cohorts
from kopedu.cohorts.forms import STATUS_LABELS
from kopedu.cohorts.models import Attendance, Cohort, CohortSession
from kopedu.extensions import db
from kopedu.regions.models import title_case

# One letter per status in the recap grid (the legend is printed under it).
LETTERS = {"present": "H", "late": "T", "excused": "I", "absent": "A", None: "–"}


def status_label(status: str | None) -> str:
    return str(STATUS_LABELS.get(status, STATUS_LABELS[None]))


def letterhead() -> dict:
    """The certificate template's letterhead lines, logo (data: URI, or the bundled default) and place."""
    tpl = template_settings()
    logo = None
    if tpl.logo_path:
        from pathlib import Path

        logo = rendering.image_data_uri(Path(current_app.config["UPLOAD_DIR"]) / tpl.logo_path)
    lines = [line.strip() for line in (tpl.header_lines or "").splitlines() if line.strip()]
    return {"lines": lines, "logo": logo or "logo-default.svg", "place": tpl.issue_place or "",
            "colour": tpl.primary_colour or "#8c1d17"}


def _who(enrollment) -> dict:
    user = enrollment.user
    village = user.village
    return {"name": user.full_name, "position": user.position or "",
            "cooperative": user.cooperative.name if user.cooperative else "",
            "kelurahan": title_case(village.name) if village else ""}


# --- the daftar hadir of one session -------------------------------------------------------------

def session_rows(session: CohortSession) -> list[dict]:
    """Every participant of the session's cohort, by name, with their status (one query)."""
    return [{"no": number, **_who(enrollment), "status": status, "status_label": status_label(status)}
            for number, (enrollment, status) in enumerate(cohorts.attendance_sheet(session), 1)]


def session_table(session: CohortSession) -> tuple[list[str], list[list]]:
    header = [_("No"), _("Nama"), _("Jabatan"), _("Koperasi"), _("Kelurahan"), _("Status"), _("Tanda tangan")]
    return header, [[r["no"], r["name"], r["position"], r["cooperative"], r["kelurahan"], r["status_label"], ""]
                    for r in session_rows(session)]


def session_pdf(cohort: Cohort, session: CohortSession) -> bytes:
    html = render_template("reports/attendance_sheet.html", cohort=cohort, session=session,
                           rows=session_rows(session), summary=cohorts.attendance_summary(session),
                           letterhead=letterhead(), trainers=cohort.trainers)
    return rendering.render_document(html)


# --- the recap of a cohort -----------------------------------------------------------------------

@dataclass
class RecapRow:
    no: int
    name: str
    position: str
    cooperative: str
    kelurahan: str
    statuses: list = field(default_factory=list)  # one per session, in session order (None: not marked)
    attended: int = 0
    pct: float | None = None


@dataclass
class Recap:
    cohort: Cohort
    sessions: list
    rows: list


def recap(cohort: Cohort) -> Recap:
    """Participants × sessions with the status of each, the number attended and attendance % (the
    figure the certificate rules and the gradebook use). Three queries whatever the size."""
    sessions = list(cohort.sessions)
    enrollments = [e for e, _s in cohorts.attendance_sheet(sessions[0])] if sessions else [
        e for e in cohorts.participants(cohort, per_page=10_000).items]
    marks = {(eid, sid): status for eid, sid, status in db.session.execute(
        select(Attendance.enrollment_id, Attendance.session_id, Attendance.status)
        .join(CohortSession, CohortSession.id == Attendance.session_id)
        .where(CohortSession.cohort_id == cohort.id))}
    pcts = cohorts.attendance_pcts(enrollments)
    rows = []
    for number, enrollment in enumerate(enrollments, 1):
        statuses = [marks.get((enrollment.id, s.id)) for s in sessions]
        rows.append(RecapRow(no=number, **_who(enrollment), statuses=statuses,
                             attended=sum(1 for st in statuses if st in ("present", "late")),
                             pct=pcts.get(enrollment.id)))
    return Recap(cohort=cohort, sessions=sessions, rows=rows)


def session_heading(session: CohortSession) -> str:
    return f"{session.held_on.strftime('%d/%m')} {session.topic}"


def recap_table(data: Recap) -> tuple[list[str], list[list]]:
    header = [_("No"), _("Nama"), _("Jabatan"), _("Koperasi"), _("Kelurahan")]
    header += [session_heading(s) for s in data.sessions]
    header += [_("Hadir (sesi)"), _("Kehadiran (%)")]
    rows = [[r.no, r.name, r.position, r.cooperative, r.kelurahan, *[LETTERS[s] for s in r.statuses],
             r.attended, r.pct] for r in data.rows]
    return header, rows


def recap_pdf(data: Recap) -> bytes:
    html = render_template("reports/attendance_recap_print.html", recap=data, letters=LETTERS,
                           letterhead=letterhead(), trainers=data.cohort.trainers)
    return rendering.render_document(html)
