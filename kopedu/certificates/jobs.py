"""Certificate work done in the background, never inside the request that asked for it:

- the PDF of a newly issued certificate, rendered after the issuing transaction commits (so no request
  holds the serial-number lock while WeasyPrint runs);
- course jobs (CertificateJob): the re-check after the rules were saved, "Terbitkan untuk semua yang
  memenuhi syarat" and bulk "Buat ulang";
- a ZIP of a course's (or a cohort's) certificates (CertificateExport).

With REDIS_URL set the work goes to an RQ queue (run `flask --app wsgi certificates worker`); without it
(or when Redis cannot be reached) one in-process worker thread does it, one task after the other. The
state of course jobs and exports lives in their tables, which the progress pages poll.
"""
from __future__ import annotations

import logging
import queue
import secrets
import threading
import time
import zipfile
from datetime import timedelta
from pathlib import Path

from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import select, update

from kopedu import events, storage
from kopedu.certificates import services
from kopedu.auth.models import User
from kopedu.certificates.models import Certificate, CertificateExport, CertificateJob
from kopedu.db import utcnow
from kopedu.extensions import db
from kopedu.learning.models import Enrollment
from kopedu.web.access import visible_enrollments

log = logging.getLogger(__name__)

KEEP_HOURS = 24  # a finished ZIP is kept this long, then deleted when the next export starts
STALE_MINUTES = 15  # an export or course job with no progress for this long is shown as failed
PREPARING_SECONDS = 120  # a PDF missing this long after issue is rendered by the download request itself
PREPARING_REFRESH_SECONDS = 3
WAIT_NOTICE_SECONDS = 30  # a queued export not started after this long says that it is waiting for a worker


class ExportError(services.CertificateError):
    pass


def create_export(course, cohort, by) -> CertificateExport:
    """A queued export of the course's live certificates (only the cohort's, if given). Flushes."""
    if cohort is not None and cohort.course_id != course.id:
        raise ExportError(_("Angkatan itu bukan bagian dari kursus ini."))
    purge_old_exports()
    total = len(_rows(course.id, cohort.id if cohort else None, by))
    if total == 0:
        raise ExportError(_("Belum ada sertifikat untuk diunduh."))
    export = CertificateExport(course_id=course.id, cohort_id=cohort.id if cohort else None,
                               requested_by_id=getattr(by, "id", None), total=total, state="queued")
    db.session.add(export)
    db.session.flush()
    return export


def _rows(course_id: int, cohort_id: int | None, by=None):
    """The live certificates of the export; with `by` (the requester, a user or an id), only the holders
    that user may see (kopedu.web.access.visible_enrollments)."""
    stmt = (select(Certificate.id, Certificate.serial, Certificate.snapshot, Certificate.pdf_path)
            .join(Enrollment, Certificate.enrollment_id == Enrollment.id)
            .where(Enrollment.course_id == course_id, Certificate.revoked_at.is_(None))
            .order_by(Certificate.serial))
    if cohort_id:
        stmt = stmt.where(Enrollment.cohort_id == cohort_id)
    requester = services._requester(by)
    if requester is not None:
        stmt = stmt.where(visible_enrollments(requester))
    return db.session.execute(stmt).all()


def zip_member_name(serial: str, name: str) -> str:
    """<serial>-<name>.pdf, both made safe for every file system."""
    return f"{services.safe_name(serial)}-{services.safe_name(name) or 'peserta'}.pdf"


def enqueue(app, task: str, object_id: int, timeout: int = 3600) -> str:
    """Hand `task` (a function of this module taking one id, run in an app context) to RQ or to the
    in-process worker. Returns which one: "rq", "thread", or "fallback" when REDIS_URL is set but Redis
    cannot be reached (the web process does it then)."""
    if app.config.get("REDIS_URL"):
        from redis import Redis, RedisError
        from rq import Queue

        seconds = app.config.get("REDIS_TIMEOUT", 1)
        connection = Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=seconds,
                                    socket_timeout=seconds)
        try:
            q = Queue(app.config.get("RQ_QUEUE", "kopedu"), connection=connection)
            q.enqueue("kopedu.certificates.jobs.run_task", task, object_id, job_timeout=timeout,
                      result_ttl=3600, failure_ttl=86400)
        except RedisError as error:
            log.warning("Redis unreachable (%s): %s %s runs in the web process", error, task, object_id)
            _worker.submit(app, task, object_id)
            return "fallback"
        return "rq"
    _worker.submit(app, task, object_id)
    return "thread"


def start(export: CertificateExport) -> str:
    """Hand the (committed) export to RQ or to the in-process worker (see enqueue)."""
    return enqueue(current_app._get_current_object(), "run_export", export.id)


def run_task(task: str, object_id: int) -> None:
    """RQ entry point: inside the worker's app context (`flask certificates worker`), or a fresh app."""
    function = _TASKS[task]
    if has_app_context():
        function(object_id)
        return
    from kopedu import create_app

    with create_app().app_context():
        function(object_id)


# ---------------------------------------------------------------------------------- PDF after commit

