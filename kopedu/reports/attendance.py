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
    address = [line.strip() for line in (tpl.address or "").splitlines() if line.strip()]
    # "Mengetahui,": the approver set for the issuing office, else the certificate's first signatory.
    approver = None
    if (tpl.approver_title or "").strip():
        approver = {"title": tpl.approver_title, "name": tpl.approver_name or "", "nip": tpl.approver_nip or ""}
    elif tpl.signatories:
        first = tpl.signatories[0]
        approver = {"title": first.get("title", ""), "name": first.get("name", ""), "nip": first.get("nip", "")}
    return {"lines": lines, "address": address, "logo": logo or "logo-default.svg",
            "place": tpl.issue_place or "", "colour": tpl.primary_colour or "#8c1d17", "approver": approver}


# The daftar hadir prints these statuses in place of a signature cell (nobody signs for them).
NOT_SIGNING = {"absent": "Tidak hadir", "excused": "Izin"}


def signature_mark(status: str | None) -> str | None:
    """"Tidak hadir" / "Izin" for a participant who does not sign the sheet; None for one who does."""
    return _(NOT_SIGNING[status]) if status in NOT_SIGNING else None


def _who(enrollment) -> dict:
    user = enrollment.user
    village = user.village
    return {"name": user.full_name, "position": user.position or "",
            "cooperative": user.cooperative.name if user.cooperative else "",
            "kelurahan": title_case(village.name) if village else ""}


# --- the daftar hadir of one session -------------------------------------------------------------

def session_rows(session: CohortSession) -> list[dict]:
    """Every participant of the session's cohort, by name, with their status (one query). Signature
    numbers zig-zag as on Indonesian sheets (odd on the left of the cell, even on the right);
    absent and excused rows carry a mark ("Tidak hadir", "Izin") instead of a place to sign."""
    return [{"no": number, **_who(enrollment), "status": status, "status_label": status_label(status),
             "sign_side": "left" if number % 2 else "right", "mark": signature_mark(status)}
            for number, (enrollment, status) in enumerate(cohorts.attendance_sheet(session), 1)]


def session_table(session: CohortSession) -> tuple[list[str], list[list]]:
    header = [_("No"), _("Nama"), _("Jabatan"), _("Koperasi"), _("Kelurahan"), _("Status"), _("Tanda tangan")]
    return header, [[r["no"], r["name"], r["position"], r["cooperative"], r["kelurahan"], r["status_label"],
                     r["mark"] or ""] for r in session_rows(session)]


def session_heading_lines(cohort: Cohort, session: CohortSession) -> list[str]:
    """The title rows of the daftar hadir as a spreadsheet."""
    return [_("DAFTAR HADIR PESERTA"), f"{cohort.course.title} · {cohort.name} ({cohort.code})",
            f"{_('Sesi')}: {session.topic} · {session.held_on.isoformat()}"]


def recap_heading_lines(data: "Recap") -> list[str]:
    cohort = data.cohort
    return [_("REKAP KEHADIRAN PESERTA"), f"{cohort.course.title} · {cohort.name} ({cohort.code})"]


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

    def totals(self) -> list[dict]:
        """Per session: how many were present (on time or late), excused, absent and not marked."""
        result = []
        for index, _session in enumerate(self.sessions):
            statuses = [row.statuses[index] for row in self.rows]
            result.append({"attended": sum(1 for st in statuses if st in ("present", "late")),
                           "excused": statuses.count("excused"), "absent": statuses.count("absent"),
                           "unmarked": statuses.count(None)})
        return result


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
    totals = data.totals()
    for key, label in (("attended", _("Jumlah hadir")), ("excused", _("Jumlah izin")),
                       ("absent", _("Jumlah tidak hadir"))):
        rows.append([None, label, None, None, None, *[t[key] for t in totals], None, None])
    return header, rows


def recap_pdf(data: Recap) -> bytes:
    html = render_template("reports/attendance_recap_print.html", recap=data, letters=LETTERS,
                           letterhead=letterhead(), trainers=data.cohort.trainers)
    return rendering.render_document(html)
