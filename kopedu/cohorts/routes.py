"""Cohort pages: list, create/edit, the cohort's participants and the participant import. The cohort's
sessions, attendance taking and self check-in are in session_routes (same blueprint)."""
from flask import abort, current_app, flash, make_response, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from kopedu import audit
from kopedu.auth.services import trainer_picks
from kopedu.cohorts import bp, importer, services
from kopedu.cohorts.forms import CohortForm, ImportForm
from kopedu.cohorts.models import Cohort, ParticipantImport
from kopedu.courses.services import all_courses
from kopedu.extensions import db
from kopedu.regions.services import resolve_region
from kopedu.web import contact
from kopedu.web.access import roles_required
from kopedu.web.exports import send_table
from kopedu.web.files import content_disposition
from kopedu.web.htmx import redirect, render
from kopedu.web.pdf import html_to_pdf
from kopedu.web.params import page_number

STAFF = ("admin", "trainer")


def _cohort(cohort_id: int) -> Cohort:
    """The cohort, if the current user runs it (admin or one of its trainers); else 404/403."""
    cohort = db.get_or_404(Cohort, cohort_id)
    if not services.can_manage(current_user, cohort):
        abort(403)
    return cohort


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
