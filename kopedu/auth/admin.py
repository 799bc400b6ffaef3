"""Admin: accounts (create, edit, deactivate, reset password)."""
from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from kopedu import audit
from kopedu.auth import services
from kopedu.auth.forms import UserForm
from kopedu.auth.models import User
from kopedu.extensions import db
from kopedu.regions.services import cooperative_picks, resolve_region
from kopedu.web.access import roles_required, sees_account
from kopedu.web.htmx import redirect, render

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/pengguna")
@roles_required("admin")
def users():
    from kopedu.web.keyset import cursor

    q = request.args.get("q", "").strip()[:100]
    role = request.args.get("role") or None
    page = services.search_users(q, role, *cursor(), viewer=current_user)
    return render("admin/users.html", block="results", page=page, q=q, role=role)


def _managed_user(user_id: int) -> User:
    """An account the current admin may manage: in their region (403 otherwise)."""
    user = db.get_or_404(User, user_id)
    if not sees_account(current_user, user.id):
        abort(403)
    return user


def _user_form(user: User | None) -> UserForm:
    form = UserForm(obj=user)
    # The cooperative: the one chosen (or the account's) and up to PICK_LIMIT of the admin's region
    # matching the search box ("cari_koperasi", a GET of its own form), never every cooperative.
    if request.method == "POST":
        chosen = [form.cooperative_id.data]
    elif "cari_koperasi" in request.args:
        chosen = [request.args.get("cooperative_id", type=int)]
        form.cooperative_id.data = chosen[0]
    else:
        chosen = [user.cooperative_id if user is not None else None]
    form.coop_q = (request.args.get("cari_koperasi") or "").strip()[:60]
    form.cooperative_id.choices = [("", "—")] + cooperative_picks(current_user.region_code, form.coop_q, chosen)
    if request.method == "GET" and user is not None:
        from kopedu.web.filters import phone_display

        form.phone.data = phone_display(user.phone)
    if user is not None and (request.method == "GET" or not isinstance(form.region.data, str)):
        form.region.data = user.region_code or ""  # a POST without the field would carry User.region
    return form


def _save(form: UserForm, user: User | None):
    region = resolve_region(form.region.data)
    if form.region.data and region is None:
        form.region.errors.append(_("Wilayah tidak ditemukan atau namanya ganda. Pakai kode BPS."))
        return None
    region_code = region.code if region else None
    if region_code is None and not current_user.is_national:
        region_code = current_user.region_code  # a region admin's accounts belong to their region
    try:
        return services.save_user(
            user, full_name=form.full_name.data, phone=form.phone.data, email=form.email.data,
            role=form.role.data, position=form.position.data or None,
            cooperative_id=form.cooperative_id.data, region_code=region_code,
            organisation=form.organisation.data, password=form.password.data or None,
            active=form.active.data, actor=current_user)
    except services.AccountError as error:
        getattr(form, error.field or "full_name").errors.append(str(error))
        db.session.rollback()
        return None


@bp.route("/pengguna/baru", methods=["GET", "POST"])
@roles_required("admin")
def user_new():
    form = _user_form(None)
    if form.validate_on_submit():
        user = _save(form, None)
        if user is not None:
            audit.record(current_user, "user.create", user)
            db.session.commit()
            flash(_("Akun %(name)s sudah dibuat.", name=user.full_name), "success")
            return redirect(url_for("admin.users"))
    status = 422 if form.errors else 200
    return render("admin/user_form.html", block=_form_block(), status=status, form=form, user=None)


@bp.route("/pengguna/<int:user_id>", methods=["GET", "POST"])
@roles_required("admin")
def user_edit(user_id: int):
    user = _managed_user(user_id)
    form = _user_form(user)
    if form.validate_on_submit():
        if user.id == current_user.id and (not form.active.data or form.role.data != "admin"):
            form.role.errors.append(_("Anda tidak bisa menonaktifkan atau menurunkan peran akun sendiri."))
        elif _save(form, user) is not None:
            audit.record(current_user, "user.update", user)
            db.session.commit()
            flash(_("Perubahan sudah disimpan."), "success")
            return redirect(url_for("admin.users"))
    status = 422 if form.errors else 200
    return render("admin/user_form.html", block=_form_block(), status=status, form=form, user=user)


def _form_block() -> str:
    """The block an htmx request gets: the cooperative search asks for the cooperative options only."""
    return "cooperative_options" if request.method == "GET" and "cari_koperasi" in request.args else "form"


@bp.post("/pengguna/<int:user_id>/reset-sandi")
@roles_required("admin")
def user_reset_password(user_id: int):
    user = _managed_user(user_id)
    if user.id == current_user.id:
        abort(409)
    password = services.reset_password(user)
    audit.record(current_user, "user.reset_password", user)
    db.session.commit()
    return render("admin/user_form.html", block="new_password", user=user, new_password=password,
                  form=_user_form(user))
