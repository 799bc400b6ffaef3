"""A cohort's in-person sessions and their attendance (routes on the cohorts blueprint): adding, changing
and deleting a session; the session page, where a trainer marks each participant with one tap, marks the
rest present or absent, and closes (or reopens) the attendance; the rotating check-in code box and its QR
code for the room's screen; and the participants' self check-in with that code (/hadir). Logic lives in
kopedu.cohorts.services; routes commit once.
"""
import io

from flask import abort, current_app, flash, make_response, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from kopedu import audit
from kopedu.cohorts import bp, services
from kopedu.cohorts import checkin as hall_checkin
from kopedu.cohorts.forms import STATUS_LABELS, CheckInForm, SessionForm
from kopedu.cohorts.models import ATTENDANCE_STATUSES, Cohort
from kopedu.cohorts.routes import STAFF, _cohort
from kopedu.extensions import db
from kopedu.web.access import roles_required
from kopedu.web.errors import abort_with
from kopedu.web.filters import date_long
from kopedu.web.htmx import is_partial, redirect, render, render_blocks

# The status buttons of a row on the attendance page, in this order.
BUTTONS = ("present", "late", "excused", "absent")


@bp.app_template_global()
def attendance_label(status: str | None) -> str:
    return str(STATUS_LABELS.get(status, STATUS_LABELS[None]))


def _session(cohort: Cohort, session_id: int):
    session = services.find_session(cohort, session_id)
    if session is None:
        abort(404)
    return session


# --- sessions ----------------------------------------------------------------------------------

def _save_session(form: SessionForm, cohort: Cohort, session):
    try:
        session = services.save_session(cohort, session, held_on=form.held_on.data, starts_at=form.starts_at.data,
                                        ends_at=form.ends_at.data, place=form.place.data, topic=form.topic.data)
    except services.CohortError as error:
        db.session.rollback()
        getattr(form, error.field or "topic").errors.append(str(error))
        return None
    if services.outside_cohort_dates(session):
        flash(_("Perhatian: tanggal sesi (%(day)s) di luar jadwal angkatan (%(start)s – %(end)s). Periksa lagi "
                "tanggalnya.", day=date_long(session.held_on), start=date_long(cohort.starts_on) or "…",
                end=date_long(cohort.ends_on) or "…"), "warning")
    return session


@bp.route("/angkatan/<int:cohort_id>/sesi/baru", methods=["GET", "POST"])
@roles_required(*STAFF)
def session_new(cohort_id: int):
    cohort = _cohort(cohort_id)
    form = SessionForm()
    if form.validate_on_submit():
        session = _save_session(form, cohort, None)
        if session is not None:
            audit.record(current_user, "cohort.session_create", session, object_type="cohort_session")
            db.session.commit()
            flash(_("Sesi sudah ditambahkan."), "success")
            return redirect(url_for("cohorts.cohort", cohort_id=cohort.id))
    status = 422 if form.errors else 200
    return render("cohorts/session_form.html", block="form", status=status, form=form, cohort=cohort,
                  session=None)


@bp.route("/angkatan/<int:cohort_id>/sesi/<int:session_id>/ubah", methods=["GET", "POST"])
@roles_required(*STAFF)
def session_edit(cohort_id: int, session_id: int):
    cohort = _cohort(cohort_id)
    session = _session(cohort, session_id)
    form = SessionForm(obj=session)
    if form.validate_on_submit():
        if _save_session(form, cohort, session) is not None:
            audit.record(current_user, "cohort.session_update", session, object_type="cohort_session")
            db.session.commit()
            flash(_("Perubahan sudah disimpan."), "success")
            return redirect(url_for("cohorts.session", cohort_id=cohort.id, session_id=session.id))
    status = 422 if form.errors else 200
    return render("cohorts/session_form.html", block="form", status=status, form=form, cohort=cohort,
                  session=session)


@bp.post("/angkatan/<int:cohort_id>/sesi/<int:session_id>/hapus")
@roles_required(*STAFF)
def session_delete(cohort_id: int, session_id: int):
    cohort = _cohort(cohort_id)
    session = _session(cohort, session_id)
    audit.record(current_user, "cohort.session_delete", session, object_type="cohort_session")
    try:
        services.delete_session(session)
    except services.CohortError as error:
        db.session.rollback()
        abort_with(409, error)
    db.session.commit()
    flash(_("Sesi sudah dihapus."), "success")
    return redirect(url_for("cohorts.cohort", cohort_id=cohort.id))


