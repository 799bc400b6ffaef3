"""Offline on a phone: a module saved for reading, read and worked through without a signal, the queue
sent when the signal returns (once, also when it is replayed), and every failed save saying so."""
import json

import pytest
from sqlalchemy import func, select

from kopedu.db import utcnow
from kopedu.extensions import db
from kopedu.learning import pwa
from kopedu.learning.models import AttemptAnswer, ClientWrite, LessonProgress, QuizAttempt
from tests import factories
from tests.browser.conftest import log_in

QUEUE = """() => new Promise((resolve, reject) => {
  const open = indexedDB.open("kopedu", 1);
  open.onsuccess = () => {
    const request = open.result.transaction("queue").objectStore("queue").getAll();
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  };
})"""

REPLAY = """async (entries) => {
  const statuses = [];
  for (const entry of entries) {
    const response = await fetch(entry.url, {method: "POST", credentials: "same-origin", body: entry.body,
      headers: {"HX-Request": "true", "X-CSRFToken": entry.token,
                "Content-Type": "application/x-www-form-urlencoded"}});
    statuses.push(response.status);
  }
  return statuses;
}"""


# Records every text an acknowledgement shows, in order (some last only a moment).
SEEN = """() => {
  window.seen = [];
  new MutationObserver(() => {
    document.querySelectorAll(".ack, .saved").forEach((el) => {
      const text = el.textContent.trim();
      if (text && window.seen[window.seen.length - 1] !== text) window.seen.push(text);
    });
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


def _count(model, *where):
    db.session.expire_all()
    return db.session.scalar(select(func.count(model.id)).where(*where))


@pytest.fixture
def world(app):
    """A participant in a course whose module 1 has two readings and a quiz lesson; module 2 has two
    more readings."""
    course = factories.course(lessons=2, modules=2, sequential=False, title="Kursus Koperasi")
    quiz_lesson = factories.quiz_lesson(course.modules[0], position=3)
    user = factories.user(full_name="Yuliana Ndun")
    factories.enrollment(user, course)
    db.session.commit()
    lessons = [lesson for module in course.modules for lesson in module.lessons]
    return {"course": course, "user": user, "readings": lessons[:2], "quiz_lesson": quiz_lesson,
            "quiz": quiz_lesson.quiz, "later": lessons[3], "login": "0" + user.phone[2:]}


def _wait_for_worker(page):
    page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller !== null")


# Playwright's wait_for_function does not await a promise: a predicate that reads IndexedDB or Cache
# Storage passes at its first call, whatever it then resolves to. Such reads are awaited with evaluate,
# after the event that ends the work they check.
def _flushed(page):
    """Await the page's own sending of the queue (flush returns the one on its way, if any)."""
    page.evaluate("() => window.KopEdu.flush()")


def _is_answer_save(request):
    return request.method == "POST" and request.url.endswith("/jawab")


