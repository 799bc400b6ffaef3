"""Bytes of the installable app and of a module saved for offline reading, for a participant on a phone.

Prints: the service worker, the app shell it caches at install, the first visit (login → beranda → a
lesson, with the worker's install) and module 1 of the bundled course saved for offline reading, each
raw (as kept on the phone: Cache Storage holds decoded bodies) and on the wire (as Chrome on Android
gets it: Accept-Encoding: gzip, deflate, br). Budgets (issue 13): first visit <= 45 KB on the wire,
a module offline <= 250 KB.

Run from the project root:  python benches/offline.py
It builds the demo data in a temporary SQLite file and logs in as 081200000001.
"""
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lesson_page import DEMO_COURSE, demo_app, head_bytes  # noqa: E402 - benches/ is the script's folder

BROWSER = "gzip, deflate, br"
BUDGET_FIRST_VISIT = 45 * 1024
BUDGET_MODULE = 250 * 1024


def _fetch(client, url, method="GET", **kwargs):
    """(raw bytes, wire bytes incl. headers) of one request."""
    response = client.open(url, method=method, headers={"Accept-Encoding": BROWSER} | kwargs.pop("headers", {}),
                           **kwargs)
    assert response.status_code < 400, (url, response.status_code)
    wire = len(response.get_data()) + head_bytes(response)
    if method == "GET" and response.status_code == 200:
        raw = len(client.get(url, headers={"Accept-Encoding": "identity"}).get_data())
    else:
        raw = len(response.get_data())
    return raw, wire


def _row(label, raw, wire):
    print(f"  {label:<52} {raw:>9,} {wire:>9,}")
    return raw, wire


def _section(title):
    print(f"\n{title}\n  {'':<52} {'raw':>9} {'wire':>9}")


def main() -> int:
    from sqlalchemy import select

    from kopedu.courses.models import Course
    from kopedu.extensions import db

    app = demo_app()
    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == DEMO_COURSE))
        slug, first_lesson = course.slug, course.modules[0].lessons[0].id

    client = app.test_client()
    seen: set[str] = set()  # what the browser's HTTP cache holds already (static URLs are immutable)

    def assets(html: str) -> list[str]:
        found = re.findall(r'<(?:link[^>]+href|script[^>]+src|img[^>]+src)="(/static/[^"]+)"', html)
        return [url for url in dict.fromkeys(found) if url not in seen]

    _section("First visit: login → beranda → lesson (the service worker is not registered on these pages)")
    total = 0
    login_html = client.get("/masuk").get_data(as_text=True)
    steps = [("GET /masuk", "/masuk", "GET", {})]
    steps += [(url.split("?")[0], url, "GET", {}) for url in assets(login_html)]
    for label, url, method, kwargs in steps:
        total += _row(label, *_fetch(client, url, method, **kwargs))[1]
        seen.add(url)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', login_html)
    data = {"login": "081200000001", "password": "demo12345"} | ({"csrf_token": csrf.group(1)} if csrf else {})
    total += _row("POST /masuk", *_fetch(client, "/masuk", "POST", data=data))[1]
    for label, url in (("GET /beranda", "/beranda"), ("GET lesson 1", f"/kursus/{slug}/pelajaran/{first_lesson}")):
        html = client.get(url, headers={"Accept-Encoding": "identity"}).get_data(as_text=True)
        total += _row(label, *_fetch(client, url))[1]
        for asset in assets(html):
            total += _row(asset.split("?")[0], *_fetch(client, asset))[1]
            seen.add(asset)
    print(f"  {'first visit, total over the wire':<52} {'':>9} {total:>9,}  = {total / 1024:.1f} KB "
          f"(budget {BUDGET_FIRST_VISIT // 1024} KB) {'OK' if total <= BUDGET_FIRST_VISIT else 'OVER'}")

    _section("The course page, first time: offline.js registers the service worker, which installs")
    later = 0
    html = client.get(f"/kursus/{slug}", headers={"Accept-Encoding": "identity"}).get_data(as_text=True)
    later += _row(f"GET /kursus/{slug}"[:52], *_fetch(client, f"/kursus/{slug}"))[1]
    offline_js = re.search(r'data-offline-js="([^"]+)"', html).group(1)
    later += _row("offline.js", *_fetch(client, offline_js))[1]
    seen.add(offline_js)
    sw_raw, sw_wire = _fetch(client, "/sw.js")
    later += _row("GET /sw.js (the service worker)", sw_raw, sw_wire)[1]
    shell = json.loads(re.search(r"var SHELL = (\[.*?\]);",
                                 client.get("/sw.js").get_data(as_text=True)).group(1))
    for url in shell:  # the install: only what the HTTP cache does not hold yet goes over the wire
        if url not in seen:
            later += _row(f"install: {url.split('?')[0]}", *_fetch(client, url))[1]
            seen.add(url)
    manifest = re.search(r'data-manifest="([^"]+)"', html).group(1)
    icon = json.loads(client.get(manifest).get_data())["icons"][0]["src"]
    later += _row(f"Chrome's install check: {icon}", *_fetch(client, icon))[1]
    print(f"  {'course page and the worker, total over the wire':<52} {'':>9} {later:>9,}  = {later / 1024:.1f} KB")

    _section("App shell (cached at install)")
    shell_raw = shell_wire = 0
    for url in shell:
        raw, wire = _row(url.split("?")[0], *_fetch(client, url))
        shell_raw, shell_wire = shell_raw + raw, shell_wire + wire
    _row("app shell, total", shell_raw, shell_wire)

    _section("Module 1 saved for offline reading (\"Simpan untuk dibaca offline\")")
    course_html = client.get(f"/kursus/{slug}").get_data(as_text=True)
    box = re.search(r"data-offline='([^']+)'", course_html).group(1).replace("&#34;", '"')
    module = json.loads(box.replace("&amp;", "&"))
    shown = re.search(r"Simpan untuk dibaca offline\s*\((± [^)]+)\)", course_html).group(1)
    module_raw = module_wire = 0
    for url, title in module["pages"]:
        fetch_url = url + "?simpan=1" if "/pelajaran/" in url else url
        raw, wire = _row(title[:52], *_fetch(client, fetch_url))
        module_raw, module_wire = module_raw + raw, module_wire + wire
    for url in module["files"]:
        raw, wire = _row(url, *_fetch(client, url))
        module_raw, module_wire = module_raw + raw, module_wire + wire
    _row(f"module 1, {len(module['pages'])} pages and {len(module['files'])} files", module_raw, module_wire)
    print(f"  the button said {shown}; kept on the phone {module_raw / 1024:.0f} KB "
          f"(budget {BUDGET_MODULE // 1024} KB) {'OK' if module_raw <= BUDGET_MODULE else 'OVER'}; "
          f"downloaded {module_wire / 1024:.0f} KB")
    return 0 if total <= BUDGET_FIRST_VISIT and module_raw <= BUDGET_MODULE else 1


if __name__ == "__main__":
    raise SystemExit(main())
