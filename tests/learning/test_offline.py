"""The installable app and offline copies: the service worker and its versions, the offline page, what
"Simpan untuk dibaca offline" saves (and its size), the offline copy of a lesson in a sequential course."""
import json
import re
from pathlib import Path

from sqlalchemy import select

from kopedu.courses.models import LessonAttachment
from kopedu.extensions import db
from kopedu.learning import offline, pwa
from kopedu.learning.models import Enrollment
from tests import factories
from tests.learning.conftest import lesson_url, lessons_of

ROOT = Path(__file__).resolve().parents[2]


def test_the_service_worker_is_served_from_the_root_with_the_release_shell(client):
    response = client.get("/sw.js")
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"  # a release is picked up at once
    assert "__VERSION__" not in text and "__SHELL__" not in text
    shell = json.loads(re.search(r"var SHELL = (\[.*?\]);", text).group(1))
    assert "/offline" in shell
    assert any(re.fullmatch(r"/static/css/kopedu\.css\?v=[0-9a-f]{10}", url) for url in shell)
    for url in shell:  # every shell file exists, or the worker would never install
        assert client.get(url).status_code == 200, url


def test_a_release_that_changes_the_shell_changes_the_worker_version(client, monkeypatch):
    def version():
        return re.search(r'var VERSION = "([0-9a-f]+)"', client.get("/sw.js").get_data(as_text=True)).group(1)

    before = version()
    assert version() == before
    monkeypatch.setattr(pwa, "SHELL_FILES", pwa.SHELL_FILES[:-1])
    assert version() != before


def test_the_offline_page_needs_no_login_and_has_the_list(client):
    response = client.get("/offline")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Anda sedang offline" in html and 'id="offline-list"' in html


def test_the_manifest_makes_the_app_installable():
    manifest = json.loads((ROOT / "static" / "manifest.webmanifest").read_text(encoding="utf-8"))
    assert manifest["start_url"] == "/beranda" and manifest["scope"] == "/"
    assert manifest["display"] == "standalone" and manifest["theme_color"]
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        assert (ROOT / icon["src"].lstrip("/")).is_file()


def test_only_participants_register_the_service_worker(client, login, app):
    participant = factories.user()
    trainer = factories.user(role="trainer")
    db.session.commit()
    login(participant)
    html = client.get("/beranda").get_data(as_text=True)
    assert 'data-sw="/sw.js"' in html and 'data-manifest="/static/manifest.webmanifest' in html
    client.post("/keluar")
    login(trainer)
    assert "data-sw=" not in client.get("/beranda").get_data(as_text=True)


def _course_with_handouts(app, big: int):
    course = factories.course(lessons=2, modules=2, sequential=True)
    first = course.modules[0].lessons[0]
    folder = Path(app.config["UPLOAD_DIR"]) / "lessons"
    folder.mkdir(parents=True, exist_ok=True)
    for n, size in enumerate((2000, big)):
        (folder / f"h{n}.pdf").write_bytes(b"%PDF" + b"0" * (size - 4))
        db.session.add(LessonAttachment(lesson_id=first.id, position=n, title=f"Berkas {n}", filename=f"berkas-{n}.pdf",
                                        stored_name=f"h{n}.pdf", content_type="application/pdf", size=size,
                                        sha256="0" * 64))
    user = factories.user()
    factories.enrollment(user, course)
    db.session.commit()
    return course, user


def test_the_course_page_offers_the_reached_module_with_its_size_and_files(client, login, app):
    course, user = _course_with_handouts(app, big=offline.FILE_LIMIT + 1)
    login(user)
    html = client.get(f"/kursus/{course.slug}").get_data(as_text=True)
    boxes = re.findall(r"data-offline='([^']+)'", html)
    assert len(boxes) == 1  # module 2 is not reached yet in this sequential course
    data = json.loads(boxes[0].replace("&#34;", '"'))
    first, second = lessons_of(course)[:2]
    assert [page[0] for page in data["pages"]] == [lesson_url(course, first), lesson_url(course, second)]
    small = db.session.scalar(select(LessonAttachment).where(LessonAttachment.position == 0))
    assert data["files"] == [f"/kursus/{course.slug}/berkas/{small.id}"]  # the big one is left out …
    assert "Tidak ikut disimpan" in html and "berkas-1.pdf" in html  # … and named
    size = re.search(r"Simpan untuk dibaca offline\s*\(± (\d+) KB\)", html)
    assert size and 8 <= int(size.group(1)) <= 20  # two small pages and a 2 KB handout


