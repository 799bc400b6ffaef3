"""The offline queue when the session changes and the phone is shared (issue 22): nothing queued is lost,
nothing is sent under someone else's session, and nothing of one person stays readable for the next.

(a) a completion queued offline arrives once after the session was lost and the person logged in again;
(b) "Keluar" with writes waiting warns; the writes wait for their owner; the next user sees none of it;
(c) a write whose request hangs and then loses the signal is sent when the signal returns;
(d) a write the server applied whose reply was lost ends as "✓ Tersimpan", applied once;
(e) two tabs answer the same question: the older answer, arriving last, changes nothing;
(f) offline, "Berikutnya" after a queued completion opens the next saved lesson;
and a session ended without "Keluar" leaves nothing of the previous user readable for the next."""
import pytest
from sqlalchemy import func, select

from kopedu.extensions import db
from kopedu.learning.models import AttemptAnswer, ClientWrite, LessonProgress
from tests import factories
from tests.browser.conftest import log_in
from tests.browser.test_offline import QUEUE, _flushed, _is_answer_save, _wait_for_worker, blocked_workers  # noqa: F401

MODULES = """() => new Promise((resolve, reject) => {
  const open = indexedDB.open("kopedu", 1);
  open.onsuccess = () => {
    const request = open.result.transaction("modules").objectStore("modules").getAll();
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  };
})"""

SAVED_PAGES = "() => caches.open('kopedu-pages').then((c) => c.keys()).then((k) => k.map((r) => new URL(r.url).pathname))"


@pytest.fixture(autouse=True)
def csrf_checked(app):
    """As in production: every write needs the session's form token (the suite's config turns it off)."""
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def _count(model, *where):
    db.session.expire_all()
    return db.session.scalar(select(func.count(model.id)).where(*where))


def _login_of(user):
    return "0" + user.phone[2:]


@pytest.fixture
def shared(app):
    """Two participants of the same course (module 1: two readings and a quiz lesson)."""
    course = factories.course(lessons=2, modules=2, sequential=False, title="Kursus Koperasi")
    quiz_lesson = factories.quiz_lesson(course.modules[0], position=3)
    yuliana = factories.user(full_name="Yuliana Ndun")
    markus = factories.user(full_name="Markus Lay")
    for person in (yuliana, markus):
        factories.enrollment(person, course)
    db.session.commit()
    lessons = [lesson for module in course.modules for lesson in module.lessons]
    return {"course": course, "a": yuliana, "b": markus, "readings": lessons[:2], "quiz_lesson": quiz_lesson,
            "quiz": quiz_lesson.quiz}


def _start_quiz(page, course, quiz_lesson):
    page.goto(f"/kursus/{course.slug}/pelajaran/{quiz_lesson.id}")
    page.get_by_role("button", name="Mulai kuis").click()
    page.wait_for_url("**/kuis/percobaan/*")
    return page.url


def test_a_completion_queued_offline_arrives_once_after_the_session_was_lost(blocked_workers, app, shared):
    page = blocked_workers
    course, first, a = shared["course"], shared["readings"][0], shared["a"]
    log_in(page, _login_of(a), factories.PASSWORD)
    page.goto(f"/kursus/{course.slug}/pelajaran/{first.id}")
    page.context.set_offline(True)
    page.get_by_role("button", name="Tandai selesai").click()
    page.locator("#lesson-done").get_by_text("Menunggu sinyal").wait_for()
    # the browser was closed: its cookies are gone (the session's and the "Tetap masuk" one)
    page.context.clear_cookies()
    page.context.set_offline(False)
    _flushed(page)
    assert _count(LessonProgress) == 0 and len(page.evaluate(QUEUE)) == 1  # nobody's session: it waits
    log_in(page, _login_of(a), factories.PASSWORD)
    _flushed(page)
    assert page.evaluate(QUEUE) == []
    assert _count(LessonProgress, LessonProgress.user_id == a.id) == 1
    assert _count(ClientWrite, ClientWrite.user_id == a.id) == 1
    page.goto(f"/kursus/{course.slug}/pelajaran/{first.id}")
    page.get_by_text("Pelajaran ini sudah selesai").wait_for()


