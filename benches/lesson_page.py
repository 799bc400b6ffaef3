"""Bytes over the wire for a participant on a phone: the first load of a lesson page (HTML + CSS + JS +
icon, lesson images excluded), a repeat visit, and the htmx responses of "Tandai selesai" and of saving
a quiz answer. Budgets (issue 3): first load <= 60 KB compressed, htmx progress response <= 4 KB.

Run from the project root:  python benches/lesson_page.py
It builds the demo data in a temporary SQLite file, logs in as 081200000001 and requests the pages the
way Chrome on Android does (Accept-Encoding: gzip, deflate, br), then prints the figures.
"""
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BROWSER = "gzip, deflate, br"  # Chrome on Android over HTTPS
PLAIN_HTTP = "gzip, deflate"  # the same browser over plain HTTP (no br)
BUDGET_FIRST_LOAD = 60 * 1024
BUDGET_HTMX = 4 * 1024
DEMO_COURSE = "penguatan-kapasitas-pengurus-kmp"


def demo_app():
    """A testing app on a temporary SQLite file holding the demo data (benches/offline.py uses it too)."""
    from kopedu import create_app
    from kopedu.demo import seed_demo
    from kopedu.extensions import db

    tmp = Path(tempfile.mkdtemp(prefix="kopedu-bench-"))
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp / 'bench.sqlite3'}", UPLOAD_DIR=tmp / "up")
    with app.app_context():
        db.create_all()
        seed_demo()
        db.session.commit()
    return app


def head_bytes(response) -> int:
    """Approximate size of the status line and headers."""
    return len(f"HTTP/1.1 {response.status}\r\n") + sum(len(f"{k}: {v}\r\n") for k, v in response.headers.items()) + 2


def _get(client, url, **headers):
    response = client.get(url, headers={"Accept-Encoding": BROWSER} | headers)
    assert response.status_code == 200, (url, response.status_code)
    return response


def _row(label, response, raw=None):
    body = len(response.get_data())
    encoding = response.headers.get("Content-Encoding", "identity")
    raw_text = f"{raw:>8,}" if raw is not None else " " * 8
    print(f"  {label:<44} {raw_text} {body:>8,} {encoding:>8} {head_bytes(response):>7,}")
    return body + head_bytes(response)


def main() -> int:
    from sqlalchemy import select

    from kopedu.courses.models import Course
    from kopedu.extensions import db

    app = demo_app()
    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == DEMO_COURSE))
        lessons = [lesson for module in course.modules for lesson in module.lessons]
        lesson = lessons[0]
        pretest = next(q for q in course.quizzes if q.role == "pretest")
        slug, lesson_id, pretest_id = course.slug, lesson.id, pretest.id
        lessons_ids = [item.id for item in lessons]

    client = app.test_client()
    response = client.post("/masuk", data={"login": "081200000001", "password": "demo12345"})
    assert response.status_code == 303

    url = f"/kursus/{slug}/pelajaran/{lesson_id}"
    print(f"Lesson page {url} (Accept-Encoding: {BROWSER})")
    print(f"  {'resource':<44} {'raw':>8} {'wire':>8} {'encoding':>8} {'headers':>7}")
    page = _get(client, url)
    raw_html = len(client.get(url, headers={"Accept-Encoding": "identity"}).get_data())
    total = _row("HTML", page, raw_html)
    html = client.get(url, headers={"Accept-Encoding": "identity"}).get_data(as_text=True)
    assets = re.findall(r'<(?:link[^>]+href|script[^>]+src)="(/static/[^"]+)"', html)
    for asset in assets:
        response = _get(client, asset)
        raw = len(client.get(asset, headers={"Accept-Encoding": "identity"}).get_data())
        total += _row(asset.split("?")[0].replace("/static/", ""), response, raw)
        cache = response.headers.get("Cache-Control", "")
        assert "max-age=31536000" in cache and "immutable" in cache, (asset, cache)
    print(f"  {'first load, total over the wire':<44} {'':>8} {total:>8,}  = {total / 1024:.1f} KB "
          f"(budget {BUDGET_FIRST_LOAD // 1024} KB) {'OK' if total <= BUDGET_FIRST_LOAD else 'OVER'}")
    print(f"  static files carry: Cache-Control: {response.headers.get('Cache-Control')}")
    plain_total = 0
    for resource in [url] + assets:
        response = _get(client, resource, **{"Accept-Encoding": PLAIN_HTTP})
        plain_total += len(response.get_data()) + head_bytes(response)
    print(f"  {'first load over plain HTTP (gzip/deflate)':<44} {'':>8} {plain_total:>8,}  = {plain_total / 1024:.1f} KB")
    repeat = _get(client, url)
    print(f"  repeat visit (CSS/JS cached): {len(repeat.get_data()) + head_bytes(repeat):,} B")

    print("\nhtmx responses")
    print(f"  {'request':<44} {'raw':>8} {'wire':>8} {'encoding':>8} {'headers':>7}")
    # Two first clicks (each one changes the bar, two outline entries and the pager): lesson 1 measured
    # uncompressed, lesson 2 as the browser gets it.
    plain = client.post(f"{url}/selesai", headers={"HX-Request": "true", "Accept-Encoding": "identity"})
    assert plain.status_code == 200 and plain.get_data(as_text=True).count('hx-swap-oob="true"') >= 4
    raw = len(plain.get_data())
    _row('"Tandai selesai", lesson 1 (uncompressed)', plain, raw)
    second = f"/kursus/{slug}/pelajaran/{lessons_ids[1]}"
    _get(client, second)
    done = client.post(f"{second}/selesai", headers={"HX-Request": "true", "Accept-Encoding": BROWSER})
    assert done.status_code == 200
    wire = _row('"Tandai selesai", lesson 2 (as sent)', done)
    print(f"  {'':<44} {'':>8} {wire:>8,}  with headers (budget {BUDGET_HTMX // 1024} KB) "
          f"{'OK' if raw <= BUDGET_HTMX else 'OVER'}")

    start = client.post(f"/kuis/{pretest_id}/mulai")
    attempt_url = start.headers["Location"]
    with app.app_context():
        from kopedu.learning.models import QuizAttempt

        attempt = db.session.get(QuizAttempt, int(attempt_url.rsplit("/", 1)[1]))
        question_id = next(qid for qid in attempt.layout["questions"] if attempt.layout["choices"][str(qid)])
        choice_id = attempt.layout["choices"][str(question_id)][0]
    quiz_page = _get(client, attempt_url)
    _row("quiz page (16 questions, HTML only)", quiz_page,
         len(client.get(attempt_url, headers={"Accept-Encoding": "identity"}).get_data()))
    saved = client.post(f"{attempt_url}/jawab", data={f"q{question_id}": ["", str(choice_id)]},
                        headers={"HX-Request": "true", "Accept-Encoding": BROWSER})
    assert saved.status_code == 200
    _row("save one answer", saved, len(saved.get_data()))

    home = _get(client, "/beranda")
    _row("beranda (HTML only)", home, len(client.get("/beranda", headers={"Accept-Encoding": "identity"}).get_data()))
    return 0 if total <= BUDGET_FIRST_LOAD and raw <= BUDGET_HTMX else 1


if __name__ == "__main__":
    raise SystemExit(main())
