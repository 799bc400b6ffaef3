"""Learning by ear on a 360 px phone: "Dengarkan" reads a lesson with the phone's Indonesian voice, sentence
by sentence with the sentence highlighted (pause, resume, speed), and is not offered where the phone has
no Indonesian voice; a trainer records a narration in the browser (a fake microphone), the participant
plays it and has it offline with the saved module.

speechSynthesis is replaced by a stub (headless Chromium has no voices): it records what it is asked to
say and ends an utterance only when the test says so."""
import pytest
from sqlalchemy import select

from kopedu.courses.models import LessonNarration
from kopedu.extensions import db
from tests import factories
from tests.browser.conftest import ARGS, CHROMIUM, log_in

BODY = ("Kalimat satu. Kalimat dua!\n\n"
        "Kas sisa Rp1.548.000 bukan laba (penyusutan bukan kas).\n\n"
        "```\nkode tidak dibaca\n```\n\n- Butir daftar tanpa titik")

SPEECH_STUB = """(voices) => {
  const spoken = [];
  let current = null;
  window.__spoken = spoken;
  window.__cancelled = 0;
  window.__end = () => { const u = current; current = null; if (u && u.onend) u.onend({}); };
  window.SpeechSynthesisUtterance = function (text) { this.text = text; };
  const synth = {
    getVoices: () => voices,
    speak(u) { spoken.push({text: u.text, lang: u.lang, voice: u.voice ? u.voice.lang : null, rate: u.rate}); current = u; },
    cancel() { const u = current; current = null; window.__cancelled += 1; if (u && u.onerror) setTimeout(() => u.onerror({}), 0); },
    pause() {}, resume() {}, addEventListener() {},
  };
  Object.defineProperty(window, "speechSynthesis", {value: synth, configurable: true});
}"""


@pytest.fixture
def world(app):
    course = factories.course(lessons=2, sequential=False, title="Kursus Dengar")
    lesson = course.modules[0].lessons[0]
    lesson.body = BODY
    trainer = factories.trainer_of(course, phone="6281100009001", password="rahasia-123")
    user = factories.user(phone="6281200009001", password="rahasia-123")
    factories.enrollment(user, course)
    db.session.commit()
    return {"course": course, "lesson": lesson, "url": f"/kursus/{course.slug}/pelajaran/{lesson.id}"}


def with_voices(page, voices):
    page.add_init_script(f"({SPEECH_STUB})({voices!r})".replace("'", '"'))


def spoken(page):
    return page.evaluate("window.__spoken")


def highlighted(page):
    return page.evaluate("CSS.highlights.has('kopedu-reading') ? [...CSS.highlights.get('kopedu-reading')][0].toString() : null")


def test_dengarkan_reads_sentence_by_sentence_with_an_indonesian_voice(page, world):
    with_voices(page, [{"lang": "en-US", "name": "English"}, {"lang": "id-ID", "name": "Bahasa Indonesia"}])
    log_in(page, "081200009001", "rahasia-123")
    page.goto(world["url"])
    listen = page.get_by_role("button", name="Dengarkan")
    listen.wait_for()
    assert not page.get_by_text("belum punya suara bahasa Indonesia").is_visible()
    listen.click()
    assert spoken(page) == [{"text": "Kalimat satu.", "lang": "id-ID", "voice": "id-ID", "rate": 1}]
    assert highlighted(page) == "Kalimat satu."
    page.evaluate("window.__end()")
    assert spoken(page)[-1]["text"] == "Kalimat dua!" and highlighted(page) == "Kalimat dua!"

    page.get_by_role("button", name="Jeda").click()  # pausing stops the voice and keeps the place
    resume = page.get_by_role("button", name="Lanjutkan")
    resume.wait_for()
    assert page.evaluate("window.__cancelled") >= 1 and len(spoken(page)) == 2
    resume.click()
    assert spoken(page)[-1]["text"] == "Kalimat dua!"  # the sentence again, from its start
    page.get_by_label("Kecepatan").select_option(label="Cepat")
    assert spoken(page)[-1] == {"text": "Kalimat dua!", "lang": "id-ID", "voice": "id-ID", "rate": 1.25}
    page.evaluate("window.__end()")
    # a number's dots do not end a sentence; code is not read; a list item without a full stop is one
    assert spoken(page)[-1]["text"] == "Kas sisa Rp1.548.000 bukan laba (penyusutan bukan kas)."
    page.evaluate("window.__end()")
    assert spoken(page)[-1]["text"] == "Butir daftar tanpa titik"
    page.evaluate("window.__end()")
    listen.wait_for()  # the end: back to the start button, nothing highlighted
    assert highlighted(page) is None
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_without_an_indonesian_voice_the_button_is_not_offered(page, world):
    with_voices(page, [{"lang": "en-US", "name": "English"}, {"lang": "en-GB", "name": "British"}])
    log_in(page, "081200009001", "rahasia-123")
    page.goto(world["url"])
    page.get_by_text("belum punya suara bahasa Indonesia").wait_for()  # how to add one
    assert not page.get_by_role("button", name="Dengarkan").is_visible()
    assert spoken(page) == []


