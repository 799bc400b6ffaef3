"""Resumable uploads with chunks at an offset.

Why not tus: the Python tus servers are either unmaintained Flask extensions (flask-tus, last release
2016, partial uploads on the local disk) or a FastAPI router (tuspyserver, local disk too); none keeps
partial uploads where several app hosts can reach them, and tus-js-client alone would be bigger than
the whole page budget. The protocol here is tus's core in three requests, with a client of a few KB
(static/js/upload.js):

    POST  /unggah          purpose, target, name, size  → 201 {"id", "offset": 0, "chunk"}
    PATCH /unggah/<id>     Upload-Offset: n, the bytes  → 200 {"offset", "done"} · 409 {"offset"} on a
                                                          wrong offset (the client goes on from there)
    GET   /unggah/<id>                                  → {"offset", "size", "done"}

Chunks are rows (UploadChunk), so any host takes the next one; the offset moves by a conditional
UPDATE, so two hosts sent the same chunk keep it once. When the last chunk arrives the bytes are checked
exactly like a form upload (kopedu.web.uploads.stage: size, type read from the content, name ending) and
go to the file store (kopedu.storage.place) in the purpose's folder; the chunks are deleted. The feature
then claims the finished upload by its id (`claim`) in the transaction that names the file.
Services flush, never commit.
"""
from __future__ import annotations

import io
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Callable

from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update
from werkzeug.datastructures import FileStorage

from kopedu import storage
from kopedu.db import utcnow
from kopedu.extensions import db
from kopedu.resumable.models import ResumableUpload, UploadChunk
from kopedu.web import uploads

CHUNK_BYTES = 64 * 1024  # what the client sends per request: about 1.3 s at 400 kbit/s
MAX_CHUNK_BYTES = 512 * 1024  # what the server accepts per request
KEEP_UNCLAIMED = timedelta(days=3)
MAX_PENDING_BYTES = 60 * uploads.MB  # one user's unfinished uploads, kept as rows meanwhile


class ResumableError(ValueError):
    """Refused; the message is for the person uploading, `status` the HTTP status."""

    def __init__(self, message: str, status: int = 422, offset: int | None = None):
        super().__init__(message)
        self.status = status
        self.offset = offset


@dataclass(frozen=True)
class Purpose:
    """What a feature accepts: the kinds, the largest file, its folder under the upload folder, and
    who may upload for which target (the id of a lesson, a plan …)."""
    name: str
    kinds: tuple[str, ...]
    max_bytes: int
    folder: str
    may_upload: Callable  # (user, target_id) -> bool


PURPOSES: dict[str, Purpose] = {}


def register(purpose: Purpose) -> None:
    PURPOSES[purpose.name] = purpose


def directory(upload_dir, purpose: str) -> Path:
    return Path(upload_dir) / PURPOSES[purpose].folder


def _purpose(name: str) -> Purpose:
    purpose = PURPOSES.get(name or "")
    if purpose is None:
        raise ResumableError(_("Unggahan ini tidak dikenal."), status=404)
    return purpose


