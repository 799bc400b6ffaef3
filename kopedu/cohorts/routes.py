"""Cohort pages: list, create/edit, schedule, attendance taking, self check-in and the import."""
import io

from flask import abort, current_app, flash, make_response, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from kopedu import audit
from kopedu.auth.services import trainer_picks
from kopedu.cohorts import bp, importer, services
from kopedu.cohorts.forms import STATUS_LABELS, CheckInForm, CohortForm, ImportForm, SessionForm
from kopedu.cohorts.models import ATTENDANCE_STATUSES, Cohort, ParticipantImport
from kopedu.courses.services import all_courses
from kopedu.extensions import db
from kopedu.regions.services import resolve_region
from kopedu.web import contact
from kopedu.web.access import roles_required
from kopedu.web.errors import abort_with
from kopedu.web.exports import send_table
from kopedu.web.files import content_disposition
from kopedu.web.filters import date_long
from kopedu.web.htmx import is_partial, redirect, render, render_blocks
from kopedu.web.pdf import html_to_pdf
from kopedu.web.params import page_number

STAFF = ("admin", "trainer")
# The status buttons of a row on the attendance page, in this order.
BUTTONS = ("present", "late", "excused", "absent")


@bp.app_template_global()
def attendance_label(status: str | None) -> str:
    return str(STATUS_LABELS.get(status, STATUS_LABELS[None]))


def _cohort(cohort_id: int) -> Cohort:
    """The cohort, if the current user runs it (admin or one of its trainers); else 404/403."""
    cohort = db.get_or_404(Cohort, cohort_id)
    if not services.can_manage(current_user, cohort):
        abort(403)
    return cohort


def _session(cohort: Cohort, session_id: int):
    session = services.find_session(cohort, session_id)
    if session is None:
        abort(404)
    return session


# --- cohorts -----------------------------------------------------------------------------------

@bp.get("/angkatan")
@roles_required(*STAFF)
def index():
    from kopedu.web.keyset import cursor

    q = (request.args.get("q") or "").strip()[:60]
    page = services.cohorts_page(current_user, q, *cursor())
    return render("cohorts/list.html", cohorts=page.items, page=page, q=q)


def _cohort_form(cohort: Cohort | None) -> CohortForm:
    form = CohortForm(obj=cohort)
    form.course_id.choices = [("", "—")] + [(c.id, c.title) for c in all_courses()]
    if cohort is not None and (request.method == "GET" or not isinstance(form.region.data, str)):
        form.region.data = cohort.region_code or ""  # a POST without the field would carry Cohort.region
    current = list(cohort.trainers) if cohort is not None else []
    if request.method == "POST":
        chosen = trainer_picks(current_user, ids=request.form.getlist("trainer_ids", type=int))
    elif "trainer_ids" in request.args or "cari_pelatih" in request.args:  # the trainer search
        chosen = trainer_picks(current_user, ids=request.args.getlist("trainer_ids", type=int))
        form.trainer_ids.data = [t.id for t in chosen]
    else:
        chosen = current
        form.trainer_ids.data = [t.id for t in current]
    # The choices: who is ticked (and the cohort's trainers, even from outside the admin's region), then
    # up to PICK_LIMIT other trainers of the admin's region matching the search box.
    q = (request.args.get("cari_pelatih") or "").strip()[:60]
    shown = {t.id: t.full_name for t in [*current, *chosen]}
    shown.update((t.id, t.full_name) for t in trainer_picks(current_user, q, exclude=list(shown)))
    form.trainer_ids.choices = list(shown.items())
    form.trainer_q = q
    return form


def _save_cohort(form: CohortForm, cohort: Cohort | None) -> Cohort | None:
    region = resolve_region(form.region.data) if form.region.data else None
    if form.region.data and region is None:
        form.region.errors.append(_("Wilayah tidak ditemukan atau namanya ganda. Pakai kode BPS."))
        return None
    region_code = region.code if region else None
    if region_code is None and not current_user.is_national:
        region_code = current_user.region_code  # a region admin's cohorts belong to their region
    try:
        return services.save_cohort(
            cohort, course_id=form.course_id.data, code=form.code.data, name=form.name.data,
            starts_on=form.starts_on.data, ends_on=form.ends_on.data, venue=form.venue.data,
            region_code=region_code, trainer_ids=form.trainer_ids.data or [], actor=current_user)
    except services.CohortError as error:
        db.session.rollback()
        getattr(form, error.field or "name").errors.append(str(error))
        return None