def render_after_commit(certificate_id: int) -> None:
    """Render the certificate's PDF once the current transaction has committed (kopedu.events.after_commit);
    nothing happens if it rolls back. Called by services.issue."""
    app = current_app._get_current_object()
    events.after_commit(enqueue, app, "render_pdf", certificate_id, 600)


def rendering_expected(issued_at, now=None) -> bool:
    """Whether a missing PDF is still expected from the background (issued less than PREPARING_SECONDS ago)."""
    return issued_at is not None and (now or utcnow()) - issued_at < timedelta(seconds=PREPARING_SECONDS)


def render_pdf(certificate_id: int) -> None:
    """Render and store a certificate's PDF if it has none yet; commits. Idempotent: two renders of the
    same certificate store one file (the other is removed)."""
    try:
        if services.store_missing_pdf(certificate_id):
            db.session.commit()
        else:
            db.session.rollback()
    except Exception:  # noqa: BLE001 - the download page renders it on demand later; log and go on
        log.exception("rendering the PDF of certificate %s failed", certificate_id)
        db.session.rollback()


def is_waiting(export: CertificateExport, seconds: int = WAIT_NOTICE_SECONDS) -> bool:
    """Still queued after `seconds`: no worker has picked it up (e.g. the RQ worker is not running)."""
    return export.state == "queued" and utcnow() - export.created_at > timedelta(seconds=seconds)


def run_export_job(export_id: int) -> None:
    """RQ entry point kept for exports queued before run_task existed."""
    run_task("run_export", export_id)


def run_export(export_id: int) -> None:
    """Build the ZIP; progress is committed as it goes so that the page can show it."""
    export = db.session.get(CertificateExport, export_id)
    if export is None or export.state != "queued":
        return
    export.state = "running"
    db.session.commit()
    upload_dir = Path(current_app.config["UPLOAD_DIR"])
    rel = f"certificates/exports/{secrets.token_urlsafe(16)}.zip"
    target = upload_dir / rel
    # Built on this host's disk, then handed to the file store (moved, or uploaded to the object store).
    partial = storage.scratch_dir() / f"{secrets.token_hex(16)}.zip.part"
    stored = False
    try:
        rows = _rows(export.course_id, export.cohort_id, export.requested_by_id)
        _progress(CertificateExport, export_id, total=len(rows), done=0)
        last = time.monotonic()
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
            for number, row in enumerate(rows, 1):
                path = services.pdf_file(row.pdf_path)
                if path is None:  # the stored file went missing: render it once more and keep it
                    certificate = db.session.get(Certificate, row.id)
                    services.store_pdf(certificate)
                    db.session.commit()
                    path = services.pdf_file(certificate.pdf_path)
                with archive.open(zip_member_name(row.serial, row.snapshot.get("name", "")), "w") as member:
                    member.write(storage.read_bytes(path))
                if time.monotonic() - last > 0.5 or number == len(rows):
                    _progress(CertificateExport, export_id, done=number)
                    last = time.monotonic()
        file_size = partial.stat().st_size
        storage.put_file(partial, target, transactional=False)
        stored = True
        db.session.execute(update(CertificateExport).where(CertificateExport.id == export_id).values(
            state="done", file_path=rel, file_size=file_size, finished_at=utcnow()))
        db.session.commit()
    except Exception as error:  # noqa: BLE001 - whatever failed, the page must say so
        log.exception("certificate export %s failed", export_id)
        db.session.rollback()
        partial.unlink(missing_ok=True)
        if stored:
            storage.remove(target)
        db.session.execute(update(CertificateExport).where(CertificateExport.id == export_id).values(
            state="failed", error=f"{type(error).__name__}: {error}"[:500], finished_at=utcnow()))
        db.session.commit()


def _progress(model, row_id: int, **values) -> None:
    """Commit a background job's progress (an export or a course job), stamped for is_stale."""
    db.session.execute(update(model).where(model.id == row_id).values(updated_at=utcnow(), **values))
    db.session.commit()


def is_stale(job: CertificateExport | CertificateJob) -> bool:
    """Unfinished and without progress for STALE_MINUTES: shown as failed."""
    if job.finished:
        return False
    return utcnow() - (job.updated_at or job.created_at) > timedelta(minutes=STALE_MINUTES)


def export_file(export: CertificateExport) -> Path | None:
    return services.pdf_file(export.file_path) if export.state == "done" else None


def purge_old_exports(hours: int = KEEP_HOURS) -> int:
    """Delete ZIP files of exports finished more than `hours` ago. Flushes."""
    cutoff = utcnow() - timedelta(hours=hours)
    old = db.session.scalars(select(CertificateExport).where(
        CertificateExport.finished_at < cutoff, CertificateExport.file_path.is_not(None))).all()
    for export in old:
        path = services.pdf_file(export.file_path)
        if path is not None:
            storage.remove(path)
        export.file_path = None
    db.session.flush()
    return len(old)


