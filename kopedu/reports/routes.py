"""Monitoring dashboards: region drill-down, cooperative, participant, falling behind; CSV/XLSX export.

National admins see the whole country; region admins, observers and trainers only their region
scope (User.region_code prefix, see kopedu.web.access). Every page and every export checks the scope of the object it shows (403 otherwise).
"""
from pathlib import Path

from flask import abort, current_app, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from kopedu.auth.models import User
from kopedu.cohorts import services as cohorts
from kopedu.cohorts.models import Cohort
from kopedu.extensions import db
from kopedu.courses.services import visible_courses
from kopedu.regions.models import Cooperative
from kopedu.reports import attendance, bp, cache, charts, exports, services
from kopedu.web import contact
from kopedu.web.access import require_national, require_scope, roles_required
from kopedu.web.exports import MIMETYPES, download, send_table, stream_csv
from kopedu.web.files import send_stored_file
from kopedu.web.htmx import is_partial, render
from kopedu.web.params import db_id

VIEWERS = ("admin", "observer", "trainer")
PER_PAGE = 50


def _courses():
    """The courses the viewer may see (unpublished titles stay with admins and their trainers)."""
    if "report_courses" not in g:
        g.report_courses = visible_courses(current_user)
    return g.report_courses


def _filters() -> services.Filters:
    threshold = request.args.get("ambang", services.DEFAULT_THRESHOLD, type=int)
    ids = None if current_user.is_admin else tuple(c.id for c in _courses())
    course_id = request.args.get("kursus", type=db_id)
    return services.Filters(course_id=course_id if course_id and (ids is None or course_id in ids) else None,
                            threshold=max(0, min(100, threshold)), course_ids=ids)


def _params(filters: services.Filters) -> dict:
    """Query-string values to carry in links and export URLs (defaults left out)."""
    params = {}
    if filters.course_id:
        params["kursus"] = filters.course_id
    if filters.threshold != services.DEFAULT_THRESHOLD:
        params["ambang"] = filters.threshold
    return params


CARRIED = ("kursus", "ambang", "page")  # the dashboards' own query parameters (_filters)


def _carried() -> dict:
    """The query string to keep on a redirect: only the dashboards' own parameters, never a value
    url_for would read as its own (`endpoint`, `code`, `_external`…)."""
    return {k: v for k, v in request.args.items() if k in CARRIED}


def _region(code: str):
    region = services.find_region(code)
    if region is None:
        abort(404)
    require_scope(region.code)
    return region


def _national():
    require_national()


def _cooperative(coop_id: int) -> Cooperative:
    coop = db.get_or_404(Cooperative, coop_id)
    require_scope(coop.village_code)
    return coop


def _participant(user_id: int) -> User:
    user = db.get_or_404(User, user_id)
    if user.role != "participant" or user.cooperative is None:
        abort(404)
    require_scope(user.cooperative.village_code)
    return user


def _crumbs(region) -> list[tuple[str, str | None]]:
    """(name, url or None) from the country down; levels above the viewer's scope are not links."""
    crumbs = [(_("Indonesia"), url_for("reports.index") if current_user.is_national else None)]
    for node in region.lineage() if region is not None else []:
        link = url_for("reports.region", code=node.code) if current_user.in_scope(node.code) else None
        crumbs.append((node.display_name, link))
    return crumbs


def _child_label(region) -> str:
    labels = {0: _("Provinsi"), 2: _("Kabupaten/Kota"), 4: _("Kecamatan"), 7: _("Kelurahan/Desa"),
              10: _("Koperasi")}
    return labels[len(region.code) if region else 0]


# --- region drill-down ---------------------------------------------------------------------------

@bp.get("/")
@roles_required(*VIEWERS)
def index():
    if not current_user.is_national:
        if not current_user.region_code:
            abort(403)
        return redirect(url_for("reports.region", code=current_user.region_code, **_carried()))
    return _region_page(None)


@bp.get("/wilayah/<code>")
@roles_required(*VIEWERS)
def region(code: str):
    return _region_page(_region(code))


def _cache_key(kind: str, region, filters) -> tuple:
    return (kind, region.code if region else "", filters.course_id, filters.threshold, filters.course_ids)


def _region_figures(region, filters):
    """The region table and the weekly completions; national and province views from the short
    cache (kopedu/reports/cache.py), with the time they were computed (None: just now)."""
    scope = services.Scope(region_code=region.code if region else None)

    def compute():
        return services.region_table(region, filters), services.completions_by_week(scope, filters)

    if region is None or len(region.code) <= 2:
        return cache.cached(_cache_key("region", region, filters), compute)
    return compute(), None


def _region_page(region):
    filters = _filters()
    ((rows, total), weeks), computed_at = _region_figures(region, filters)
    is_village = region is not None and len(region.code) == 10
    return render("reports/region.html", region=region, rows=rows, total=total, filters=filters,
                  computed_at=computed_at,
                  params=_params(filters), courses=_courses(), crumbs=_crumbs(region),
                  child_label=_child_label(region), is_village=is_village,
                  histogram=charts.progress_histogram(total.hist), completions=charts.completions_chart(weeks))


