"""The write path: everything a request writes besides what its route's services write directly.

A route reads the request, calls services and commits once (DESIGN.md §2). Services write their own
rows. What one feature's write makes another feature write goes through this module, and only through
it: a lower layer (courses, learning, grading, cohorts) must not import a higher one (reports,
certificates), so it calls `emit(name, ...)`, and the tables below say which functions of the higher
layers run, in which order. Nothing else in the project listens to the ORM session or to signals.

1. Events, run at once inside the emitter's transaction (handlers flush; the route commits), in the
   order of HANDLERS:

   progress_changed(enrollment)
       learning: a lesson completed, a quiz attempt graded; learning.recount: a course's stored progress
       recounted after its lessons changed.
       1. certificates.services.on_enrollment_changed — issue the certificate if the rules hold now
          (never when a certificate was ever issued for the enrolment; a failure is logged, it never
          fails the participant's request).
       2. reports.facts.on_enrollment_changed — mark the enrolment's monitoring fact for refresh.
   submission_graded(enrollment, submission=, grade=)
       grading.services.grade.
       1. plans.services.on_submission_graded — a business-plan workbook takes its submission's status
          (returned / passed / failed), whichever page graded it.
       2.–3. The same two handlers as progress_changed, in the same order.
       4. plans.checkins.on_submission_graded — a workbook graded lulus becomes its cooperative's plan
          for the monthly check-in (Kawal sama-sama).
   attendance_closed(session)
       cohorts.services.close_attendance ("Tutup presensi", or the nightly close of past sessions).
       1. certificates.services.on_attendance_closed — evaluate every participant of the cohort.

2. Before each flush (one `before_flush` hook): courses.outline.before_flush — a course whose modules,
   lessons or quizzes the flush adds, changes or deletes gets a new `outline_version` (one UPDATE), the
   key under which every process caches its outline: the next request of any worker loads it anew.
   After each flush, the notes of section 3.

3. Just before the outermost transaction commits (one `before_commit` hook), in this order:
   1. learning.recount.before_commit — courses whose counted lessons changed in this transaction
      (added, deleted, published, unpublished, made optional, moved: noted on each flush by
      learning.recount.note_flush) get every enrolment's stored progress recounted; an enrolment
      that reaches 100 % emits progress_changed (so a certificate can follow, and its fact is marked).
   2. reports.facts.before_commit — the monitoring facts of the enrolments marked so far (by
      progress_changed, and on each flush by reports.facts.note_flush: enrolments, quiz attempts,
      certificates, a user's cooperative or role, a cooperative's village) are recomputed with one
      upsert. It runs last, so it also sees what step 1 and its events wrote.
   A rollback of the whole transaction forgets what was noted (the `forget` functions).

4. After the outermost transaction ends, the tasks services registered on the session with
   `after_commit(task, ...)` (run only if it committed) or `on_rollback(task, ...)` (run only if it
   did not): the certificate PDF rendered after issue (certificates.jobs.render_after_commit), and
   the file store's keep-or-remove of the files written in the transaction (kopedu.storage). The
   session cannot run SQL then: tasks hand work to a queue or touch files only.
"""
from __future__ import annotations

import logging

from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.utils import import_string

log = logging.getLogger(__name__)

# Section 1: event → handlers, in the order they run.
HANDLERS: dict[str, tuple[str, ...]] = {
    "progress_changed": (
        "kopedu.certificates.services:on_enrollment_changed",
        "kopedu.reports.facts:on_enrollment_changed",
    ),
    "submission_graded": (
        "kopedu.plans.services:on_submission_graded",
        "kopedu.certificates.services:on_enrollment_changed",
        "kopedu.reports.facts:on_enrollment_changed",
        "kopedu.plans.checkins:on_submission_graded",
    ),
    "attendance_closed": (
        "kopedu.certificates.services:on_attendance_closed",
    ),
}

# Section 2: before each flush.
BEFORE_FLUSH = ("kopedu.courses.outline:before_flush",)
# Section 3: what each flush notes (no SQL may run during a flush), and what runs before the commit.
FLUSH_NOTES = ("kopedu.learning.recount:note_flush", "kopedu.reports.facts:note_flush")
BEFORE_COMMIT = ("kopedu.learning.recount:before_commit", "kopedu.reports.facts:before_commit")
FORGET = ("kopedu.learning.recount:forget", "kopedu.reports.facts:forget")

_resolved: dict[object, tuple] = {}


def _functions(key, paths) -> tuple:
    """The functions named by `paths`, imported on first use (they live in higher layers)."""
    if key not in _resolved:
        _resolved[key] = tuple(import_string(path) for path in paths)
    return _resolved[key]


def handlers(name: str) -> tuple:
    return _functions(name, HANDLERS[name])


def emit(name: str, *args, **kwargs) -> None:
    """Run the event's handlers, in order, now (inside the caller's transaction)."""
    for handler in handlers(name):
        handler(*args, **kwargs)


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context, _instances) -> None:
    for step in _functions("before_flush", BEFORE_FLUSH):
        step(session)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context) -> None:
    for note in _functions("flush", FLUSH_NOTES):
        note(session)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    for step in _functions("before_commit", BEFORE_COMMIT):
        step(session)


@event.listens_for(Session, "after_soft_rollback")
def _after_soft_rollback(session: Session, previous_transaction) -> None:
    """The whole transaction rolled back: forget what was noted. A rolled-back savepoint keeps the
    notes: what the outer transaction changed still has to be handled, and handling an unchanged
    enrolment or course is harmless."""
    if previous_transaction.parent is None:
        for forget in _functions("forget", FORGET):
            forget(session)


# --- Section 4: after the transaction ---------------------------------------------------------------

_COMMIT, _ROLLBACK = "kopedu.after_commit", "kopedu.on_rollback"


def _session(session):
    if session is None:
        from kopedu.extensions import db

        session = db.session()
    return session


def after_commit(task, *args, session: Session | None = None) -> None:
    """Run `task(*args)` once the session's outermost transaction has committed (not if it rolls back)."""
    _session(session).info.setdefault(_COMMIT, []).append((task, args))


def on_rollback(task, *args, session: Session | None = None) -> None:
    """Run `task(*args)` if the session's outermost transaction ends without a commit."""
    _session(session).info.setdefault(_ROLLBACK, []).append((task, args))


def _run(tasks) -> None:
    for task, args in tasks:
        try:
            task(*args)
        except Exception:  # noqa: BLE001 - the transaction is over: report, never undo it
            log.exception("after-transaction task %r failed", task)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a released savepoint is not a commit yet
        return
    session.info.pop(_ROLLBACK, None)
    _run(session.info.pop(_COMMIT, []))


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction) -> None:
    # The outermost transaction ended without a commit (rollback, failed COMMIT, close).
    if transaction.parent is not None or transaction.nested:
        return
    session.info.pop(_COMMIT, None)
    _run(session.info.pop(_ROLLBACK, []))