def test_the_offline_copy_of_a_locked_lesson_of_a_reached_module_is_readable(client, login, course, participant):
    first, second = lessons_of(course)[:2]
    login(participant)
    client.get(lesson_url(course, first))
    assert client.get(lesson_url(course, second)).status_code == 409  # read normally: locked
    copy = client.get(lesson_url(course, second) + "?simpan=1")
    html = copy.get_data(as_text=True)
    assert copy.status_code == 200 and "Isi pelajaran <strong>1.2</strong>" in html
    # the copy knows the server locks it: "Tandai selesai" is not offered offline (it would be refused)
    assert lesson_url(course, second, "/selesai") not in html
    assert "Tandai selesai setelah pelajaran sebelumnya tercatat selesai" in html
    # the copy of the lesson the participant is at offers it, and names the next lesson for offline use
    current = client.get(lesson_url(course, first) + "?simpan=1").get_data(as_text=True)
    assert lesson_url(course, first, "/selesai") in current
    assert f'data-next="{lesson_url(course, second)}"' in current
    # saving is not reading: the lesson to resume stays the one opened
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.user_id == participant.id))
    db.session.refresh(enrollment)
    assert enrollment.last_lesson_id == first.id
    # the server still keeps the order for completions
    refused = client.post(lesson_url(course, second, "/selesai"), headers={"HX-Request": "true"})
    assert refused.status_code == 409


def test_a_module_not_reached_has_no_offline_copy(client, login, app):
    course = factories.course(lessons=1, modules=2, sequential=True)
    user = factories.user()
    factories.enrollment(user, course)
    db.session.commit()
    login(user)
    later = lessons_of(course)[1]
    assert client.get(lesson_url(course, later) + "?simpan=1").status_code == 409


def test_the_offline_page_is_nobodys_even_when_fetched_logged_in(client, login, app):
    """The service worker keeps /offline in the app shell for whoever uses the phone next: no user id,
    no name, no menu, no form token of the session it was fetched in."""
    user = factories.user(full_name="Yuliana Ndun")
    db.session.commit()
    login(user)
    html = client.get("/offline").get_data(as_text=True)
    assert "data-user" not in html.replace("data-user-name", "") and "Yuliana" not in html
    assert "Keluar" not in html and "csrf" not in html.lower() and "X-CSRFToken" not in html
    assert 'id="offline-list"' in html and "data-offline-js" in html
    assert "KopEdu-User" not in client.get("/offline").headers  # the header that names whose page it is …
    assert client.get("/beranda").headers["KopEdu-User"] == str(user.id)  # … on the user's own pages


def test_the_session_endpoint_says_who_is_logged_in_and_gives_the_form_token(client, login, app):
    anonymous = client.get("/sinkron/sesi")
    assert anonymous.status_code == 200 and anonymous.headers["Cache-Control"] == "no-store"
    assert anonymous.json["user"] is None and anonymous.json["csrf"]
    user = factories.user(full_name="Yuliana Ndun")
    db.session.commit()
    login(user)
    data = client.get("/sinkron/sesi").json
    assert data["user"] == user.id and data["name"] == "Yuliana" and data["csrf"]
    assert "{name}" in data["text"]["others"] and "{n}" in data["text"]["title"]


def test_staff_pages_are_kept_out_of_htmx_history(client, login, app):
    trainer = factories.user(role="trainer", email="pelatih@example.id")
    db.session.commit()
    login(trainer)
    assert 'hx-history="false"' in client.get("/beranda").get_data(as_text=True)
    participant = factories.user()
    db.session.commit()
    other = app.test_client()
    login(participant, c=other)
    assert 'hx-history="false"' not in other.get("/beranda").get_data(as_text=True)


def test_a_stale_form_token_is_named_in_a_header_for_the_phone_queue(app):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = app.test_client()
        response = client.post("/bahasa", data={"lang": "id", "csrf_token": "stale"})
        assert response.status_code == 400 and response.headers["KopEdu-CSRF"] == "invalid"
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