def test_a_module_saved_offline_is_read_and_worked_offline_then_sent_once(page, app, world):
    course, quiz = world["course"], world["quiz"]
    first, second = world["readings"]
    log_in(page, world["login"], factories.PASSWORD)
    # the worker is registered where it helps: not on the beranda, on the course page
    assert page.evaluate("() => navigator.serviceWorker.getRegistration().then((r) => !!r)") is False

    # the quiz is started with a signal (starting needs the server), then module 1 is saved
    page.goto(f"/kursus/{course.slug}/pelajaran/{world['quiz_lesson'].id}")
    page.get_by_role("button", name="Mulai kuis").click()
    page.wait_for_url("**/kuis/percobaan/*")
    attempt_url = page.url
    attempt_id = int(attempt_url.rsplit("/", 1)[1])
    # with a signal, a save whose request fails is kept too, and sent with the next page opened
    short = quiz.questions[3]
    page.route("**/jawab", lambda route: route.abort("internetdisconnected"))
    page.locator(f"#q-{short.id} input[type=text]").fill("SHU")
    page.locator(f"#q-{short.id} input[type=text]").press("Tab")
    page.locator(f"#saved-{short.id}").get_by_text("Menunggu sinyal").wait_for()
    page.unroute("**/jawab")
    assert _count(AttemptAnswer) == 0
    sends = []
    page.on("request", lambda request: sends.append(request) if _is_answer_save(request) else None)
    with page.expect_response(lambda response: _is_answer_save(response.request)) as sent:
        page.goto(f"/kursus/{course.slug}")
    assert sent.value.status == 200  # the server answers after its commit
    assert _count(AttemptAnswer) == 1
    _flushed(page)
    assert page.evaluate(QUEUE) == [] and len(sends) == 1  # sent once by the page load, then forgotten
    _wait_for_worker(page)
    assert "/static/manifest.webmanifest" in page.evaluate("() => document.querySelector('link[rel=manifest]').href")
    save = page.get_by_role("button", name="Simpan untuk dibaca offline").first
    assert "KB" in save.inner_text()  # the size is shown before downloading
    save.click()
    page.get_by_text("Tersedia offline").first.wait_for()
    outline = page.locator(".outline")
    assert outline.locator(".badge-offline").count() == 3  # both readings and the quiz lesson
    assert page.get_by_role("button", name="Hapus dari HP").first.is_visible()

    page.context.set_offline(True)
    # an uncached page: the offline page with what is saved, never the browser's error
    page.goto(f"/kursus/{course.slug}/pelajaran/{world['later'].id}")
    page.get_by_role("heading", name="Anda sedang offline").wait_for()
    page.locator("#offline-list").get_by_role("link", name=first.title).wait_for()

    for lesson in (first, second):
        page.goto(f"/kursus/{course.slug}/pelajaran/{lesson.id}")
        page.get_by_role("heading", name=lesson.title).wait_for()
        assert page.locator("#offline-banner").is_visible()
        assert "kemajuan akan dikirim saat sinyal kembali" in page.locator("#offline-banner").inner_text()
        page.get_by_role("button", name="Tandai selesai").click()
        page.locator("#lesson-done").get_by_text("Menunggu sinyal").wait_for()

    page.goto(attempt_url)
    single, multiple, truefalse = quiz.questions[0], quiz.questions[1], quiz.questions[2]
    page.locator(f"#q-{single.id}").get_by_label("Rapat Anggota", exact=True).check()
    page.locator(f"#q-{multiple.id}").get_by_label("Simpanan pokok", exact=True).check()
    page.locator(f"#q-{multiple.id}").get_by_label("Simpanan wajib", exact=True).check()
    page.locator(f"#q-{truefalse.id}").get_by_label("Benar", exact=True).check()
    for question in (single, multiple, truefalse):
        page.locator(f"#saved-{question.id}").get_by_text("Menunggu sinyal").wait_for()
    submit = page.get_by_role("button", name="Kirim jawaban")
    assert submit.is_disabled()
    assert page.get_by_text("Mengirim jawaban perlu sinyal").is_visible()

    # a page opened again offline still shows what waits, with the answers chosen
    page.reload()
    page.locator(f"#saved-{single.id}").get_by_text("Menunggu sinyal").wait_for()
    assert page.locator(f"#q-{multiple.id}").get_by_label("Simpanan wajib", exact=True).is_checked()
    queued = page.evaluate(QUEUE)
    # two completions and three answers: the second tick of the multiple-choice question replaced the first
    assert len(queued) == 5, json.dumps(queued, indent=1)
    assert _count(LessonProgress) == 0 and _count(AttemptAnswer) == 1  # nothing more reached the server

    page.context.set_offline(False)
    page.wait_for_function(f"() => document.querySelectorAll('#saved-{truefalse.id}[data-state=saved]').length")
    _flushed(page)
    assert page.evaluate(QUEUE) == []
    assert not page.locator("#offline-banner").is_visible()
    assert submit.is_enabled()

    # the server has exactly those completions and answers; replaying the queue twice changes nothing
    for _ in range(2):
        assert page.evaluate(REPLAY, queued) == [200] * len(queued)
    user = world["user"]
    assert _count(LessonProgress, LessonProgress.user_id == user.id) == 2
    db.session.expire_all()
    answers = {a.question_id: a.choice_ids for a in db.session.scalars(
        select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt_id))}
    assert answers == {single.id: [single.choices[0].id],
                       multiple.id: sorted([multiple.choices[0].id, multiple.choices[1].id]),
                       truefalse.id: [truefalse.choices[0].id], short.id: None}
    assert _count(ClientWrite, ClientWrite.user_id == user.id) == 6
    assert db.session.get(QuizAttempt, attempt_id).submitted_at is None

    # the progress bar agrees: 2 of the 5 required lessons (module 1: 2 + quiz, module 2: 2)
    page.goto(f"/kursus/{course.slug}/pelajaran/{second.id}")
    assert page.locator("#course-progress progress").get_attribute("value") == "40"
    assert page.get_by_text("2 dari 5 pelajaran").is_visible()
    page.goto(f"/kursus/{course.slug}")
    module_one = page.locator(".offline-save").first
    module_one.get_by_role("button", name="Hapus dari HP").click()
    module_one.get_by_role("button", name="Simpan untuk dibaca offline").wait_for()
    page.wait_for_function("() => document.querySelectorAll('.outline .badge-offline').length === 0")
    cached = page.evaluate("() => caches.open('kopedu-pages').then((c) => c.keys()).then((k) => k.length)")
    assert cached == 0


