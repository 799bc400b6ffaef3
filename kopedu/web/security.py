"""Security headers and the login manager's answers for anonymous users."""
from flask import g, request, url_for
from flask_babel import lazy_gettext as _l

from kopedu.extensions import login_manager

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'; frame-src 'self' https://www.youtube-nocookie.com"
)


def register(app) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Silakan masuk dulu.")
    login_manager.login_message_category = "info"

    from sqlalchemy import bindparam, select
    from sqlalchemy.orm import lazyload

    from kopedu.auth.models import User
    from kopedu.extensions import db

    # Every request loads the user, checking the session token (changed at logout and with the password)
    # and the account's state in the same query: one statement, built once (its compiled form is cached),
    # without the cooperative and region chain (joined by default), which the pages that show them load.
    current = (select(User).options(lazyload(User.cooperative), lazyload(User.region))
               .where(User.id == bindparam("ident"), User.session_token == bindparam("token"),
                      User.active.is_(True)))

    @login_manager.user_loader
    def load_user(user_id: str):
        ident, _, token = user_id.partition(":")
        if not ident.isdigit() or not token or len(ident) > 18:
            return None
        return db.session.scalars(current, {"ident": int(ident), "token": token}).first()

    @login_manager.unauthorized_handler
    def unauthorized():
        from flask import flash, redirect

        login_url = url_for("auth.login", next=request.full_path if request.method == "GET" else None)
        if request.headers.get("HX-Request"):
            response = app.response_class("", 401)
            response.headers["HX-Redirect"] = login_url
            return response
        flash(str(login_manager.login_message), "info")
        return redirect(login_url)

    @app.after_request
    def headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
        if request.headers.get("HX-Request") is not None or response.mimetype == "text/html":
            response.vary.add("HX-Request")
        if response.mimetype == "text/html" and "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "private, no-cache"
        if response.mimetype == "text/html":
            from flask_login import current_user

            # whose page this is: the service worker refreshes a page saved on the phone only with a copy
            # served for the same user (static/sw.js)
            if current_user.is_authenticated and not g.get("neutral_page"):
                response.headers["KopEdu-User"] = str(current_user.id)
        return response
