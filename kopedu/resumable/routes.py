"""The chunk protocol (see kopedu.resumable.services): start, send a chunk at an offset, ask the offset."""
from flask import current_app, jsonify, request, url_for
from flask_login import current_user, login_required

from kopedu.extensions import db
from kopedu.resumable import bp, services
from kopedu.web.params import optional_id


def _error(error: services.ResumableError, commit: bool = False):
    if commit:
        db.session.commit()
    else:
        db.session.rollback()
    body = {"error": str(error)}
    if error.offset is not None:
        body["offset"] = error.offset
    response = jsonify(body)
    response.status_code = error.status
    if error.offset is not None:
        response.headers["Upload-Offset"] = str(error.offset)
    return response


def _state(upload, status: int = 200):
    response = jsonify({"id": upload.id, "offset": upload.offset, "size": upload.size, "done": upload.done,
                        "name": upload.original_name, "chunk": services.CHUNK_BYTES,
                        "url": url_for("resumable.chunk", upload_id=upload.id)})
    response.status_code = status
    response.headers["Upload-Offset"] = str(upload.offset)
    response.headers["Cache-Control"] = "no-store"
    return response


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@bp.post("/unggah")
@login_required
def start():
    size = _int(request.form.get("size"))
    try:
        upload = services.start(current_user, request.form.get("purpose", ""),
                                optional_id(request.form.get("target")) or 0,
                                request.form.get("name", ""), size if size is not None else -1)
    except services.ResumableError as error:
        return _error(error)
    db.session.commit()
    response = _state(upload, 201)
    response.headers["Location"] = url_for("resumable.chunk", upload_id=upload.id)
    return response


@bp.get("/unggah/<upload_id>")
@login_required
def status(upload_id: str):
    try:
        return _state(services.get(current_user, upload_id))
    except services.ResumableError as error:
        return _error(error)


@bp.patch("/unggah/<upload_id>")
@login_required
def chunk(upload_id: str):
    offset = _int(request.headers.get("Upload-Offset"))
    if (request.content_length or 0) > services.MAX_CHUNK_BYTES:
        return _error(services.ResumableError(services.too_big_chunk(), status=413))
    data = request.get_data(cache=False)
    try:
        upload = services.append(current_user, upload_id, offset, data, current_app.config["UPLOAD_DIR"])
    except services.ResumableError as error:
        return _error(error, commit=error.status == 415)  # a refused file: its removal is kept
    db.session.commit()
    return _state(upload)
