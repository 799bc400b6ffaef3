"""Tutup presensi: a session's attendance counts towards the completion rules only once it is closed;
taps in between never issue a certificate, and a closed session refuses changes until it is reopened."""
from datetime import date, datetime, time, timezone

import pytest
from sqlalchemy import func, select

from kopedu.certificates.models import Certificate, CompletionRule
from kopedu.cohorts import services
from kopedu.cohorts import checkin
from kopedu.cohorts.models import Attendance, CohortSession
from kopedu.extensions import db
from tests import factories

HX = {"HX-Request": "true"}


@pytest.fixture
def hall(app):
    """A cohort with one session, three participants and an attendance-only rule (100 %)."""
    trainer = factories.user("trainer", region_code=None)
    cohort = factories.cohort(trainers=[trainer])
    cohort.course.trainers.append(trainer)
    session = factories.cohort_session(cohort, held_on=date(2026, 11, 18), starts_at=time(8, 0),
                                       ends_at=time(12, 0), code="123456")
    people = [factories.participant_in(cohort, full_name=f"Peserta {i}") for i in range(3)]
    db.session.add(CompletionRule(course_id=cohort.course_id, auto_issue=True, require_lessons=False,
                                  require_quizzes=False, require_assignments=False, min_attendance_pct=100))
    db.session.commit()
    return trainer, cohort, session, people


def _certificates(enrollment=None) -> int:
    db.session.expire_all()
    stmt = select(func.count(Certificate.id)).where(Certificate.revoked_at.is_(None))
    if enrollment is not None:
        stmt = stmt.where(Certificate.enrollment_id == enrollment.id)
    return db.session.scalar(stmt)


def _tap(client, cohort, session, enrollment, status):
    return client.post(f"/angkatan/{cohort.id}/sesi/{session.id}/presensi/{enrollment.id}",
                       data={"status": status}, headers=HX)


def test_tapping_through_the_cycle_issues_nothing_until_closed(hall, client, login):
    trainer, cohort, session, people = hall
    login(trainer)
    (_u, cycled), (_u2, present), (_u3, _never) = people
    # B1: Izin → Hadir → Terlambat → Tidak hadir. The "Hadir" step used to issue a certificate.
    for status in ("excused", "present", "late", "absent"):
        assert _tap(client, cohort, session, cycled, status).status_code == 200
        assert _certificates() == 0
    assert _tap(client, cohort, session, present, "present").status_code == 200
    assert _certificates() == 0

    page = client.get(f"/angkatan/{cohort.id}/sesi/{session.id}").get_data(as_text=True)
    assert "Tutup presensi" in page
    response = client.post(f"/angkatan/{cohort.id}/sesi/{session.id}/tutup-presensi")
    assert response.status_code == 303
    # Only the rule decides: the one present at close gets it; the one who ended at absent does not.
    assert _certificates(present) == 1
    assert _certificates(cycled) == 0
    assert _certificates() == 1
    closed = db.session.get(CohortSession, session.id)
    assert closed.attendance_closed_at is not None and closed.attendance_closed_by_id == trainer.id

    # A closed session refuses taps (409, nothing written) and its page says it is closed.
    assert _tap(client, cohort, session, cycled, "present").status_code == 409
    assert db.session.scalar(select(Attendance.status).where(Attendance.enrollment_id == cycled.id)) == "absent"
    page = client.get(f"/angkatan/{cohort.id}/sesi/{session.id}").get_data(as_text=True)
    assert "Presensi ditutup" in page and "Buka lagi presensi" in page
    # Closing twice changes nothing.
    assert client.post(f"/angkatan/{cohort.id}/sesi/{session.id}/tutup-presensi").status_code == 303
    assert _certificates() == 1


def test_reopen_corrects_then_close_issues_and_never_revokes(hall, client, login):
    trainer, cohort, session, people = hall
    login(trainer)
    (_u, first), (_u2, second), _third = people
    _tap(client, cohort, session, first, "present")
    client.post(f"/angkatan/{cohort.id}/sesi/{session.id}/tutup-presensi")
    assert _certificates(first) == 1 and _certificates(second) == 0

    assert client.post(f"/angkatan/{cohort.id}/sesi/{session.id}/buka-presensi").status_code == 303
    assert _tap(client, cohort, session, first, "absent").status_code == 200
    assert _tap(client, cohort, session, second, "late").status_code == 200
    assert _certificates(second) == 0  # still open: nothing evaluated
    client.post(f"/angkatan/{cohort.id}/sesi/{session.id}/tutup-presensi")
    assert _certificates(second) == 1
    assert _certificates(first) == 1  # no longer meets the rule, but revoking is the admin's choice


def test_rule_over_two_sessions_needs_both_closed(hall, app):
    trainer, cohort, session, people = hall
    second = factories.cohort_session(cohort, held_on=date(2026, 11, 19), code="654321")
    (_u, enrollment) = people[0]
    services.set_attendance(session, enrollment, "present", actor=trainer)
    services.set_attendance(second, enrollment, "present", actor=trainer)
    services.close_attendance(session, trainer)
    assert _certificates(enrollment) == 0  # 50 % settled
    services.close_attendance(second, trainer)
    assert _certificates(enrollment) == 1


def test_sessions_never_closed_close_after_their_day(hall, app):
    trainer, cohort, session, people = hall
    later = factories.cohort_session(cohort, held_on=date(2026, 11, 19), code="654321")
    rule = db.session.scalar(select(CompletionRule))
    rule.min_attendance_pct = 50
    (_u, enrollment) = people[0]
    services.set_attendance(session, enrollment, "present", actor=trainer)
    db.session.commit()
    # 18 November, 23:00 WITA: the day has not ended yet.
    assert services.close_due_sessions(datetime(2026, 11, 18, 15, 0, tzinfo=timezone.utc)) == 0
    assert _certificates() == 0
    # 19 November, 00:30 WITA: the session of the 18th closes by itself; the one of the 19th stays open.
    assert services.close_due_sessions(datetime(2026, 11, 18, 16, 30, tzinfo=timezone.utc)) == 1
    assert db.session.get(CohortSession, session.id).attendance_closed_at is not None
    assert db.session.get(CohortSession, later.id).attendance_closed_at is None
    assert _certificates(enrollment) == 1


def test_self_check_in_refused_on_a_closed_session(hall):
    trainer, cohort, session, people = hall
    services.close_attendance(session, trainer)
    with pytest.raises(services.CheckInError):
        moment = datetime(2026, 11, 18, 0, 5, tzinfo=timezone.utc)
        checkin.check_in(people[0][0], checkin.checkin_code_at(session, moment), now=moment)


def test_only_the_cohorts_staff_may_close(hall, client, login):
    _trainer, cohort, session, people = hall
    other = factories.user("trainer", region_code=None)
    db.session.commit()
    for user in (people[0][0], other):
        login(user)
        assert client.post(f"/angkatan/{cohort.id}/sesi/{session.id}/tutup-presensi").status_code == 403
        client.post("/keluar")
    assert db.session.get(CohortSession, session.id).attendance_closed_at is None