def _stats_table(rows, total, child_label: str):
    headers = [child_label, _("Kode"), _("Peserta"), _("Aktif 7 hari"), _("Rata-rata kemajuan (%)"),
               _("Selesai"), _("Sertifikat"), _("Rata-rata kenaikan pre→post"), _("Tertinggal")]

    def line(s, name, key):
        return [name, key, s.enrolled, s.active, exports.round_or_none(s.avg_progress), s.completed, s.certificates,
                exports.round_or_none(s.avg_gain), s.behind]

    body = [line(s, s.name, s.key) for s in rows]
    body.append(line(total, _("Jumlah"), ""))
    return headers, body


@bp.get("/ekspor.<any(csv, xlsx):fmt>")
@roles_required(*VIEWERS)
def export_national(fmt: str):
    _national()
    ((rows, total), _weeks), _computed_at = _region_figures(None, _filters())
    headers, body = _stats_table(rows, total, _child_label(None))
    return send_table(headers, body, "pantau-indonesia", fmt)


@bp.get("/wilayah/<code>/ekspor.<any(csv, xlsx):fmt>")
@roles_required(*VIEWERS)
def export_region(code: str, fmt: str):
    region = _region(code)
    ((rows, total), _weeks), _computed_at = _region_figures(region, _filters())
    headers, body = _stats_table(rows, total, _child_label(region))
    return send_table(headers, body, f"pantau-{region.code}", fmt)


# --- cooperative and participant -------------------------------------------------------------------

@bp.get("/koperasi/<int:coop_id>")
@roles_required(*VIEWERS)
def cooperative(coop_id: int):
    coop = _cooperative(coop_id)
    filters = _filters()
    scope = services.Scope(cooperative_id=coop.id)
    rows = services.participant_rows(scope, filters)
    total = services.scope_stats(scope, filters)
    weeks = services.completions_by_week(scope, filters)
    return render("reports/cooperative.html", coop=coop, rows=rows, total=total, filters=filters,
                  params=_params(filters), courses=_courses(), crumbs=_crumbs(coop.village),
                  histogram=charts.progress_histogram(total.hist), completions=charts.completions_chart(weeks))


def _shows_phone() -> bool:
    """Observers follow progress; contacting participants is for the Dinas and the trainers."""
    return current_user.role != "observer"


def _participant_table(rows, with_place: bool = False):
    return exports.participant_table(rows, _shows_phone(), with_place)


@bp.get("/koperasi/<int:coop_id>/ekspor.<any(csv, xlsx):fmt>")
@roles_required(*VIEWERS)
def export_cooperative(coop_id: int, fmt: str):
    coop = _cooperative(coop_id)
    rows = services.participant_rows(services.Scope(cooperative_id=coop.id), _filters(),
                                     limit=services.EXPORT_LIMIT)
    headers, body = _participant_table(rows)
    return send_table(headers, body, f"pantau-koperasi-{coop.id}", fmt)


@bp.get("/peserta/<int:user_id>")
@roles_required(*VIEWERS)
def participant(user_id: int):
    user = _participant(user_id)
    filters = _filters()
    rows = services.participant_rows(services.Scope(user_id=user.id), filters)
    return render("reports/participant.html", person=user, rows=rows, filters=filters, params=_params(filters),
                  crumbs=_crumbs(user.cooperative.village), show_phone=_shows_phone())


@bp.get("/peserta/<int:user_id>/ekspor.<any(csv, xlsx):fmt>")
@roles_required(*VIEWERS)
def export_participant(user_id: int, fmt: str):
    user = _participant(user_id)
    rows = services.participant_rows(services.Scope(user_id=user.id), _filters())
    headers, body = _participant_table(rows)
    return send_table(headers, body, f"pantau-peserta-{user.id}", fmt)


# --- falling behind ----------------------------------------------------------------------------------

@bp.get("/tertinggal")
@roles_required(*VIEWERS)
def behind_national():
    if not current_user.is_national:
        if not current_user.region_code:
            abort(403)
        return redirect(url_for("reports.behind", code=current_user.region_code, **_carried()))
    return _behind_page(None)


@bp.get("/wilayah/<code>/tertinggal")
@roles_required(*VIEWERS)
def behind(code: str):
    return _behind_page(_region(code))


def _behind_page(region):
    from kopedu.web.keyset import cursor

    filters = _filters()
    after, before = cursor()
    scope = services.Scope(region_code=region.code if region else None)
    rows = services.participant_rows(scope, filters, behind_only=True, limit=PER_PAGE + 1, after=after,
                                     before=before if after is None else None)
    more = len(rows) > PER_PAGE
    if before is not None and after is None:  # read backwards: the extra row is the first one
        rows = rows[1:] if more else rows
        next_after = rows[-1].enrollment_id if rows else None
        prev_before = rows[0].enrollment_id if more and rows else None
    else:
        rows = rows[:PER_PAGE]
        next_after = rows[-1].enrollment_id if more else None
        prev_before = rows[0].enrollment_id if after is not None and rows else None
    # The list is for reaching people: their phone and a WhatsApp reminder, for staff and observers.
    site = current_app.config["PUBLIC_BASE_URL"]
    reminders = {r.enrollment_id: contact.reminder_url(
        r.phone, name=r.full_name, course=r.course, left=contact.left_to_do(r.progress, r.pre, r.post),
        sender=current_user.full_name, site=site) for r in rows}
    return render("reports/behind.html", region=region, rows=rows, next_after=next_after, prev_before=prev_before,
                  filters=filters, params=_params(filters), courses=_courses(), crumbs=_crumbs(region),
                  days=services.BEHIND_DAYS, reminders=reminders)


