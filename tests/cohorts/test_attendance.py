from datetime import date, datetime, time, timezone

import pytest
from sqlalchemy import select

from kopedu.cohorts import services
from kopedu.cohorts import checkin
from kopedu.cohorts.models import Attendance
from kopedu.extensions import db
from tests import factories

# 18 November 2026, 08:00 WITA is 00:00 UTC.
WITA_0800 = datetime(2026, 11, 18, 0, 0, tzinfo=timezone.utc)


@pytest.fixture
def setup(app):
    trainer = factories.user("trainer", region_code=None)
    cohort = factories.cohort(trainers=[trainer])
    session = factories.cohort_session(cohort, held_on=date(2026, 11, 18), starts_at=time(8, 0),
                                       ends_at=time(12, 0), code="123456")
    people = [factories.participant_in(cohort, full_name=f"Peserta {i}") for i in range(3)]
    db.session.commit()
    return trainer, cohort, session, people


def _url(cohort, session, enrollment=None):
    base = f"/angkatan/{cohort.id}/sesi/{session.id}"
    return f"{base}/presensi/{enrollment.id}" if enrollment else base


def _status(session, enrollment):
    db.session.expire_all()
    return db.session.scalar(select(Attendance.status).where(
        Attendance.session_id == session.id, Attendance.enrollment_id == enrollment.id))


HX = {"HX-Request": "true"}


def _code(session, moment):
    """The rotating check-in code the trainer's screen shows at that moment."""
    return checkin.checkin_code_at(session, moment)


def test_trainer_taps_cycle_status_and_persist(setup, client, login):
    trainer, cohort, session, people = setup
    login(trainer)
    (_u, enrollment) = people[0]
    page = client.get(_url(cohort, session))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    # Each row carries the four statuses as buttons: one tap each.
    assert "Peserta 0" in html and html.count('name="status" value="excused"') == 3

    response = client.post(_url(cohort, session, enrollment), data={"status": "present"}, headers=HX)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    # One small fragment: this row (now offering the next status) and the counts out of band.
    assert body.count("<li") == 1 and "Peserta 0" in body and "Peserta 1" not in body
    assert 'value="present" class="att-b att-b-present" aria-pressed="true"' in body
    assert 'hx-swap-oob="true"' in body and "Hadir 1 dari 3" in body
    assert _status(session, enrollment) == "present"

    for expected in ("late", "absent", "excused", "present"):
        client.post(_url(cohort, session, enrollment), data={"status": expected}, headers=HX)
        assert _status(session, enrollment) == expected
    # The page shows the stored state after a reload.
    html = client.get(_url(cohort, session)).get_data(as_text=True)
    assert 'data-status="present"' in html


def test_semua_hadir_marks_only_the_rest_present(setup, client, login):
    trainer, cohort, session, people = setup
    login(trainer)
    client.post(_url(cohort, session, people[0][1]), data={"status": "excused"}, headers=HX)
    response = client.post(_url(cohort, session) + "/semua-hadir", headers=HX)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.count("<li") == 3 and "Hadir 2 dari 3" in body and 'hx-swap-oob="true"' in body
    assert [_status(session, e) for _u, e in people] == ["excused", "present", "present"]
    # Without JavaScript: back to the page, with the count in a message.
    client.post(_url(cohort, session, people[1][1]), data={"status": "late"}, headers=HX)
    response = client.post(_url(cohort, session) + "/semua-hadir")
    assert response.status_code == 303
    assert [_status(session, e) for _u, e in people] == ["excused", "late", "present"]
    assert "0 peserta ditandai hadir." in client.get(_url(cohort, session)).get_data(as_text=True)


def test_sheet_filters_by_name_and_kelurahan(setup, client, login):
    trainer, cohort, session, people = setup
    factories.participant_in(cohort, village_code="5371010011", full_name="Yohana Lasikodat")
    db.session.commit()
    login(trainer)
    html = client.get(_url(cohort, session)).get_data(as_text=True)
    assert 'name="kel"' in html and '<option value="5371010011">' in html
    body = client.get(_url(cohort, session) + "?kel=5371010011", headers=HX).get_data(as_text=True)
    assert "Yohana Lasikodat" in body and "Peserta 0" not in body
    body = client.get(_url(cohort, session) + "?q=peserta+1", headers=HX).get_data(as_text=True)
    assert "Peserta 1" in body and "Peserta 0" not in body and "Yohana" not in body


