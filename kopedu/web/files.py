"""Sending stored files to the browser: the one function for every file under UPLOAD_DIR (certificate
PDFs and ZIPs, submission files, course media).

By default the app sends the bytes itself (Flask's send_file, with ETag and conditional requests).
Behind nginx, set KOPEDU_ACCEL_REDIRECT to the internal location that serves UPLOAD_DIR (see
docs/deploy.md): the app still checks who may download what, then answers with an empty response whose
X-Accel-Redirect header tells nginx which file to send, so no gunicorn worker is held while a slow phone
downloads a PDF.
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from flask import abort, current_app, send_file


def send_stored_file(path: Path, *, mimetype: str, download_name: str, etag: str | None = None,
                     inline: bool = False, cache_control: str = "private, no-cache"):
    """A response for a file under UPLOAD_DIR (X-Accel-Redirect when configured); 404 if it is gone.
    Inline files (images, PDFs) may be shown in a frame of this site only; nothing stored runs scripts."""
    path = Path(path)
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
    response.headers["Cache-Control"] = cache_control
    if inline and mimetype == "application/pdf":
        # The browser's PDF viewer needs its plugin frame; nothing else is allowed to frame it.
        response.headers["Content-Security-Policy"] = "frame-ancestors 'self'"
    else:
        response.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'self'"
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


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
