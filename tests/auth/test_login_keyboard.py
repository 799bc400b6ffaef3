"""The login field opens the phone's number pad; it still takes an email (tests/auth/test_login.py
logs in with one), and "Masuk pakai email" brings the letter keyboard."""
import re


def _login_input(html: str) -> str:
    return re.search(r'<input[^>]*name="login"[^>]*>', html).group(0)


def test_the_login_field_opens_the_number_pad(client):
    field = _login_input(client.get("/masuk").get_data(as_text=True))
    assert 'inputmode="tel"' in field and 'type="text"' in field  # tel keypad, any text accepted


def test_masuk_pakai_email_brings_the_letter_keyboard_and_keeps_next(client):
    html = client.get("/masuk?next=/kursus").get_data(as_text=True)
    assert 'href="/masuk?pakai=email&amp;next=/kursus"' in html
    field = _login_input(client.get("/masuk?pakai=email").get_data(as_text=True))
    assert 'inputmode="email"' in field


def test_a_failed_email_login_keeps_the_letter_keyboard(htmx_client):
    response = htmx_client.post("/masuk", data={"login": "salah@contoh.id", "password": "x"})
    assert response.status_code == 422
    assert 'inputmode="email"' in _login_input(response.get_data(as_text=True))
