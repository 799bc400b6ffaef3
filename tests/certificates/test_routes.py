"""Pages: download, verification, revocation, manual issue, rules, template settings, dashboard, access."""
import io
from datetime import date
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from kopedu.certificates import codes, rendering, services
from kopedu.certificates.models import Certificate, CertificateTemplate, CompletionRule
from kopedu.extensions import db
from kopedu.learning.services import enroll
from tests import factories
from tests.certificates.helpers import complete, settle


@pytest.fixture
def issued(world):
    complete(world.enrollment)
    certificate = services.live_certificate(world.enrollment.id)
    settle()
    return certificate


def png_bytes(colour=(20, 60, 120)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (120, 40), colour).save(buffer, format="PNG")
    return buffer.getvalue()


# --------------------------------------------------------------------------------------------- download

def test_owner_downloads_the_stored_file_with_etag_and_a_readable_name(app, client, login, world, issued,
                                                                       monkeypatch):
    monkeypatch.setattr(rendering, "render_pdf", lambda context: pytest.fail("download must not render"))
    login(world.participant)
    response = client.get(f"/sertifikat/{issued.id}/unduh")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data == (Path(app.config["UPLOAD_DIR"]) / issued.pdf_path).read_bytes()
    assert response.headers["ETag"] == f'"{issued.pdf_sha256}"'
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "Sertifikat-Yuliana_Ndun-0001_BIMTEK-KMP_ANGK-1_" in disposition
    again = client.get(f"/sertifikat/{issued.id}/unduh", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_download_access(client, app, login, world, issued):
    assert client.get(f"/sertifikat/{issued.id}/unduh").status_code == 302  # to the login page
    stranger = factories.user()
    login(stranger)
    assert client.get(f"/sertifikat/{issued.id}/unduh").status_code == 403
    other_trainer = factories.user("trainer")
    factories.course().trainers.append(other_trainer)
    login(other_trainer, c=app.test_client())
    assert app.test_client().get(f"/sertifikat/{issued.id}/unduh").status_code == 302
    c = app.test_client()
    login(other_trainer, c=c)
    assert c.get(f"/sertifikat/{issued.id}/unduh").status_code == 403
    observer = factories.user("observer", region_code="5371030")
    c = app.test_client()
    login(observer, c=c)
    assert c.get(f"/sertifikat/{issued.id}/unduh").status_code == 403
    for user in (world.trainer, world.admin):
        c = app.test_client()
        login(user, c=c)
        assert c.get(f"/sertifikat/{issued.id}/unduh").status_code == 200
    assert client.get("/sertifikat/999999/unduh").status_code == 404


def test_a_revoked_certificate_is_no_longer_downloadable_by_its_owner(client, login, world, issued):
    services.revoke(issued, world.admin, "Data palsu")
    db.session.commit()
    login(world.participant)
    assert client.get(f"/sertifikat/{issued.id}/unduh").status_code == 403


# ------------------------------------------------------------------------------------------------ verify

def test_verify_page_says_valid_with_public_facts_only(client, world, issued):
    response = client.get(f"/verifikasi/{codes.display(issued.verify_code)}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "SAH" in html and "asli dan berlaku" in html
    for expected in ("Yuliana Ndun", "Penguatan Kapasitas Pengurus KMP", issued.serial,
                     "Dinas Koperasi dan UKM Kota Kupang"):
        assert expected in html
    for private in ("0812-9988-7766", "6281299887766", "081299887766", "yuliana@example.org"):
        assert private not in html
    assert response.headers["X-Robots-Tag"] == "noindex"


def test_verify_accepts_the_code_as_typed(client, issued):
    typed = codes.display(issued.verify_code).lower().replace("-", " ")
    response = client.get("/verifikasi", query_string={"kode": typed})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/verifikasi/{codes.display(issued.verify_code)}")
    assert client.get(f"/verifikasi/{issued.verify_code.lower()}").status_code == 200
    form = client.get("/verifikasi")
    assert form.status_code == 200 and 'name="kode"' in form.get_data(as_text=True)


def test_revoked_certificate_says_dicabut_with_the_reason(client, world, issued):
    services.revoke(issued, world.admin, "Peserta tidak mengikuti Bimtek sampai selesai")
    db.session.commit()
    html = client.get(f"/verifikasi/{issued.verify_code}").get_data(as_text=True)
    assert "DICABUT" in html and "Peserta tidak mengikuti Bimtek sampai selesai" in html
    assert "asli dan berlaku" not in html


def test_expired_certificate_says_kedaluwarsa(client, issued):
    issued.expires_on = date(2000, 1, 1)  # set directly: the service refuses a date before issue
    db.session.commit()
    html = client.get(f"/verifikasi/{issued.verify_code}").get_data(as_text=True)
    assert "KEDALUWARSA" in html and "asli dan berlaku" not in html


def test_unknown_code_says_so_and_nothing_else(client, world, issued):
    unknown = codes.new_code()
    response = client.get(f"/verifikasi/{codes.display(unknown)}")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Kode tidak ditemukan" in html
    for leaked in ("Yuliana", "Penguatan", "BIMTEK", "Dinas Koperasi dan UKM", "SAH", "DICABUT"):
        assert leaked not in html
    garbage = client.get("/verifikasi/<script>alert(1)</script>")
    assert garbage.status_code == 404 and "<script>alert" not in garbage.get_data(as_text=True)


def test_verify_is_rate_limited(app, client, issued):
    app.config["RATELIMIT_VERIFY"] = "5 per minute"
    statuses = [client.get(f"/verifikasi/{codes.new_code()}").status_code for _ in range(7)]
    assert statuses[:5] == [404] * 5 and statuses[-1] == 429
    assert client.get(f"/verifikasi/{issued.verify_code}").status_code == 429  # valid codes too
    assert client.get("/verifikasi").status_code == 429  # the form shares the limit


# --------------------------------------------------------------------------------------------- admin

def test_admin_revokes_with_a_reason(app, client, login, world, issued):
    login(world.admin)
    empty = client.post(f"/sertifikat/{issued.id}/cabut", data={"reason": "  "})
    assert empty.status_code == 422
    db.session.expire_all()
    assert db.session.get(Certificate, issued.id).revoked_at is None
    response = client.post(f"/sertifikat/{issued.id}/cabut", data={"reason": "Identitas tidak sesuai"})
    assert response.status_code == 303
    db.session.expire_all()
    certificate = db.session.get(Certificate, issued.id)
    assert certificate.revoke_reason == "Identitas tidak sesuai" and certificate.revoked_by_id == world.admin.id
    page = client.get(f"/sertifikat/{issued.id}").get_data(as_text=True)
    assert "DICABUT" in page


def test_trainer_cannot_revoke_expire_or_regenerate(app, client, login, world, issued):
    login(world.trainer)
    assert client.get(f"/sertifikat/{issued.id}").status_code == 200
    assert client.post(f"/sertifikat/{issued.id}/cabut", data={"reason": "x"}).status_code == 403
    assert client.post(f"/sertifikat/{issued.id}/masa-berlaku", data={"expires_on": "2030-01-01"}).status_code == 403
    assert client.post(f"/sertifikat/{issued.id}/buat-ulang", data={"reason": "x"}).status_code == 403
    participant = app.test_client()
    login(world.participant, c=participant)
    assert participant.get(f"/sertifikat/{issued.id}").status_code == 403


def test_admin_sets_an_expiry_shown_on_the_verify_page(client, login, world, issued):
    login(world.admin)
    bad = client.post(f"/sertifikat/{issued.id}/masa-berlaku", data={"expires_on": "2001-01-01"})
    assert bad.status_code == 422 and "sebelum tanggal terbit" in bad.get_data(as_text=True)
    assert client.post(f"/sertifikat/{issued.id}/masa-berlaku", data={"expires_on": "2031-12-31"}).status_code == 303
    html = client.get(f"/verifikasi/{issued.verify_code}").get_data(as_text=True)
    assert "Berlaku sampai" in html and "31 Desember 2031" in html and "SAH" in html


def test_admin_regenerates_and_can_fetch_the_old_version(app, client, login, world, issued):
    old_hash = issued.pdf_sha256
    world.participant.full_name = "Yuliana M. Ndun"
    db.session.commit()
    login(world.admin)
    response = client.post(f"/sertifikat/{issued.id}/buat-ulang", data={"reason": "Perbaikan nama"})
    assert response.status_code == 303
    new = client.get(f"/sertifikat/{issued.id}/unduh")
    assert new.headers["ETag"] != f'"{old_hash}"'
    old = client.get(f"/sertifikat/{issued.id}/versi/1")
    assert old.status_code == 200 and old.headers["ETag"] == f'"{old_hash}"'
    page = client.get(f"/sertifikat/{issued.id}").get_data(as_text=True)
    assert "Perbaikan nama" in page and "Versi 1" in page


def test_htmx_revoke_error_is_a_422_fragment(client, login, world, issued):
    login(world.admin)
    response = client.post(f"/sertifikat/{issued.id}/cabut", data={"reason": ""}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="revoke"' in html and "<html" not in html


# -------------------------------------------------------------------------------------- manual issue

def test_trainer_issues_by_hand_with_a_reason(client, login, world):
    login(world.trainer)
    url = f"/sertifikat/kursus/{world.course.id}/terbitkan/{world.enrollment.id}"
    page = client.get(url)
    assert page.status_code == 200 and "Semua materi wajib selesai" in page.get_data(as_text=True)
    assert client.post(url, data={"enrollment_id": world.enrollment.id, "reason": ""}).status_code == 422
    assert db.session.scalar(select(Certificate.id)) is None
    response = client.post(url, data={"enrollment_id": world.enrollment.id,
                                      "reason": "Mengikuti Bimtek tatap muka; kuis di kertas"})
    assert response.status_code == 303
    certificate = db.session.scalar(select(Certificate))
    assert certificate.issue_reason == "Mengikuti Bimtek tatap muka; kuis di kertas"
    assert certificate.issued_by_id == world.trainer.id
    again = client.post(url, data={"enrollment_id": world.enrollment.id, "reason": "lagi"})
    assert again.status_code == 409
    assert db.session.scalar(select(db.func.count(Certificate.id))) == 1


def test_manual_issue_access_and_wrong_course(app, client, login, world):
    other_course = factories.course()
    other_trainer = factories.user("trainer")
    other_course.trainers.append(other_trainer)
    db.session.commit()
    url = f"/sertifikat/kursus/{world.course.id}/terbitkan/{world.enrollment.id}"
    login(other_trainer)
    assert client.post(url, data={"enrollment_id": world.enrollment.id, "reason": "x"}).status_code == 403
    participant = app.test_client()
    login(world.participant, c=participant)
    assert participant.post(url, data={"reason": "x"}).status_code == 403
    own = app.test_client()
    login(other_trainer, c=own)
    wrong = f"/sertifikat/kursus/{other_course.id}/terbitkan/{world.enrollment.id}"
    assert own.get(wrong).status_code == 404
    assert db.session.scalar(select(Certificate.id)) is None


# ---------------------------------------------------------------------------------------------- rules

def test_trainer_sets_the_rules(client, login, world):
    login(world.trainer)
    url = f"/sertifikat/kursus/{world.course.id}/aturan"
    assert client.get(url).status_code == 200
    bad = client.post(url, data={"require_lessons": "y", "min_posttest_score": "150"})
    assert bad.status_code == 422 and "0 sampai 100" in bad.get_data(as_text=True)
    none = client.post(url, data={"min_posttest_score": "", "min_attendance_pct": ""})  # all unticked
    assert none.status_code == 422 and "paling sedikit satu syarat" in none.get_data(as_text=True)
    assert db.session.scalar(select(CompletionRule.id)) is None
    # "kehadiran minimal 0 %" and nothing else lets everyone through (the absent and the Izin too): refused
    zero = client.post(url, data={"min_attendance_pct": "0", "auto_issue": "y"})
    assert zero.status_code == 422 and "meloloskan semua peserta" in zero.get_data(as_text=True)
    zero = client.post(url, data={"min_attendance_pct": "0", "min_posttest_score": "0", "auto_issue": "y"})
    assert zero.status_code == 422
    assert db.session.scalar(select(CompletionRule.id)) is None
    ok = client.post(url, data={"require_lessons": "y", "require_quizzes": "y", "min_posttest_score": "80",
                                "auto_issue": "y"})
    assert ok.status_code == 303
    rule = db.session.scalar(select(CompletionRule))
    assert (rule.require_lessons, rule.require_quizzes, rule.min_posttest_score, rule.auto_issue,
            rule.require_assignments, rule.min_attendance_pct) == (True, True, 80, True, False, None)


def test_rules_page_access(app, client, login, world):
    url = f"/sertifikat/kursus/{world.course.id}/aturan"
    login(world.participant)
    assert client.post(url, data={"require_lessons": "y"}).status_code == 403
    stranger = factories.user("trainer")
    c = app.test_client()
    login(stranger, c=c)
    assert c.get(url).status_code == 403
    assert c.get(f"/sertifikat/kursus/{world.course.id}").status_code == 403


# ------------------------------------------------------------------------------------------ course page

def test_course_page_lists_participants_with_bounded_queries(app, client, login, world, count_queries):
    complete(world.enrollment)
    settle()  # the PDF renders after the commit: not counted as the page's queries
    login(world.admin)
    url = f"/sertifikat/kursus/{world.course.id}"
    with count_queries() as few:
        html = client.get(url).get_data(as_text=True)
    assert "Yuliana Ndun" in html and "0001/BIMTEK-KMP/ANGK-1" in html
    for n in range(12):
        user = factories.user(full_name=f"Peserta {n:02d}")
        e = enroll(user, world.course, world.cohort)
        if n % 2:
            complete(e)
    settle()
    with count_queries() as many:
        html = client.get(url).get_data(as_text=True)
    assert "Peserta 11" in html and html.count("Terbitkan manual") == 6
    assert many.count == few.count


def test_index_lists_only_the_trainers_courses(app, client, login, world):
    other = factories.course(title="Kursus Orang Lain")
    db.session.commit()
    login(world.trainer)
    html = client.get("/sertifikat").get_data(as_text=True)
    assert world.course.title in html and "Kursus Orang Lain" not in html
    admin = app.test_client()
    login(world.admin, c=admin)
    assert other.title in admin.get("/sertifikat").get_data(as_text=True)
    participant = app.test_client()
    login(world.participant, c=participant)
    assert participant.get("/sertifikat").status_code == 403


# ------------------------------------------------------------------------------------------- dashboard

def test_dashboard_lists_the_certificate_with_a_download_link(client, login, world, issued):
    login(world.participant)
    html = client.get("/beranda").get_data(as_text=True)
    assert 'id="certificates"' in html and issued.serial in html
    assert f'href="/sertifikat/{issued.id}/unduh" hx-boost="false"' in html


def test_dashboard_without_certificates_shows_no_section(client, login, world):
    login(world.participant)
    assert 'id="certificates"' not in client.get("/beranda").get_data(as_text=True)


# -------------------------------------------------------------------------------------------- template

def _template_data(**overrides):
    data = {"title": "SERTIFIKAT", "header_lines": "PEMERINTAH KOTA KUPANG\nDINAS KOPERASI DAN UKM",
            "recipient_line": "diberikan kepada", "achievement_line": "telah mengikuti Bimtek",
            "closing_line": "Semoga bermanfaat.", "issuer_name": "Dinas Koperasi dan UKM Kota Kupang",
            "issue_place": "Kupang", "serial_format": "{seq:04d}/DK/{cohort}/{year}",
            "primary_colour": "#123456", "accent_colour": "#abcdef",
            "sig1_name": "Drs. Paulus Ratu", "sig1_title": "Kepala Dinas Koperasi dan UKM",
            "sig1_nip": "19680101 199003 1 005",
            "sig2_name": "Maria Goreti Seran", "sig2_title": "Ketua Panitia", "sig2_nip": ""}
    data.update(overrides)
    return data


def test_admin_saves_template_with_logo_and_two_signatories(app, client, login, world):
    login(world.admin)
    data = _template_data(logo=(io.BytesIO(png_bytes()), "logo.png"),
                          sig1_signature=(io.BytesIO(png_bytes((0, 0, 0))), "ttd.png"))
    response = client.post("/admin/sertifikat/templat", data=data, content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    row = db.session.get(CertificateTemplate, 1)
    assert row.serial_format == "{seq:04d}/DK/{cohort}/{year}" and row.primary_colour == "#123456"
    assert [p["name"] for p in row.signatories] == ["Drs. Paulus Ratu", "Maria Goreti Seran"]
    assert row.logo_path.startswith("certificates/assets/") and row.signatories[0]["signature_path"]
    assert row.signatories[1]["signature_path"] is None
    assert (Path(app.config["UPLOAD_DIR"]) / row.logo_path).read_bytes()[:4] == b"\x89PNG"

    preview = client.get("/admin/sertifikat/templat/contoh.pdf")
    assert preview.status_code == 200 and preview.data.startswith(b"%PDF")
    from tests.certificates.test_services import pdf_text

    text = " ".join(pdf_text(preview.data).split())
    for expected in ("Drs. Paulus Ratu", "NIP. 19680101 199003 1 005", "Ketua Panitia", "Semoga bermanfaat.",
                     "CONTOH", "/DK/ANGK-1/"):
        assert expected in text, expected

    # certificates issued from now on use it
    complete(world.enrollment)
    certificate = services.live_certificate(world.enrollment.id)
    assert certificate.serial.endswith(f"/DK/ANGK-1/{certificate.issued_at.year}")


def test_template_form_refuses_bad_input_and_writes_nothing(app, client, login, world):
    login(world.admin)
    cases = [
        (_template_data(primary_colour="red"), "#8c1d17"),
        (_template_data(serial_format="BIMTEK/{year}"), "{seq}"),
        (_template_data(sig1_name="", sig2_name=""), "satu penanda tangan"),
        (_template_data(sig1_nip="NIP-abc"), "angka"),
        (_template_data(logo=(io.BytesIO(b"<svg xmlns='http://www.w3.org/2000/svg'/>"), "logo.png")), "PNG atau JPEG"),
        (_template_data(logo=(io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"0" * 100), "rusak.png")), "rusak"),
        (_template_data(logo=(io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"0" * 1024 * 1024), "besar.png")), "1 MB"),
    ]
    for data, message in cases:
        response = client.post("/admin/sertifikat/templat", data=data, content_type="multipart/form-data")
        assert response.status_code == 422, message
        assert message in response.get_data(as_text=True), message
    assert db.session.get(CertificateTemplate, 1) is None
    assert not (Path(app.config["UPLOAD_DIR"]) / "certificates" / "assets").exists()


def test_template_settings_are_for_admins_only(app, client, login, world):
    login(world.trainer)
    assert client.get("/admin/sertifikat/templat").status_code == 403
    assert client.get("/admin/sertifikat/templat/contoh.pdf").status_code == 403
    assert client.post("/admin/sertifikat/templat", data=_template_data()).status_code == 403


def test_template_form_sets_the_office_address_and_approval_block(app, client, login, world):
    login(world.admin)
    data = _template_data(address="Jl. Timor Raya No. 1\nKupang", approver_title="Kepala Dinas Koperasi",
                          approver_name="Drs. Yohanes Tallo", approver_nip="19700101 199003 1 001")
    response = client.post("/admin/sertifikat/templat", data=data, content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    row = db.session.get(CertificateTemplate, 1)
    assert row.address == "Jl. Timor Raya No. 1\nKupang"
    assert (row.approver_title, row.approver_name, row.approver_nip) == (
        "Kepala Dinas Koperasi", "Drs. Yohanes Tallo", "19700101 199003 1 001")
    assert 'name="approver_nip"' in client.get("/admin/sertifikat/templat").get_data(as_text=True)
    bad = _template_data(approver_title="Kepala Dinas", approver_name="X", approver_nip="abc")
    response = client.post("/admin/sertifikat/templat", data=bad, content_type="multipart/form-data")
    assert response.status_code == 422 and "NIP hanya berisi angka." in response.get_data(as_text=True)
