"""Issue 23 end to end, in Chromium at 360 × 740 over a throttled link (CDP: 400 kbit/s, 400 ms):

a participant fills the workbook over two visits with the browser offline in between (the field typed
offline waits on the phone and is applied once), submits; the trainer returns it with a note; the
participant fixes that step and resubmits; the trainer passes it; the PDF's text shows the computed titik
impas kas; the participant makes the monthly check-in and attaches a generated 3–4 MB photo while the
connection drops once (it resumes; the stored file is at most 500 KB); the region's observer sees plan vs
actual and the flag; an observer of another region and another participant get 403/404 on every workbook,
check-in and export URL of that cooperative."""
import subprocess
import time

from playwright.sync_api import expect
from sqlalchemy import select

from kopedu.extensions import db
from kopedu.plans.kawal_models import Checkin, KawalPlan
from kopedu.plans.models import BusinessPlan
from kopedu.resumable.models import ResumableUpload
from tests import factories
from tests.browser.conftest import log_in
from tests.browser.photos import phone_photo
from tests.plans.conftest import complete_data, wb  # noqa: F401 - the fixture

KBIT400 = 400 * 1000 // 8


def throttle(cdp, offline: bool = False) -> None:
    cdp.send("Network.emulateNetworkConditions", {"offline": offline, "latency": 400,
                                                   "downloadThroughput": KBIT400, "uploadThroughput": KBIT400})


def _login(page, user):
    log_in(page, "0" + user.phone[2:], factories.PASSWORD)


def _plan():
    db.session.expire_all()
    return db.session.scalar(select(BusinessPlan))


