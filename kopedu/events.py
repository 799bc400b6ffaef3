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

from werkzeug.utils import import_string

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
