"""HTML → PDF with WeasyPrint, one rendering at a time per process: Pango and WeasyPrint's font
machinery are not safe to share between threads (a request and the bulk certificate worker may both
render). Every PDF of the project goes through this lock.

Every WeasyPrint call takes a restricted URL fetcher (tests/security/test_pdf_fetcher.py checks the
source for it): a PDF built from the project's HTML reaches `data:` URIs and, when asked, files under
named folders — never the network, never another file of the machine.
"""
import mimetypes
import threading
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

render_lock = threading.Lock()


class FetchRefused(ValueError):
    """A resource outside the allowed folders (or on the network) was asked for."""


def _local_file(url: str, roots: tuple[Path, ...]) -> Path | None:
    parts = urlsplit(url)
    if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
        return None
    path = Path(url2pathname(parts.path)).resolve()
    return path if any(path.is_relative_to(root) for root in roots) and path.is_file() else None


def fetch_local(url: str, roots=(), read=Path.read_bytes) -> tuple[bytes, str]:
    """The bytes (through `read`) and type behind a file:// URL under `roots`, or FetchRefused."""
    path = _local_file(url, tuple(Path(root).resolve() for root in roots))
    if path is None:
        raise FetchRefused(f"refused: {url[:80]}")
    mime = "font/woff" if path.suffix == ".woff" else mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return read(path), mime


def restricted_fetcher(roots=(), fetch_file=None):
    """A WeasyPrint URL fetcher for `data:` URIs and the files under `roots`; anything else is refused.
    `fetch_file(url) -> (bytes, mime)` replaces the plain `fetch_local(url, roots)` for file URLs."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    if fetch_file is None:
        allowed = tuple(roots)

        def fetch_file(url):
            return fetch_local(url, allowed)

    class RestrictedFetcher(URLFetcher):
        def __init__(self):
            super().__init__(allowed_protocols=("file", "data"), allow_redirects=False, timeout=1)

        def fetch(self, url, headers=None):
            if url.lower().startswith("data:"):
                return super().fetch(url, headers)
            body, mime = fetch_file(url)
            return URLFetcherResponse(url, body, {"Content-Type": mime})

    return RestrictedFetcher()


def html_to_pdf(html: str, *, base_url: str | None = None, roots=()) -> bytes:
    """A PDF from self-contained HTML (styles inline, images as data: URIs); files only under `roots`."""
    from weasyprint import HTML

    with render_lock:
        return HTML(string=html, base_url=base_url, url_fetcher=restricted_fetcher(roots)).write_pdf()