@pytest.fixture
def media_browser(browser):
    """Chromium with a fake microphone (a beep) that needs no permission prompt."""
    extra = browser.browser_type.launch(executable_path=CHROMIUM, headless=True, args=ARGS + [
        "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        "--autoplay-policy=no-user-gesture-required"])
    yield extra
    extra.close()


def test_a_narration_recorded_in_the_browser_is_played_and_saved_offline(media_browser, live_server, app, world):
    context = media_browser.new_context(viewport={"width": 360, "height": 740}, locale="id-ID", base_url=live_server)
    context.grant_permissions(["microphone"], origin=live_server)
    page = context.new_page()
    page.set_default_timeout(15_000)
    lesson = world["lesson"]

    log_in(page, "081100009001", "rahasia-123")
    page.goto(f"/kelola/pelajaran/{lesson.id}")
    page.get_by_role("button", name="Rekam narasi").click()
    status = page.locator("[data-rec-status]")
    page.wait_for_function("() => /0:0[2-9] · \\d+ KB/.test(document.querySelector('[data-rec-status]').textContent)")
    page.get_by_role("button", name="Selesai merekam").click()
    save = page.get_by_role("button", name="Simpan rekaman ini")
    save.wait_for()
    assert "Rekaman:" in status.inner_text() and "KB" in status.inner_text()  # length and size, before keeping
    save.click()
    page.get_by_text("Narasi sudah disimpan.").wait_for()
    db.session.expire_all()
    narration = db.session.scalar(select(LessonNarration).where(LessonNarration.lesson_id == lesson.id))
    assert narration.recorded and narration.kind == "webm" and narration.size > 1000
    assert "direkam di sini" in page.locator("#narasi").inner_text()
    context.clear_cookies()

    # the participant plays it on the lesson page
    log_in(page, "081200009001", "rahasia-123")
    page.goto(world["url"])
    audio = page.get_by_label(f"Narasi pelajaran: {lesson.title}")
    audio.evaluate("el => el.play()")
    page.wait_for_function("() => document.querySelector('#narasi audio').currentTime > 0.5")

    # saved offline with its module: the course page counts it and the phone keeps it
    page.goto(f"/kursus/{world['course'].slug}")
    page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller !== null")
    page.get_by_role("button", name="Simpan untuk dibaca offline").first.click()
    page.get_by_text("Tersedia offline").first.wait_for()
    url = f"/kursus/{world['course'].slug}/pelajaran/{lesson.id}/narasi"
    context.set_offline(True)
    size = page.evaluate("(url) => fetch(url).then((r) => r.ok ? r.arrayBuffer() : null).then((b) => b && b.byteLength)",
                         url)
    assert size == narration.size
    page.goto(world["url"])
    page.get_by_role("heading", name=lesson.title).wait_for()
    page.locator("#narasi audio").evaluate("el => { el.currentTime = 0; return el.play(); }")
    page.wait_for_function("() => document.querySelector('#narasi audio').currentTime > 0.3")
    context.close()
