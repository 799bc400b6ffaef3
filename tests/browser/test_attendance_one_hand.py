"""The attendance page for one hand, at 360×740: the trainer marks 16 participants and closes the session
without scrolling to the bottom of the list — the bar with "Semua hadir", the count and "Tutup presensi"
stays at the bottom of the screen, the menu takes one line, the kelurahan filter is readable."""
import subprocess
from datetime import date, time

from kopedu.certificates.models import CompletionRule
from kopedu.extensions import db
from tests import factories
from tests.browser.conftest import log_in
from tests.browser.test_attendance import NAMES

HEIGHT = 740


def _in_view(locator) -> bool:
    box = locator.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= HEIGHT


def test_the_trainer_marks_16_people_and_closes_without_scrolling_to_the_bottom(page, app):
    trainer = factories.user("trainer", phone="6281355550001")
    cohort = factories.cohort(trainers=[trainer])
    cohort.course.trainers.append(trainer)
    session = factories.cohort_session(cohort, held_on=date(2026, 11, 18), starts_at=time(8, 0),
                                       ends_at=time(12, 0), topic="Modul 1 — Dasar perkoperasian")
    people = [factories.participant_in(cohort, full_name=name, position="Ketua",
                                       village_code="5371030011" if i % 2 else "5371010011",
                                       phone=f"62813555600{i:02d}")
              for i, name in enumerate(NAMES)]
    # One session and an attendance-only rule: whoever attends it gets the certificate at close.
    db.session.add(CompletionRule(course_id=cohort.course_id, auto_issue=True, require_lessons=False,
                                  require_quizzes=False, require_assignments=False, min_attendance_pct=100))
    db.session.commit()
    log_in(page, "0813-5555-0001", factories.PASSWORD)
    page.goto(f"/angkatan/{cohort.id}/sesi/{session.id}")

    # A compact header: the menu is one line (it scrolls sideways), not ~190 px of links.
    assert page.locator("header.top").bounding_box()["height"] <= 64
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing sticks out sideways
    # The kelurahan filter: its own full-width line, names as people write them.
    select = page.get_by_label("Kelurahan")
    box = select.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360 and box["width"] >= 200, box
    labels = select.locator("option").all_inner_texts()
    assert "Namosain" in labels and "NAMOSAIN" not in labels
    assert select.evaluate("el => el.scrollWidth <= el.clientWidth")

    bar = page.locator("#att-bar")
    everyone = bar.get_by_role("button", name="Semua hadir")
    close = bar.get_by_role("button", name="Tutup presensi")
    last = page.locator(f"#p{people[-1][1].id}")
    # At the top of the page the bar is already within the thumb's reach, the end of the list is not.
    assert _in_view(everyone) and _in_view(close) and _in_view(bar.locator("#att-summary"))
    assert not _in_view(last)
    bar.locator("#att-summary", has_text="Hadir 0 dari 16").wait_for()

    # The exceptions among the first names, one tap each; then everybody else with the bar.
    exceptions = {1: "Terlambat", 2: "Izin", 4: "Tidak hadir", 5: "Terlambat", 6: "Izin", 8: "Tidak hadir"}
    for index, label in exceptions.items():
        row = page.locator(f"#p{people[index][1].id}")
        row.get_by_role("button", name=label, exact=True).click()
        row.locator('button[aria-pressed="true"]', has_text=label).wait_for()
    bar.locator("#att-summary", has_text="Hadir 2 dari 16").wait_for()
    assert _in_view(everyone) and not _in_view(last)
    everyone.click()
    bar.locator("#att-summary", has_text="Hadir 12 dari 16").wait_for()
    assert _in_view(close) and not _in_view(last)  # still never at the bottom of the list
    close.click()

    page.get_by_text("Presensi sudah ditutup. 12 sertifikat diterbitkan.").wait_for()
    issued = page.get_by_text("Sertifikat untuk:").inner_text()
    attended = [name for i, name in enumerate(NAMES) if exceptions.get(i) not in ("Izin", "Tidak hadir")]
    assert len(attended) == 12
    for name in NAMES:
        assert (name in issued) == (name in attended), name
    page.locator("#att-closed").wait_for()

    # The signed-off sheet for the SPJ: the trainer's "Cetak PDF" gives the daftar hadir with the approval
    # block, and the absent and Izin rows marked instead of a place to sign.
    with page.expect_download() as download:
        page.get_by_role("link", name="Cetak PDF").click()
    text = subprocess.run(["pdftotext", "-layout", str(download.value.path()), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "Mengetahui" in text
    assert text.count("Tidak hadir") >= 2 and text.count("Izin") >= 2
