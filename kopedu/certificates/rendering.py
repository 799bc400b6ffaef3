"""Certificate PDF rendering with WeasyPrint: an HTML/CSS template, fonts shipped with the project,
a QR code as inline SVG, and a URL fetcher that reaches nothing but the template's own folders.

Rendering takes plain values (the certificate's snapshot) and returns PDF bytes; storing is services' job.
"""
import atexit
import base64
import logging
from functools import lru_cache
from pathlib import Path

import segno
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from kopedu import storage
from kopedu.web import pdf, uploads
from kopedu.web.pdf import FetchRefused, render_lock  # noqa: F401 - FetchRefused is part of this module's API

TEMPLATE_DIR = (Path(__file__).parent / "templates").resolve()
FONT_DIR = (Path(__file__).parent / "fonts").resolve()
ALLOWED_ROOTS = (TEMPLATE_DIR, FONT_DIR)

log = logging.getLogger(__name__)

_env = Environment(loader=FileSystemLoader(str(TEMPLATE_DIR)), autoescape=select_autoescape(["html"]),
                   trim_blocks=True, lstrip_blocks=True)


@lru_cache(maxsize=64)
def _read(path: Path) -> bytes:
    return path.read_bytes()


@lru_cache(maxsize=64)
def _read_stored(store, path: str) -> bytes | None:
    try:
        return store.get_bytes(path)
    except (FileNotFoundError, IsADirectoryError, ValueError):
        return None


def fetch_local(url: str) -> tuple[bytes, str]:
    """The bytes and type behind a file:// URL inside the allowed folders, or FetchRefused."""
    return pdf.fetch_local(url, ALLOWED_ROOTS, read=_read)


def _make_fetcher():
    # looks fetch_local up at each call, so a test can watch what the renderer asks for
    return pdf.restricted_fetcher(fetch_file=lambda url: fetch_local(url))


@lru_cache(maxsize=1)
def _weasy():
    """WeasyPrint, the parsed stylesheet and the font configuration, made once per process."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    fetcher = _make_fetcher()
    font_config = FontConfiguration()
    css = CSS(filename=str(TEMPLATE_DIR / "certificate.css"), url_fetcher=fetcher, font_config=font_config)
    return HTML, css, font_config, fetcher


atexit.register(_weasy.cache_clear)  # drop the font configuration before the interpreter tears down


def qr_svg(url: str) -> Markup:
    """The QR code for `url` as inline SVG (sized by the stylesheet)."""
    qr = segno.make(url, error="m", micro=False)
    return Markup(qr.svg_inline(scale=1, border=0, omitsize=True, dark="#000"))


def image_data_uri(path: Path | None) -> str | None:
    """An uploaded PNG/JPEG (a path in the file store) as a data: URI (the fetcher never opens the upload
    folder). Read through kopedu.storage and kept in a small cache: a stored file never changes (a new
    logo gets a new name), and a bulk re-render reads the same logo a thousand times."""
    if path is None:
        return None
    data = _read_stored(storage.current(), str(path))
    if data is None:
        return None
    kind = uploads.sniff(data)
    if kind not in ("png", "jpg"):
        return None
    return f"data:{uploads.KINDS[kind][0]};base64,{base64.b64encode(data).decode('ascii')}"


def render_html(context: dict) -> str:
    return _env.get_template("certificate.html").render(**context)


def render_pdf(context: dict) -> bytes:
    """The certificate as PDF bytes. `context`: see services.render_context()."""
    html_string = render_html(context)
    HTML, css, font_config, fetcher = _weasy()
    with render_lock:  # shared with every other PDF of the process
        document = HTML(string=html_string, base_url=TEMPLATE_DIR.as_uri() + "/", url_fetcher=fetcher)
        return document.write_pdf(stylesheets=[css], font_config=font_config)


def render_document(html_string: str) -> bytes:
    """Another printed document (the daftar hadir, the attendance recap) as PDF bytes: its own inline
    styles, the same shipped fonts (url(../fonts/…)), the same restricted fetcher and the same lock."""
    HTML, _css, font_config, fetcher = _weasy()
    with render_lock:
        document = HTML(string=html_string, base_url=TEMPLATE_DIR.as_uri() + "/", url_fetcher=fetcher)
        return document.write_pdf(font_config=font_config)