def test_a_shared_phone_keeps_writes_for_their_owner_and_shows_nothing_of_hers_to_the_next(page, app, shared):
    course, a, b, quiz = shared["course"], shared["a"], shared["b"], shared["quiz"]
    first = shared["readings"][0]
    log_in(page, _login_of(a), factories.PASSWORD)
    attempt_url = _start_quiz(page, course, shared["quiz_lesson"])
    page.goto(f"/kursus/{course.slug}")
    _wait_for_worker(page)
    page.get_by_role("button", name="Simpan untuk dibaca offline").first.click()
    page.get_by_text("Tersedia offline").first.wait_for()

    # offline, Yuliana marks a lesson done and answers a question: two writes wait on the phone
    page.context.set_offline(True)
    page.goto(f"/kursus/{course.slug}/pelajaran/{first.id}")
    page.get_by_role("button", name="Tandai selesai").click()
    page.locator("#lesson-done").get_by_text("Menunggu sinyal").wait_for()
    page.goto(attempt_url)
    question = quiz.questions[0]
    page.locator(f"#q-{question.id}").get_by_label("Rapat Anggota", exact=True).check()
    page.locator(f"#saved-{question.id}").get_by_text("Menunggu sinyal").wait_for()
    assert len(page.evaluate(QUEUE)) == 2

    # the signal is back but weak: the writes do not get through before she taps "Keluar"
    page.route("**/selesai", lambda route: route.abort("internetdisconnected"))
    page.route("**/jawab", lambda route: route.abort("internetdisconnected"))
    page.context.set_offline(False)
    page.goto(f"/kursus/{course.slug}")
    page.get_by_role("button", name="Keluar").click()
    warning = page.get_by_role("alertdialog")
    warning.get_by_text("2 catatan belum terkirim").wait_for()
    assert page.url.endswith(f"/kursus/{course.slug}")  # not logged out yet
    warning.get_by_role("button", name="Keluar, simpan untuk nanti").click()
    page.wait_for_url("**/masuk*")
    page.unroute("**/selesai")
    page.unroute("**/jawab")
    page.get_by_text("2 catatan milik Yuliana belum terkirim").wait_for()
    assert len(page.evaluate(QUEUE)) == 2

    # Markus logs in on the same phone: nothing of Yuliana's is sent under his session or readable
    sent = []
    page.on("request", lambda request: sent.append(request.url) if request.method == "POST" and (
        request.url.endswith("/selesai") or request.url.endswith("/jawab")) else None)
    log_in(page, _login_of(b), factories.PASSWORD)
    _flushed(page)
    page.get_by_text("2 catatan milik Yuliana belum terkirim — akan dikirim saat Yuliana masuk lagi").wait_for()
    assert sent == [] and len(page.evaluate(QUEUE)) == 2
    assert _count(LessonProgress) == 0 and _count(AttemptAnswer) == 0 and _count(ClientWrite) == 0
    assert page.evaluate(MODULES) == []
    assert page.evaluate("() => caches.has('kopedu-pages')") is False
    history = page.evaluate("() => sessionStorage.getItem('htmx-history-cache') || ''")
    assert attempt_url.split("//", 1)[1].split("/", 1)[1] not in history
    offline_copy = page.evaluate("() => caches.match('/offline').then((r) => r.text())")
    assert "Yuliana" not in offline_copy and f'data-user="{a.id}"' not in offline_copy
    assert "Keluar" not in offline_copy  # nobody's menu
    page.context.set_offline(True)
    page.goto(attempt_url)
    page.get_by_role("heading", name="Anda sedang offline").wait_for()  # not her saved quiz
    assert not page.locator(f"#q-{question.id}").count()
    page.get_by_text("Belum ada modul yang disimpan").wait_for()
    assert page.locator("#offline-list li").count() == 0
    page.goto(f"/kursus/{course.slug}/pelajaran/{first.id}")
    page.get_by_role("heading", name="Anda sedang offline").wait_for()
    page.context.set_offline(False)

    # Markus logs out (nothing of his waits: no question), Yuliana logs in again: her writes arrive once
    page.goto("/beranda")
    page.get_by_role("button", name="Keluar").click()
    page.wait_for_url("**/masuk*")
    log_in(page, _login_of(a), factories.PASSWORD)
    _flushed(page)
    assert page.evaluate(QUEUE) == []
    assert _count(LessonProgress, LessonProgress.user_id == a.id) == 1
    assert _count(AttemptAnswer) == 1 and _count(ClientWrite, ClientWrite.user_id == a.id) == 2
    assert _count(LessonProgress, LessonProgress.user_id == b.id) == 0
    assert len(sent) == 2


