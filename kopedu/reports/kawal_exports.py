"""The kawal tables of a region (routes on the kawal blueprint; kopedu.plans.kawal_exports builds the
rows): a small region's file is written in the request, a large one — more than EXPORT_BACKGROUND_ROWS rows,
e.g. a province's or the country's — in the background (kopedu.reports.exports)."""
from flask_babel import gettext as _
from flask_login import current_user

from kopedu.plans import checkins, kawal_exports
from kopedu.plans.kawal_routes import FOLLOWERS, _region_arg, bp
from kopedu.reports import exports
from kopedu.reports.routes import background_export
from kopedu.web import exports as files
from kopedu.web.access import roles_required

TABLES = {  # what: (file name, sheet title, header, rows)
    "plans": ("kawal-rencana", lambda: _("Rencana"), kawal_exports.plans_header, kawal_exports.plan_rows),
    "checkins": ("kawal-laporan", lambda: _("Laporan bulanan"), kawal_exports.checkins_header,
                 kawal_exports.checkin_rows),
}


def _table(what: str, fmt: str):
    name, title, header, rows = TABLES[what]
    code = _region_arg()
    prefixes = checkins.follower_prefixes(current_user, code)
    limit = exports.background_rows()
    if kawal_exports.count(prefixes, what, cap=limit + 1) > limit:
        place = checkins.region_name(code or current_user.region_code) or _("Indonesia")
        return background_export(exports.kawal_params(what, prefixes, fmt), f"{name}.{fmt}",
                                 heading=f"{title()} · {place}")
    if fmt == "csv":
        return files.stream_csv(header(), rows(prefixes), name)
    return files.send_table(header(), rows(prefixes), name, fmt, title=title())


@bp.get("/kawal/wilayah/rencana.<any(csv, xlsx):fmt>")
@roles_required(*FOLLOWERS)
def export_plans(fmt: str):
    return _table("plans", fmt)


@bp.get("/kawal/wilayah/laporan.<any(csv, xlsx):fmt>")
@roles_required(*FOLLOWERS)
def export_checkins(fmt: str):
    return _table("checkins", fmt)