class _InProcessWorker:
    """One daemon thread that runs the tasks one at a time, each in its own app context."""

    def __init__(self):
        self._queue: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, app, task: str, object_id: int) -> None:
        self._queue.put((app, task, object_id))
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="certificate-exports", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            app, task, object_id = self._queue.get()
            try:
                with app.app_context():
                    try:
                        _TASKS[task](object_id)
                    finally:
                        db.session.remove()
            except Exception:  # noqa: BLE001 - keep the worker alive
                log.exception("certificate task %s %s crashed", task, object_id)
            finally:
                self._queue.task_done()

    def wait(self, timeout: float = 60) -> bool:
        """Wait until every submitted task is finished (for tests and benchmarks)."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True


_worker = _InProcessWorker()


def wait_for_workers(timeout: float = 60) -> bool:
    return _worker.wait(timeout)


# ------------------------------------------------------------------------------------ course jobs

def start_job(job: CertificateJob) -> str:
    """Hand the (committed) course job to RQ or to the in-process worker (see enqueue)."""
    return enqueue(current_app._get_current_object(), "run_course_job", job.id)


def run_course_job(job_id: int) -> None:
    """Recheck / issue / regenerate across a course. Each participant's change commits on its own (a
    certificate issued here is then rendered after that commit); progress is committed as it goes."""
    job = db.session.get(CertificateJob, job_id)
    if job is None or job.state != "queued":
        return
    job.state = "running"
    db.session.commit()
    try:
        if job.kind == "regenerate":
            _regenerate_all(job_id)
        else:
            _recheck_and_issue(job_id)
        _progress(CertificateJob, job_id, state="done", finished_at=utcnow())
    except Exception as error:  # noqa: BLE001 - whatever failed, the page must say so
        log.exception("certificate job %s failed", job_id)
        db.session.rollback()
        _progress(CertificateJob, job_id, state="failed", error=f"{type(error).__name__}: {error}"[:500],
                  finished_at=utcnow())


def _recheck_and_issue(job_id: int) -> None:
    job = db.session.get(CertificateJob, job_id)
    course, kind, by = job.course, job.kind, job.requested_by_id
    rule = services.rules_for(course)
    ids = services.course_enrollment_ids(course.id, by)  # only the participants the requester may see
    if kind == "issue" and job.eligible_ids is not None:  # an issue job covers who its preview listed
        listed = set(job.eligible_ids)
        ids = [enrollment_id for enrollment_id in ids if enrollment_id in listed]
    _progress(CertificateJob, job_id, total=len(ids))
    eligible, no_longer, last = [], [], time.monotonic()
    for number, enrollment_id in enumerate(ids, 1):
        enrollment = db.session.get(Enrollment, enrollment_id)
        standing = services.standing(enrollment, rule) if enrollment is not None else None
        if standing == "eligible":
            eligible.append(enrollment_id)
        elif standing == "no_longer":
            no_longer.append(services.live_certificate(enrollment_id).id)
        db.session.rollback()  # read only: let go of the snapshot
        if time.monotonic() - last > 0.5 or number == len(ids):
            values = {"eligible_ids": eligible} if kind != "issue" else {}
            _progress(CertificateJob, job_id, done=number, eligible=len(eligible), no_longer=len(no_longer),
                      no_longer_ids=no_longer, **values)
            last = time.monotonic()
    if kind == "preview" or (kind == "recheck" and not rule.auto_issue):
        return  # the page lists who would get one and asks "Terbitkan untuk semua yang memenuhi syarat"
    issuer = db.session.get(User, by) if kind == "issue" and by else None
    issued = failed = 0
    for enrollment_id in eligible:
        try:
            enrollment = db.session.get(Enrollment, enrollment_id)
            if services.issue_if_eligible(enrollment, services.rules_for(course), by=issuer) is not None:
                issued += 1
            db.session.commit()
        except Exception:  # noqa: BLE001 - one participant's failure does not stop the others
            log.exception("certificate job %s: enrolment %s failed", job_id, enrollment_id)
            db.session.rollback()
            failed += 1
        _progress(CertificateJob, job_id, issued=issued, failed=failed)


def _regenerate_all(job_id: int) -> None:
    job = db.session.get(CertificateJob, job_id)
    course_id, by_id, reason, current = job.course_id, job.requested_by_id, job.reason, job.use_current_template
    ids = services.live_certificate_ids(course_id, by_id)  # only the holders the requester may see
    _progress(CertificateJob, job_id, total=len(ids))
    done = issued = failed = 0
    for certificate_id in ids:
        try:
            certificate = db.session.get(Certificate, certificate_id)
            by = db.session.get(User, by_id) if by_id else None
            if certificate is not None and not certificate.revoked:
                services.regenerate(certificate, by, reason, use_current_template=current)
                issued += 1
            db.session.commit()
        except Exception:  # noqa: BLE001
            log.exception("certificate job %s: certificate %s failed", job_id, certificate_id)
            db.session.rollback()
            failed += 1
        done += 1
        _progress(CertificateJob, job_id, done=done, issued=issued, failed=failed)


_TASKS = {"run_export": run_export, "render_pdf": render_pdf, "run_course_job": run_course_job}


def register_task(name: str, function) -> None:
    """A task of a feature above this one (kopedu.reports.exports), run by `enqueue` like these."""
    _TASKS[name] = function
