"""Error pages in Indonesian, and the same errors as small fragments for htmx."""
from flask import make_response, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import default_exceptions

from kopedu.web.htmx import is_partial

MESSAGES = {
    400: lambda: _("Permintaan tidak dapat diproses."),
    403: lambda: _("Anda tidak punya akses ke halaman ini."),
    404: lambda: _("Halaman tidak ditemukan."),
    405: lambda: _("Cara membuka halaman ini tidak diizinkan."),
    409: lambda: _("Langkah ini belum bisa dilakukan."),
    413: lambda: _("Berkas terlalu besar."),
    429: lambda: _("Terlalu banyak percobaan. Tunggu sebentar, lalu coba lagi."),
    500: lambda: _("Terjadi kesalahan di server. Coba lagi nanti."),
}


def abort_with(code: int, message) -> None:
    """Abort with `code`; the error page shows `message` instead of the generic text for the code."""
    exception = default_exceptions[code](description=str(message))
    exception.custom = True
    raise exception


def _error_page(code: int, message: str | None = None):
    if code >= 500:
        # The failed request may have left the session unusable; the page (nav badges) reads the database.
        from kopedu.extensions import db

        db.session.rollback()
    text = message or MESSAGES.get(code, MESSAGES[500])()
    # An htmx fragment request gets the small fragment; a boosted link or form (and a history restore)
    # swaps the whole body, so it gets the whole page with its header and menu.
    fragment = is_partial()
    response = make_response(render_template("errors/error.html", code=code, message=text, fragment=fragment), code)
    response.vary.add("HX-Request")
    return response


def register(app) -> None:
    for code in MESSAGES:
        def handler(error, code=code):
            description = getattr(error, "description", None)
            custom = description if isinstance(description, str) and getattr(error, "custom", False) else None
            return _error_page(code, custom)

        app.register_error_handler(code, handler)

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        response = _error_page(400, _("Sesi formulir sudah kedaluwarsa. Muat ulang halaman, lalu coba lagi."))
        response.headers["KopEdu-CSRF"] = "invalid"  # the phone's queue fetches a fresh token and sends again
        return response
