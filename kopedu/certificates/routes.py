"""Certificate pages: public verification, the participant's download, trainers' and admins' management,
bulk ZIP exports and the template settings."""
from flask import abort, current_app, flash, make_response, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from kopedu import audit
from kopedu.certificates import bp, codes, jobs, services
from kopedu.certificates.forms import (
    ExpiryForm, IssueForm, RegenerateForm, RevokeForm, RulesForm, TemplateForm)
from kopedu.certificates.models import Certificate, CertificateExport, CertificateJob
from kopedu.cohorts.models import Cohort
from kopedu.courses.models import Course
from kopedu.courses.services import taught_courses
from kopedu.extensions import db, limiter
from kopedu.learning.models import Enrollment
from kopedu.web.access import roles_required
from kopedu.web.files import send_stored_file
from kopedu.web.htmx import redirect, render
from kopedu.web.params import db_id, page_number

STATUS_LABELS = {
    "valid": lambda: _("SAH"),
    "revoked": lambda: _("DICABUT"),
    "expired": lambda: _("KEDALUWARSA"),
}


def _verify_limit() -> str:
    return current_app.config.get("RATELIMIT_VERIFY", "30 per minute; 300 per hour")


_verify_limiter = limiter.shared_limit(_verify_limit, scope="certificate-verify")


@bp.context_processor
def _labels():
    return {"status_label": lambda status: STATUS_LABELS[status](), "code_display": codes.display,
            "unnamed_signatories": services.unnamed_signatories}


# ------------------------------------------------------------------------------------------------ public

@bp.get("/verifikasi")
@_verify_limiter
def verify_form():
    typed = request.args.get("kode", "")
    code = codes.normalise(typed)
    if code:
        shown = codes.display(code) if codes.is_well_formed(code) else code
        return redirect(url_for("certificates.verify", code=shown))
    return _no_index(render("certificates/verify.html", certificate=None, unknown=False, typed=""))


@bp.get("/verifikasi/<code>")
@_verify_limiter
def verify(code: str):
    certificate = services.find_by_code(code)
    if certificate is None:
        response = render("certificates/verify.html", status=404, certificate=None, unknown=True,
                          typed=codes.normalise(code)[:24])
    else:
        response = render("certificates/verify.html", certificate=certificate, unknown=False,
                          status_code=certificate.status(), typed=certificate.verify_code)
    return _no_index(response)


def _no_index(response):
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Cache-Control"] = "no-store"
    return response


# ------------------------------------------------------------------------------------------- downloads

def _certificate_or_404(certificate_id: int) -> Certificate:
    certificate = services.get_certificate(certificate_id)
    if certificate is None:
        abort(404)
    return certificate


def _send_pdf(path, sha256: str, download_name: str):
    return send_stored_file(path, mimetype="application/pdf", download_name=download_name, etag=sha256)


@bp.get("/sertifikat/<int:certificate_id>/unduh")
@login_required
def download(certificate_id: int):
    try:
        stored = services.stored_pdf_for(current_user, certificate_id)
    except PermissionError:
        abort(403)
    if stored is None:
        abort(404)
    if stored.path is None:
        # Issued a moment ago: the PDF is being rendered in the background. Say so, and look again soon.
        if jobs.rendering_expected(stored.issued_at):
            response = render("certificates/preparing.html", status=202)
            response.headers["Refresh"] = str(jobs.PREPARING_REFRESH_SECONDS)
            response.headers["Retry-After"] = str(jobs.PREPARING_REFRESH_SECONDS)
            response.headers["Cache-Control"] = "no-store"
            return response
        # The background render was lost (no worker, a crash): render it now and wait for it.
        jobs.render_pdf(stored.certificate_id)
        stored = services.stored_pdf_for(current_user, certificate_id)
        if stored is None or stored.path is None:
            abort(404)
    return _send_pdf(stored.path, stored.sha256, stored.download_name)


