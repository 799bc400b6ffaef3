"""A 4 MB phone photo attached to a file assignment in Chromium at 360 × 740: the time to make it small
on the phone (canvas, long side 1600 px, JPEG) and the bytes sent for it (every request of the upload,
bodies and headers), against the photo's own size. Also the size of static/js/upload.js (fetched only
on pages with an upload field). Run from the project root:  python benches/upload.py [RUNS]
Needs Chromium (KOPEDU_CHROMIUM, default /usr/bin/chromium). Prints figures; asserts nothing on time."""
import gzip
import statistics
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benches"))

from lesson_page import demo_app  # noqa: E402


def main() -> int:
    from playwright.sync_api import expect, sync_playwright
    from sqlalchemy import select
    from werkzeug.serving import make_server

    from kopedu.courses.models import Assignment
    from kopedu.extensions import db
    from tests.browser.conftest import ARGS, CHROMIUM, log_in
    from tests.browser.photos import phone_photo

    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    app = demo_app()
    with app.app_context():
        lesson_id = db.session.scalar(select(Assignment.lesson_id).where(Assignment.submit_files.is_(True)))
    received = {"bytes": 0}

    def counting(environ, start_response):
        # what reached the server for the upload: the request line, headers and body of every /unggah request
        if environ.get("PATH_INFO", "").startswith("/unggah"):
            head = len(f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']} HTTP/1.1\r\n") + sum(
                len(k[5:]) + len(str(v)) + 4 for k, v in environ.items() if k.startswith("HTTP_")) + 2
            received["bytes"] += head + int(environ.get("CONTENT_LENGTH") or 0)
        return app(environ, start_response)

    server = make_server("127.0.0.1", 0, counting, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    photo = Path(tempfile.mkdtemp()) / "IMG_4MB.jpg"
    data = phone_photo(quality=94)
    photo.write_bytes(data)

    script = (ROOT / "static/js/upload.js").read_bytes()
    print(f"static/js/upload.js: {len(script):,} bytes raw, {len(gzip.compress(script, 9)):,} gzip "
          "(fetched only where an upload field is)")
    print(f"photo: {len(data):,} bytes, 4000 x 3000 JPEG")
    times, sent, sizes = [], [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        for _ in range(runs):
            context = browser.new_context(viewport={"width": 360, "height": 740}, base_url=base)
            page = context.new_page()
            log_in(page, "081200000001", "demo12345")
            received["bytes"] = 0
            page.goto(f"/tugas/{lesson_id}")
            page.wait_for_selector("#files[data-upload-ready]", state="attached")
            page.set_input_files("#files", str(photo))
            expect(page.locator(".upload")).to_have_attribute("data-state", "done", timeout=60_000)
            stats = page.eval_on_selector("#files", "el => JSON.parse(el.getAttribute('data-last-compress'))")
            times.append(stats["ms"])
            sizes.append(stats["to"])
            sent.append(received["bytes"])
            context.close()
        browser.close()
    server.shutdown()
    print(f"compress in the browser: median {statistics.median(times):.0f} ms (runs: {', '.join(map(str, times))})")
    print(f"compressed photo: {statistics.median(sizes):,.0f} bytes; sent for it (all /unggah requests, "
          f"bodies + headers): {statistics.median(sent):,.0f} bytes = {100 * statistics.median(sent) / len(data):.1f} % "
          "of the original")
    return 0


if __name__ == "__main__":
    sys.exit(main())
