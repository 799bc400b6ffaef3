"""Every WeasyPrint call goes through a restricted URL fetcher: HTML handed to it cannot make the
server read its own files or reach the network."""
import ast
import base64
import io
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

from pypdf import PdfReader

from kopedu.web.pdf import html_to_pdf
from tests.grading import samples

ROOT = Path(__file__).resolve().parents[2] / "kopedu"


def _images(pdf: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(pdf)).pages)


def test_html_to_pdf_reads_data_uris_but_no_file_and_no_network(app, tmp_path):
    secret = tmp_path / "rahasia.png"
    secret.write_bytes(samples.png(4, 4))
    hits = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(samples.png(4, 4))

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        inline = "data:image/png;base64," + base64.b64encode(samples.png(4, 4)).decode()
        pdf = html_to_pdf(f'<p>Lembar</p><img src="{inline}">')
        assert _images(pdf) == 1  # data: URIs work
        pdf = html_to_pdf(f'<p>Lembar</p><img src="{secret.as_uri()}">'
                          f'<img src="http://127.0.0.1:{port}/bocor.png">'
                          f'<link rel="stylesheet" href="http://127.0.0.1:{port}/gaya.css">')
        assert _images(pdf) == 0 and hits == []
        pdf = html_to_pdf('<img src="rahasia.png">', base_url=tmp_path.as_uri() + "/")
        assert _images(pdf) == 0  # a relative URL on a file base is a file too
        assert _images(html_to_pdf('<img src="rahasia.png">', base_url=tmp_path.as_uri() + "/", roots=[tmp_path])) == 1
    finally:
        server.shutdown()
        server.server_close()


def test_every_weasyprint_call_in_the_code_passes_a_url_fetcher():
    """HTML(…) and CSS(…) of WeasyPrint, wherever they are called, name their url_fetcher."""
    calls = []
    for path in ROOT.rglob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        names = {alias.asname or alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                 and (node.module or "").startswith("weasyprint") for alias in node.names}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            via_module = isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "weasyprint"
            if name in ("HTML", "CSS") and (name in names or via_module):
                calls.append((path.relative_to(ROOT.parent), node.lineno,
                              any(k.arg == "url_fetcher" for k in node.keywords)))
    assert calls, "no WeasyPrint call found"
    assert [c for c in calls if not c[2]] == []
    assert any(str(p).endswith("web/pdf.py") for p, _line, _ok in calls)
