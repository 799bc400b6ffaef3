"""The business-plan workbook on a phone's link: bytes over the wire of the workbook's first load (a step
page with its CSS, JS and icon) and of one field save (request and response), the finance preview, and
how long the PDF and DOCX of a complete plan take to render. Budgets (issue 23): the workbook page
<= 30 KB, a field save <= 2 KB. The CSS, htmx and kopedu.js are the whole app's (about 32 KB compressed,
cached for a year after the first page a participant opens): the workbook's own share is its HTML.

Run from the project root:  python benches/plans_workbook.py
It builds the demo data in a temporary SQLite file, logs in as 081200000001 (Yuliana Ndun, Oebufu),
starts her workbook, fills it with the Oebufu example and measures.
"""
import re
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from lesson_page import BROWSER, _get, demo_app, head_bytes  # noqa: E402

BUDGET_PAGE = 30 * 1024
BUDGET_SAVE = 2 * 1024
SLUG = "penguatan-kapasitas-pengurus-kmp"


def request_bytes(method: str, url: str, body: str, headers: dict) -> int:
    """The request as a browser sends it: request line, the usual headers of Chrome on Android, the body."""
    usual = {"Host": "kopedu.example.id", "User-Agent": "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 "
             "(KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36", "Accept": "*/*",
             "Accept-Encoding": BROWSER, "Accept-Language": "id-ID,id;q=0.9", "Origin": "https://kopedu.example.id",
             "Referer": "https://kopedu.example.id" + url, "Cookie": "session=" + "x" * 180,
             "Content-Type": "application/x-www-form-urlencoded", "Content-Length": str(len(body))} | headers
    return len(f"{method} {url} HTTP/1.1\r\n") + sum(len(f"{k}: {v}\r\n") for k, v in usual.items()) + 2 + len(body)


def main() -> int:
    from sqlalchemy import select

    from kopedu.courses.models import Assignment, Lesson, Module
    from kopedu.courses.models import Course
    from kopedu.extensions import db
    from kopedu.plans.models import BusinessPlan
    from tests.plans.conftest import complete_data

    app = demo_app()
    with app.app_context():
        lesson_id = db.session.scalar(select(Lesson.id).join(Assignment).join(Module).join(Course)
                                      .where(Course.slug == SLUG, Assignment.kind == "business_plan"))
    client = app.test_client()
    assert client.post("/masuk", data={"login": "081200000001", "password": "demo12345"}).status_code == 303
    assert client.post(f"/rencana/tugas/{lesson_id}/mulai").status_code == 303
    with app.app_context():
        plan = db.session.scalar(select(BusinessPlan).order_by(BusinessPlan.id.desc()))
        plan.data = complete_data()
        db.session.commit()
        plan_id = plan.id

    print("Workbook first load (Accept-Encoding: %s)" % BROWSER)
    for step in ("profil", "keuangan", "rencana_aksi"):
        url = f"/rencana/{plan_id}/langkah/{step}"
        page = _get(client, url)
        html = client.get(url, headers={"Accept-Encoding": "identity"}).get_data(as_text=True)
        total = len(page.get_data()) + head_bytes(page)
        assets = re.findall(r'<(?:link[^>]+href|script[^>]+src)="(/static/[^"]+)"', html)
        for asset in assets:
            response = _get(client, asset)
            total += len(response.get_data()) + head_bytes(response)
        print(f"  {url:<40} HTML {len(html):>7,} B raw, {len(page.get_data()) + head_bytes(page):>6,} B wire; "
              f"with CSS/JS/icon (cold cache) "
              f"{total:>7,} B = {total / 1024:.1f} KB (budget {BUDGET_PAGE // 1024} KB) "
              f"{'OK' if total <= BUDGET_PAGE else 'OVER'}")

    print("\nOne field save (htmx, queued form: the field, client_id, chosen_at)")
    url = f"/rencana/{plan_id}/simpan"
    for field, value in (("profil.nama_usaha", "Gerai sembako dan se'i Oebufu"),
                         ("keuangan.sewa", "1.000.000"),
                         ("potensi.kebutuhan", "Sekitar 150 keluarga anggota dan warga sekitar mau belanja sembako di "
                                               "gerai koperasi, rata-rata Rp300.000 per keluarga per bulan.")):
        form = {field: value, "client_id": "a" * 32, "chosen_at": str(int(time.time() * 1000))}
        body = urlencode(form)
        headers = {"HX-Request": "true", "HX-Current-URL": "https://kopedu.example.id" + url,
                   "HX-Target": "ack-f-" + field.replace(".", "-"), "X-CSRFToken": "x" * 91}
        form["client_id"] = f"{time.time_ns():x}"[:32].ljust(16, "0")
        response = client.post(url, data=form, headers={"HX-Request": "true", "Accept-Encoding": BROWSER})
        assert response.status_code == 200, response.status_code
        sent = request_bytes("POST", url, body, headers)
        back = len(response.get_data()) + head_bytes(response)
        print(f"  {field:<22} request {sent:>5,} B + response {back:>4,} B = {sent + back:>5,} B "
              f"(budget {BUDGET_SAVE:,} B) {'OK' if sent + back <= BUDGET_SAVE else 'OVER'}")

    print("\nFinance preview (htmx GET with the step's fields)")
    from tests.plans.conftest import flat_fields

    query = flat_fields({"keuangan": complete_data()["keuangan"]})
    response = client.get(f"/rencana/{plan_id}/keuangan/hitung", query_string=query,
                          headers={"HX-Request": "true", "Accept-Encoding": BROWSER})
    print(f"  response {len(response.get_data()):,} B wire ({response.headers.get('Content-Encoding', 'identity')})")

    print("\nDocuments of the complete Oebufu plan (rendered in the request)")
    for fmt in ("pdf", "docx"):
        times = []
        for _ in range(3):
            started = time.perf_counter()
            response = client.get(f"/rencana/{plan_id}/rencana-bisnis.{fmt}")
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        print(f"  {fmt.upper():<5} {len(response.data):>8,} B; {min(times):.0f} ms best of 3 "
              f"(first {times[0]:.0f} ms); Server-Timing: {response.headers.get('Server-Timing')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
