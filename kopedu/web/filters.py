"""Template filters: Indonesian dates, numbers and rupiah, phone numbers, Markdown."""
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from babel import dates as babel_dates
from flask import has_request_context, request
from flask_babel import format_date, format_datetime, format_decimal, get_locale, get_translations
from markupsafe import Markup

from kopedu.db import local_zone
from kopedu.web.markdown import render_markdown


def rupiah(value) -> str:
    """Rp1.500.000 in Indonesian (no decimals), Rp 1,500,000 in English."""
    if value is None:
        return ""
    number = format_decimal(round(value), format="#,##0")
    return f"Rp{number}" if str(get_locale()) == "id" else f"Rp {number}"


def number(value, digits: int = 0) -> str:
    if value is None:
        return ""
    fmt = "#,##0" if digits == 0 else "#,##0." + "0" * digits
    return format_decimal(value, format=fmt)


def decimal(value) -> str:
    """A decimal (a number or its text) with the decimals it has: 1.548.000, 12,5 in Indonesian."""
    if value in (None, ""):
        return ""
    try:
        value = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return format_decimal(value, format="#,##0.##########")


def date_long(value, locale: str | None = None) -> str:
    """18 November 2026, in the current language (Indonesian outside a request), or in `locale`
    (a certificate is Indonesian whatever the reader's language). Datetimes in local time."""
    if value is None:
        return ""
    if locale is not None:
        if isinstance(value, datetime):
            value = value.astimezone(local_zone()).date()
        return babel_dates.format_date(value, "d MMMM y", locale=locale)
    if isinstance(value, datetime):
        return format_datetime(value, "d MMMM y")
    return format_date(value, "d MMMM y")


def datetime_short(value) -> str:
    """18 Nov 2026 14.05 (local time)."""
    if value is None:
        return ""
    return format_datetime(value, "d MMM y HH.mm")


def phone_display(value: str | None) -> str:
    """628123456789 → 0812-3456-789."""
    if not value:
        return ""
    local = "0" + value[2:] if value.startswith("62") else value
    return "-".join([local[:4], local[4:8], local[8:]]).strip("-")


def register(app) -> None:
    app.add_template_filter(rupiah)
    app.add_template_filter(number)
    app.add_template_filter(decimal)
    app.add_template_filter(date_long)
    app.add_template_filter(datetime_short)
    app.add_template_filter(phone_display)
    app.add_template_filter(lambda text: Markup(render_markdown(text or "")), "markdown")
    app.jinja_env.globals["today"] = date.today
    # The same gettext functions Flask-Babel installs, but the translations are looked up once per
    # request rather than on each of the page's fifty-odd strings.
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )


def _translations():
    if not has_request_context():
        return get_translations()
    request_ = request._get_current_object()
    translations = getattr(request_, "_kopedu_translations", None)
    if translations is None:
        translations = request_._kopedu_translations = get_translations()
    return translations