@pytest.fixture
def blocked_workers(browser, live_server):
    """A phone without the service worker, so that the test's routes see every request."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="id-ID", base_url=live_server,
                                  service_workers="block")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.mark.parametrize("failure", ["500", "timeout"])
def test_a_failed_save_says_so_and_succeeds_on_retry(blocked_workers, app, world, failure):
    page = blocked_workers
    course, first = world["course"], world["readings"][0]
    log_in(page, world["login"], factories.PASSWORD)
    page.goto(f"/kursus/{course.slug}/pelajaran/{first.id}")
    page.evaluate("htmx.config.timeout = 1500")
    calls, unanswered = [], []

    def fail_once(route):
        calls.append(route.request.post_data)
        if len(calls) > 1:
            route.continue_()
        elif failure == "500":
            route.fulfill(status=500, body="<p>Terjadi kesalahan di server.</p>", content_type="text/html")
        else:
            unanswered.append(route)  # the server never answers: the page gives up after its time-out

    page.route("**/selesai", fail_once)
    page.evaluate(SEEN)
    page.get_by_role("button", name="Tandai selesai").click()
    message = "server bermasalah" if failure == "500" else "server tidak menjawab"
    page.locator("#lesson-done [role=alert]").get_by_text(message).wait_for()
    assert len(unanswered) == (failure == "timeout")
    assert page.get_by_role("button", name="Tandai selesai").is_enabled()  # not left disabled
    assert page.evaluate("window.seen")[0] == "Menyimpan…"  # shown while the request was on its way
    assert _count(LessonProgress) == 0
    page.get_by_role("button", name="Coba lagi").click()
    page.get_by_text("Pelajaran ini sudah selesai").wait_for()
    assert page.locator("#course-progress progress").get_attribute("value") == "20"
    assert _count(LessonProgress, LessonProgress.user_id == world["user"].id) == 1
    assert len(calls) == 2 and all("client_id=" in body for body in calls)


def test_a_failed_answer_save_keeps_the_answer_and_retries(blocked_workers, app, world):
    page = blocked_workers
    quiz = world["quiz"]
    log_in(page, world["login"], factories.PASSWORD)
    page.goto(f"/kursus/{world['course'].slug}/pelajaran/{world['quiz_lesson'].id}")
    page.get_by_role("button", name="Mulai kuis").click()
    page.wait_for_url("**/kuis/percobaan/*")
    calls = []

    def fail_once(route):
        calls.append(1)
        if len(calls) == 1:
            route.fulfill(status=500, body="kesalahan", content_type="text/html")
        else:
            route.continue_()

    page.route("**/jawab", fail_once)
    question = quiz.questions[0]
    page.locator(f"#q-{question.id}").get_by_label("Rapat Anggota", exact=True).check()
    page.locator(f"#saved-{question.id}").get_by_text("server bermasalah").wait_for()
    assert page.locator(f"#q-{question.id}").get_by_label("Rapat Anggota", exact=True).is_checked()
    page.locator(f"#saved-{question.id}").get_by_role("button", name="Coba lagi").click()
    page.locator(f"#saved-{question.id}").get_by_text("Tersimpan").wait_for()
    assert _count(AttemptAnswer) == 1


def test_an_answer_on_its_way_when_the_page_is_left_is_sent_from_the_next_page(blocked_workers, app, world):
    """On a slow link a participant taps an answer and leaves before the server has answered: leaving
    cancels the request, and the answer, kept on the phone meanwhile, goes with the next page."""
    page = blocked_workers
    quiz, course = world["quiz"], world["course"]
    log_in(page, world["login"], factories.PASSWORD)
    page.goto(f"/kursus/{course.slug}/pelajaran/{world['quiz_lesson'].id}")
    page.get_by_role("button", name="Mulai kuis").click()
    page.wait_for_url("**/kuis/percobaan/*")
    attempt_url = page.url
    on_its_way = []

    def slow(route):
        if on_its_way:
            route.continue_()
        else:
            on_its_way.append(route)  # the server has not answered yet (never continued)

    page.route("**/jawab", slow)
    question = quiz.questions[0]
    page.locator(f"#q-{question.id}").get_by_label("Rapat Anggota", exact=True).check()
    page.locator(f"#saved-{question.id}").get_by_text("Menyimpan").wait_for()
    assert len(on_its_way) == 1
    with page.expect_response(lambda response: _is_answer_save(response.request)) as sent:
        page.goto(f"/kursus/{course.slug}")  # the request on its way is cancelled
    assert sent.value.status == 200
    _flushed(page)
    assert page.evaluate(QUEUE) == []
    assert _count(AttemptAnswer) == 1
    page.goto(attempt_url)
    assert page.locator(f"#q-{question.id}").get_by_label("Rapat Anggota", exact=True).is_checked()
    page.locator(f"#saved-{question.id}").get_by_text("Tersimpan").wait_for()


def test_a_queued_answer_refused_by_the_server_is_named_plainly(blocked_workers, app, world):
    page = blocked_workers
    quiz = world["quiz"]
    log_in(page, world["login"], factories.PASSWORD)
    page.goto(f"/kursus/{world['course'].slug}/pelajaran/{world['quiz_lesson'].id}")
    page.get_by_role("button", name="Mulai kuis").click()
    page.wait_for_url("**/kuis/percobaan/*")
    attempt_id = int(page.url.rsplit("/", 1)[1])
    page.context.set_offline(True)
    question = quiz.questions[0]
    page.locator(f"#q-{question.id}").get_by_label("Rapat Anggota", exact=True).check()
    page.locator(f"#saved-{question.id}").get_by_text("Menunggu sinyal").wait_for()
    # meanwhile the attempt was closed (sent from another phone)
    attempt = db.session.get(QuizAttempt, attempt_id)
    attempt.submitted_at = utcnow()
    attempt.score, attempt.passed = 0.0, False
    db.session.commit()
    page.context.set_offline(False)
    note = page.locator("#sync-notes [role=alert]")
    note.wait_for()
    assert "Tidak terkirim: Jawaban soal 1" in note.inner_text() and "sudah dikirim" in note.inner_text()
    assert "sudah dikirim" in page.locator(f"#saved-{question.id}").inner_text()
    assert page.evaluate(QUEUE) == []  # not tried again and again
    assert _count(AttemptAnswer) == 0


def test_a_release_replaces_the_shell_cache_and_keeps_saved_modules(page, app, world, monkeypatch):
    log_in(page, world["login"], factories.PASSWORD)
    page.goto(f"/kursus/{world['course'].slug}")
    _wait_for_worker(page)
    page.get_by_role("button", name="Simpan untuk dibaca offline").first.click()
    page.get_by_text("Tersedia offline").first.wait_for()
    keys = "() => caches.keys()"
    before = [key for key in page.evaluate(keys) if key.startswith("kopedu-shell-")]
    assert len(before) == 1 and "kopedu-pages" in page.evaluate(keys)

    monkeypatch.setattr(pwa, "SHELL_FILES", pwa.SHELL_FILES[:-1])  # the next release's shell differs
    # the new worker is "activated" once its activate step (deleting the old shell caches) has ended;
    # it controls the page earlier, from the start of that step
    page.evaluate("""() => navigator.serviceWorker.getRegistration().then((registration) => {
        registration.addEventListener("updatefound", () => {
            const worker = registration.installing;
            worker.addEventListener("statechange", () => { if (worker.state === "activated") window.activated = true; });
        });
        return registration.update();
    })""")
    page.wait_for_function("() => window.activated === true")
    after = page.evaluate(keys)
    shells = [key for key in after if key.startswith("kopedu-shell-")]
    assert len(shells) == 1 and shells != before
    assert "kopedu-pages" in after
    page.context.set_offline(True)
    page.goto(f"/kursus/{world['course'].slug}/pelajaran/{world['readings'][0].id}")
    page.get_by_role("heading", name=world["readings"][0].title).wait_for()


def test_a_staff_save_that_fails_says_so_and_succeeds_on_retry(blocked_workers, app):
    """Not only the participant's writes: a trainer's form shows the same saving, error and retry."""
    page = blocked_workers
    trainer = factories.user(role="trainer", email="pelatih@example.id")
    db.session.commit()
    log_in(page, "pelatih@example.id", factories.PASSWORD)
    page.goto("/akun/kata-sandi")
    calls = []

    def fail_once(route):
        calls.append(1)
        if route.request.method == "POST" and len(calls) == 1:
            route.fulfill(status=500, body="kesalahan", content_type="text/html")
        else:
            route.continue_()

    page.route("**/akun/kata-sandi", fail_once)
    page.evaluate(SEEN)
    page.get_by_label("Kata sandi lama").fill(factories.PASSWORD)
    page.get_by_label("Kata sandi baru").fill("sandi-baru-123")
    page.get_by_role("button", name="Simpan").click()
    page.locator("form [role=alert]").get_by_text("server bermasalah").wait_for()
    assert page.evaluate("window.seen")[0] == "Menyimpan…"
    assert page.get_by_label("Kata sandi baru").input_value() == "sandi-baru-123"  # nothing typed is lost
    page.get_by_role("button", name="Coba lagi").click()
    page.wait_for_url("**/beranda")
    page.get_by_text("Kata sandi sudah diganti").wait_for()
    db.session.expire_all()
    assert trainer.check_password("sandi-baru-123")