@bp.get("/sertifikat/<int:certificate_id>/versi/<int:version>")
@login_required
def download_version(certificate_id: int, version: int):
    certificate = _certificate_or_404(certificate_id)
    if not services.can_manage(current_user, certificate.enrollment.course):
        abort(403)
    old = next((v for v in certificate.versions if v.version == version), None)
    path = services.pdf_file(old.pdf_path) if old else None
    if path is None:
        abort(404)
    return _send_pdf(path, old.pdf_sha256, services.download_name(certificate, version))


# ---------------------------------------------------------------------------------------------- manage

def _managed_course(course_id: int):
    course = db.get_or_404(Course, course_id)
    if not services.can_manage(current_user, course):
        abort(403)
    return course


@bp.get("/sertifikat")
@roles_required("trainer", "admin")
def index():
    courses = taught_courses(current_user)
    return render("certificates/index.html", courses=courses,
                  counts=services.course_counts(c.id for c in courses))


@bp.get("/sertifikat/kursus/<int:course_id>")
@roles_required("trainer", "admin")
def course(course_id: int):
    course = _managed_course(course_id)
    cohorts = services.course_cohorts(course)
    cohort_id = request.args.get("angkatan", type=db_id)
    if cohort_id and cohort_id not in {c.id for c in cohorts}:
        cohort_id = None
    q = request.args.get("q", "").strip()
    page = request.args.get("page", 1, type=page_number)
    pagination, rows = services.course_participants(course, cohort_id, q, page)
    return render("certificates/course.html", block="results", course=course, cohorts=cohorts,
                  cohort_id=cohort_id, q=q, pagination=pagination, rows=rows, rule=services.rules_for(course))


@bp.route("/sertifikat/kursus/<int:course_id>/aturan", methods=["GET", "POST"])
@roles_required("trainer", "admin")
def rules(course_id: int):
    course = _managed_course(course_id)
    rule = services.rules_for(course)
    form = RulesForm(obj=rule)
    if form.validate_on_submit():
        try:
            services.save_rules(course, auto_issue=form.auto_issue.data, require_lessons=form.require_lessons.data,
                                require_quizzes=form.require_quizzes.data,
                                min_posttest_score=form.min_posttest_score.data,
                                require_assignments=form.require_assignments.data,
                                min_attendance_pct=form.min_attendance_pct.data)
        except services.CertificateError as error:
            db.session.rollback()
            getattr(form, error.field or "require_lessons").errors.append(str(error))
        else:
            audit.record(current_user, "certificate.rules", course)
            # Saving the rules re-checks the whole course in the background (the page shows its progress).
            job = services.create_job(course, "recheck", current_user)
            db.session.commit()
            flash(_("Syarat sertifikat sudah disimpan. Semua peserta sedang diperiksa lagi."), "success")
            return _start_job(job)
    status = 422 if form.errors else 200
    return render("certificates/rules.html", block="form", status=status, form=form, course=course)


@bp.route("/sertifikat/kursus/<int:course_id>/terbitkan/<int:enrollment_id>", methods=["GET", "POST"])
@roles_required("trainer", "admin")
def issue(course_id: int, enrollment_id: int):
    course = _managed_course(course_id)
    enrollment = db.session.get(Enrollment, enrollment_id)
    if enrollment is None or enrollment.course_id != course.id:
        abort(404)
    form = IssueForm(enrollment_id=enrollment.id)
    existing = services.live_certificate(enrollment.id)
    if existing is None and form.validate_on_submit():
        try:
            certificate = services.issue(enrollment, by=current_user, reason=form.reason.data)
        except services.CertificateError as error:
            db.session.rollback()
            form.reason.errors.append(str(error))
        else:
            audit.record(current_user, "certificate.issue", certificate, reason=form.reason.data.strip())
            db.session.commit()
            flash(_("Sertifikat untuk %(name)s sudah terbit: %(serial)s.",
                    name=enrollment.user.full_name, serial=certificate.serial), "success")
            return redirect(url_for("certificates.detail", certificate_id=certificate.id))
    status = 422 if form.errors else (409 if existing is not None and request.method == "POST" else 200)
    return render("certificates/issue.html", block="form", status=status, form=form, course=course,
                  enrollment=enrollment, existing=existing, checks=services.evaluate(enrollment))


