from datetime import date, datetime, time, timezone

from sqlalchemy import select

from kopedu.cohorts import services
from kopedu.cohorts.models import Attendance
from kopedu.extensions import db
from tests import factories
from tests.browser.conftest import log_in


def _setup():
    trainer = factories.user("trainer", phone="6281355550001")
    cohort = factories.cohort(trainers=[trainer])
    session = factories.cohort_session(cohort, held_on=date(2026, 11, 18), starts_at=time(8, 0),
                                       ends_at=time(12, 0), topic="Modul 1 — Dasar perkoperasian", code="246810")
    people = [factories.participant_in(cohort, full_name=name, phone=f"62813555600{i:02d}")
              for i, name in enumerate(("Ana Benu", "Beni Tefa", "Citra Lado"))]
    db.session.commit()
    return trainer, cohort, session, people


def _statuses(session):
    db.session.expire_all()
    return dict(db.session.execute(select(Attendance.enrollment_id, Attendance.status).where(
        Attendance.session_id == session.id)).all())


def test_trainer_taps_names_to_take_attendance(page, app):
    _trainer, cohort, session, people = _setup()
    log_in(page, "0813-5555-0001", factories.PASSWORD)
    page.goto(f"/angkatan/{cohort.id}/sesi/{session.id}")
    page.evaluate("window.__marker = 1")
    ana = page.locator(f"#p{people[0][1].id} button")
    box = ana.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 300  # a wide tap target on a 360 px phone

    ana.click()
    page.locator(f"#p{people[0][1].id} .att-status", has_text="Hadir").wait_for()
    page.locator("#att-summary", has_text="Hadir 1").wait_for()
    page.locator(f"#p{people[0][1].id} button").click()
    page.locator(f"#p{people[0][1].id} .att-status", has_text="Terlambat").wait_for()
    page.locator(f"#p{people[1][1].id} button").click()
    page.locator(f"#p{people[1][1].id} .att-status", has_text="Hadir").wait_for()
    page.locator("#att-summary", has_text="Terlambat 1").wait_for()
    assert page.evaluate("window.__marker") == 1  # swapped in place, no page load

    assert _statuses(session) == {people[0][1].id: "late", people[1][1].id: "present"}
    page.reload()
    assert page.locator(f"#p{people[0][1].id} .att-status").inner_text() == "Terlambat"
    assert page.locator(f"#p{people[2][1].id} .att-status").inner_text() == "Belum"


def test_participant_checks_in_with_the_code(page, app, monkeypatch):
    _trainer, _cohort, session, people = _setup()
    monkeypatch.setattr(services, "utcnow", lambda: datetime(2026, 11, 18, 0, 5, tzinfo=timezone.utc))  # 08.05 WITA
    log_in(page, "0813-5556-0000", factories.PASSWORD)
    page.get_by_role("link", name="Presensi").click()
    page.get_by_label("Kode presensi (6 angka)").fill("246 810")
    page.get_by_role("button", name="Saya hadir").click()
    page.get_by_text("Kehadiran tercatat: Modul 1 — Dasar perkoperasian — Hadir.").wait_for()
    assert _statuses(session) == {people[0][1].id: "present"}
