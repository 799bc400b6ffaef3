"""Bytes of the installable app and of a module saved for offline reading, for a participant on a phone.

Prints: the service worker, the app shell it caches at install, the first visit (login → beranda → a
lesson, with the worker's install) and module 1 of the bundled course saved for offline reading, each
raw (as kept on the phone: Cache Storage holds decoded bodies) and on the wire (as Chrome on Android
gets it: Accept-Encoding: gzip, deflate, br), and one queued field save as the phone's queue sends it.
Budgets (issue 13): first visit <= 45 KB on the wire, a module offline <= 250 KB; (issue 22) a field save
<= 2 KB on the wire.

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
BUDGET_FIELD = 2 * 1024  # issue 22: one queued field save, request and response


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

    _section("A queued write as the phone's queue sends it (one quiz answer: client_id, chosen_at, the token in a header)")
    quiz_match = page_html = None
    for url in [url for url, _title in module["pages"]] + re.findall(r'href="(/kuis/\d+)"', course_html):
        page_html = client.get(url).get_data(as_text=True)  # a quiz the participant can start (the pre-test)
        quiz_match = re.search(r'action="(/kuis/\d+/mulai)"', page_html)
        if quiz_match:
            break
    field_wire = None
    if quiz_match:
        token = re.search(r'"X-CSRFToken": "([^"]+)"', page_html).group(1)
        started = client.post(quiz_match.group(1), data={"csrf_token": token})
        attempt_url = started.headers.get("Location") or started.headers.get("HX-Redirect")
        attempt_html = client.get(attempt_url).get_data(as_text=True)
        save_url = re.search(r'hx-post="(/kuis/percobaan/\d+/jawab)"', attempt_html).group(1)
        field = re.search(r'name="(q\d+)" value="(\d+)"', attempt_html)
        user = re.search(r'data-user="(\d+)"', attempt_html).group(1)
        body = f"{field.group(1)}={field.group(2)}&client_id={'0' * 32}&chosen_at=1765100000000&for_user={user}"
        headers = {"HX-Request": "true", "X-CSRFToken": token, "Content-Type": "application/x-www-form-urlencoded"}
        response = client.post(save_url, data=body, headers=headers | {"Accept-Encoding": BROWSER})
        assert response.status_code == 200, response.status_code
        cookies = "; ".join(f"{c.key}={c.value}" for c in client._cookies.values())
        # the request line, our headers and the cookies, plus ~450 bytes Chrome adds (User-Agent, Accept,
        # Origin, Referer, sec-ch-ua …)
        request_bytes = len(f"POST {save_url} HTTP/1.1\r\n") + sum(len(f"{k}: {v}\r\n") for k, v in headers.items()) \
            + len(f"Cookie: {cookies}\r\n") + 450 + len(body)
        response_bytes = len(response.get_data()) + head_bytes(response)
        _row("request (body, headers, cookies)", len(body), request_bytes)
        _row("response (the answer's status)", len(response.get_data()), response_bytes)
        field_wire = request_bytes + response_bytes
        print(f"  {'one field save, total over the wire':<52} {'':>9} {field_wire:>9,}  = {field_wire / 1024:.1f} KB "
              f"(budget {BUDGET_FIELD // 1024} KB) {'OK' if field_wire <= BUDGET_FIELD else 'OVER'}")
    ok = total <= BUDGET_FIRST_VISIT and module_raw <= BUDGET_MODULE and (field_wire or 0) <= BUDGET_FIELD
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
