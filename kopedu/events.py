"""Domain events: what a write in one feature makes other features write, in one place.

A lower layer (learning, grading, cohorts) must not import a higher one (reports, certificates), so
when it changes something they depend on it calls `emit(name, ...)`. `HANDLERS` below is the whole
list: for every event, the functions that run, in the order given, inside the emitter's
transaction (they flush; the route that started it commits). Nothing else listens.

Events:

attendance_closed(session)
    A trainer closed a session's attendance ("Tutup presensi", kopedu.cohorts.services.close_attendance),
    or the day of a session nobody closed has ended (close_due_sessions, `flask kopedu close-attendance`).
    1. certificates: evaluate the completion rules of every participant of the cohort and issue where
       they hold (attendance counts only from closed sessions, so a tap in between never issues).
"""
from __future__ import annotations

import logging

from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.utils import import_string

log = logging.getLogger(__name__)

HANDLERS: dict[str, tuple[str, ...]] = {
    "attendance_closed": (
        "kopedu.certificates.services:on_attendance_closed",
    ),
}

_resolved: dict[str, tuple] = {}


def handlers(name: str) -> tuple:
    """The handler functions of an event, imported on first use (they live in higher layers)."""
    if name not in _resolved:
        _resolved[name] = tuple(import_string(path) for path in HANDLERS[name])
    return _resolved[name]


def emit(name: str, *args, **kwargs) -> None:
    """Run the event's handlers, in order, now (inside the caller's transaction)."""
    for handler in handlers(name):
        handler(*args, **kwargs)


# --- after the transaction ------------------------------------------------------------------------
#
# Work that must wait for the commit (rendering a PDF, starting a background job) or undo a side effect
# when there is none (a file written for a row that was rolled back) is registered by the service that
# causes it, on the session of its transaction. One pair of session hooks runs it: nothing else.

_COMMIT, _ROLLBACK = "kopedu.after_commit", "kopedu.on_rollback"


def _session(session):
    if session is None:
        from kopedu.extensions import db

        session = db.session()
    return session


def after_commit(task, *args, session: Session | None = None) -> None:
    """Run `task(*args)` once the session's outermost transaction has committed (not if it rolls back).
    The session cannot run SQL at that point: the task hands the work on (a queue, a thread)."""
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
