"""Versioned static URLs: ?v=<content hash>, served with a year-long immutable cache."""
import hashlib
from pathlib import Path

from flask import request

_hashes: dict[str, str] = {}


def _version(static_folder: str, filename: str) -> str | None:
    if filename not in _hashes:
        path = Path(static_folder) / filename
        if not path.is_file():
            return None
        _hashes[filename] = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
    return _hashes[filename]


def register(app) -> None:
    @app.url_defaults
    def add_version(endpoint, values):
        if endpoint == "static" and "v" not in values:
            version = _version(app.static_folder, values.get("filename", ""))
            if version:
                values["v"] = version

    @app.after_request
    def cache_static(response):
        if request.endpoint == "static" and request.args.get("v") and response.status_code == 200:
            response.cache_control.public = True
            response.cache_control.max_age = 31536000
            response.cache_control.immutable = True
        return response

    if app.debug or app.testing:
        _hashes.clear()
