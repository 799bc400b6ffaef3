"""Certificates as people use them: the participant downloads theirs from the dashboard, anyone scans the
QR code and sees that it is genuine, a trainer downloads a cohort's certificates as one ZIP."""
import io
import subprocess
import zipfile
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import select

from kopedu.auth.models import User
from kopedu.certificates import jobs, services
from kopedu.courses.models import Course
from kopedu.demo import DEMO_PASSWORD, seed_demo
from kopedu.extensions import db
from kopedu.learning.models import Enrollment
from tests import factories
from tests.browser.conftest import log_in
from tests.certificates.helpers import complete


def _demo_course():
    return db.session.scalar(select(Course).where(Course.slug == "penguatan-kapasitas-pengurus-kmp"))


def _enrollment(phone: str, course) -> Enrollment:
    user = db.session.scalar(select(User).where(User.phone == phone))
    return db.session.scalar(select(Enrollment).where(Enrollment.user_id == user.id,
                                                      Enrollment.course_id == course.id))


def _decode_qr(pdf_path: Path, tmp_path: Path) -> list[str]:
    import zxingcpp
    from PIL import Image

    subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", str(pdf_path), str(tmp_path / "page")],
                   check=True)
    with Image.open(tmp_path / "page.png") as image:
        return [result.text for result in zxingcpp.read_barcodes(image)
                if result.format == zxingcpp.BarcodeFormat.QRCode]


def test_participant_downloads_certificate_and_its_qr_code_verifies(page, app, live_server, tmp_path):
    seed_demo()
    app.config["PUBLIC_BASE_URL"] = live_server
    course = _demo_course()
    services.save_rules(course, auto_issue=True, require_lessons=True, require_quizzes=True,
                        min_posttest_score=70, require_assignments=False, min_attendance_pct=None)
    enrollment = _enrollment("6281200000001", course)
    complete(enrollment, posttest_score=85)  # lessons read, quizzes and post-test passed: learning's event
    db.session.commit()
    assert jobs.wait_for_workers(60)  # the PDF, rendered after the commit in this process

    log_in(page, "081200000001", DEMO_PASSWORD)
    section = page.locator("#certificates")
    assert course.title in section.inner_text()
    with page.expect_download() as info:
        section.get_by_role("link", name="Unduh sertifikat (PDF)").click()
    download = info.value
    assert download.suggested_filename.startswith("Sertifikat-Yuliana_Ndun-") and download.suggested_filename.endswith(".pdf")
    pdf_path = tmp_path / "sertifikat.pdf"
    download.save_as(pdf_path)
    data = pdf_path.read_bytes()
    assert data.startswith(b"%PDF")

    certificate = services.live_certificate(enrollment.id)
    text = " ".join(PdfReader(io.BytesIO(data)).pages[0].extract_text().split())
    assert "Yuliana Ndun" in text and certificate.serial in text

    [url] = _decode_qr(pdf_path, tmp_path)
    assert url == services.verify_url(certificate.verify_code)
    assert url.startswith(f"{live_server}/verifikasi/")

    page.goto(url)
    main = page.locator("main")
    assert "Sertifikat ini asli dan berlaku." in main.inner_text()
    assert "SAH" in main.locator(".verify-status").inner_text()
    assert "Yuliana Ndun" in main.inner_text() and certificate.serial in main.inner_text()


def test_anyone_types_a_code_and_sees_a_revoked_certificate(page, app, live_server):
    seed_demo()
    course = _demo_course()
    enrollment = _enrollment("6281200000002", course)
    admin = db.session.scalar(select(User).where(User.role == "admin"))
    certificate = services.issue(enrollment, by=admin, reason="Bimtek tatap muka")
    services.revoke(certificate, admin, "Peserta diganti oleh koperasi")
    db.session.commit()

    page.goto("/verifikasi")
    page.get_by_label("Kode verifikasi").fill(certificate.verify_code.lower())
    page.get_by_role("button", name="Periksa").click()
    page.get_by_text("DICABUT").first.wait_for()
    assert "Peserta diganti oleh koperasi" in page.locator("main").inner_text()

    page.get_by_label("Kode verifikasi").fill("AAAA-BBBB-CCCC-DDDD-E")
    page.get_by_role("button", name="Periksa").click()
    page.get_by_text("Kode tidak ditemukan.").wait_for()
    assert "Stefanus" not in page.locator("main").inner_text()


def test_trainer_downloads_a_cohort_zip_with_one_pdf_per_participant(page, app, tmp_path):
    seed_demo()
    course = _demo_course()
    # the rule complete() fulfils (the demo's own rule also asks for the assignment and attendance)
    services.save_rules(course, auto_issue=True, require_lessons=True, require_quizzes=True,
                        min_posttest_score=None, require_assignments=False, min_attendance_pct=None)
    cohort = factories.cohort(course, code="KPG-1", name="Angkatan 1 Kupang")
    phones = ["6281200000001", "6281200000002", "6281200000003"]
    for phone in phones:
        enrollment = _enrollment(phone, course)
        enrollment.cohort_id = cohort.id
        db.session.flush()
        db.session.refresh(enrollment)
        complete(enrollment)
    complete(_enrollment("6281200000004", course))  # certified, but not in this cohort
    db.session.commit()
    assert jobs.wait_for_workers(60)  # the PDFs, rendered after the commit in this process

    log_in(page, "081100000002", DEMO_PASSWORD)
    # The links are boosted: each click waits for the page before the next, or a click can land on content
    # that htmx is about to replace (seen once with two suites running: the course page never came).
    page.get_by_role("link", name="Sertifikat", exact=True).first.click()
    page.wait_for_url("**/sertifikat")
    page.get_by_role("link", name=course.title).click()
    page.wait_for_url(f"**/sertifikat/kursus/{course.id}*", timeout=30_000)
    # Then wait until htmx has set up the filter form it swapped in, or the change below can come before
    # the form listens for it (seen once under load: no request was sent).
    page.wait_for_function("() => { const f = document.querySelector('form.search');"
                           " return !!(f && f['htmx-internal-data'] && f['htmx-internal-data'].initHash); }",
                           timeout=30_000)
    page.get_by_label("Angkatan", exact=True).select_option(label="Angkatan 1 Kupang")
    page.wait_for_url("**angkatan=*", timeout=30_000)
    page.get_by_role("button", name="Unduh semua sertifikat angkatan ini (ZIP)").click()
    link = page.get_by_role("link", name="Unduh ZIP")
    link.wait_for(timeout=60_000)  # the progress display polls until the ZIP is ready
    with page.expect_download() as info:
        link.click()
    path = tmp_path / "angkatan.zip"
    info.value.save_as(path)
    archive = zipfile.ZipFile(path)
    names = sorted(archive.namelist())
    assert len(names) == len(phones)
    assert any(name.endswith("-Yuliana_Ndun.pdf") for name in names)
    assert all(archive.read(name).startswith(b"%PDF") for name in names)
    assert jobs.wait_for_workers(10)
