"""Kawal sama-sama pages: the pengurus's monthly check-in (/kawal), the region's list for observers,
trainers and admins (/kawal/wilayah, with exports), one cooperative's plan vs actual with the notes of
the pendamping's visits (/kawal/rencana/<id>)."""
from decimal import Decimal

from flask import Blueprint, abort, current_app, flash, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required

from kopedu.extensions import db
from kopedu.learning import sync
from kopedu.learning.services import LearningError
from kopedu.plans import checkins as services
from kopedu.plans import finance, kawal_chart
from kopedu.plans.kawal_models import CheckinAction
from kopedu.resumable import services as resumable
from kopedu.web.access import roles_required
from kopedu.web.files import send_stored_file
from kopedu.web.htmx import redirect, render

bp = Blueprint("kawal", __name__)

FOLLOWERS = ("observer", "trainer", "admin")


@bp.app_template_global("kawal_status_label")
def _status_label(status):
    return services.status_label(status)


@bp.app_template_global("kawal_month")
def _month(value):
    return format_date(value, "MMMM y")


@bp.app_template_global("kawal_rupiah")
def _rupiah(value):
    return finance.rupiah(Decimal(value)) if value is not None and value != "" else "–"


@bp.app_template_global("kawal_amount")
def _amount(value):
    """A stored amount as typed back into a field: 1.500.000."""
    return f"{int(value):,}".replace(",", ".") if value is not None else ""


def _chart_context(kplan):
    today = services.today()
    current = services.plan_month(kplan, services.month_start(today))
    months = max(3, min(12, current))
    by_no = {services.plan_month(kplan, c.month): c for c in kplan.checkins}
    labels = [_("B%(n)d", n=n) for n in range(1, months + 1)]

    def planned(key):
        values = kplan.snapshot.get(key) or []
        return [Decimal(values[n - 1]) if n <= len(values) else Decimal(0) for n in range(1, months + 1)]

    def actual(field):
        return [getattr(by_no[n], field) if n in by_no else None for n in range(1, months + 1)]

    return {"sales_chart": kawal_chart.plan_vs_actual(planned("sales"), actual("sales"), labels),
            "cash_chart": kawal_chart.plan_vs_actual(planned("cash_end"), actual("cash"), labels),
            "current_month": current, "flags": services.flags(kplan, today),
            "statuses": services.latest_statuses(kplan), "late": services.late_actions(kplan, today)}


# --------------------------------------------------------------------------- the pengurus


def _own_plan():
    if current_user.role != "participant":
        return None
    return services.plan_of_cooperative(current_user.cooperative_id)


def _checkin_page(kplan, status=200, errors=None, form=None, block=None):
    month = services.month_start(services.today())
    checkin = services.checkin_of(kplan, month) if kplan else None
    context = _chart_context(kplan) if kplan else {}
    return render("plans/checkin.html", block=block, status=status, kplan=kplan, month=month, checkin=checkin,
                  errors=errors or {}, form=form, **context)


@bp.get("/kawal")
@login_required
def checkin():
    if current_user.role in FOLLOWERS:
        return redirect(url_for("kawal.region"), 302)
    return _checkin_page(_own_plan())


def _actions_from_form(form, count: int):
    out = []
    for position in range(count):
        status = form.get(f"status-{position}")
        if status is None:
            continue
        out.append(services.ActionInput(position=position, status=status, note=form.get(f"note-{position}", ""),
                                        photo_ids=form.getlist(f"photo-{position}")[:3]))
    return out


@bp.post("/kawal/lapor")
@login_required
def report():
    kplan = _own_plan()
    if kplan is None:
        abort(404)
    month = services.month_start(services.today())
    form = request.form
    try:
        # a report queued offline is applied once, and a newer report of the same month queued earlier
        # on this phone is not overwritten by an older one arriving late (kopedu.learning.sync)
        verdict = sync.apply_once(current_user.id, form.get("client_id"), "kawal",
                                  target=f"kawal:{kplan.id}:{month.isoformat()}", chosen_at=form.get("chosen_at"))
        if verdict:
            services.save_checkin(kplan, current_user, month, sales=form.get("sales", ""),
                                  costs=form.get("costs", ""), cash=form.get("cash", ""), note=form.get("note", ""),
                                  actions=_actions_from_form(form, len(kplan.snapshot.get("actions") or [])))
    except services.CheckinError as error:
        db.session.rollback()
        return _checkin_page(services.plan_of_cooperative(current_user.cooperative_id), status=422,
                             errors=error.errors, form=form, block="form")
    except LearningError as error:  # a malformed client id, too many writes
        db.session.rollback()
        abort(error.status)
    db.session.commit()
    flash(_("Laporan bulan ini tersimpan. Terima kasih!"), "success")
    return sync.annotate(redirect(url_for("kawal.checkin")), verdict)


@bp.get("/kawal/foto/<int:action_id>")
@login_required
def photo(action_id: int):
    action = db.session.get(CheckinAction, action_id)
    if action is None or not action.photo_name or not services.can_view(current_user, action.checkin.plan):
        abort(404)
    path = resumable.directory(current_app.config["UPLOAD_DIR"], services.PHOTO_PURPOSE) / action.photo_name
    mime = "image/png" if (action.photo_original or "").lower().endswith(".png") else "image/jpeg"
    return send_stored_file(path, mimetype=mime, download_name=action.photo_original or "foto.jpg", inline=True,
                            cache_control="private, max-age=300")


# --------------------------------------------------------------------------- observers, trainers, admins


def _region_arg() -> str | None:
    code = (request.args.get("wilayah") or "").strip()
    if not code:
        return None
    if not code.isdigit() or len(code) > 10:
        abort(404)
    if not current_user.in_scope(code):
        abort(403)
    return code


@bp.get("/kawal/wilayah")
@roles_required(*FOLLOWERS)
def region():
    code = _region_arg()
    page = services.region_page(current_user, code, request.args.get("setelah"))
    return render("plans/kawal.html", block="rows", page=page, region_code=code,
                  scope_name=services.region_name(code or current_user.region_code))


def _plan_for_follower(plan_id: int):
    kplan = services.plan_by_id(plan_id)
    if kplan is None:
        abort(404)
    if not services.can_view(current_user, kplan):
        abort(404 if current_user.role == "participant" else 403)
    return kplan


@bp.get("/kawal/rencana/<int:kawal_id>")
@login_required
def plan(kawal_id: int):
    kplan = _plan_for_follower(kawal_id)
    return _plan_page(kplan)


def _plan_page(kplan, status=200, errors=None, body=""):
    follower = current_user.role in FOLLOWERS
    return render("plans/kawal_plan.html", status=status, kplan=kplan, follower=follower,
                  notes=services.notes_of(kplan), errors=errors or {}, body=body,
                  whatsapp=services.whatsapp_link(kplan, current_user) if follower else None,
                  **_chart_context(kplan))


@bp.post("/kawal/rencana/<int:kawal_id>/catatan")
@roles_required(*FOLLOWERS)
def note(kawal_id: int):
    kplan = _plan_for_follower(kawal_id)
    try:
        services.add_note(kplan, current_user, request.form.get("body", ""))
    except services.CheckinError as error:
        db.session.rollback()
        return _plan_page(kplan, status=422, errors=error.errors, body=request.form.get("body", ""))
    db.session.commit()
    flash(_("Catatan pendampingan tersimpan."), "success")
    return redirect(url_for("kawal.plan", kawal_id=kawal_id))


from kopedu.plans import photo_routes  # noqa: E402,F401 - the workbook photos share this blueprint
