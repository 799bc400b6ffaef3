"""The workbook's photos (/rencana/<plan>/foto): the participant attaches photos sent with the resumable
upload; whoever may see the workbook sees them (kopedu.plans.photos)."""
from flask import abort, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from kopedu.extensions import db
from kopedu.plans import photos as services
from kopedu.plans import services as plans
from kopedu.plans.kawal_routes import bp
from kopedu.resumable import services as resumable
from kopedu.web.files import send_stored_file
from kopedu.web.htmx import redirect, render


def _plan(plan_id: int, edit: bool = False):
    plan = plans.plan_by_id(plan_id)
    if plan is None or not plans.can_view(current_user, plan):
        abort(404)
    if edit and not plans.can_edit(current_user, plan):
        abort(403)
    return plan


def _page(plan, status=200, error=None):
    return render("plans/photos.html", status=status, plan=plan, photos=services.photos_of(plan),
                  editable=plans.can_edit(current_user, plan), error=error)


@bp.get("/rencana/<int:plan_id>/foto")
@login_required
def plan_photos(plan_id: int):
    return _page(_plan(plan_id))


@bp.post("/rencana/<int:plan_id>/foto")
@login_required
def attach_photos(plan_id: int):
    plan = _plan(plan_id, edit=True)
    try:
        services.attach(plan, current_user, request.form.getlist("upload")[:services.MAX_PHOTOS + 1],
                        request.form.get("caption", ""), files=request.files.getlist("photo-files"),
                        upload_dir=current_app.config["UPLOAD_DIR"])
    except services.PhotoError as error:
        db.session.rollback()
        return _page(_plan(plan_id), status=422, error=str(error))
    db.session.commit()
    flash(_("Foto tersimpan bersama rencana."), "success")
    return redirect(url_for("kawal.plan_photos", plan_id=plan_id))


def _photo(plan, photo_id: int):
    photo = db.session.get(services.PlanPhoto, photo_id)
    if photo is None or photo.plan_id != plan.id:
        abort(404)
    return photo


@bp.get("/rencana/<int:plan_id>/foto/<int:photo_id>")
@login_required
def plan_photo(plan_id: int, photo_id: int):
    plan = _plan(plan_id)
    photo = _photo(plan, photo_id)
    path = resumable.directory(current_app.config["UPLOAD_DIR"], services.PURPOSE) / photo.stored_name
    return send_stored_file(path, mimetype=resumable.uploads.KINDS[photo.kind][0], download_name=photo.original_name,
                            inline=True, cache_control="private, max-age=300")


@bp.post("/rencana/<int:plan_id>/foto/<int:photo_id>/hapus")
@login_required
def remove_photo(plan_id: int, photo_id: int):
    plan = _plan(plan_id, edit=True)
    services.remove(_photo(plan, photo_id), current_app.config["UPLOAD_DIR"])
    db.session.commit()
    flash(_("Foto dihapus."), "success")
    return redirect(url_for("kawal.plan_photos", plan_id=plan_id))
