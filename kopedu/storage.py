"""The file store: files written as part of a database transaction are kept when it commits and removed
when it does not — one mechanism for every stored file (uploads, course attachments, certificate PDFs
and ZIPs, template images, participant lists).

Two backends, chosen by the STORAGE setting (KOPEDU_STORAGE):
- the local folder UPLOAD_DIR (the embedded default; several hosts then need it shared);
- any S3-compatible object store (AWS S3, MinIO, Ceph RGW, Garage) with ``s3://BUCKET/PREFIX``, through
  boto3 with the standard AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION.

Code names a stored file by its path under UPLOAD_DIR either way (UPLOAD_DIR/certificates/2026/x.pdf);
on S3 that path is the object key PREFIX/certificates/2026/x.pdf, and UPLOAD_DIR only holds uploads
being received (kopedu.web.uploads.stage) and ZIPs being built.

A service that stores a file next to the row that names it calls `write_file()` (bytes it has),
`place()` (uploads already checked and staged by kopedu.web.uploads.stage) or `put_file()` (a file it
built on this host's disk) instead of writing the file itself. If the transaction then rolls back — a
validation error further on, a lost database connection at COMMIT, an exception that ends the request —
the file is deleted again, so a failed upload or import leaves neither rows nor files behind.
`delete_after_commit()` removes a file once the deletion of its row has committed. The keeping and
removing run from kopedu.events (after_commit / on_rollback), so the whole write path of a request is
described there. Files are read with `read_bytes()` and sent by kopedu.web.files.send_stored_file.
"""
from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.orm import Session

from kopedu import events
from kopedu.store_backends import LocalStore, S3Store, Store, parse_s3_url

_KEY = "kopedu.files_written"  # in Session.info: the files this transaction wrote (for tests and logs)
_EXTENSION = "kopedu.storage"

__all__ = ["write_file", "place", "put_file", "read_bytes", "exists", "size", "remove", "track",
           "delete_after_commit", "pending", "current", "key_for", "path_for", "Store", "LocalStore", "S3Store"]


def _session(session: Session | None) -> Session:
    if session is None:
        from kopedu.extensions import db

        session = db.session()
    return session


# ------------------------------------------------------------------------------------------ the backend

def current(app=None) -> Store:
    """The store of `app` (the current app by default), made once per app from its STORAGE setting.
    Outside an app context: the local disk, paths taken as they are."""
    from flask import current_app, has_app_context

    if app is None:
        if not has_app_context():
            return LocalStore(None)
        app = current_app._get_current_object()
    config = app.config
    setting = (config.get("STORAGE"), str(config.get("UPLOAD_DIR")), config.get("STORAGE_PUBLIC_URL"),
               repr(config.get("STORAGE_S3_OPTIONS")))
    cached = app.extensions.get(_EXTENSION)
    if cached is None or cached[0] != setting:  # made again when a test (or a command) changes the setting
        cached = app.extensions[_EXTENSION] = (setting, make_store(config))
    return cached[1]


def make_store(config) -> Store:
    """A store from an app's config: STORAGE empty or "local" → UPLOAD_DIR; "s3://bucket/prefix" → S3."""
    setting = (config.get("STORAGE") or "local").strip()
    upload_dir = config.get("UPLOAD_DIR")
    if setting in ("local", "file", ""):
        return LocalStore(upload_dir)
    bucket, prefix = parse_s3_url(setting)
    return S3Store(bucket, prefix, upload_dir=upload_dir, client_options=config.get("STORAGE_S3_OPTIONS") or {},
                   public_url=config.get("STORAGE_PUBLIC_URL") or None)


def key_for(path) -> str:
    """The key of a stored file (its path under UPLOAD_DIR, with / between folders)."""
    return current().key(path)


def path_for(key: str) -> Path:
    """The path under UPLOAD_DIR that names the stored file `key` (the inverse of key_for)."""
    return current().path(key)


# ------------------------------------------------------------------------------------------- writing

def write_file(path: Path, data: bytes, session: Session | None = None) -> Path:
    """Store `data` as `path` (atomically: never half a file), removed unless the session's transaction
    commits."""
    store = current()
    store.put_bytes(path, data)
    track(path, session, store=store)
    return Path(path)


def place(staged, directory: Path, session: Session | None = None) -> None:
    """Store staged uploads (kopedu.web.uploads.StagedFile) as directory/<stored_name>; call it after the
    rows that name them are flushed. They are removed unless the transaction commits."""
    store = current()
    directory = Path(directory)
    for item in staged:
        final = directory / item.stored_name
        store.put_file(item.tmp_path, final)  # moves the staged file (local) or uploads and removes it
        track(final, session, store=store)


def put_file(source: Path, path: Path, session: Session | None = None, *, transactional: bool = True) -> Path:
    """Store the file `source` (on this host's disk; it is moved, not copied) as `path`. Removed unless the
    session's transaction commits; with transactional=False the caller records it itself (a background
    job that commits its own row)."""
    store = current()
    store.put_file(Path(source), path)
    if transactional:
        track(path, session, store=store)
    return Path(path)


# ------------------------------------------------------------------------------------------- reading

def read_bytes(path: Path) -> bytes:
    """The bytes of a stored file (FileNotFoundError if it is not there). Code that reads a stored file
    goes through here (not open()), so the store can live elsewhere than this host's disk."""
    return current().get_bytes(path)


def exists(path: Path) -> bool:
    """Whether a stored file is there (on S3 one HEAD request)."""
    return current().exists(path)


def size(path: Path) -> int | None:
    """The size of a stored file in bytes, or None if it is not there."""
    return current().size(path)


def copy_to(path: Path, target: Path) -> None:
    """Copy a stored file to `target` on this host's disk (for building a ZIP of stored files)."""
    current().download(path, Path(target))


# ------------------------------------------------------------------------------------------ removing

def remove(path: Path) -> None:
    """Remove a stored file now (missing is fine). Prefer delete_after_commit for a file a row names."""
    current().delete(path)


def track(path: Path, session: Session | None = None, *, store: Store | None = None) -> None:
    """Remove `path` unless the session's current transaction commits."""
    session = _session(session)
    store = store or current()
    session.info.setdefault(_KEY, []).append(str(path))
    events.on_rollback(store.delete, Path(path), session=session)
    events.after_commit(_forget, session, session=session)


def delete_after_commit(path: Path, session: Session | None = None) -> None:
    """Remove `path` once the transaction (that deletes its row) has committed; keep it otherwise."""
    events.after_commit(current().delete, Path(path), session=_session(session))


def pending(session: Session | None = None) -> list[str]:
    """Files written in the open transaction (for tests)."""
    return list(_session(session).info.get(_KEY, []))


def _forget(session: Session) -> None:
    session.info.pop(_KEY, None)


def scratch_dir() -> Path:
    """A folder on this host's disk for files being built before they are stored (UPLOAD_DIR/tmp)."""
    store = current()
    folder = (store.root if store.root is not None else Path(os.getcwd())) / "tmp"
    folder.mkdir(parents=True, exist_ok=True)
    return folder

