"""The certificate template settings (/admin/sertifikat/templat): the national template and one per
issuing region (a Dinas's letterhead, logo and signatories), with a preview PDF."""
from flask import abort, flash, make_response, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from kopedu import audit
from kopedu.certificates import bp, services
from kopedu.certificates.forms import TemplateForm
from kopedu.extensions import db
from kopedu.regions.models import Region
from kopedu.regions.services import resolve_region
from kopedu.web.access import region_allowed, roles_required
from kopedu.web.files import content_disposition
from kopedu.web.htmx import redirect, render


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


def _template_region() -> str | None:
    """Whose template the page edits: `?wilayah=` (a BPS code) if given, else the admin's own region
    (None: the national template, for national admins). Only the admin's region or one inside it."""
    typed = request.args.get("wilayah", "").strip()
    if not typed:
        return current_user.region_code or None
    region = resolve_region(typed)
    if region is None:
        abort(404)
    if not region_allowed(current_user, region.code):
        abort(403)
    return region.code


@bp.route("/admin/sertifikat/templat", methods=["GET", "POST"])
@roles_required("admin")
def template():
    region_code = _template_region()
    row = services.template_settings(region_code)
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
                          "nip": form.approver_nip.data},
                region_code=region_code)
        except services.CertificateError as error:
            db.session.rollback()
            getattr(form, error.field or "title").errors.append(str(error))
        else:
            audit.record(current_user, "certificate.template", object_type="certificate_template",
                         region_code=region_code)
            db.session.commit()
            flash(_("Templat sertifikat sudah disimpan. Buka contoh PDF untuk memeriksa."), "success")
            return redirect(url_for("certificates.template", wilayah=request.args.get("wilayah") or None))
    status = 422 if form.errors else 200
    region = db.session.get(Region, region_code) if region_code else None
    return render("certificates/template.html", block="form", status=status, form=form, row=row, region=region,
                  wilayah=request.args.get("wilayah") or None,
                  regional=services.regional_templates() if current_user.is_national else [])


@bp.get("/admin/sertifikat/templat/contoh.pdf")
@roles_required("admin")
def template_preview():
    response = make_response(services.preview_pdf(_template_region()))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = content_disposition("Contoh-sertifikat.pdf", inline=True)
    response.headers["Cache-Control"] = "no-store"
    return response
