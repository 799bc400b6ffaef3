"""A trainer grades with the rubric inline and sends the work back for revision; the participant reads
the feedback and sends version 2 (version 1 stays readable); the trainer passes it."""
import re

from kopedu.extensions import db
from kopedu.grading import services
from tests import factories
from tests.browser.conftest import log_in
from tests.grading import samples


def _login_name(user) -> str:
    return "0" + user.phone[2:]


def test_revision_loop_in_the_browser(page, browser, live_server, app, tmp_path):
    from werkzeug.datastructures import FileStorage
    import io

    course = factories.course(title="Penguatan Kapasitas Pengurus")
    assignment = factories.assignment(course, title="Tugas rencana bisnis")
    trainer = factories.trainer_of(course, full_name="Maria Goreti Seran")
    participant = factories.user(full_name="Yuliana Ndun", position="Ketua",
                                 cooperative_id=factories.cooperative().id)
    enrollment = factories.enrollment(participant, course)
    services.submit(assignment, enrollment, text="Usaha toko sembako koperasi. Modal awal Rp10.000.000.",
                    files=[FileStorage(io.BytesIO(samples.png(40, 30)), filename="bagan.png")],
                    upload_dir=app.config["UPLOAD_DIR"])
    db.session.commit()

    # --- the trainer grades inline: "Perlu revisi"
    log_in(page, _login_name(trainer), factories.PASSWORD)
    page.get_by_role("link", name=re.compile("^Penilaian")).click()
    page.wait_for_url("**/penilaian")
    page.evaluate("window.__noReload = 1")
    assert page.locator("#waiting-count").inner_text() == "1 menunggu penilaian"
    row = page.locator("tr.queue-row", has_text="Yuliana Ndun")
    row.get_by_role("link", name="Nilai").click()
    panel = page.locator(".grade-panel")
    panel.get_by_text("Usaha toko sembako koperasi.").wait_for()
    assert panel.locator("img.submitted-image").count() == 1
    panel.get_by_role("group", name=re.compile("Potensi lokal")).get_by_role("radio", name="2 — Umum").check()
    panel.get_by_role("group", name=re.compile("Rencana keuangan")).get_by_role("radio", name="2 — Sebagian").check()
    panel.get_by_label("Umpan balik untuk peserta").fill("Tambahkan perkiraan penjualan per bulan dan titik impas.")
    panel.get_by_role("button", name="Perlu revisi").click()
    page.get_by_text("Nilai tersimpan: Perlu revisi.").wait_for()
    assert row.locator(".status").inner_text() == "Perlu revisi"
    assert page.locator("#waiting-count").inner_text() == "0 menunggu penilaian"
    assert page.locator("#nav-waiting").inner_text() == ""
    assert page.evaluate("window.__noReload") == 1  # no page load

    # --- the participant reads the feedback and sends version 2
    other = browser.new_context(viewport={"width": 360, "height": 740}, locale="id-ID", base_url=live_server)
    p = other.new_page()
    p.set_default_timeout(10_000)
    log_in(p, _login_name(participant), factories.PASSWORD)
    assert p.locator("#nav-feedback").inner_text().startswith("1")
    p.get_by_role("link", name=re.compile("^Tugas")).first.click()
    p.wait_for_url("**/tugas")
    p.get_by_role("link", name="Tugas rencana bisnis").click()
    result = p.locator("#hasil")
    result.get_by_text("Tambahkan perkiraan penjualan per bulan dan titik impas.").wait_for()
    assert "Perlu revisi" in result.inner_text()
    assert p.locator("#nav-feedback").inner_text() == ""  # read now
    p.get_by_label("Jawaban Anda").fill("Versi 2: penjualan Rp15.000.000 per bulan, titik impas bulan ke-7.")
    p.get_by_label("Berkas (PDF, DOCX, XLSX, JPG, atau PNG)").set_input_files(
        files=[{"name": "rencana-v2.pdf", "mimeType": "application/pdf", "buffer": samples.pdf()}])
    # the file goes with the resumable upload (a percentage, then ✓ Terunggah); the form is sent after
    p.locator(".upload[data-state=done]").get_by_text("Terunggah").wait_for()
    p.get_by_role("button", name="Kirim").click()
    p.get_by_text("Versi 2 sudah terkirim.").wait_for()
    history = p.locator("#riwayat")
    assert "rencana-v2.pdf" in history.inner_text()
    version1 = history.locator("details.version", has_text="Versi 1")
    version1.locator("summary").click()
    version1.get_by_text("Usaha toko sembako koperasi.").wait_for()
    assert version1.get_by_text("Usaha toko sembako koperasi.").is_visible()
    assert version1.locator("img.submitted-image").count() == 1

    # --- the trainer passes version 2
    page.goto("/penilaian")
    row = page.locator("tr.queue-row", has_text="Yuliana Ndun")
    assert row.locator("td").nth(2).inner_text() == "2"
    row.get_by_role("link", name="Nilai").click()
    panel = page.locator(".grade-panel")
    panel.get_by_text("titik impas bulan ke-7").wait_for()
    assert "rencana-v2.pdf" in panel.inner_text()
    panel.get_by_role("group", name=re.compile("Potensi lokal")).get_by_role("radio", name="4 — Jelas dengan data").check()
    panel.get_by_role("group", name=re.compile("Rencana keuangan")).get_by_role("radio", name="4 — Lengkap dan benar").check()
    panel.get_by_label("Umpan balik untuk peserta").fill("Bagus, rencana sudah lengkap.")
    panel.get_by_role("button", name="Lulus", exact=True).click()
    page.get_by_text("Nilai tersimpan: Lulus.").wait_for()
    assert row.locator(".status").inner_text() == "Lulus"

    p.reload()
    assert "Lulus" in p.locator("#hasil").inner_text()
    assert "Bagus, rencana sudah lengkap." in p.locator("#hasil").inner_text()
    assert p.locator("#kirim").count() == 0  # passed: no more versions
    other.close()
    db.session.expire_all()
    assert services.assignments_passed(enrollment) is True