@bp.get("/sertifikat/<int:certificate_id>")
@roles_required("trainer", "admin")
def detail(certificate_id: int):
    certificate = _certificate_or_404(certificate_id)
    if not services.can_manage(current_user, certificate.enrollment.course):
        abort(403)
    return _detail_page(certificate)


def _detail_page(certificate, status=200, block=None, **forms):
    forms.setdefault("revoke_form", RevokeForm(formdata=None))
    forms.setdefault("expiry_form", ExpiryForm(formdata=None, expires_on=certificate.expires_on))
    forms.setdefault("regenerate_form", RegenerateForm(formdata=None))
    return render("certificates/detail.html", block=block, status=status, certificate=certificate,
                  course=certificate.enrollment.course, verify_url=services.verify_url(certificate.verify_code),
                  **forms)


@bp.post("/sertifikat/<int:certificate_id>/cabut")
@roles_required("admin")
def revoke(certificate_id: int):
    certificate = _certificate_or_404(certificate_id)
    form = RevokeForm()
    if form.validate_on_submit():
        try:
            services.revoke(certificate, current_user, form.reason.data)
        except services.CertificateError as error:
            db.session.rollback()
            form.reason.errors.append(str(error))
        else:
            audit.record(current_user, "certificate.revoke", certificate, reason=certificate.revoke_reason)
            db.session.commit()
            flash(_("Sertifikat %(serial)s sudah dicabut.", serial=certificate.serial), "success")
            return redirect(url_for("certificates.detail", certificate_id=certificate.id))
    return _detail_page(certificate, status=422, block="revoke", revoke_form=form)


@bp.post("/sertifikat/<int:certificate_id>/masa-berlaku")
@roles_required("admin")
def expiry(certificate_id: int):
    certificate = _certificate_or_404(certificate_id)
    form = ExpiryForm()
    if form.validate_on_submit():
        try:
            services.set_expiry(certificate, form.expires_on.data)
        except services.CertificateError as error:
            db.session.rollback()
            form.expires_on.errors.append(str(error))
        else:
            audit.record(current_user, "certificate.expiry", certificate,
                         expires_on=certificate.expires_on.isoformat() if certificate.expires_on else None)
            db.session.commit()
            flash(_("Masa berlaku sudah disimpan."), "success")
            return redirect(url_for("certificates.detail", certificate_id=certificate.id))
    return _detail_page(certificate, status=422, block="expiry", expiry_form=form)


@bp.post("/sertifikat/<int:certificate_id>/buat-ulang")
@roles_required("admin")
def regenerate(certificate_id: int):
    certificate = _certificate_or_404(certificate_id)
    form = RegenerateForm()
    if form.validate_on_submit():
        try:
            services.regenerate(certificate, current_user, form.reason.data, form.use_current_template.data)
        except services.CertificateError as error:
            db.session.rollback()
            form.reason.errors.append(str(error))
        else:
            audit.record(current_user, "certificate.regenerate", certificate, version=certificate.version,
                         reason=form.reason.data.strip())
            db.session.commit()
            flash(_("Sertifikat sudah dibuat ulang (versi %(n)d).", n=certificate.version), "success")
            return redirect(url_for("certificates.detail", certificate_id=certificate.id))
    return _detail_page(certificate, status=422, block="regenerate", regenerate_form=form)


# ------------------------------------------------------------------------------------------------ bulk

def _hand_over(job, start, fallback_note: str, progress_url: str):
    """Hand a committed background job (course job or export) to `start` and show its progress page."""
    try:
        if start(job) == "fallback":
            flash(fallback_note, "warning")
    except Exception as error:  # noqa: BLE001 - whatever else failed: say so on the progress page
        current_app.logger.exception("could not queue %s %s", type(job).__name__, job.id)
        job.state, job.error = "failed", f"{type(error).__name__}: {error}"[:500]
        db.session.commit()
    return redirect(progress_url)


def _start_job(job):
    return _hand_over(job, jobs.start_job, _(
        "Antrean tugas latar belakang sedang tidak bisa dihubungi, jadi pekerjaan ini dilakukan "
        "langsung oleh server web. Mungkin sedikit lebih lama."), url_for("certificates.job_status", job_id=job.id))


