"""A participant on a 360 px phone over a throttled link (CDP: 400 kbit/s, 400 ms) attaches a 3–4 MB
photo to a file assignment: it is made small on the phone, sent in chunks with a percentage, survives
the connection dropping once mid-upload (it resumes at the server's offset, not from zero), and the
stored file is at most 500 KB."""
import time

from playwright.sync_api import expect
from sqlalchemy import select

from kopedu.extensions import db
from kopedu.grading.models import SubmissionFile
from kopedu.resumable.models import ResumableUpload
from tests import factories
from tests.browser.conftest import log_in
from tests.browser.photos import phone_photo

KBIT400 = 400 * 1000 // 8  # bytes per second


def throttle(cdp, offline: bool = False) -> None:
    cdp.send("Network.emulateNetworkConditions", {"offline": offline, "latency": 400,
                                                   "downloadThroughput": KBIT400, "uploadThroughput": KBIT400})


def test_photo_is_compressed_and_resumes_after_a_dropped_connection(page, app, tmp_path):
    course = factories.course(title="Penguatan Kapasitas")
    assignment = factories.assignment(course, submit_text=False)
    participant = factories.user(full_name="Yuliana Ndun", phone="6281200000001",
                                 cooperative_id=factories.cooperative().id)
    factories.enrollment(participant, course)
    db.session.commit()
    photo = tmp_path / "IMG_20261207_101500.jpg"
    photo.write_bytes(phone_photo())
    assert 3_000_000 <= photo.stat().st_size <= 4_200_000

    log_in(page, "081200000001", factories.PASSWORD)
    page.goto(f"/tugas/{assignment.lesson_id}")
    page.wait_for_selector("#files[data-upload-ready]", state="attached")
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    throttle(cdp)

    page.set_input_files("#files", str(photo))
    item = page.locator(".upload")
    expect(item.locator(".upload-state")).to_contain_text("Mengunggah", timeout=60_000)
    # wait until the server holds at least one chunk, then drop the connection
    deadline = time.time() + 60
    while time.time() < deadline:
        db.session.expire_all()
        upload = db.session.scalar(select(ResumableUpload))
        if upload is not None and upload.offset > 0:
            break
        time.sleep(0.2)
    held = upload.offset
    assert 0 < held < upload.size
    throttle(cdp, offline=True)
    expect(item).to_have_attribute("data-state", "waiting", timeout=20_000)
    assert "Menunggu sinyal" in item.inner_text()
    time.sleep(1)
    throttle(cdp)
    expect(item).to_have_attribute("data-state", "done", timeout=90_000)
    assert "Terunggah" in item.inner_text()

    db.session.expire_all()
    uploads = db.session.scalars(select(ResumableUpload)).all()
    assert len(uploads) == 1 and uploads[0].done  # resumed, not started again
    stats = page.eval_on_selector("#files", "el => JSON.parse(el.getAttribute('data-last-compress'))")
    assert stats["from"] == photo.stat().st_size and stats["to"] == uploads[0].size <= 500 * 1024

    page.get_by_role("button", name="Kirim").click()
    page.wait_for_selector("text=Versi 1 sudah terkirim", timeout=30_000)
    db.session.expire_all()
    [stored] = db.session.scalars(select(SubmissionFile)).all()
    path = app.config["UPLOAD_DIR"] / "submissions" / stored.stored_name
    assert stored.kind == "jpg" and stored.original_name == "IMG_20261207_101500.jpg"
    assert path.stat().st_size == stored.size <= 500 * 1024


def test_a_photo_attached_offline_waits_on_the_phone_and_goes_when_the_signal_returns(page, app, tmp_path):
    course = factories.course(title="Penguatan Kapasitas")
    assignment = factories.assignment(course, submit_text=False)
    participant = factories.user(full_name="Yuliana Ndun", phone="6281200000001",
                                 cooperative_id=factories.cooperative().id)
    factories.enrollment(participant, course)
    db.session.commit()
    photo = tmp_path / "gerai.jpg"
    photo.write_bytes(phone_photo(seed=3))

    log_in(page, "081200000001", factories.PASSWORD)
    page.goto(f"/tugas/{assignment.lesson_id}")
    page.wait_for_selector("#files[data-upload-ready]", state="attached")
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    throttle(cdp, offline=True)
    page.set_input_files("#files", str(photo))
    item = page.locator(".upload")
    expect(item).to_have_attribute("data-state", "waiting", timeout=30_000)
    assert "Menunggu sinyal" in item.inner_text()
    # the form cannot be sent while the photo waits
    page.get_by_role("button", name="Kirim").click()
    expect(page.locator(".upload-busy")).to_be_visible()
    db.session.expire_all()
    assert db.session.scalar(select(ResumableUpload)) is None
    throttle(cdp)
    expect(item).to_have_attribute("data-state", "done", timeout=90_000)
    page.get_by_role("button", name="Kirim").click()
    page.wait_for_selector("text=Versi 1 sudah terkirim", timeout=30_000)
    db.session.expire_all()
    [stored] = db.session.scalars(select(SubmissionFile)).all()
    assert stored.kind == "jpg" and stored.size <= 500 * 1024
