"""The workbook's pages. Participants: /rencana/tugas/<lesson> (start or copy), /rencana/<plan> (the
progress line), /rencana/<plan>/langkah/<step> (one step per screen), field saves, "Kirim ke pelatih".
Trainers: /rencana/<plan>/penilaian (the workbook beside the rubric, notes per step). Everyone who may
see a plan: its PDF and DOCX. Observers of the region: read only, once the plan was sent."""
import time

from flask import abort, current_app, flash, make_response, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from kopedu import audit
from kopedu.extensions import db
from kopedu.grading import services as grading
from kopedu.learning import sync
from kopedu.plans import bp, documents, finance, services, steps
from kopedu.plans.models import finance_errors, finance_result
from kopedu.web.access import roles_required
from kopedu.web.htmx import is_partial, redirect, render
from kopedu.web.params import optional_id

GRADERS = ("trainer", "admin")


def _lesson_assignment(lesson_id: int):
    """The workbook assignment of the lesson, its course and the user's enrolment; 404/403 otherwise."""
    assignment = grading.assignment_for_lesson(lesson_id)
    if assignment is None or not services.is_workbook(assignment):
        abort(404)
    course = grading.course_of(assignment)
    if not course.is_trainer(current_user):
        if not (course.published and assignment.lesson.published):
            abort(404)
    enrollment = grading.enrollment_of(current_user, course.id)
    return assignment, course, enrollment


def _plan(plan_id: int, *, edit: bool = False):
    plan = services.plan_by_id(plan_id)
    if plan is None or not services.can_view(current_user, plan):
        abort(404)
    if edit and plan.user_id != current_user.id:
        abort(403)
    return plan


# --------------------------------------------------------------------------- starting


@bp.get("/rencana/tugas/<int:lesson_id>")
@login_required
def start(lesson_id: int):
    assignment, course, enrollment = _lesson_assignment(lesson_id)
    if enrollment is None:
        if course.is_trainer(current_user):
            return redirect(url_for("grading.queue", tugas=assignment.id, status=""))
        abort(403)
    plan = services.plan_of(assignment.id, current_user.id)
    if plan is not None:
        return redirect(url_for(".overview", plan_id=plan.id))
    return render("plans/start.html", assignment=assignment, course=course, lesson=assignment.lesson,
                  colleagues=services.colleagues(assignment, current_user))


@bp.post("/rencana/tugas/<int:lesson_id>/mulai")
@login_required
def create(lesson_id: int):
    assignment, course, enrollment = _lesson_assignment(lesson_id)
    if enrollment is None:
        abort(403)
    source = None
    source_id = optional_id(request.form.get("dari"))
    if source_id:
        source = services.plan_by_id(source_id)
        if source is None:
            abort(404)
    try:
        plan = services.start(assignment, enrollment, current_user, copy_from=source)
        db.session.commit()
    except services.PlanError as error:
        db.session.rollback()
        abort(error.status)
    except IntegrityError:  # a double click: the first one made it
        db.session.rollback()
        plan = services.plan_of(assignment.id, current_user.id)
    if source is not None:
        flash(_("Rencana %(name)s sudah disalin. Ubah sesuai pendapat Anda.", name=source.user.full_name), "success")
    return redirect(url_for(".overview", plan_id=plan.id))


# --------------------------------------------------------------------------- the workbook


def _context(plan, **extra):
    course = services.course_of(plan)
    done = services.progress(plan.data)
    return {"plan": plan, "course": course, "lesson": plan.assignment.lesson, "steps": steps.STEPS,
            "missing": done, "complete": sum(1 for lacks in done.values() if not lacks),
            "editable": services.can_edit(current_user, plan), "owner": plan.user_id == current_user.id,
            "notes": services.latest_notes(plan) if plan.status in ("returned", "failed", "passed") else {},
            "number": steps.number, **extra}


@bp.get("/rencana/<int:plan_id>")
@login_required
def overview(plan_id: int):
    plan = _plan(plan_id)
    submission = services.submission_of(plan)
    if submission is not None and plan.user_id == current_user.id and grading.mark_feedback_seen(submission):
        db.session.commit()
    return render("plans/workbook.html", submission=submission, send_error=None,
                  **_context(plan, **_with_tables(finance_result(plan))))


def _with_tables(result):
    return {"result": result, "tables": documents.finance_tables(result)}


