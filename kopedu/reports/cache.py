"""A short cache for the national and province monitoring views.

Their figures aggregate every fact of the country (or of a province): at national size a few
hundred milliseconds of database time per view. Within MONITOR_CACHE_SECONDS (config; 0 turns it
off, as in the tests) a view is answered from the figures computed last, per process, and the page
says when they were computed. The key is the region and the filters, never the viewer: the views
already check that the viewer may see the region, and the filters hold the courses they may see.
"""
import threading
import time

from flask import current_app

from kopedu.db import utcnow

MAX_ENTRIES = 256
_lock = threading.Lock()
_store: dict = {}


def cached(key, compute):
    """(value, computed_at): computed_at is None when the value was just computed (cache off)."""
    seconds = current_app.config.get("MONITOR_CACHE_SECONDS", 0)
    if not seconds:
        return compute(), None
    now = time.monotonic()
    with _lock:
        hit = _store.get(key)
    if hit is not None and now - hit[0] < seconds:
        return hit[1], hit[2]
    value = compute()
    with _lock:
        if len(_store) >= MAX_ENTRIES:
            _store.clear()
        _store[key] = (now, value, utcnow())
        return value, _store[key][2]


def clear() -> None:
    with _lock:
        _store.clear()