@bp.post("/sertifikat/kursus/<int:course_id>/periksa")
@roles_required("trainer", "admin")
def recheck(course_id: int):
    """Check every participant against the rules again (issues where automatic issue is on)."""
    course = _managed_course(course_id)
    job = services.create_job(course, "recheck", current_user)
    audit.record(current_user, "certificate.recheck", job)
    db.session.commit()
    return _start_job(job)


@bp.post("/sertifikat/kursus/<int:course_id>/terbitkan-semua")
@roles_required("trainer", "admin")
def issue_all(course_id: int):
    """"Terbitkan untuk semua yang memenuhi syarat": everyone who meets the rules now and never had one."""
    course = _managed_course(course_id)
    job = services.create_job(course, "issue", current_user)
    audit.record(current_user, "certificate.issue_all", job)
    db.session.commit()
    return _start_job(job)


@bp.route("/sertifikat/kursus/<int:course_id>/buat-ulang", methods=["GET", "POST"])
@roles_required("admin")
def regenerate_all(course_id: int):
    """Bulk "Buat ulang": every valid certificate of the course rendered again, with one reason."""
    course = _managed_course(course_id)
    form = RegenerateForm()
    if form.validate_on_submit():
        try:
            job = services.create_job(course, "regenerate", current_user, reason=form.reason.data,
                                      use_current_template=form.use_current_template.data)
        except services.CertificateError as error:
            db.session.rollback()
            form.reason.errors.append(str(error))
        else:
            audit.record(current_user, "certificate.regenerate_all", job, reason=job.reason)
            db.session.commit()
            return _start_job(job)
    status = 422 if form.errors else 200
    return render("certificates/regenerate_all.html", block="form", status=status, form=form, course=course,
                  count=len(services.live_certificate_ids(course.id)))


@bp.get("/sertifikat/tugas/<int:job_id>")
@roles_required("trainer", "admin")
def job_status(job_id: int):
    job = db.get_or_404(CertificateJob, job_id)
    if not services.can_manage(current_user, job.course):
        abort(403)
    response = render("certificates/job.html", block="progress", job=job, course=job.course,
                      rule=services.rules_for(job.course), stale=jobs.is_stale(job))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/sertifikat/kursus/<int:course_id>/tidak-memenuhi", methods=["GET", "POST"])
@roles_required("trainer", "admin")
def no_longer(course_id: int):
    """"Tidak lagi memenuhi syarat": the valid certificates whose holders the last re-check found no
    longer meeting the rules. Nothing is revoked automatically: an admin chooses, with a reason."""
    course = _managed_course(course_id)
    form = RevokeForm()
    status = 200
    if request.method == "POST":
        if not current_user.is_admin:
            abort(403)
        if form.validate_on_submit():
            try:
                revoked, skipped = services.revoke_many(course, request.form.getlist("certificate_ids", type=int),
                                                        current_user, form.reason.data)
            except services.CertificateError as error:
                db.session.rollback()
                form.reason.errors.append(str(error))
            else:
                audit.record(current_user, "certificate.revoke_many", course, count=revoked,
                             reason=form.reason.data.strip())
                db.session.commit()
                flash(_("%(n)d sertifikat dicabut.", n=revoked), "success")
                if skipped:
                    flash(_("%(n)d tidak dicabut karena pemegangnya sudah memenuhi syarat lagi.", n=skipped), "info")
                return redirect(url_for("certificates.no_longer", course_id=course.id))
        status = 422
    job, certificates = services.no_longer_meeting(course)
    return render("certificates/no_longer.html", block="form", status=status, form=form, course=course,
                  job=job, certificates=certificates)


@bp.post("/sertifikat/kursus/<int:course_id>/zip")
@roles_required("trainer", "admin")
def export(course_id: int):
    course = _managed_course(course_id)
    cohort = None
    cohort_id = request.form.get("cohort_id", type=db_id)
    if cohort_id:
        cohort = db.session.get(Cohort, cohort_id)
        if cohort is None:
            abort(404)
    try:
        job = jobs.create_export(course, cohort, current_user)
    except services.CertificateError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("certificates.course", course_id=course.id, angkatan=cohort_id or None))
    audit.record(current_user, "certificate.export", job, course_id=course.id, cohort_id=cohort_id)
    db.session.commit()
    return _hand_over(job, jobs.start, _(
        "Antrean tugas latar belakang sedang tidak bisa dihubungi, jadi ZIP ini dibuat langsung "
        "oleh server web. Mungkin sedikit lebih lama."), url_for("certificates.export_status", export_id=job.id))