@bp.get("/tertinggal/ekspor.<any(csv, xlsx):fmt>")
@roles_required(*VIEWERS)
def export_behind_national(fmt: str):
    _national()
    return _export_behind(None, fmt)


@bp.get("/wilayah/<code>/tertinggal/ekspor.<any(csv, xlsx):fmt>")
@roles_required(*VIEWERS)
def export_behind(code: str, fmt: str):
    return _export_behind(_region(code), fmt)


def _export_behind(region, fmt: str):
    """A small list is written in the request (CSV streamed, read a page at a time by keyset; XLSX
    built whole). A large one is built in the background (kopedu.reports.exports): the request answers
    with the finished file, or with a page that follows the job."""
    scope = services.Scope(region_code=region.code if region else None)
    filters = _filters()
    name = f"tertinggal-{region.code if region else 'indonesia'}"
    if exports.is_large(scope, filters):
        return background_export(exports.behind_params(scope, filters, _shows_phone(), fmt), f"{name}.{fmt}",
                                 heading=f"{_('Peserta tertinggal')} · {region.display_name if region else _('Indonesia')}",
                                 crumbs=_crumbs(region) + [(_("Tertinggal"), None)])
    if fmt == "csv":
        headers, body = _participant_table(services.iter_behind_rows(scope, filters), with_place=True)
        return stream_csv(headers, body, name)
    rows = services.participant_rows(scope, filters, behind_only=True, limit=services.EXPORT_LIMIT)
    headers, body = _participant_table(rows, with_place=True)
    return send_table(headers, body, name, fmt)


def background_export(params: dict, download_name: str, heading: str, crumbs=()):
    """A large list's file (kopedu.reports.exports): the finished one, or the page that follows its job
    (to htmx, the page's status block, which it asks for every few seconds)."""
    export = exports.find_or_start(params, current_user)
    db.session.commit()
    fmt = params["fmt"]
    if export.state == "done" and not is_partial():
        return send_stored_file(Path(current_app.config["UPLOAD_DIR"]) / export.file_path,
                                mimetype=MIMETYPES[fmt], download_name=download_name)
    return render("reports/export_wait.html", block="status", export=export, heading=heading, crumbs=list(crumbs),
                  url=request.full_path.rstrip("?"), name=download_name, fresh_minutes=exports.FRESH_SECONDS // 60)


# --- attendance documents (daftar hadir, recap): for those who run the cohort ---------------------

def _managed_cohort(cohort_id: int):
    cohort = db.get_or_404(Cohort, cohort_id)
    if not cohorts.can_manage(current_user, cohort):
        abort(403)
    return cohort


@bp.get("/angkatan/<int:cohort_id>/sesi/<int:session_id>/daftar-hadir.<any(pdf, xlsx, csv):fmt>")
@roles_required("admin", "trainer")
def attendance_sheet(cohort_id: int, session_id: int, fmt: str):
    """The daftar hadir of one session for the SPJ: PDF to print and sign, or the table."""
    cohort = _managed_cohort(cohort_id)
    session = cohorts.find_session(cohort, session_id)
    if session is None:
        abort(404)
    name = f"daftar-hadir-{cohort.code}-{session.held_on.isoformat()}-{session.id}"
    if fmt == "pdf":
        return download(attendance.session_pdf(cohort, session), name, "pdf")
    header, rows = attendance.session_table(session)
    return send_table(header, rows, name, fmt, title=_("Daftar hadir"),
                      heading=attendance.session_heading_lines(cohort, session))


@bp.get("/angkatan/<int:cohort_id>/rekap-kehadiran")
@roles_required("admin", "trainer")
def attendance_recap(cohort_id: int):
    recap = attendance.recap(_managed_cohort(cohort_id))
    return render("reports/attendance_recap.html", recap=recap, letters=attendance.LETTERS)


@bp.get("/angkatan/<int:cohort_id>/rekap-kehadiran.<any(pdf, xlsx, csv):fmt>")
@roles_required("admin", "trainer")
def attendance_recap_file(cohort_id: int, fmt: str):
    recap = attendance.recap(_managed_cohort(cohort_id))
    name = f"rekap-kehadiran-{recap.cohort.code}"
    if fmt == "pdf":
        return download(attendance.recap_pdf(recap), name, "pdf")
    header, rows = attendance.recap_table(recap)
    return send_table(header, rows, name, fmt, title=_("Rekap kehadiran"), freeze="C2",
                      heading=attendance.recap_heading_lines(recap))