@bp.get("/rencana/<int:plan_id>/langkah/<step>")
@login_required
def step(plan_id: int, step: str):
    plan = _plan(plan_id)
    current = steps.BY_KEY.get(step)
    if current is None:
        abort(404)
    return _step_page(plan, current)


def _step_page(plan, current, status: int = 200, errors: dict | None = None):
    index = steps.STEP_KEYS.index(current.key)
    extra = {"step": current, "prev": steps.STEPS[index - 1] if index else None,
             "next": steps.STEPS[index + 1] if index + 1 < len(steps.STEPS) else None,
             "section": plan.step(current.key), "rows": steps.table_rows(plan.data, current),
             "row_count": steps.rows_to_show(plan.data, current), "errors": errors or {}}
    if current.key == "keuangan":
        extra["result"] = finance_result(plan)
        extra["tables"] = documents.finance_tables(extra["result"])
        extra["finance_errors"] = finance_errors(plan)
    return render("plans/step.html", status=status, **_context(plan, **extra))


@bp.post("/rencana/<int:plan_id>/simpan")
@login_required
def save(plan_id: int):
    """One field (an htmx save, maybe replayed from the phone's queue: applied once per client id), or
    every field of a step's form sent without JavaScript."""
    plan = _plan(plan_id, edit=True)
    fields = [(key, request.form.get(key, "")) for key in request.form if steps.field_for(key)]
    write_id = request.form.get("client_id")
    verdict = sync.Verdict.APPLY
    try:
        if not fields:
            raise services.PlanError(_("Isian ini tidak dikenal."), status=400)
        # one field per queued save (the fieldset's hx-params): the newest choice per field wins
        target = f"plan:{plan.id}:{fields[0][0]}" if len(fields) == 1 else None
        verdict = sync.apply_once(current_user.id, write_id, "plan_field", target=target,
                                  chosen_at=request.form.get("chosen_at"))
        if verdict:
            for key, value in fields:
                services.save_field(plan, key, value)
    except (sync.BadClientId, sync.TooManyWrites) as error:
        db.session.rollback()
        response = make_response(str(error.message), error.status)
        if isinstance(error, sync.TooManyWrites):
            response.headers["Retry-After"] = str(error.retry_after)
        return response
    except services.PlanError as error:
        db.session.rollback()
        if is_partial():
            return render("plans/step.html", block="field_status", status=error.status, message=str(error),
                          saved=False)
        if error.status == 409:
            flash(str(error), "warning")
            return redirect(url_for(".overview", plan_id=plan_id))
        abort(error.status)
    if is_partial():
        response = render("plans/step.html", block="field_status", saved=True, message=None,
                          superseded=verdict is sync.Verdict.SUPERSEDED)
        db.session.commit()
        return sync.annotate(response, verdict)
    db.session.commit()
    target = steps.BY_KEY.get(request.form.get("lanjut", ""))
    if target is not None:
        return redirect(url_for(".step", plan_id=plan_id, step=target.key))
    flash(_("Tersimpan."), "success")
    return redirect(url_for(".overview", plan_id=plan_id))


@bp.get("/rencana/<int:plan_id>/keuangan/hitung")
@login_required
def compute(plan_id: int):
    """The finance step's results for the figures as typed (not saved: the fields save themselves)."""
    plan = _plan(plan_id)
    if not is_partial():
        return _step_page(plan, steps.BY_KEY["keuangan"])
    raw = dict(plan.step("keuangan"))
    products = [dict(p) for p in raw.get("produk") or [] if isinstance(p, dict)]
    for key in request.args:
        found = steps.field_for(key)
        if found is None or found[0].key != "keuangan":
            continue
        value = request.args.get(key, "")[:steps.TEXT_MAX]
        if found[2] == "produk":
            while len(products) <= found[3]:
                products.append({})
            products[found[3]][found[1].key] = value
        else:
            raw[found[1].key] = value
    raw["produk"] = products
    inputs, errors = finance.read_inputs(raw)
    from kopedu.plans.models import _configured_min_wage

    result = finance.compute(inputs, min_wage=_configured_min_wage())
    return render("plans/step.html", block="finance_result", result=result, finance_errors=errors,
                  tables=documents.finance_tables(result), plan=plan, number=steps.number)


