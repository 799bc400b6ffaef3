"""The business-plan workbook on a 360 px phone: a field saves on its own, the money is computed as the
participant types, and a field typed offline waits on the phone and is applied once when the signal returns."""
from sqlalchemy import select

from kopedu.extensions import db
from kopedu.plans.models import BusinessPlan
from tests.browser.conftest import log_in
from tests.plans.conftest import complete_data, wb  # noqa: F401 - the fixture
from tests import factories


def test_fields_save_compute_and_wait_offline(app, page, wb):
    plan = BusinessPlan(assignment_id=wb.assignment.id, user_id=wb.owner.id, cooperative_id=wb.coop.id,
                        data={"keuangan": complete_data()["keuangan"]})
    db.session.add(plan)
    db.session.commit()
    log_in(page, "0" + wb.owner.phone[2:], factories.PASSWORD)

    page.goto(f"/rencana/{plan.id}/langkah/keuangan")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing wider than the phone
    assert "Rp46.500.000" in page.locator("#finance-result").inner_text()
    rent = page.get_by_label("Sewa tempat")
    rent.fill("2.000.000")
    rent.press("Tab")
    page.locator("#ack-f-keuangan-sewa").get_by_text("Tersimpan").wait_for()
    # (4.830.000 + 1.000.000 − 250.000 + 1.000.000 more rent) ÷ 12 % = 6.580.000 ÷ 0,12 = 54.833.334 (rounded up)
    page.locator("#finance-result").get_by_text("Rp54.833.334").wait_for()
    db.session.expire_all()
    assert db.session.get(BusinessPlan, plan.id).data["keuangan"]["sewa"] == "2.000.000"

    page.goto(f"/rencana/{plan.id}/langkah/profil")
    page.context.set_offline(True)
    name = page.get_by_label("Nama usaha")
    name.fill("Gerai sembako Oebufu")
    name.press("Tab")
    page.locator("#ack-f-profil-nama_usaha").get_by_text("Menunggu sinyal").wait_for()
    db.session.expire_all()
    assert "profil" not in db.session.get(BusinessPlan, plan.id).data
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    ack = page.locator("#ack-f-profil-nama_usaha")
    page.wait_for_selector("#ack-f-profil-nama_usaha:is([data-state=saved], [data-state=error])")
    assert ack.get_attribute("data-state") == "saved", ack.inner_text()
    db.session.expire_all()
    assert db.session.get(BusinessPlan, plan.id).data["profil"]["nama_usaha"] == "Gerai sembako Oebufu"

    page.reload()  # coming back: the step shows what was saved
    assert page.get_by_label("Nama usaha").input_value() == "Gerai sembako Oebufu"
