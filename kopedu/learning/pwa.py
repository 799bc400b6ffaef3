"""The service worker's text: static/sw.js with the release's shell list and cache version filled in."""
import hashlib
import json
from pathlib import Path

from flask import current_app, url_for

# The app shell: cached when the worker installs, so that any saved page renders without a network.
SHELL_FILES = ("css/kopedu.css", "vendor/htmx-2.0.11.min.js", "js/kopedu.js", "js/offline.js", "js/sync.js",
               "img/logo.svg", "manifest.webmanifest")
_cache: dict[str, str] = {}


def shell_urls() -> list[str]:
    return [url_for("static", filename=name) for name in SHELL_FILES] + [url_for("learning.offline_page")]


def service_worker() -> str:
    """The worker's source; its version is a hash of itself and of the shell's versioned URLs."""
    if "text" in _cache and not (current_app.debug or current_app.testing):
        return _cache["text"]
    source = (Path(current_app.static_folder) / "sw.js").read_text(encoding="utf-8")
    shell = shell_urls()
    version = hashlib.sha256((source + "\n".join(shell)).encode()).hexdigest()[:12]
    text = source.replace('"__VERSION__"', json.dumps(version)).replace('["__SHELL__"]', json.dumps(shell))
    _cache["text"] = text
    return text