@bp.post("/rencana/<int:plan_id>/kirim")
@login_required
def submit(plan_id: int):
    plan = _plan(plan_id, edit=True)
    course = services.course_of(plan)
    enrollment = grading.enrollment_of(current_user, course.id)
    if enrollment is None:
        abort(403)
    try:
        version = services.submit(plan, enrollment)
        audit.record(current_user, "business_plan.submit", plan, version=version.number)
        db.session.commit()
    except services.PlanError as error:
        db.session.rollback()
        plan = _plan(plan_id)
        return render("plans/workbook.html", block="send", status=error.status, submission=services.submission_of(plan),
                      send_error=str(error), **_context(plan, **_with_tables(finance_result(plan))))
    except IntegrityError:
        db.session.rollback()
        abort(409)
    flash(_("Rencana bisnis sudah dikirim ke pelatih (versi %(n)d).", n=version.number), "success")
    return redirect(url_for(".overview", plan_id=plan_id))


# --------------------------------------------------------------------------- trainers


def _gradable(plan_id: int):
    plan = services.plan_by_id(plan_id)
    if plan is None:
        abort(404)
    if not services.can_grade(current_user, plan):
        abort(403)
    submission = services.submission_of(plan)
    if submission is None:
        abort(404)
    return plan, submission


@bp.get("/rencana/kiriman/<int:submission_id>")
@roles_required(*GRADERS)
def for_submission(submission_id: int):
    submission = grading.submission_by_id(submission_id)
    if submission is None:
        abort(404)
    if not grading.can_grade(current_user, submission):
        abort(403)
    plan = services.plan_for_submission(submission)
    if plan is None:
        abort(404)
    return redirect(url_for(".review", plan_id=plan.id))


def _review_page(plan, submission, status=200, errors=None, form=None, saved=None):
    snapshots = services.snapshots_by_version(plan)
    latest = submission.latest_version
    snapshot = snapshots.get(latest.id) if latest else None
    data = snapshot.data if snapshot else plan.data
    result = finance_result(data)
    return render("plans/review.html", status=status, plan=plan, s=submission, snapshot=snapshot, data=data,
                  result=result, tables=documents.finance_tables(result), steps=steps.STEPS, number=steps.number, errors=errors or {},
                  form=form or {}, saved=saved, course=services.course_of(plan),
                  rows_of=lambda step: steps.table_rows(data, step), snapshots=snapshots,
                  missing=services.progress(data))


@bp.get("/rencana/<int:plan_id>/penilaian")
@roles_required(*GRADERS)
def review(plan_id: int):
    plan, submission = _gradable(plan_id)
    return _review_page(plan, submission)


@bp.post("/rencana/<int:plan_id>/nilai")
@roles_required(*GRADERS)
def grade(plan_id: int):
    plan, submission = _gradable(plan_id)
    levels = {}
    for criterion in submission.assignment.criteria:
        try:
            levels[criterion.id] = int(request.form.get(f"c-{criterion.id}", ""))
        except ValueError:
            levels[criterion.id] = None
    notes = {key: request.form.get(f"note-{key}", "") for key in steps.STEP_KEYS}
    try:
        result = services.grade(plan, submission, current_user,
                                version_number=optional_id(request.form.get("version")) or 0, levels=levels,
                                outcome=request.form.get("outcome", ""), feedback=request.form.get("feedback", ""),
                                notes=notes)
    except grading.GradingError as error:
        db.session.rollback()
        plan, submission = _gradable(plan_id)
        return _review_page(plan, submission, status=422, errors=error.errors, form=request.form)
    audit.record(current_user, "submission.grade", submission, outcome=result.outcome,
                 version=result.version.number, percent=result.percent)
    db.session.commit()
    flash(_("Nilai untuk %(name)s sudah disimpan: %(outcome)s.", name=plan.user.full_name,
            outcome=grading.status_label(result.outcome)), "success")
    return redirect(url_for(".review", plan_id=plan_id))


# --------------------------------------------------------------------------- documents


@bp.get("/rencana/<int:plan_id>/rencana-bisnis.<any(pdf, docx):fmt>")
@login_required
def document(plan_id: int, fmt: str):
    plan = _plan(plan_id)
    started = time.perf_counter()
    context = documents.context(plan)
    if fmt == "pdf":
        body, mimetype = documents.pdf(context), "application/pdf"
    else:
        body = documents.docx(context)
        mimetype = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    elapsed = (time.perf_counter() - started) * 1000
    current_app.logger.info("business plan %s rendered as %s in %.0f ms", plan.id, fmt, elapsed)
    response = make_response(body)
    response.headers["Content-Type"] = mimetype
    response.headers["Content-Disposition"] = f'attachment; filename="{documents.filename(plan, fmt)}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Server-Timing"] = f"render;dur={elapsed:.0f}"
    return response
