"""Checks shared by the security tests.

assert_inert: HTML cannot run anything it was given: no inline or foreign scripts, no event handler
attributes, no javascript:/data: URLs, no frames or plugins except the YouTube embed and this site's
own files.
assert_security_headers: a CSP without inline scripts and with frame-ancestors, nosniff, a Referrer-Policy.
"""
from html.parser import HTMLParser

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "poster", "data", "background", "srcset",
                  "hx-get", "hx-post", "hx-put", "hx-patch", "hx-delete"}
BAD_SCHEMES = ("javascript:", "vbscript:", "data:text/html", "data:image/svg")
FORBIDDEN_TAGS = {"object", "embed", "applet", "base", "frame", "frameset"}


class _Scan(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "script":
            self._in_script = True
            src = values.get("src") or ""
            if not src.startswith("/static/"):
                self.problems.append(f"<script src={src!r}>")
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}>")
        src = values.get("src") or ""
        if tag == "iframe" and not (src.startswith("https://www.youtube-nocookie.com/embed/")
                                    or (src.startswith("/") and not src.startswith("//"))):
            self.problems.append(f"<iframe src={values.get('src')!r}>")
        if tag == "meta" and (values.get("http-equiv") or "").lower() == "refresh":
            self.problems.append("<meta http-equiv=refresh>")
        for name, value in attrs:
            if name.startswith("on") or name.startswith("hx-on") or name == "style":
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name in URL_ATTRIBUTES and value:
                squashed = "".join(ch for ch in value if ch > " ").lower()
                if squashed.startswith(BAD_SCHEMES):
                    self.problems.append(f"<{tag} {name}={value!r}>")

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.problems.append(f"inline script {data.strip()[:60]!r}")
        self.text.append(data)


def scan(html: str) -> tuple[list[str], str]:
    parser = _Scan()
    parser.feed(html)
    parser.close()
    return parser.problems, "".join(parser.text)


def assert_inert(html: str, *shown: str) -> None:
    """Nothing in `html` runs; each of `shown` is on the page as text (so the page did show it)."""
    problems, text = scan(html)
    assert not problems, problems
    for value in shown:
        assert value in text, f"{value!r} is not shown as text"


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def assert_security_headers(response, context: str = "") -> None:
    """Every response: frame-ancestors, nosniff, a Referrer-Policy. HTML (pages, fragments, error pages):
    a script-src (or default-src) that allows no inline script. A stored PDF shown inline may leave
    script-src out (the browser's PDF viewer runs apart from the page; nosniff keeps it a PDF)."""
    csp = csp_directives(response.headers.get("Content-Security-Policy", ""))
    scripts = csp.get("script-src", csp.get("default-src"))
    if response.mimetype != "application/pdf":
        assert scripts is not None, f"{context}: no script-src (nor default-src) in the CSP"
    scripts = scripts or []
    unsafe = {"'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"} & set(scripts)
    assert not unsafe, f"{context}: script-src allows {unsafe}"
    assert csp.get("frame-ancestors") in (["'none'"], ["'self'"]), f"{context}: frame-ancestors {csp.get('frame-ancestors')}"
    assert response.headers.get("X-Content-Type-Options") == "nosniff", f"{context}: no nosniff"
    assert response.headers.get("Referrer-Policy") in ("same-origin", "no-referrer", "strict-origin-when-cross-origin"), (
        f"{context}: Referrer-Policy {response.headers.get('Referrer-Policy')}")