def test_tap_without_javascript_redirects_back(setup, client, login):
    trainer, cohort, session, people = setup
    login(trainer)
    response = client.post(_url(cohort, session, people[1][1]), data={"status": "absent"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/sesi/{session.id}#p{people[1][1].id}")
    assert _status(session, people[1][1]) == "absent"


def test_bad_status_and_foreign_enrollment_are_refused(setup, client, login):
    trainer, cohort, session, people = setup
    other_cohort = factories.cohort(course=cohort.course, trainers=[trainer])
    _u, stranger = factories.participant_in(other_cohort)
    db.session.commit()
    login(trainer)
    assert client.post(_url(cohort, session, people[0][1]), data={"status": "hadir"}).status_code == 400
    assert client.post(_url(cohort, session, stranger), data={"status": "present"}).status_code == 404
    assert db.session.scalar(select(Attendance.id)) is None


def test_other_trainer_observer_and_participant_cannot_take_attendance(setup, client, login):
    _trainer, cohort, session, people = setup
    outsider = factories.user("trainer", region_code="5371")
    observer = factories.user("observer", region_code="5371")
    db.session.commit()
    for who, expected in ((outsider, 403), (observer, 403), (people[0][0], 403)):
        login(who)
        assert client.get(_url(cohort, session)).status_code == expected
        assert client.post(_url(cohort, session, people[0][1]), data={"status": "present"}).status_code == expected
        client.post("/keluar")
    assert db.session.scalar(select(Attendance.id)) is None


def test_attendance_percentage_and_settled_share(setup, app):
    trainer, cohort, session, people = setup
    second = factories.cohort_session(cohort, held_on=date(2026, 11, 19), code="654321")
    (_u, enrollment) = people[0]
    services.set_attendance(session, enrollment, "late", actor=trainer)
    services.set_attendance(session, enrollment, "late", actor=trainer)  # no change
    services.set_attendance(second, enrollment, "excused", actor=trainer)
    assert services.attendance_pct(enrollment) == 50.0  # late counts, excused does not
    # The completion rules count only closed sessions (scheduled sessions are the denominator).
    assert services.attendance_pct(enrollment, settled_only=True) == 0.0
    services.close_attendance(session, trainer)
    assert services.attendance_pct(enrollment, settled_only=True) == 50.0
    services.reopen_attendance(session)
    assert services.attendance_pct(people[1][1]) == 0.0
    services.set_attendance(second, enrollment, "present", actor=trainer)
    assert services.attendance_pct(enrollment) == 100.0
    assert services.attendance_pcts([e for _u, e in people]) == {
        people[0][1].id: 100.0, people[1][1].id: 0.0, people[2][1].id: 0.0}


def test_attendance_pct_is_none_without_sessions(app):
    cohort = factories.cohort()
    _u, enrollment = factories.participant_in(cohort)
    assert services.attendance_pct(enrollment) is None
    enrollment.cohort_id = None
    assert services.attendance_pct(enrollment) is None


def test_self_check_in_inside_window_present_then_late(setup):
    _trainer, _cohort, session, people = setup
    first, second = people[0][0], people[1][0]
    code = _code(session, WITA_0800)
    got_session, record = checkin.check_in(first, f"{code[:3]} {code[3:]}", now=WITA_0800)
    assert got_session.id == session.id and record.status == "present" and record.method == "self"
    # 20 minutes after the start: late. A second check-in changes nothing.
    later = datetime(2026, 11, 18, 0, 20, tzinfo=timezone.utc)
    _s, record = checkin.check_in(second, _code(session, later), now=later)
    assert record.status == "late"
    last = datetime(2026, 11, 18, 3, 0, tzinfo=timezone.utc)
    _s, again = checkin.check_in(first, _code(session, last), now=last)
    assert again.status == "present"


@pytest.mark.parametrize("moment", [
    datetime(2026, 11, 17, 23, 29, tzinfo=timezone.utc),  # 07.29 WITA: more than 30 minutes early
    datetime(2026, 11, 18, 4, 1, tzinfo=timezone.utc),  # 12.01 WITA: the session has ended
    datetime(2026, 11, 19, 1, 0, tzinfo=timezone.utc),  # the next day
])
def test_check_in_code_outside_its_window_is_refused(setup, moment):
    _trainer, _cohort, session, people = setup
    with pytest.raises(services.CheckInError) as error:
        checkin.check_in(people[0][0], _code(session, moment), now=moment)
    assert "Kode tidak dikenal atau belum dibuka" in str(error.value)
    assert db.session.scalar(select(Attendance.id)) is None


def test_check_in_window_opens_30_minutes_early(setup):
    _trainer, _cohort, session, people = setup
    moment = datetime(2026, 11, 17, 23, 30, tzinfo=timezone.utc)
    _s, record = checkin.check_in(people[0][0], _code(session, moment), now=moment)
    assert record.status == "present"


def test_check_in_route_refuses_outside_window_and_wrong_cohort(setup, client, login, monkeypatch):
    _trainer, _cohort, session, people = setup
    outsider_cohort = factories.cohort()
    outsider, _e = factories.participant_in(outsider_cohort)
    db.session.commit()

    at_14 = datetime(2026, 11, 18, 6, 0, tzinfo=timezone.utc)
    monkeypatch.setattr(services, "utcnow", lambda: at_14)
    monkeypatch.setattr(checkin, "utcnow", lambda: at_14)
    login(people[0][0])
    response = client.post("/hadir", data={"code": _code(session, at_14)})
    assert response.status_code == 422
    assert "Kode tidak dikenal atau belum dibuka" in response.get_data(as_text=True)
    client.post("/keluar")

    at_9 = datetime(2026, 11, 18, 1, 0, tzinfo=timezone.utc)
    monkeypatch.setattr(services, "utcnow", lambda: at_9)
    monkeypatch.setattr(checkin, "utcnow", lambda: at_9)
    login(outsider)  # the code belongs to a cohort this participant is not in: nothing says so
    response = client.post("/hadir", data={"code": _code(session, at_9)})
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "Kode tidak dikenal atau belum dibuka" in body
    assert _cohort.name not in body
    assert db.session.scalar(select(Attendance.id)) is None
    client.post("/keluar")

    login(people[0][0])
    code = _code(session, at_9)
    response = client.get(f"/hadir?kode={code}")
    assert f'value="{code}"' in response.get_data(as_text=True)  # from the QR code link
    response = client.post("/hadir", data={"code": code})
    assert response.status_code == 200 and "Kehadiran tercatat" in response.get_data(as_text=True)
    assert _status(session, people[0][1]) == "late"  # 09.00 WITA


def test_new_code_replaces_the_old_one_and_qr_is_svg(setup, client, login, monkeypatch):
    trainer, cohort, session, people = setup
    monkeypatch.setattr(services, "utcnow", lambda: WITA_0800)
    monkeypatch.setattr(checkin, "utcnow", lambda: WITA_0800)
    old_code = _code(session, WITA_0800)
    login(trainer)
    response = client.post(f"{_url(cohort, session)}/kode-baru", headers=HX)
    assert response.status_code == 200
    db.session.expire_all()
    assert session.checkin_code != "123456" and len(session.checkin_code) == 6
    db.session.expire_all()
    with pytest.raises(services.CheckInError):  # the code shown before "Ganti kode" is gone
        checkin.check_in(people[0][0], old_code, now=WITA_0800)
    db.session.rollback()  # the count of that wrong code, written by the service, is not needed here
    qr = client.get(f"{_url(cohort, session)}/qr.svg")
    assert qr.mimetype == "image/svg+xml" and b"<svg" in qr.data
    client.post("/keluar")
    login(people[0][0])
    assert client.get(f"{_url(cohort, session)}/qr.svg").status_code == 403


def test_mark_the_rest_absent(setup, client, login):
    trainer, cohort, session, people = setup
    services.set_attendance(session, people[0][1], "present", actor=trainer)
    db.session.commit()
    login(trainer)
    client.post(f"{_url(cohort, session)}/sisa-tidak-hadir")
    assert [_status(session, e) for _u, e in people] == ["present", "absent", "absent"]


def test_attendance_page_query_count_does_not_grow(setup, client, login, count_queries):
    trainer, cohort, session, _people = setup
    login(trainer)
    url = _url(cohort, session)
    client.get(url)
    with count_queries() as few:
        client.get(url)
    for i in range(20):
        factories.participant_in(cohort, full_name=f"Tambahan {i}")
    db.session.commit()
    with count_queries() as many:
        html = client.get(url).get_data(as_text=True)
    assert "Tambahan 19" in html
    assert many.count == few.count


def test_two_phones_marking_the_same_name_at_once_keep_one_row(setup, monkeypatch):
    from kopedu.db import utcnow

    trainer, _cohort, session, people = setup
    enrollment = people[0][1]
    with db.engine.begin() as conn:  # the other phone's request committed first
        conn.execute(Attendance.__table__.insert().values(
            session_id=session.id, enrollment_id=enrollment.id, status="present", method="trainer",
            marked_at=utcnow()))
    real = db.session.scalar
    calls = []

    def lookup_missed_it(*args, **kwargs):  # this request looked before that commit
        calls.append(1)
        return None if len(calls) == 1 else real(*args, **kwargs)

    monkeypatch.setattr(db.session, "scalar", lookup_missed_it)
    record = services.set_attendance(session, enrollment, "late", actor=trainer)
    monkeypatch.undo()
    db.session.commit()
    assert record.status == "late"
    assert db.session.scalars(select(Attendance.status)).all() == ["late"]


def test_closed_attendance_page_offers_no_taps(setup, client, login):
    """After "Tutup presensi" the page's status buttons are disabled, "Semua hadir" is gone and refused,
    and the page offers to reopen."""
    trainer, cohort, session, people = setup
    login(trainer)
    html = client.get(_url(cohort, session)).get_data(as_text=True)
    assert f'action="{_url(cohort, session)}/tutup-presensi"' in html and "Semua hadir" in html
    client.post(_url(cohort, session, people[0][1]), data={"status": "excused"}, headers=HX)
    assert client.post(_url(cohort, session) + "/tutup-presensi").status_code == 303
    html = client.get(_url(cohort, session)).get_data(as_text=True)
    assert "Presensi ditutup" in html and "Buka lagi presensi" in html and "/semua-hadir" not in html
    assert html.count(" disabled>") == 4 * len(people)
    assert client.post(_url(cohort, session) + "/semua-hadir").status_code == 409
    assert [_status(session, e) for _u, e in people] == ["excused", None, None]