def test_a_session_ended_without_keluar_leaves_nothing_readable_for_the_next_user(page, app, shared):
    """The browser dropped Yuliana's cookies (or her session ended on another device): Markus, logging in
    next on the phone, finds none of her saved pages, module list or page snapshots."""
    course, a, b = shared["course"], shared["a"], shared["b"]
    log_in(page, _login_of(a), factories.PASSWORD)
    attempt_url = _start_quiz(page, course, shared["quiz_lesson"])
    page.goto(f"/kursus/{course.slug}")
    _wait_for_worker(page)
    page.get_by_role("button", name="Simpan untuk dibaca offline").first.click()
    page.get_by_text("Tersedia offline").first.wait_for()
    assert attempt_url.split("//", 1)[1].split("/", 1)[1] in " ".join(page.evaluate(SAVED_PAGES))
    page.context.clear_cookies()
    log_in(page, _login_of(b), factories.PASSWORD)
    # (polled: each call asks Cache Storage again; wait_for_function does not await a promise)
    page.wait_for_function("() => { caches.has('kopedu-pages').then((has) => { window.hasPages = has; }); "
                           "return window.hasPages === false; }")
    assert page.evaluate(MODULES) == []
    history = page.evaluate("() => sessionStorage.getItem('htmx-history-cache') || ''")
    assert "/kuis/percobaan/" not in history
    page.context.set_offline(True)
    page.goto(attempt_url)
    page.get_by_role("heading", name="Anda sedang offline").wait_for()


def test_a_write_whose_request_hangs_then_loses_the_signal_is_sent_when_online(blocked_workers, app, shared):
    page = blocked_workers
    course, first = shared["course"], shared["readings"][0]
    log_in(page, _login_of(shared["a"]), factories.PASSWORD)
    page.goto(f"/kursus/{course.slug}/pelajaran/{first.id}")
    page.evaluate("htmx.config.timeout = 1500")
    hanging = []

    def hang_once(route):
        if hanging:
            route.continue_()
        else:
            hanging.append(route)  # the server never answers this one

    page.route("**/selesai", hang_once)
    page.get_by_role("button", name="Tandai selesai").click()
    page.locator("#lesson-done").get_by_text("Menyimpan").wait_for()
    page.context.set_offline(True)
    page.locator("#lesson-done [role=alert]").get_by_text("server tidak menjawab").wait_for()
    assert len(page.evaluate(QUEUE)) == 1  # kept on the phone
    assert _count(LessonProgress) == 0
    page.context.set_offline(False)
    page.get_by_text("Pelajaran ini sudah selesai").wait_for()
    _flushed(page)
    assert page.evaluate(QUEUE) == []
    assert _count(LessonProgress, LessonProgress.user_id == shared["a"].id) == 1
    assert len(hanging) == 1


def test_a_write_applied_whose_reply_was_lost_ends_saved_without_a_duplicate(blocked_workers, app, shared):
    page = blocked_workers
    quiz = shared["quiz"]
    log_in(page, _login_of(shared["a"]), factories.PASSWORD)
    attempt_url = _start_quiz(page, shared["course"], shared["quiz_lesson"])
    attempt_id = int(attempt_url.rsplit("/", 1)[1])
    calls = []

    def lose_the_reply(route):
        calls.append(route.request.post_data)
        if len(calls) == 1:
            route.fetch()  # the server receives it, saves it and answers …
            route.abort("internetdisconnected")  # … and the answer never reaches the phone
        else:
            route.continue_()

    page.route("**/jawab", lose_the_reply)
    question = quiz.questions[0]
    page.locator(f"#q-{question.id}").get_by_label("Rapat Anggota", exact=True).check()
    page.locator(f"#saved-{question.id}[data-state=saved]").get_by_text("✓ Tersimpan").wait_for(timeout=20_000)
    assert len(calls) == 2 and calls[0] == calls[1]  # the same write, with the same client id
    _flushed(page)
    assert page.evaluate(QUEUE) == []
    assert _count(AttemptAnswer, AttemptAnswer.attempt_id == attempt_id) == 1
    assert _count(ClientWrite, ClientWrite.user_id == shared["a"].id) == 1


