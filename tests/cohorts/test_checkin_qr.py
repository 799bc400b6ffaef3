"""The check-in QR code and link carry KOPEDU_PUBLIC_URL, not the Host the request named (the test client's is localhost)."""
import segno

from kopedu.cohorts import services

from kopedu.cohorts import checkin
from tests.cohorts.test_attendance import WITA_0800, _url, setup  # noqa: F401 - the fixture


def test_the_checkin_qr_is_built_from_the_public_url(setup, client, login, app, monkeypatch):  # noqa: F811
    trainer, cohort, session, _people = setup
    app.config["PUBLIC_BASE_URL"] = "https://kopedu.contoh.id"
    made = []
    real = segno.make

    def spy(content, *args, **kwargs):
        made.append(content)
        return real(content, *args, **kwargs)

    monkeypatch.setattr(segno, "make", spy)
    monkeypatch.setattr(services, "utcnow", lambda: WITA_0800)
    monkeypatch.setattr(checkin, "utcnow", lambda: WITA_0800)
    login(trainer)
    response = client.get(f"{_url(cohort, session)}/qr.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert made == [f"https://kopedu.contoh.id/hadir?kode={checkin.checkin_code_at(session, WITA_0800)}"]
