"""The WeasyPrint side: shipped fonts, A4 landscape, and a URL fetcher that reaches nothing else."""
import io
import socket

import pytest
from pypdf import PdfReader

from kopedu.certificates import rendering


def test_fetcher_serves_the_template_folder_and_the_fonts_only(tmp_path):
    body, mime = rendering.fetch_local((rendering.FONT_DIR / "noto-sans-latin-400-normal.woff").as_uri())
    assert body[:4] == b"wOFF" and mime == "font/woff"
    body, _ = rendering.fetch_local((rendering.TEMPLATE_DIR / "certificate.css").as_uri())
    assert b"@page" in body
    outside = tmp_path / "secret.txt"
    outside.write_text("rahasia")
    for url in (outside.as_uri(), "file:///etc/passwd", (rendering.TEMPLATE_DIR / "../services.py").as_uri(),
                rendering.TEMPLATE_DIR.as_uri() + "/../../../config.py", "http://example.org/logo.png",
                "https://127.0.0.1/x.css", "ftp://example.org/x", "file://otherhost/etc/passwd"):
        with pytest.raises(rendering.FetchRefused):
            rendering.fetch_local(url)


def test_rendering_opens_no_network_connection_and_no_outside_file(app, monkeypatch, tmp_path):
    """A template that asks for remote and local resources renders without them."""
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"\x89PNG\r\n\x1a\n")

    connections = []

    def no_network(*args, **kwargs):
        connections.append(args)
        raise OSError("network access during rendering")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    HTML, css, font_config, fetcher = rendering._weasy()
    asked = []
    original = rendering.fetch_local

    def spy(url):
        asked.append(url)
        return original(url)

    monkeypatch.setattr(rendering, "fetch_local", spy)
    html = (f'<img src="http://example.org/x.png"><img src="{secret.as_uri()}">'
            '<link rel="stylesheet" href="https://example.org/x.css"><p style="background:url(file:///etc/hostname)">x</p>')
    pdf = HTML(string=html, base_url=rendering.TEMPLATE_DIR.as_uri() + "/", url_fetcher=fetcher).write_pdf(
        stylesheets=[css], font_config=font_config)
    assert pdf.startswith(b"%PDF")
    assert connections == []
    # every resource went to the restricted fetcher, which refused them
    assert secret.as_uri() in asked and "http://example.org/x.png" in asked
    assert "https://example.org/x.css" in asked


def test_certificate_is_a4_landscape_with_embedded_shipped_fonts(app):
    from kopedu.certificates import services

    pdf = services.preview_pdf()
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width) * 25.4 / 72), round(float(box.height) * 25.4 / 72)) == (297, 210)
    fonts = set()
    resources = reader.pages[0]["/Resources"]["/Font"]
    for ref in resources.values():
        font = ref.get_object()
        fonts.add(str(font["/BaseFont"]).split("+", 1)[-1])
        descendant = font["/DescendantFonts"][0].get_object()
        descriptor = descendant["/FontDescriptor"].get_object()
        assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))  # embedded
    assert {"KopEdu-Sans", "KopEdu-Sans-Bold", "KopEdu-Serif-Bold"} <= fonts


def test_names_outside_basic_latin_render_with_the_shipped_fonts(app):
    context = {"title": "SERTIFIKAT", "recipient_line": "", "achievement_line": "", "closing_line": "",
               "primary_colour": "#000000", "accent_colour": "#000000", "issuer": "", "header_lines": [],
               "logo": None, "signatories": [], "serial": "1", "name": "Łukasz Ŝmith Nguyễn",
               "position": "", "cooperative": "", "place_line": "", "course_title": "", "details_line": "",
               "issued_line": "", "qr": rendering.qr_svg("https://x"), "verify_code": "", "verify_base": "",
               "preview": False}
    text = PdfReader(io.BytesIO(rendering.render_pdf(context))).pages[0].extract_text()
    assert "Łukasz Ŝmith" in text
