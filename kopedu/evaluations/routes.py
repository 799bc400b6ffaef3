"""The evaluation form (participants of the cohort) and its results (the cohort's trainers and admins):
a page, a PDF for the laporan penyelenggaraan, and XLSX/CSV."""
from datetime import date

from flask import abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from kopedu import audit
from kopedu.certificates import rendering
from kopedu.cohorts import services as cohorts
from kopedu.cohorts.models import Cohort
from kopedu.evaluations import bp, services
from kopedu.extensions import db
from kopedu.reports.attendance import letterhead
from kopedu.web.exports import download, send_table
from kopedu.web.htmx import redirect, render


def _today() -> date:
    from kopedu.db import local_zone, utcnow

    return utcnow().astimezone(local_zone()).date()


@bp.route("/angkatan/<int:cohort_id>/evaluasi", methods=["GET", "POST"])
@login_required
def form(cohort_id: int):
    cohort = db.get_or_404(Cohort, cohort_id)
    enrollment = services.own_enrollment(current_user, cohort)
    if enrollment is None:
        abort(404)  # only the cohort's participants answer (and nobody learns who is in it)
    if services.answered(enrollment):
        return render("evaluations/form.html", cohort=cohort, done=True)
    if not services.is_open(cohort, _today()):
        day = services.last_day(cohort)
        return render("evaluations/form.html", cohort=cohort, not_yet=day, status=409)
    errors, answers = {}, {}
    if request.method == "POST":
        try:
            answers = services.read_answers(request.form, cohort.trainers)
        except services.EvaluationError as error:
            errors[error.field] = str(error)
        else:
            services.submit(enrollment, cohort, answers)
            db.session.commit()
            flash(_("Terima kasih. Evaluasi Anda sudah terkirim."), "success")
            return redirect(url_for("main.home"))
    return render("evaluations/form.html", block="form", cohort=cohort, errors=errors, form=request.form,
                  status=422 if errors else 200)


def _managed(cohort_id: int) -> Cohort:
    cohort = db.get_or_404(Cohort, cohort_id)
    if not cohorts.can_manage(current_user, cohort):
        abort(403)
    return cohort


@bp.get("/angkatan/<int:cohort_id>/evaluasi/hasil")
@login_required
def results(cohort_id: int):
    cohort = _managed(cohort_id)
    return render("evaluations/results.html", data=services.results(cohort), minimum=services.MIN_RESPONSES)


@bp.get("/angkatan/<int:cohort_id>/evaluasi/hasil.pdf")
@login_required
def results_pdf(cohort_id: int):
    cohort = _managed(cohort_id)
    data = services.results(cohort)
    if not data.shown:
        abort(409)
    html = render_template("evaluations/results_print.html", data=data, letterhead=letterhead(),
                           today=_today())
    audit.record(current_user, "evaluation.report", cohort)
    db.session.commit()
    return download(rendering.render_document(html), f"evaluasi-{cohort.code}", "pdf")


@bp.get("/angkatan/<int:cohort_id>/evaluasi/hasil.<fmt>")
@login_required
def results_table(cohort_id: int, fmt: str):
    if fmt not in ("xlsx", "csv"):
        abort(404)
    cohort = _managed(cohort_id)
    data = services.results(cohort)
    if not data.shown:
        abort(409)
    header, rows = services.table(data)
    return send_table(header, rows, f"evaluasi-{cohort.code}", fmt,
                      title=_("Evaluasi penyelenggaraan %(cohort)s", cohort=cohort.name))