def _checkin_url(code: str) -> str:
    """The check-in address for the QR code: on KOPEDU_PUBLIC_URL, never on the Host the request named."""
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for("cohorts.checkin", kode=code)


def _code_context(cohort, session) -> dict:
    opens, closes = services.session_window(session)
    current = hall_checkin.current_checkin_code(session)
    return {"cohort": cohort, "session": session, "opens": opens, "closes": closes,
            "checkin_open": current is not None, "checkin_code": current[0] if current else None,
            "code_seconds": current[1] if current else None}


def _sheet_context(cohort, session, q: str = "", kel: str = ""):
    full = services.attendance_sheet(session)
    return {**_code_context(cohort, session), "cohort": cohort, "session": session, "sheet": services.filter_sheet(full, q, kel), "q": q,
            "kel": kel, "villages": services.sheet_villages(full), "statuses": BUTTONS,
            "summary": services.attendance_summary(session)}


def _filters() -> tuple[str, str]:
    values = request.values
    return values.get("q", "").strip()[:100], values.get("kel", "").strip()[:10]


@bp.get("/angkatan/<int:cohort_id>/sesi/<int:session_id>")
@roles_required(*STAFF)
def session(cohort_id: int, session_id: int):
    cohort = _cohort(cohort_id)
    session = _session(cohort, session_id)
    q, kel = _filters()
    return render("cohorts/session.html", block="sheet", **_sheet_context(cohort, session, q, kel))


@bp.post("/angkatan/<int:cohort_id>/sesi/<int:session_id>/presensi/<int:enrollment_id>")
@roles_required(*STAFF)
def mark(cohort_id: int, session_id: int, enrollment_id: int):
    """One tap on a row's status button: store that status, answer with that row only (and the
    counts out of band)."""
    cohort = _cohort(cohort_id)
    session = _session(cohort, session_id)
    enrollment = services.find_enrollment(session, enrollment_id)
    if enrollment is None:
        abort(404)
    status = request.form.get("status", "")
    if status not in ATTENDANCE_STATUSES:
        abort(400)
    try:
        services.set_attendance(session, enrollment, status, actor=current_user)
    except services.AttendanceClosed as error:
        abort_with(409, error)
    db.session.commit()
    if not is_partial():
        return redirect(url_for("cohorts.session", cohort_id=cohort.id, session_id=session.id)
                        + f"#p{enrollment.id}")
    return render_blocks("cohorts/session.html", ["row", "summary"], cohort=cohort, session=session,
                         enrollment=enrollment, state=status, statuses=BUTTONS,
                         summary=services.attendance_summary(session), oob=True)


@bp.post("/angkatan/<int:cohort_id>/sesi/<int:session_id>/semua-hadir")
@roles_required(*STAFF)
def mark_rest_present(cohort_id: int, session_id: int):
    """"Semua hadir": everyone not marked yet is present (mark the exceptions first)."""
    cohort = _cohort(cohort_id)
    session = _session(cohort, session_id)
    try:
        marked = services.mark_rest(session, "present", actor=current_user)
    except services.CohortError as error:
        db.session.rollback()
        abort_with(409, error)
    audit.record(current_user, "cohort.mark_rest_present", session, object_type="cohort_session", count=marked)
    db.session.commit()
    q, kel = _filters()
    if not is_partial():
        flash(_("%(n)d peserta ditandai hadir.", n=marked), "success")
        return redirect(url_for("cohorts.session", cohort_id=cohort.id, session_id=session.id))
    context = _sheet_context(cohort, session, q, kel)
    return render_blocks("cohorts/session.html", ["sheet", "summary"], oob=True, **context)


@bp.post("/angkatan/<int:cohort_id>/sesi/<int:session_id>/sisa-tidak-hadir")
@roles_required(*STAFF)
def mark_rest_absent(cohort_id: int, session_id: int):
    cohort = _cohort(cohort_id)
    session = _session(cohort, session_id)
    try:
        marked = services.mark_rest_absent(session, actor=current_user)
    except services.AttendanceClosed as error:
        abort_with(409, error)
    audit.record(current_user, "cohort.mark_rest_absent", session, object_type="cohort_session", count=marked)
    db.session.commit()
    flash(_("%(n)d peserta ditandai tidak hadir.", n=marked), "success")
    return redirect(url_for("cohorts.session", cohort_id=cohort.id, session_id=session.id))


