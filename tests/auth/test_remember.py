"""Tetap masuk: a participant's login survives closing the browser for REMEMBER_COOKIE_DURATION (30 days),
and "Keluar" or a new password still ends it on every device; staff logins end with the browser."""
from datetime import datetime, timezone

from kopedu.extensions import db
from tests import factories

FORM = {"password": factories.PASSWORD, "remember": "y"}


def _remember_cookie(client):
    return client.get_cookie("remember_token")


def _close_the_browser(client):
    """What closing the browser does: the session cookie (no expiry) is gone, the remember cookie stays."""
    client.delete_cookie("session")


def test_the_login_page_offers_tetap_masuk_ticked(client):
    html = client.get("/masuk").get_data(as_text=True)
    assert 'name="remember"' in html and "checked" in html.split('name="remember"')[0].rsplit("<input", 1)[1] + \
        html.split('name="remember"')[1].split(">", 1)[0]
    assert "30 hari" in html


def test_a_participant_stays_logged_in_after_closing_the_browser(app, client):
    user = factories.user()
    db.session.commit()
    response = client.post("/masuk", data={"login": "0" + user.phone[2:]} | FORM)
    assert response.status_code == 303
    cookie = _remember_cookie(client)
    assert cookie is not None and cookie.http_only
    days = (cookie.expires - datetime.now(timezone.utc)).days
    assert 29 <= days <= 30
    _close_the_browser(client)
    assert client.get("/beranda").status_code == 200


def test_unticked_the_login_ends_with_the_browser(app, client):
    user = factories.user()
    db.session.commit()
    client.post("/masuk", data={"login": "0" + user.phone[2:], "password": factories.PASSWORD})
    assert _remember_cookie(client) is None
    _close_the_browser(client)
    assert client.get("/beranda").status_code == 302


def test_staff_logins_end_with_the_browser(app, client):
    factories.user(role="trainer", email="pelatih@example.id")
    db.session.commit()
    client.post("/masuk", data={"login": "pelatih@example.id"} | FORM)
    assert _remember_cookie(client) is None


def test_keluar_ends_the_remembered_login_on_every_device(app, client):
    user = factories.user()
    db.session.commit()
    login = {"login": "0" + user.phone[2:]} | FORM
    client.post("/masuk", data=login)
    other_phone = app.test_client()
    other_phone.post("/masuk", data=login)
    client.post("/keluar")
    assert _remember_cookie(client) is None  # cleared in this browser
    _close_the_browser(other_phone)
    assert other_phone.get("/beranda").status_code == 302  # its cookie carries the old session token


def test_a_new_password_keeps_this_phone_remembered_and_ends_the_others(app, client):
    user = factories.user()
    db.session.commit()
    login = {"login": "0" + user.phone[2:]} | FORM
    client.post("/masuk", data=login)
    other_phone = app.test_client()
    other_phone.post("/masuk", data=login)
    response = client.post("/akun/kata-sandi", data={"current_password": factories.PASSWORD,
                                                     "password": "sandi-baru-123"})
    assert response.status_code == 303
    _close_the_browser(client)
    assert client.get("/beranda").status_code == 200
    _close_the_browser(other_phone)
    assert other_phone.get("/beranda").status_code == 302