def test_the_newer_answer_of_two_tabs_stands_when_the_older_arrives_last(blocked_workers, app, shared):
    page = blocked_workers
    quiz = shared["quiz"]
    log_in(page, _login_of(shared["a"]), factories.PASSWORD)
    attempt_url = _start_quiz(page, shared["course"], shared["quiz_lesson"])
    attempt_id = int(attempt_url.rsplit("/", 1)[1])
    question = quiz.questions[0]
    older_tab = page
    newer_tab = page.context.new_page()
    newer_tab.goto(attempt_url)
    held = []
    older_tab.route("**/jawab", lambda route: held.append(route))  # on a slow link, still on its way
    older_tab.locator(f"#q-{question.id}").get_by_label("Rapat Anggota", exact=True).check()
    older_tab.locator(f"#saved-{question.id}").get_by_text("Menyimpan").wait_for()
    assert len(held) == 1
    newer_tab.locator(f"#q-{question.id}").get_by_label("Pengurus", exact=True).check()
    newer_tab.locator(f"#saved-{question.id}").get_by_text("Tersimpan").wait_for()
    chosen = question.choices[1].id
    db.session.expire_all()
    assert db.session.scalar(select(AttemptAnswer.choice_ids).where(AttemptAnswer.attempt_id == attempt_id)) == [chosen]
    held[0].continue_()  # the older answer arrives last
    older_tab.locator(f"#saved-{question.id}").get_by_text("dipilih kemudian").wait_for()
    db.session.expire_all()
    assert db.session.scalar(select(AttemptAnswer.choice_ids).where(AttemptAnswer.attempt_id == attempt_id)) == [chosen]
    newer_tab.reload()
    assert newer_tab.locator(f"#q-{question.id}").get_by_label("Pengurus", exact=True).is_checked()


@pytest.fixture
def sequential(app):
    """A sequential course: module 1 has three readings (each locked until the one before is done)."""
    course = factories.course(lessons=3, modules=1, sequential=True, title="Kursus Berurutan")
    user = factories.user(full_name="Yuliana Ndun")
    factories.enrollment(user, course)
    db.session.commit()
    return {"course": course, "user": user, "lessons": list(course.modules[0].lessons)}


def test_offline_next_follows_the_saved_copy_after_a_queued_completion(page, app, sequential):
    course, (first, second, _third) = sequential["course"], sequential["lessons"]
    log_in(page, _login_of(sequential["user"]), factories.PASSWORD)
    page.goto(f"/kursus/{course.slug}")
    _wait_for_worker(page)
    page.get_by_role("button", name="Simpan untuk dibaca offline").first.wait_for()
    # [hidden] hides buttons too: nothing saved yet, nothing to remove
    assert not page.get_by_role("button", name="Hapus dari HP").first.is_visible()
    page.get_by_role("button", name="Simpan untuk dibaca offline").first.click()
    page.get_by_text("Tersedia offline").first.wait_for()
    page.context.set_offline(True)
    page.goto(f"/kursus/{course.slug}/pelajaran/{first.id}")
    page.get_by_role("heading", name=first.title).wait_for()
    page.get_by_role("button", name="Tandai selesai").click()
    page.locator("#lesson-done").get_by_text("Menunggu sinyal").wait_for()
    page.locator("#lesson-pager").get_by_role("link", name="Berikutnya").click()
    page.get_by_role("heading", name=second.title).wait_for()
    # the saved copy knows the server locks this lesson still: no "Tandai selesai" offered offline
    assert page.get_by_role("button", name="Tandai selesai").count() == 0
    page.get_by_text("Tandai selesai setelah pelajaran sebelumnya tercatat selesai").wait_for()
    page.context.set_offline(False)
    _flushed(page)
    assert _count(LessonProgress, LessonProgress.user_id == sequential["user"].id) == 1
