"""The file store: files written as part of a database transaction are kept when it commits and removed
when it does not — one mechanism for every stored file (uploads, course attachments, certificate PDFs
and images, participant lists).

A service that stores a file next to the row that names it calls `write_file()` (bytes it has) or
`place()` (uploads already checked and staged by kopedu.web.uploads.stage) instead of writing the file
itself. If the transaction then rolls back — a validation error further on, a lost database connection
at COMMIT, an exception that ends the request — the file is deleted again, so a failed upload or import
leaves neither rows nor files behind. `delete_after_commit()` removes a file once the deletion of its row
has committed. The keeping and removing run from kopedu.events (after_commit / on_rollback), so the
whole write path of a request is described there. Files are sent by kopedu.web.files.send_stored_file.
"""
from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.orm import Session

from kopedu import events

_KEY = "kopedu.files_written"  # in Session.info: the files this transaction wrote (for tests and logs)


def _session(session: Session | None) -> Session:
    if session is None:
        from kopedu.extensions import db

        session = db.session()
    return session


def write_file(path: Path, data: bytes, session: Session | None = None) -> Path:
    """Write `data` to `path` atomically (temporary file, then rename), removed unless the session's
    transaction commits."""
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


def place(staged, directory: Path, session: Session | None = None) -> None:
    """Move staged uploads (kopedu.web.uploads.StagedFile) to directory/<stored_name>; call it after the
    rows that name them are flushed. They are removed unless the transaction commits."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for item in staged:
        final = directory / item.stored_name
        os.replace(item.tmp_path, final)
        track(final, session)


def read_bytes(path: Path) -> bytes:
    """The bytes of a stored file. Code that reads a stored file goes through here (not open()), so the
    store can live elsewhere than this host's disk."""
    return Path(path).read_bytes()


def exists(path: Path) -> bool:
    """Whether a stored file is there."""
    return Path(path).is_file()


def track(path: Path, session: Session | None = None) -> None:
    """Remove `path` unless the session's current transaction commits."""
    session = _session(session)
    session.info.setdefault(_KEY, []).append(str(path))
    events.on_rollback(_remove, Path(path), session=session)
    events.after_commit(_forget, session, session=session)


def delete_after_commit(path: Path, session: Session | None = None) -> None:
    """Remove `path` once the transaction (that deletes its row) has committed; keep it otherwise."""
    events.after_commit(_remove, Path(path), session=_session(session))


def pending(session: Session | None = None) -> list[str]:
    """Files written in the open transaction (for tests)."""
    return list(_session(session).info.get(_KEY, []))


def _remove(path: Path) -> None:
    try:
        os.remove(path)
    except OSError:
        pass


def _forget(session: Session) -> None:
    session.info.pop(_KEY, None)
