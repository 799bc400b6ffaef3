from datetime import date, datetime, time, timezone

from sqlalchemy import select

from kopedu.cohorts import services

from kopedu.cohorts import checkin
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


NAMES = ("Ana Benu", "Beni Tefa", "Citra Lado", "Dominggus Nalle", "Elsa Tanone", "Frans Manu", "Gita Ndolu",
         "Hendrik Fanggidae", "Ika Lay", "Jefri Bessie", "Kristina Nope", "Lukas Ratu", "Maria Kana",
         "Nikolas Pah", "Oktavia Solo", "Paulus Taek")


def test_trainer_marks_16_people_in_at_most_18_taps_on_a_phone(page, app):
    trainer = factories.user("trainer", phone="6281355550001")
    cohort = factories.cohort(trainers=[trainer])
    session = factories.cohort_session(cohort, held_on=date(2026, 11, 18), starts_at=time(8, 0),
                                       ends_at=time(12, 0), topic="Modul 1 — Dasar perkoperasian", code="246810")
    people = [factories.participant_in(cohort, full_name=name, position="Ketua",
                                       village_code="5371030011" if i % 2 else "5371010011",
                                       phone=f"62813555600{i:02d}")
              for i, name in enumerate(NAMES)]
    db.session.commit()
    log_in(page, "0813-5555-0001", factories.PASSWORD)
    page.goto(f"/angkatan/{cohort.id}/sesi/{session.id}")
    page.evaluate("window.__marker = 1")

    # Names first: the first participant and their buttons are on screen before any scrolling; the
    # code and QR wait behind a button.
    assert page.evaluate("window.scrollY") == 0
    first = page.locator(f"#p{people[0][1].id}")
    for part in (first.locator(".att-name"), first.get_by_role("button", name="Tidak hadir")):
        box = part.bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= 740, box
    assert first.locator(".att-name").inner_text() == "Ana Benu"
    assert not page.locator(".code-digits").is_visible()
    page.locator("#att-summary", has_text="Hadir 0 dari 16").wait_for()

    taps = 0

    def tap(locator):
        nonlocal taps
        box = locator.bounding_box()
        assert box["height"] >= 40 and box["width"] >= 60, box  # a thumb-sized target
        locator.click()
        taps += 1

    # The exceptions, one tap each: late, excused, absent — then everybody else in one tap.
    exceptions = {3: "Terlambat", 7: "Izin", 12: "Tidak hadir", 15: "Terlambat"}
    for index, label in exceptions.items():
        row = page.locator(f"#p{people[index][1].id}")
        tap(row.get_by_role("button", name=label, exact=True))
        row.locator(f'button[aria-pressed="true"]', has_text=label).wait_for()
    page.locator("#att-summary", has_text="Hadir 2 dari 16").wait_for()
    # A mistake is corrected with one tap too (Izin → Hadir).
    row = page.locator(f"#p{people[7][1].id}")
    tap(row.get_by_role("button", name="Hadir", exact=True))
    row.locator('button[aria-pressed="true"]', has_text="Hadir").wait_for()
    tap(page.get_by_role("button", name="Semua hadir"))
    page.locator("#att-summary", has_text="Hadir 15 dari 16").wait_for()
    assert taps <= 18, taps
    assert page.evaluate("window.__marker") == 1  # swapped in place, no page load

    expected = {e.id: "present" for _u, e in people}
    expected.update({people[3][1].id: "late", people[12][1].id: "absent", people[15][1].id: "late"})
    assert _statuses(session) == expected
    page.reload()
    assert page.locator(f"#p{people[12][1].id} button[aria-pressed=true]").inner_text() == "Tidak hadir"
    assert page.locator(f"#p{people[0][1].id} button[aria-pressed=true]").inner_text() == "Hadir"

    # Filter by kelurahan, then the code behind its button.
    page.get_by_label("Kelurahan").select_option(label="Namosain")
    page.locator(f"#p{people[1][1].id}").wait_for(state="detached")
    assert page.locator("#sheet li").count() == 8
    page.get_by_text("Tampilkan kode presensi & QR").click()
    # 18 November 2026 is not today: the rotating code exists only while check-in is open.
    page.get_by_text("Kode presensi muncul di sini selama presensi dibuka").wait_for()


def test_participant_checks_in_with_the_code(page, app, monkeypatch):
    _trainer, _cohort, session, people = _setup()
    moment = datetime(2026, 11, 18, 0, 5, tzinfo=timezone.utc)  # 08.05 WITA
    monkeypatch.setattr(services, "utcnow", lambda: moment)
    monkeypatch.setattr(checkin, "utcnow", lambda: moment)
    code = checkin.checkin_code_at(session, moment)
    log_in(page, "0813-5556-0000", factories.PASSWORD)
    page.get_by_role("link", name="Presensi").click()
    page.get_by_label("Kode presensi (6 angka)").fill(f"{code[:3]} {code[3:]}")
    page.get_by_role("button", name="Saya hadir").click()
    page.get_by_text("Kehadiran tercatat: Modul 1 — Dasar perkoperasian — Hadir.").wait_for()
    assert _statuses(session) == {people[0][1].id: "present"}