def _wait(predicate, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        db.session.expire_all()
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out")


def _grade(page, plan_id, outcome_button, note=None):
    page.goto(f"/rencana/{plan_id}/penilaian")
    for group in page.locator("fieldset.criterion").all():
        radios = group.locator("input[type=radio]").all()
        max(radios, key=lambda r: int(r.get_attribute("value"))).check()  # the highest level
    if note:
        page.locator("#note-rencana_aksi").fill(note)
    page.get_by_role("button", name=outcome_button, exact=True).click()


def test_workbook_to_monthly_checkin_on_a_weak_link(browser, live_server, app, wb, tmp_path):
    data = complete_data()
    data["rencana_aksi"]["tujuan"] = ""
    data["profil"]["ringkasan"] = ""
    plan = BusinessPlan(assignment_id=wb.assignment.id, user_id=wb.owner.id, cooperative_id=wb.coop.id, data=data)
    db.session.add(plan)
    db.session.commit()
    plan_id = plan.id

    def context():
        return browser.new_context(viewport={"width": 360, "height": 740}, locale="id-ID", base_url=live_server)

    phone = context()
    page = phone.new_page()
    page.set_default_timeout(30_000)
    cdp = phone.new_cdp_session(page)
    cdp.send("Network.enable")
    _login(page, wb.owner)
    throttle(cdp)

    # --- first visit: one field online, then the signal goes and a field typed offline waits
    page.goto(f"/rencana/{plan_id}/langkah/profil")
    summary = page.locator("[name='profil.ringkasan']")
    summary.fill("Gerai sembako untuk anggota dan warga sekitar Oebufu.")
    summary.press("Tab")
    page.locator("#ack-f-profil-ringkasan").get_by_text("Tersimpan").wait_for()
    page.goto(f"/rencana/{plan_id}/langkah/rencana_aksi")
    throttle(cdp, offline=True)
    goal = page.locator("[name='rencana_aksi.tujuan']")
    goal.fill("Penjualan Rp40.250.000 pada bulan ketiga.")
    goal.press("Tab")
    page.get_by_text("Menunggu sinyal").first.wait_for()
    assert _plan().data["rencana_aksi"]["tujuan"] == ""
    page.close()

    # --- second visit, signal back: the queued field is sent by itself, once
    page = phone.new_page()
    page.set_default_timeout(30_000)
    cdp = phone.new_cdp_session(page)
    cdp.send("Network.enable")
    throttle(cdp)
    page.goto(f"/rencana/{plan_id}")
    _wait(lambda: _plan().data["rencana_aksi"]["tujuan"] == "Penjualan Rp40.250.000 pada bulan ketiga.")
    page.reload()
    page.get_by_role("button", name="Kirim ke pelatih").click()
    _wait(lambda: _plan().status == "submitted")

    # --- the trainer returns it with a note on the action plan
    staff = context()
    desk = staff.new_page()
    desk.set_default_timeout(30_000)
    _login(desk, wb.trainer)
    _grade(desk, plan_id, "Kembalikan untuk revisi", note="Tujuan bulan ketiga: tulis juga jumlah keluarga.")
    _wait(lambda: _plan().status == "returned")

    # --- the participant fixes that step and sends it again
    page.goto(f"/rencana/{plan_id}/langkah/rencana_aksi")
    assert "jumlah keluarga" in page.content()
    goal = page.locator("[name='rencana_aksi.tujuan']")
    goal.fill("Penjualan Rp40.250.000 dan 150 keluarga pada bulan ketiga.")
    goal.press("Tab")
    _wait(lambda: "150 keluarga" in _plan().data["rencana_aksi"]["tujuan"])
    page.goto(f"/rencana/{plan_id}")
    page.get_by_role("button", name="Kirim ke pelatih").click()
    _wait(lambda: _plan().status == "submitted")

    # --- the trainer passes it: it becomes the cooperative's plan
    _grade(desk, plan_id, "Lulus")
    _wait(lambda: _plan().status == "passed")
    kplan = _wait(lambda: db.session.scalar(select(KawalPlan)))

    # --- the PDF's text shows the titik impas kas the calculator computed (Oebufu: Rp46.500.000)
    pdf = page.request.get(f"/rencana/{plan_id}/rencana-bisnis.pdf", timeout=120_000)
    assert pdf.status == 200
    (tmp_path / "rencana.pdf").write_bytes(pdf.body())
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "rencana.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "46.500.000" in text and "impas kas" in text.lower()

    # --- the monthly check-in, with a 3–4 MB photo through a dropped connection
    photo = tmp_path / "IMG_gerai.jpg"
    photo.write_bytes(phone_photo())
    page.goto("/kawal")
    page.locator("#k-sales").fill("45.000.000")
    page.locator("#k-costs").fill("44.500.000")
    page.locator("#k-cash").fill("900.000")
    page.locator("input[name='status-0'][value='selesai']").check()
    page.locator("input[name='status-1'][value='berjalan']").check()
    page.wait_for_selector("#photo-0[data-upload-ready]", state="attached")
    page.set_input_files("#photo-0", str(photo))
    item = page.locator(".upload")
    expect(item.locator(".upload-state")).to_contain_text("Mengunggah", timeout=60_000)
    upload = _wait(lambda: (lambda u: u if u is not None and u.offset > 0 else None)(
        db.session.scalar(select(ResumableUpload))))
    assert upload.offset < upload.size
    throttle(cdp, offline=True)
    expect(item).to_have_attribute("data-state", "waiting", timeout=20_000)
    time.sleep(1)
    throttle(cdp)
    expect(item).to_have_attribute("data-state", "done", timeout=90_000)
    page.get_by_role("button", name="Kirim laporan").click()
    checkin = _wait(lambda: db.session.scalar(select(Checkin)))
    assert checkin.cash == 900_000 and checkin.actions[0].photo_name
    stored = app.config["UPLOAD_DIR"] / "kawal" / checkin.actions[0].photo_name
    assert stored.stat().st_size <= 500 * 1024
    assert len(db.session.scalars(select(ResumableUpload)).all()) == 1  # resumed, not started again

    # --- the region's observer: plan vs actual and the flag
    observer = context()
    watch = observer.new_page()
    _login(watch, wb.observer)
    watch.goto("/kawal/wilayah")
    card = watch.locator("#kawal-list li", has_text=wb.coop.name)
    expect(card).to_contain_text("Kas akhir di bawah cicilan")
    card.get_by_role("link", name=wb.coop.name).click()
    expect(watch.locator("figure.chart").first).to_contain_text("Penjualan per bulan")
    assert watch.locator("figure.chart svg rect.bar.plan").count() >= 3
    assert "Rp900.000" in watch.content()

    # --- another region's observer and another participant: nothing of this cooperative
    action_id = checkin.actions[0].id
    urls = [f"/rencana/{plan_id}", f"/rencana/{plan_id}/langkah/keuangan", f"/rencana/{plan_id}/rencana-bisnis.pdf",
            f"/rencana/{plan_id}/rencana-bisnis.docx", f"/kawal/rencana/{kplan.id}", f"/kawal/foto/{action_id}"]
    for user, exports in ((wb.observer_other, 200), (wb.stranger, 403)):
        ctx = context()
        other = ctx.new_page()
        _login(other, user)
        for url in urls:
            assert other.request.get(url).status in (403, 404), (user.full_name, url)
        for url in ("/kawal/wilayah/rencana.csv", "/kawal/wilayah/laporan.csv", "/kawal/wilayah/rencana.xlsx",
                    "/kawal/wilayah/laporan.xlsx"):
            response = other.request.get(url)
            assert response.status == exports, (user.full_name, url)
            if exports == 200 and url.endswith(".csv"):
                assert wb.coop.name not in response.text()  # their own region only
        ctx.close()
    observer.close()
    staff.close()
    phone.close()
