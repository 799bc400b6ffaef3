"""Login, logout, own password and language."""
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from kopedu.auth import bp, services
from kopedu.auth.forms import LoginForm, PasswordForm
from kopedu.db import utcnow
from kopedu.extensions import db, limiter
from kopedu.web.htmx import redirect as hx_redirect, render


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    # Browsers read "/\\host" as "//host" and drop tabs and newlines: such a path leads off the site.
    if "\\" in target or any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return None
    return target


def _login_failed(response) -> bool:
    """Only failed attempts count against the login rate limit."""
    return response.status_code == 422


@bp.route("/masuk", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"],
               deduct_when=_login_failed)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.login.data, form.password.data)
        if user is not None:
            session.clear()  # a fresh session at login (no fixation)
            # A participant stays logged in after closing the browser (REMEMBER_COOKIE_DURATION), unless
            # the box was unticked; staff pages show other people's data: their login ends with the browser.
            login_user(user, remember=bool(form.remember.data) and user.role == "participant")
            user.last_login_at = utcnow()
            db.session.commit()
            target = _safe_next(request.args.get("next")) or url_for("main.home")
            return hx_redirect(target)
        form.login.errors.append(_("Nomor HP/email atau kata sandi salah."))
    status = 422 if form.errors else 200
    return render("auth/login.html", block="form", status=status, form=form)


@bp.post("/keluar")
@login_required
def logout():
    # One token per account: logging out ends the sessions of every device (a copied or forgotten
    # cookie, a shared phone at the hall), not only this one.
    current_user.end_sessions()
    db.session.commit()
    session.clear()
    logout_user()  # after the clear: it asks for the "Tetap masuk" cookie to be deleted too
    flash(_("Anda sudah keluar."), "info")
    return hx_redirect(url_for("auth.login"))


def _password_key() -> str:
    return f"password:{current_user.id if current_user.is_authenticated else request.remote_addr}"


@bp.route("/akun/kata-sandi", methods=["GET", "POST"])
@login_required
@limiter.limit(lambda: current_app.config["RATELIMIT_PASSWORD"], key_func=_password_key, methods=["POST"],
               deduct_when=_login_failed)
def password():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.password.data)
        except services.AccountError as error:
            getattr(form, error.field or "password").errors.append(str(error))
        else:
            db.session.commit()
            # the session id changed with the password; a remember cookie is issued again with it
            remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
            login_user(current_user._get_current_object(), remember=remembered)
            flash(_("Kata sandi sudah diganti."), "success")
            return hx_redirect(url_for("main.home"))
    status = 422 if form.errors else 200
    return render("auth/password.html", block="form", status=status, form=form)


@bp.post("/bahasa")
def locale():
    lang = request.form.get("lang", "id")
    if lang in current_app.config["LANGUAGES"]:
        session["locale"] = lang
        if current_user.is_authenticated:
            current_user.locale = lang
            db.session.commit()
    target = _safe_next(request.form.get("next")) or url_for("main.home")
    return redirect(target, 303)
