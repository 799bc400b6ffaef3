from kopedu.demo import DEMO_PASSWORD, seed_demo
from kopedu.extensions import db
from tests.browser.conftest import log_in


def test_demo_participant_logs_in_and_sees_profile(page, app):
    seed_demo()
    db.session.commit()
    log_in(page, "0812 0000 0001", DEMO_PASSWORD)
    main = page.locator("main")
    assert "Yuliana Ndun" in main.inner_text()
    assert "Koperasi Kelurahan Merah Putih Oebufu" in main.inner_text()
    assert "Oebufu" in main.locator(".facts").inner_text()


def test_wrong_password_shows_message_without_reload(page, app):
    seed_demo()
    db.session.commit()
    page.goto("/masuk")
    page.evaluate("window.__marker = 1")
    page.get_by_label("Nomor HP atau email").fill("081200000001")
    page.get_by_label("Kata sandi").fill("bukan-sandinya")
    page.get_by_role("button", name="Masuk").click()
    page.get_by_text("Nomor HP/email atau kata sandi salah.").wait_for()
    assert page.evaluate("window.__marker") == 1  # swapped by htmx, not a page load