def start(user, purpose_name: str, target_id: int, name: str, size: int) -> ResumableUpload:
    """A new upload of `size` bytes. Refused: an unknown purpose (404), a target the user may not
    upload for (403), a size over the limit (413) or a name whose ending is not an accepted kind (415)."""
    purpose = _purpose(purpose_name)
    if not purpose.may_upload(user, target_id):
        raise ResumableError(_("Anda tidak boleh mengunggah berkas ke sini."), status=403)
    name = uploads.display_name(name)
    if size <= 0:
        raise ResumableError(_("Berkas \"%(name)s\" kosong.", name=name))
    if size > purpose.max_bytes:
        raise ResumableError(_("Berkas \"%(name)s\" lebih dari %(mb)d MB. Perkecil dulu, misalnya foto dengan "
                               "resolusi lebih rendah.", name=name, mb=purpose.max_bytes // uploads.MB), status=413)
    promised = uploads.kind_for_name(name)
    if uploads._suffix(name) is not None and promised not in purpose.kinds:
        raise ResumableError(_("Jenis berkas \"%(name)s\" tidak diterima. Berkas yang diterima: %(types)s.",
                               name=name, types=uploads.labels(purpose.kinds)), status=415)
    if pending_bytes(user.id) + size > MAX_PENDING_BYTES:
        raise ResumableError(_("Terlalu banyak unggahan yang belum selesai. Selesaikan atau batalkan dulu."),
                             status=413)
    upload = ResumableUpload(id=secrets.token_hex(16), user_id=user.id, purpose=purpose.name,
                             target_id=target_id, original_name=name, size=size, offset=0)
    db.session.add(upload)
    db.session.flush()
    return upload


def get(user, upload_id: str) -> ResumableUpload:
    """The user's own upload; another user's id, or an unknown one, is 404 alike."""
    upload = db.session.get(ResumableUpload, upload_id) if upload_id and len(upload_id) <= 32 else None
    if upload is None or upload.user_id != user.id:
        raise ResumableError(_("Unggahan tidak ditemukan. Pilih berkasnya lagi."), status=404)
    return upload


def append(user, upload_id: str, offset: int | None, data: bytes, upload_dir) -> ResumableUpload:
    """Add the chunk that starts at `offset`. A wrong offset is 409 with the server's offset (the client
    continues from there); bytes beyond the declared size are 413; the finished file is checked and
    stored (415/422 when its content is refused: the upload is removed and must start again)."""
    upload = get(user, upload_id)
    if upload.done:
        return upload
    if offset is None or offset != upload.offset:
        raise ResumableError(_("Bagian berkas tidak urut; dilanjutkan dari bagian yang sudah diterima."),
                             status=409, offset=upload.offset)
    if not data:
        return upload
    if len(data) > MAX_CHUNK_BYTES:
        raise ResumableError(too_big_chunk(), status=413, offset=upload.offset)
    if offset + len(data) > upload.size:
        raise ResumableError(_("Berkas lebih besar daripada yang diumumkan."), status=413, offset=upload.offset)
    moved = db.session.execute(update(ResumableUpload)
                               .where(ResumableUpload.id == upload.id, ResumableUpload.offset == offset)
                               .values(offset=offset + len(data), updated_at=utcnow())
                               .execution_options(synchronize_session=False))
    if moved.rowcount != 1:  # another request took this offset meanwhile
        db.session.refresh(upload)
        raise ResumableError(_("Bagian berkas tidak urut; dilanjutkan dari bagian yang sudah diterima."),
                             status=409, offset=upload.offset)
    db.session.add(UploadChunk(upload_id=upload.id, offset=offset, data=data))
    db.session.flush()
    db.session.refresh(upload)
    if upload.offset == upload.size:
        _finish(upload, upload_dir)
    return upload


def too_big_chunk() -> str:
    return _("Bagian berkas terlalu besar.")


def _finish(upload: ResumableUpload, upload_dir) -> None:
    purpose = _purpose(upload.purpose)
    parts = db.session.execute(select(UploadChunk.offset, UploadChunk.data)
                               .where(UploadChunk.upload_id == upload.id).order_by(UploadChunk.offset)).all()
    data = b"".join(bytes(part.data) for part in parts)
    folder = directory(upload_dir, upload.purpose)
    try:
        staged = uploads.stage(FileStorage(io.BytesIO(data), filename=upload.original_name), folder,
                               purpose.kinds, purpose.max_bytes)
    except uploads.UploadError as error:
        db.session.execute(delete(UploadChunk).where(UploadChunk.upload_id == upload.id))
        db.session.execute(delete(ResumableUpload).where(ResumableUpload.id == upload.id))
        raise ResumableError(str(error), status=415) from None
    upload.kind, upload.sha256, upload.stored_name = staged.kind, staged.sha256, staged.stored_name
    upload.original_name = staged.original_name
    upload.completed_at = utcnow()
    db.session.execute(delete(UploadChunk).where(UploadChunk.upload_id == upload.id))
    db.session.flush()
    storage.place([staged], folder)


def claim(user, ids, purpose_name: str, target_id: int) -> list[ResumableUpload]:
    """The user's finished, unclaimed uploads with these ids for this purpose and target, marked claimed
    (in the caller's transaction: a rollback unclaims them). Anything else is refused."""
    ids = [i for i in dict.fromkeys(ids or []) if i]
    if not ids:
        return []
    found = {u.id: u for u in db.session.scalars(select(ResumableUpload).where(ResumableUpload.id.in_(ids)))}
    result = []
    for upload_id in ids:
        upload = found.get(upload_id)
        if (upload is None or upload.user_id != user.id or upload.purpose != purpose_name
                or upload.target_id != target_id or upload.claimed_at is not None):
            raise ResumableError(_("Berkas yang diunggah tidak ditemukan. Pilih berkasnya lagi."), status=422)
        if not upload.done:
            raise ResumableError(_("Berkas \"%(name)s\" belum selesai diunggah.", name=upload.original_name))
        upload.claimed_at = utcnow()
        result.append(upload)
    db.session.flush()
    return result


def purge(upload_dir, now=None) -> int:
    """Remove uploads nobody claimed within KEEP_UNCLAIMED (their chunks, or their stored file once the
    deletion commits). Returns how many. Flushes."""
    cutoff = (now or utcnow()) - KEEP_UNCLAIMED
    stale = db.session.scalars(select(ResumableUpload).where(ResumableUpload.claimed_at.is_(None),
                                                             ResumableUpload.updated_at < cutoff)).all()
    for upload in stale:
        if upload.stored_name:
            storage.delete_after_commit(directory(upload_dir, upload.purpose) / upload.stored_name)
        db.session.delete(upload)
    db.session.flush()
    return len(stale)


def pending_bytes(user_id: int) -> int:
    """Bytes of the user's uploads in progress (for quotas)."""
    return int(db.session.scalar(select(func.coalesce(func.sum(ResumableUpload.size), 0))
                                 .where(ResumableUpload.user_id == user_id,
                                        ResumableUpload.completed_at.is_(None))) or 0)
