"""Sending stored files to the browser: the one function for every file under UPLOAD_DIR (certificate
PDFs and ZIPs, submission files, course media).

By default the app sends the bytes itself (Flask's send_file, with ETag and conditional requests).
Behind nginx, set KOPEDU_ACCEL_REDIRECT to the internal location that serves UPLOAD_DIR (see
docs/deploy.md): the app still checks who may download what, then answers with an empty response whose
X-Accel-Redirect header tells nginx which file to send, so no gunicorn worker is held while a slow phone
downloads a PDF.

With the files in an S3-compatible store (KOPEDU_STORAGE=s3://…), the app checks access the same way and
then streams the object through (STORAGE_DOWNLOADS="stream", the default: same origin, so the page's
CSP, ETag and Content-Disposition stay as they are, and nginx's proxy buffering frees the worker while a
slow phone reads), or — for attachments, with STORAGE_DOWNLOADS="redirect" — answers 302 to a presigned
URL valid STORAGE_URL_SECONDS that makes the store send the file with the same Content-Type and
Content-Disposition. Inline files (images and PDFs shown in a page) are always streamed: the page's
CSP allows only this site's own images and frames.
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from flask import abort, current_app, redirect, request, send_file

from kopedu import storage


def send_stored_file(path: Path, *, mimetype: str, download_name: str, etag: str | None = None,
                     inline: bool = False, cache_control: str = "private, no-cache"):
    """A response for a file under UPLOAD_DIR (X-Accel-Redirect when configured); 404 if it is gone.
    Inline files (images, PDFs) may be shown in a frame of this site only; nothing stored runs scripts."""
    path = Path(path)
    store = storage.current()
    if store.kind == "s3":
        response = _from_object_store(store, path, mimetype=mimetype, download_name=download_name, etag=etag,
                                      inline=inline, cache_control=cache_control)
        if response.status_code == 302:
            return response
        _protect(response, mimetype, inline, cache_control)
        return response
    if not path.is_file():
        abort(404)
    prefix = current_app.config.get("ACCEL_REDIRECT")
    relative = _relative_to_uploads(path) if prefix else None
    if relative is None:
        response = send_file(path, mimetype=mimetype, as_attachment=not inline, download_name=download_name,
                             etag=etag if etag is not None else True, conditional=True, max_age=0,
                             last_modified=None)
    else:
        response = current_app.response_class(b"", mimetype=mimetype)
        response.headers["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + quote(relative)
        _content_disposition(response, download_name, inline)
        # nginx answers conditional requests itself from the file (a stored file never changes:
        # a regenerated certificate gets a new file name).
    _protect(response, mimetype, inline, cache_control)
    return response


def _protect(response, mimetype: str, inline: bool, cache_control: str) -> None:
    response.headers["Cache-Control"] = cache_control
    if inline and mimetype == "application/pdf":
        # The browser's PDF viewer needs its plugin frame; nothing else is allowed to frame it.
        response.headers["Content-Security-Policy"] = "frame-ancestors 'self'"
    else:
        response.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'self'"
    response.headers["X-Frame-Options"] = "SAMEORIGIN"


def _from_object_store(store, path: Path, *, mimetype: str, download_name: str, etag: str | None, inline: bool,
                       cache_control: str):
    """Stream the object, or (attachments, STORAGE_DOWNLOADS=redirect) redirect to a presigned URL."""
    if not inline and current_app.config.get("STORAGE_DOWNLOADS") == "redirect":
        if not store.exists(path):
            abort(404)
        probe = current_app.response_class()
        _content_disposition(probe, download_name, inline)
        url = store.presigned_url(path, seconds=int(current_app.config.get("STORAGE_URL_SECONDS", 300)),
                                  content_type=mimetype, disposition=probe.headers["Content-Disposition"],
                                  cache_control=cache_control)
        response = redirect(url, code=302)
        response.headers["Cache-Control"] = "no-store"  # the URL expires: never reuse the redirect
        response.headers["Referrer-Policy"] = "no-referrer"
        return response
    if etag is not None and etag in request.if_none_match:
        # The caller knows the content's hash (a certificate's sha256): no need to ask the store.
        response = current_app.response_class(status=304)
        response.set_etag(etag)
        return response
    wanted = _single_range(etag)
    try:
        body, length, object_etag, content_range = store.open(path, wanted)
    except FileNotFoundError:
        abort(404)
    except ValueError:
        if wanted is None:
            abort(404)  # a path outside the store
        abort(416)
    tag = etag if etag is not None else object_etag
    if tag and tag in request.if_none_match:
        body.close()
        response = current_app.response_class(status=304)
        response.set_etag(tag)
        return response

    def chunks():
        try:
            yield from body.iter_chunks(64 * 1024)
        finally:
            body.close()

    response = current_app.response_class(chunks(), mimetype=mimetype, direct_passthrough=True,
                                          status=206 if content_range else 200)
    response.headers["Content-Length"] = str(length)
    response.headers["Accept-Ranges"] = "bytes"  # a phone on a weak link resumes a big download
    if content_range:
        response.headers["Content-Range"] = content_range
    if tag:
        response.set_etag(tag)
    _content_disposition(response, download_name, inline)
    return response


def _single_range(etag: str | None) -> str | None:
    """The request's Range header if it asks for one range (and any If-Range still matches), else None."""
    ranges = request.range
    if ranges is None or len(ranges.ranges) != 1 or ranges.units != "bytes":
        return None
    if_range = request.if_range
    if if_range.etag is not None or if_range.date is not None:
        if etag is None or if_range.etag != etag:
            return None  # the copy the client holds may be another file: send all of it
    return ranges.to_header()


def _relative_to_uploads(path: Path) -> str | None:
    root = Path(current_app.config["UPLOAD_DIR"]).resolve()
    full = Path(path).resolve()
    return full.relative_to(root).as_posix() if full.is_relative_to(root) else None


def content_disposition(name: str, inline: bool = False) -> str:
    """The Content-Disposition header for a file sent as `name`, exactly as Flask's send_file writes it
    (Werkzeug: a plain ASCII filename, plus an RFC 5987 filename* when the name is not ASCII, e.g. a
    cohort code "KPG-Ω"). Never built by hand: a header is Latin-1, and a name outside it was a 500."""
    import io

    response = send_file(io.BytesIO(), mimetype="application/octet-stream", as_attachment=not inline,
                         download_name=name, etag=False, conditional=False, last_modified=None)
    value = response.headers["Content-Disposition"]
    response.close()
    return value


def _content_disposition(response, name: str, inline: bool = False) -> None:
    response.headers["Content-Disposition"] = content_disposition(name, inline)
