from flask_login import current_user

from kopedu.extensions import db
from tests import factories


def test_login_page_is_indonesian(client):
    response = client.get("/masuk")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Masuk ke KopEdu" in html
    assert 'name="login"' in html


def test_login_with_any_phone_spelling_reaches_same_account(app):
    user = factories.user(phone="6281200000001", full_name="Yuliana Ndun")
    db.session.commit()
    for spelling in ("0812 0000 0001", "+6281200000001", "081200000001", "0812-0000-0001"):
        client = app.test_client()
        response = client.post("/masuk", data={"login": spelling, "password": factories.PASSWORD})
        assert response.status_code == 303, spelling
        home = client.get("/beranda")
        assert "Yuliana Ndun" in home.get_data(as_text=True), spelling
    assert user.id


def test_login_with_email(client):
    factories.user(email="pelatih@kopedu.test", role="trainer")
    db.session.commit()
    response = client.post("/masuk", data={"login": "Pelatih@KopEdu.test", "password": factories.PASSWORD})
    assert response.status_code == 303


def test_unknown_account_and_wrong_password_get_same_message(client):
    factories.user(phone="6281200000001")
    db.session.commit()
    wrong = client.post("/masuk", data={"login": "081200000001", "password": "salah-sekali"})
    unknown = client.post("/masuk", data={"login": "081299999999", "password": "salah-sekali"})
    assert wrong.status_code == unknown.status_code == 422
    message = "Nomor HP/email atau kata sandi salah."
    assert message in wrong.get_data(as_text=True)
    assert message in unknown.get_data(as_text=True)


def test_inactive_account_cannot_log_in(client):
    factories.user(phone="6281200000009", active=False)
    db.session.commit()
    response = client.post("/masuk", data={"login": "081200000009", "password": factories.PASSWORD})
    assert response.status_code == 422


def test_successful_logins_do_not_use_up_the_limit(app):
    factories.user(phone="6281200000001")
    db.session.commit()
    client = app.test_client()
    for _ in range(8):
        assert client.post("/masuk", data={"login": "081200000001", "password": factories.PASSWORD}).status_code == 303
        client.post("/keluar")


def test_htmx_login_error_is_a_422_fragment(htmx_client):
    response = htmx_client.post("/masuk", data={"login": "081299999999", "password": "x"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<form" in html and "<html" not in html
    assert "HX-Request" in response.headers.get("Vary", "")


def test_next_parameter_only_allows_local_paths(client):
    factories.user(phone="6281200000001")
    db.session.commit()
    response = client.post("/masuk?next=https://evil.example/x", data={"login": "081200000001", "password": factories.PASSWORD})
    assert response.headers["Location"].endswith("/beranda")


def test_logout_is_post_only(client, login):
    user = factories.user()
    db.session.commit()
    login(user)
    assert client.get("/keluar").status_code == 405
    response = client.post("/keluar")
    assert response.status_code in (302, 303)
    assert client.get("/beranda").status_code == 302


def test_session_cookie_changes_at_login(client):
    factories.user(phone="6281200000001")
    db.session.commit()
    client.get("/masuk")
    before = client.get_cookie("session")
    client.post("/masuk", data={"login": "081200000001", "password": factories.PASSWORD})
    after = client.get_cookie("session")
    assert after is not None and (before is None or before.value != after.value)


def test_change_own_password(client, login):
    user = factories.user(phone="6281200000001")
    db.session.commit()
    login(user)
    bad = client.post("/akun/kata-sandi", data={"current_password": "keliru", "password": "barubaru123"})
    assert bad.status_code == 422 and "Kata sandi lama salah." in bad.get_data(as_text=True)
    short = client.post("/akun/kata-sandi", data={"current_password": factories.PASSWORD, "password": "pendek"})
    assert short.status_code == 422
    ok = client.post("/akun/kata-sandi", data={"current_password": factories.PASSWORD, "password": "barubaru123"})
    assert ok.status_code == 303
    db.session.refresh(user)
    assert user.check_password("barubaru123")
    assert client.get("/beranda").status_code == 200  # still logged in in this session


def test_password_change_logs_out_other_sessions(app, login):
    user = factories.user(phone="6281200000001")
    db.session.commit()
    first, second = app.test_client(), app.test_client()
    login(user, c=first)
    login(user, c=second)
    first.post("/akun/kata-sandi", data={"current_password": factories.PASSWORD, "password": "barubaru123"})
    assert first.get("/beranda").status_code == 200
    assert second.get("/beranda").status_code == 302


def test_passwords_are_hashed_with_scrypt_outside_the_tests(app, client):
    """The test configuration hashes cheaply for speed; every other configuration keeps scrypt."""
    from config import Config, DevelopmentConfig, ProductionConfig

    assert Config.PASSWORD_HASH_METHOD == DevelopmentConfig.PASSWORD_HASH_METHOD == "scrypt"
    assert ProductionConfig.PASSWORD_HASH_METHOD == "scrypt"
    app.config["PASSWORD_HASH_METHOD"] = ProductionConfig.PASSWORD_HASH_METHOD
    user = factories.user(password="rahasia-kuat-1")
    db.session.commit()
    assert user.password_hash.startswith("scrypt:")
    response = client.post("/masuk", data={"login": "0" + user.phone[2:], "password": "rahasia-kuat-1"})
    assert response.status_code == 303


def test_logout_ends_the_session_everywhere(app, login):
    """A session cookie copied before logging out is worth nothing after it (and the account's other
    devices are logged out too: one token per account)."""
    user = factories.user(phone="6281200000001")
    db.session.commit()
    device, other = app.test_client(), app.test_client()
    login(user, c=device)
    login(user, c=other)
    copied = device.get_cookie("session").value
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/beranda").status_code == 200
    assert device.post("/keluar").status_code in (302, 303)
    assert thief.get("/beranda").status_code == 302
    assert other.get("/beranda").status_code == 302
    login(user, c=device)  # logging in again works
    assert device.get("/beranda").status_code == 200