@bp.post("/angkatan/<int:cohort_id>/sesi/<int:session_id>/tutup-presensi")
@roles_required(*STAFF)
def close_attendance(cohort_id: int, session_id: int):
    """"Tutup presensi": the attendance is settled; the completion rules are evaluated for the cohort
    (kopedu.events: attendance_closed)."""
    cohort = _cohort(cohort_id)
    session = _session(cohort, session_id)
    issued = services.close_attendance_and_count(session, actor=current_user)
    if issued is not None:
        audit.record(current_user, "cohort.close_attendance", session, object_type="cohort_session",
                     certificates=len(issued))
        db.session.commit()
        flash(_("Presensi sudah ditutup. %(n)d sertifikat diterbitkan.", n=len(issued)), "success")
        if issued:
            flash(_("Sertifikat untuk: %(names)s.", names=", ".join(issued)), "info")
    else:
        flash(_("Presensi sesi ini sudah ditutup sebelumnya."), "info")
    return redirect(url_for("cohorts.session", cohort_id=cohort.id, session_id=session.id))


@bp.post("/angkatan/<int:cohort_id>/sesi/<int:session_id>/buka-presensi")
@roles_required(*STAFF)
def reopen_attendance(cohort_id: int, session_id: int):
    """Open a closed attendance again, to correct it; nothing already issued is revoked."""
    cohort = _cohort(cohort_id)
    session = _session(cohort, session_id)
    if services.reopen_attendance(session):
        audit.record(current_user, "cohort.reopen_attendance", session, object_type="cohort_session")
        db.session.commit()
        flash(_("Presensi dibuka lagi. Tutup lagi setelah selesai memperbaiki."), "success")
    return redirect(url_for("cohorts.session", cohort_id=cohort.id, session_id=session.id))


@bp.post("/angkatan/<int:cohort_id>/sesi/<int:session_id>/kode-baru")
@roles_required(*STAFF)
def new_code(cohort_id: int, session_id: int):
    cohort = _cohort(cohort_id)
    session = _session(cohort, session_id)
    services.new_checkin_code(session)
    audit.record(current_user, "cohort.new_checkin_code", session, object_type="cohort_session")
    db.session.commit()
    if not is_partial():
        return redirect(url_for("cohorts.session", cohort_id=cohort.id, session_id=session.id))
    return render_blocks("cohorts/session.html", ["code"], **_code_context(cohort, session))


@bp.get("/angkatan/<int:cohort_id>/sesi/<int:session_id>/kode")
@roles_required(*STAFF)
def code(cohort_id: int, session_id: int):
    """The code box alone: the trainer's screen fetches it again as the code rotates."""
    cohort = _cohort(cohort_id)
    session = _session(cohort, session_id)
    response = render_blocks("cohorts/session.html", ["code"], **_code_context(cohort, session))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/angkatan/<int:cohort_id>/sesi/<int:session_id>/qr.svg")
@roles_required(*STAFF)
def qr(cohort_id: int, session_id: int):
    """The QR code of the check-in address with the code of this moment (404 while check-in is closed)."""
    import segno

    cohort = _cohort(cohort_id)
    session = _session(cohort, session_id)
    current = hall_checkin.current_checkin_code(session)
    if current is None:
        abort(404)
    code = segno.make(_checkin_url(current[0]), error="m")
    buffer = io.BytesIO()
    code.save(buffer, kind="svg", scale=8, border=2, xmldecl=False, title=_("Kode presensi"))
    response = make_response(buffer.getvalue())
    response.mimetype = "image/svg+xml"
    response.headers["Cache-Control"] = "no-store"
    return response


# --- self check-in (participants) ---------------------------------------------------------------

@bp.route("/hadir", methods=["GET", "POST"])
@login_required
def checkin():
    form = CheckInForm()
    if request.method == "GET" and request.args.get("kode"):
        form.code.data = request.args.get("kode", "")[:12]
    done, status, retry_after = None, 200, None
    if form.validate_on_submit():
        try:
            session, record = hall_checkin.check_in(current_user, form.code.data,
                                                limit=current_app.config["RATELIMIT_CHECKIN"])
        except hall_checkin.CheckInLimited as error:
            form.code.errors.append(str(error))
            status, retry_after = 429, error.retry_after
        except services.CheckInError as error:
            form.code.errors.append(str(error))
        else:
            done = (session, record)
        db.session.commit()  # the attendance, or the count of a wrong code
    if form.errors and status == 200:
        status = 422
    response = render("cohorts/checkin.html", block="form", status=status, form=form, done=done,
                      upcoming=services.upcoming_sessions(current_user))
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response
