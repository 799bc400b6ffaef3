"""Files written as part of a database transaction: kept when it commits, removed when it does not.

A service that stores an uploaded or imported file next to the row that names it calls `write_file()`
instead of writing the file itself. If the transaction then rolls back — a validation error further on,
a lost database connection at COMMIT, an exception that ends the request — the file is deleted again,
so a failed upload or import leaves neither rows nor files behind.
"""
from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session

from kopedu.extensions import db

_KEY = "kopedu_new_files"


def write_file(path: Path, data: bytes, session: Session | None = None) -> Path:
    """Write `data` to `path` atomically (temporary file, then rename) and remember it on the session
    so that it is removed unless the session's transaction commits."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    track(path, session)
    return path


def track(path: Path, session: Session | None = None) -> None:
    """Remove `path` unless the session's current transaction commits."""
    session = session if session is not None else db.session()
    session.info.setdefault(_KEY, []).append(str(path))


def pending(session: Session | None = None) -> list[str]:
    """Files written in the open transaction (for tests)."""
    session = session if session is not None else db.session()
    return list(session.info.get(_KEY, []))


@event.listens_for(Session, "after_commit")
def _keep_files(session: Session) -> None:
    if not session.in_nested_transaction():  # a released savepoint is not a commit yet
        session.info.pop(_KEY, None)


@event.listens_for(Session, "after_transaction_end")
def _remove_uncommitted_files(session: Session, transaction) -> None:
    # The outermost transaction ended without a commit (rollback, failed COMMIT or close): clean up.
    if transaction.parent is not None or transaction.nested:
        return
    for name in session.info.pop(_KEY, []):
        try:
            os.remove(name)
        except OSError:
            pass
