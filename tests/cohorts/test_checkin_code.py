"""Self check-in that cannot be guessed: a rotating code, wrong codes counted per person and cohort
(not per login session), and one neutral answer for every code that is not open now."""
from datetime import date, datetime, time, timedelta, timezone

import pytest
from sqlalchemy import select

from kopedu.auth import throttle
from kopedu.cohorts import services
from kopedu.cohorts import checkin
from kopedu.cohorts.models import Attendance
from kopedu.extensions import db
from tests import factories
from tests.cohorts.test_attendance import HX, WITA_0800, _url, setup  # noqa: F401 - the fixture

NEUTRAL = "Kode tidak dikenal atau belum dibuka"
AT_0900 = WITA_0800 + timedelta(hours=1)


@pytest.fixture
def at_0900(monkeypatch):
    """The request clock: 18 November 2026, 09.00 WITA (check-in of the setup's session is open)."""
    monkeypatch.setattr(services, "utcnow", lambda: AT_0900)
    monkeypatch.setattr(checkin, "utcnow", lambda: AT_0900)
    monkeypatch.setattr(throttle, "utcnow", lambda: AT_0900)


def _wrong_codes(session, n, moment=AT_0900):
    good = {checkin.checkin_code_at(session, moment), checkin.checkin_code_at(session, moment - timedelta(minutes=1))}
    return [c for c in (f"{i:06d}" for i in range(100)) if c not in good][:n]


def test_wrong_codes_are_counted_on_the_person_not_the_login_session(setup, app, client, login, at_0900):
    _trainer, _cohort, session, people = setup
    login(people[0][0])
    wrong = _wrong_codes(session, 12)
    statuses = [client.post("/hadir", data={"code": code}).status_code for code in wrong[:11]]
    assert statuses == [422] * 10 + [429]
    # A logout and a new login (a new session token) give no fresh guesses.
    client.post("/keluar")
    login(people[0][0])
    again = client.post("/hadir", data={"code": wrong[11]})
    assert again.status_code == 429
    assert "Terlalu banyak kode salah" in again.get_data(as_text=True)
    # Not even the right code gets through while the limit holds, so guessing cannot go on.
    right = client.post("/hadir", data={"code": checkin.checkin_code_at(session, AT_0900)})
    assert right.status_code == 429
    assert db.session.scalar(select(Attendance.id)) is None
    # Another participant of the same hall is not affected.
    client.post("/keluar")
    login(people[1][0])
    assert client.post("/hadir", data={"code": checkin.checkin_code_at(session, AT_0900)}).status_code == 200


def test_a_daily_cap_holds_after_the_short_window(setup, app, client, login, monkeypatch):
    """20 wrong codes a day per person and cohort: waiting out the 10-minute window does not reset that."""
    _trainer, _cohort, session, people = setup
    login(people[0][0])
    statuses = []
    for block in range(3):
        moment = AT_0900 + timedelta(minutes=11 * block)
        monkeypatch.setattr(services, "utcnow", lambda m=moment: m)
        monkeypatch.setattr(checkin, "utcnow", lambda m=moment: m)
        statuses += [client.post("/hadir", data={"code": c}).status_code for c in _wrong_codes(session, 10, moment)]
    assert statuses == [422] * 20 + [429] * 10


def test_a_valid_code_of_another_day_gets_the_neutral_answer(setup, client, login, at_0900):
    _trainer, cohort, session, people = setup
    next_week = factories.cohort_session(cohort, held_on=date(2026, 11, 25), starts_at=time(8, 0), ends_at=time(12, 0))
    db.session.commit()
    login(people[0][0])
    for moment in (AT_0900, datetime(2026, 11, 25, 1, 0, tzinfo=timezone.utc)):
        response = client.post("/hadir", data={"code": checkin.checkin_code_at(next_week, moment)})
        body = response.get_data(as_text=True)
        assert response.status_code == 422 and NEUTRAL in body
        assert "hanya berlaku" not in body
    # The stored seed itself is no code either.
    assert NEUTRAL in client.post("/hadir", data={"code": next_week.checkin_code}).get_data(as_text=True)


def test_the_code_rotates_and_the_previous_one_is_still_accepted(setup):
    _trainer, _cohort, session, people = setup
    codes = [checkin.checkin_code_at(session, WITA_0800 + timedelta(seconds=60 * i)) for i in range(5)]
    assert len(set(codes)) == 5  # a new code every minute
    assert checkin.checkin_code_at(session, WITA_0800 + timedelta(seconds=59)) == codes[0]
    # The code of a minute ago is accepted (typed while it changed), the one before that is not.
    with pytest.raises(services.CheckInError, match=NEUTRAL):
        checkin.check_in(people[0][0], codes[0], now=WITA_0800 + timedelta(seconds=150))
    _s, record = checkin.check_in(people[0][0], codes[1], now=WITA_0800 + timedelta(seconds=150))
    assert record.status == "present"


def test_the_trainer_screen_shows_the_current_code_and_its_qr_only_while_check_in_is_open(setup, client, login,
                                                                                          monkeypatch):
    trainer, cohort, session, _people = setup
    login(trainer)
    monkeypatch.setattr(services, "utcnow", lambda: WITA_0800 - timedelta(hours=2))
    monkeypatch.setattr(checkin, "utcnow", lambda: WITA_0800 - timedelta(hours=2))
    closed = client.get(f"{_url(cohort, session)}/kode", headers=HX).get_data(as_text=True)
    assert "Kode presensi muncul di sini selama presensi dibuka" in closed and "qr.svg" not in closed
    assert client.get(f"{_url(cohort, session)}/qr.svg").status_code == 404
    shown = []
    for minute in (0, 1):
        moment = AT_0900 + timedelta(minutes=minute)
        monkeypatch.setattr(services, "utcnow", lambda m=moment: m)
        monkeypatch.setattr(checkin, "utcnow", lambda m=moment: m)
        box = client.get(f"{_url(cohort, session)}/kode", headers=HX)
        assert box.headers["Cache-Control"] == "no-store"
        code = checkin.checkin_code_at(session, moment)
        html = box.get_data(as_text=True)
        assert f"{code[:3]} {code[3:]}" in html and f"v={code}" in html and 'hx-trigger="every' in html
        shown.append(code)
    assert shown[0] != shown[1]