@bp.route("/angkatan/baru", methods=["GET", "POST"])
@roles_required("admin")
def cohort_new():
    form = _cohort_form(None)
    if form.validate_on_submit():
        cohort = _save_cohort(form, None)
        if cohort is not None:
            audit.record(current_user, "cohort.create", cohort)
            db.session.commit()
            flash(_("Angkatan sudah dibuat: %(name)s.", name=cohort.name), "success")
            return redirect(url_for("cohorts.cohort", cohort_id=cohort.id))
    status = 422 if form.errors else 200
    return render("cohorts/form.html", block=_form_block(), status=status, form=form, cohort=None)


@bp.route("/angkatan/<int:cohort_id>/ubah", methods=["GET", "POST"])
@roles_required("admin")
def cohort_edit(cohort_id: int):
    cohort = _cohort(cohort_id)
    form = _cohort_form(cohort)
    if form.validate_on_submit():
        if _save_cohort(form, cohort) is not None:
            audit.record(current_user, "cohort.update", cohort)
            db.session.commit()
            flash(_("Perubahan sudah disimpan."), "success")
            return redirect(url_for("cohorts.cohort", cohort_id=cohort.id))
    status = 422 if form.errors else 200
    return render("cohorts/form.html", block=_form_block(), status=status, form=form, cohort=cohort)


def _form_block() -> str:
    """The block an htmx request gets: the trainer search asks for the trainer options only."""
    return "trainer_options" if request.method == "GET" and "cari_pelatih" in request.args else "form"


@bp.get("/angkatan/<int:cohort_id>")
@roles_required(*STAFF)
def cohort(cohort_id: int):
    cohort = _cohort(cohort_id)
    q = request.args.get("q", "").strip()
    page = request.args.get("page", 1, type=page_number)
    pagination = services.participants(cohort, q, page)
    pcts = services.attendance_pcts(pagination.items)
    summaries = services.attended_counts(cohort)
    certified = services.certified_enrollments(pagination.items)
    # A WhatsApp reminder for each participant with something left to do, none for certificate holders.
    site = current_app.config["PUBLIC_BASE_URL"]
    reminders = {e.id: contact.reminder_url(
        e.user.phone, name=e.user.full_name, course=cohort.course.title, sender=current_user.full_name,
        site=site, left=contact.left_to_do(e.progress_pct, scores_known=False) if e.completed_at is None else [])
        for e in pagination.items if e.id not in certified}
    return render("cohorts/cohort.html", block="participants", cohort=cohort, pagination=pagination,
                  q=q, pcts=pcts, summaries=summaries, total=services.participant_count(cohort),
                  certified=certified, reminders=reminders)


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
    current = services.current_checkin_code(session)
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
    current = services.current_checkin_code(session)
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
            session, record = services.check_in(current_user, form.code.data,
                                                limit=current_app.config["RATELIMIT_CHECKIN"])
        except services.CheckInLimited as error:
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


# --- participant import --------------------------------------------------------------------------

@bp.route("/angkatan/<int:cohort_id>/impor", methods=["GET", "POST"])
@roles_required(*STAFF)
def import_upload(cohort_id: int):
    cohort = _cohort(cohort_id)
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read(importer.MAX_BYTES + 1)
        try:
            record = importer.store_upload(cohort, data, upload.filename or "", current_user)
        except importer.ImportFileError as error:
            form.file.errors.append(str(error))
        else:
            importer.discard_stale(cohort, keep=record)
            db.session.commit()
            return redirect(url_for("cohorts.import_preview", cohort_id=cohort.id, import_id=record.id))
    status = 422 if form.errors else 200
    return render("cohorts/import.html", block="form", status=status, form=form, cohort=cohort)


def _import(cohort: Cohort, import_id: int) -> ParticipantImport:
    record = db.session.get(ParticipantImport, import_id)
    if record is None or record.cohort_id != cohort.id:
        abort(404)
    return record


def _refused(rejected: list[dict]) -> list[dict]:
    return [{**r, "reasons": " ".join(importer.reason_text(e) for e in r["errors"])} for r in rejected]