def _export_or_404(export_id: int) -> CertificateExport:
    job = db.get_or_404(CertificateExport, export_id)
    if not services.can_manage(current_user, job.course):
        abort(403)
    return job


@bp.get("/sertifikat/ekspor/<int:export_id>")
@roles_required("trainer", "admin")
def export_status(export_id: int):
    job = _export_or_404(export_id)
    response = render("certificates/export.html", block="progress", job=job, stale=jobs.is_stale(job),
                      waiting=jobs.is_waiting(job), file_ready=jobs.export_file(job) is not None)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/sertifikat/ekspor/<int:export_id>/unduh")
@roles_required("trainer", "admin")
def export_download(export_id: int):
    job = _export_or_404(export_id)
    path = jobs.export_file(job)
    if path is None:
        abort(404)
    name = services.safe_name(job.course.slug) + (f"-{services.safe_name(job.cohort.code)}" if job.cohort else "")
    return send_stored_file(path, mimetype="application/zip", download_name=f"Sertifikat-{name}.zip")


# -------------------------------------------------------------------------------------------- template

def _template_form(row) -> TemplateForm:
    form = TemplateForm(obj=row)
    if request.method == "GET":
        people = row.signatories or []
        for index in (1, 2):
            person = people[index - 1] if len(people) >= index else {}
            getattr(form, f"sig{index}_name").data = person.get("name", "")
            getattr(form, f"sig{index}_title").data = person.get("title", "")
            getattr(form, f"sig{index}_nip").data = person.get("nip", "")
    return form


def _upload(field) -> bytes | None:
    data = field.data
    if data and getattr(data, "filename", ""):
        content = data.read(services.MAX_IMAGE_BYTES + 1)
        return content or None
    return None


@bp.route("/admin/sertifikat/templat", methods=["GET", "POST"])
@roles_required("admin")
def template():
    row = services.template_settings()
    form = _template_form(row)
    if form.validate_on_submit():
        signatories = [{
            "name": getattr(form, f"sig{i}_name").data, "title": getattr(form, f"sig{i}_title").data or "",
            "nip": getattr(form, f"sig{i}_nip").data or "", "signature": _upload(getattr(form, f"sig{i}_signature")),
            "remove_signature": getattr(form, f"sig{i}_remove").data} for i in (1, 2)]
        try:
            services.save_template(
                current_user, title=form.title.data, header_lines=form.header_lines.data or "",
                recipient_line=form.recipient_line.data or "", achievement_line=form.achievement_line.data or "",
                closing_line=form.closing_line.data or "", issuer_name=form.issuer_name.data,
                issue_place=form.issue_place.data, serial_format=form.serial_format.data,
                primary_colour=form.primary_colour.data, accent_colour=form.accent_colour.data,
                signatories=signatories, logo=_upload(form.logo), remove_logo=form.remove_logo.data,
                address=form.address.data or "",
                approver={"title": form.approver_title.data, "name": form.approver_name.data,
                          "nip": form.approver_nip.data})
        except services.CertificateError as error:
            db.session.rollback()
            getattr(form, error.field or "title").errors.append(str(error))
        else:
            audit.record(current_user, "certificate.template", object_type="certificate_template")
            db.session.commit()
            flash(_("Templat sertifikat sudah disimpan. Buka contoh PDF untuk memeriksa."), "success")
            return redirect(url_for("certificates.template"))
    status = 422 if form.errors else 200
    return render("certificates/template.html", block="form", status=status, form=form, row=row)


@bp.get("/admin/sertifikat/templat/contoh.pdf")
@roles_required("admin")
def template_preview():
    response = make_response(services.preview_pdf())
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = "inline; filename=Contoh-sertifikat.pdf"
    response.headers["Cache-Control"] = "no-store"
    return response