@bp.get("/angkatan/<int:cohort_id>/impor/<int:import_id>")
@roles_required(*STAFF)
def import_preview(cohort_id: int, import_id: int):
    cohort = _cohort(cohort_id)
    record = _import(cohort, import_id)
    preview, error, bad = None, None, []
    if record.confirmed_at is not None:
        bad = (record.summary or {}).get("rejected", [])
    else:
        try:
            preview = importer.preview(cohort, importer.load_records(record), current_user)
            bad = importer.rejected_rows(preview)
        except importer.ImportFileError as exc:
            error = str(exc)
    return render("cohorts/import_preview.html", cohort=cohort, record=record, preview=preview, error=error,
                  bad=_refused(bad), labels=importer.FIELD_LABELS,
                  parts=importer.sheet_parts(record) if record.confirmed_at else 0)


@bp.post("/angkatan/<int:cohort_id>/impor/<int:import_id>/konfirmasi")
@roles_required(*STAFF)
def import_confirm(cohort_id: int, import_id: int):
    cohort = _cohort(cohort_id)
    record = _import(cohort, import_id)
    ticked = set(request.form.getlist("ubah", type=page_number))
    try:
        summary = importer.confirm(record, current_user, ticked)
    except importer.CohortError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("cohorts.import_preview", cohort_id=cohort.id, import_id=record.id))
    audit.record(current_user, "cohort.import", cohort, created=summary["created"], updated=summary["updated"],
                 rejected=len(summary["rejected"]), file=record.filename)
    db.session.commit()
    flash(_("Impor selesai: %(c)d akun baru, %(u)d diperbarui, %(r)d baris dilewati.",
            c=summary["created"], u=summary["updated"], r=len(summary["rejected"])), "success")
    return redirect(url_for("cohorts.import_preview", cohort_id=cohort.id, import_id=record.id))


@bp.post("/angkatan/<int:cohort_id>/impor/<int:import_id>/lembar-sandi.pdf")
@roles_required(*STAFF)
def password_sheet(cohort_id: int, import_id: int):
    """Print the initial passwords of the accounts this import created (they are set now, so the
    sheet is the only place they appear)."""
    cohort = _cohort(cohort_id)
    record = _import(cohort, import_id)
    if record.confirmed_at is None:
        abort(409)
    parts = importer.sheet_parts(record)
    part = request.form.get("part", 1, type=page_number)
    if not 1 <= part <= max(parts, 1):
        abort(404)
    accounts = importer.issue_passwords(record, part)
    audit.record(current_user, "cohort.password_sheet", cohort, import_id=record.id, part=part,
                 issued=sum(1 for _u, p in accounts if p))
    html = render_template("cohorts/password_sheet.html", cohort=cohort, record=record, accounts=accounts,
                           part=part, parts=parts, login_url=current_app.config["PUBLIC_BASE_URL"] + "/masuk")
    pdf = html_to_pdf(html)
    db.session.commit()  # only once the sheet exists
    response = make_response(pdf)
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = content_disposition(f"sandi-{cohort.code}-{record.id}-{part}.pdf")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/angkatan/<int:cohort_id>/impor/<int:import_id>/ditolak.csv")
@roles_required(*STAFF)
def import_rejected(cohort_id: int, import_id: int):
    cohort = _cohort(cohort_id)
    record = _import(cohort, import_id)
    if record.confirmed_at is not None:
        summary = record.summary or {}
        header, rejected = summary.get("header") or [_("nama"), _("hp")], summary.get("rejected", [])
    else:
        try:
            rejected = importer.rejected_rows(importer.preview(cohort, importer.load_records(record), current_user))
        except importer.ImportFileError:
            abort(404)
        header = record.parsed["header"]
    header, rows = importer.rejected_table(header, rejected)
    return send_table(header, rows, f"ditolak-{cohort.code}-{record.id}", "csv")


@bp.get("/angkatan/<int:cohort_id>/impor/contoh.csv")
@roles_required(*STAFF)
def import_template(cohort_id: int):
    cohort = _cohort(cohort_id)
    header = ["nama", "hp", "email", "jabatan", "kelurahan", "koperasi"]
    rows = [["Yuliana Ndun", "0812-3456-7890", "", "Ketua", "5371030011", "Koperasi Kelurahan Merah Putih Oebufu"]]
    return send_table(header, rows, f"contoh-peserta-{cohort.code}", "csv")
