"""Each Dinas issues with its own letterhead and signatory: a certificate template per issuing region,
the most specific one that exists (else the national one); region admins issue, revoke and edit
templates of their region only."""
import pytest
from sqlalchemy import select

from kopedu.certificates import services
from kopedu.certificates.models import Certificate, CertificateTemplate
from kopedu.extensions import db
from tests.certificates.test_routes import _template_data
from tests.regions.scope_world import two_dinas


@pytest.fixture
def w(app):
    return two_dinas()


def _save(region_code, issuer, signatory, actor):
    return services.save_template(
        actor, title="SERTIFIKAT", header_lines=f"PEMERINTAH {issuer.upper()}", recipient_line="diberikan kepada",
        achievement_line="", closing_line="", issuer_name=f"Dinas Koperasi {issuer}", issue_place="Kupang",
        serial_format="{seq:04d}/BIMTEK/{year}", primary_colour="#8c1d17", accent_colour="#b38b2d",
        signatories=[{"name": signatory, "title": "Kepala Dinas", "nip": ""}], region_code=region_code)


def test_the_most_specific_regions_template_is_used(w):
    _save(None, "Nasional", "Menteri", w.national)
    _save("53", "Provinsi NTT", "Kadis Provinsi", w.national)
    _save("5371", "Kota Kupang", "Kadis Kota", w.national)
    db.session.commit()
    assert services.template_for("5371030011").issuer_name == "Dinas Koperasi Kota Kupang"
    assert services.template_for("5303100005").issuer_name == "Dinas Koperasi Provinsi NTT"
    assert services.template_for("6101").issuer_name == "Dinas Koperasi Nasional"
    assert services.template_for(None).issuer_name == "Dinas Koperasi Nasional"

    kota = services.issue(w.e_kota, by=w.admin_kota, reason="Tes")
    kab = services.issue(w.e_kab, by=w.admin_kab, reason="Tes")
    db.session.commit()
    assert kota.snapshot["issuer"] == "Dinas Koperasi Kota Kupang"
    assert kota.snapshot["template"]["signatories"][0]["name"] == "Kadis Kota"
    assert kota.snapshot["template"]["header_lines"] == "PEMERINTAH KOTA KUPANG"
    assert kab.snapshot["issuer"] == "Dinas Koperasi Provinsi NTT"
    # the national template is untouched by the regions' own
    assert services.template_settings().issuer_name == "Dinas Koperasi Nasional"
    assert db.session.scalar(select(db.func.count()).select_from(CertificateTemplate)) == 3


def test_the_issuing_region_is_the_cohorts(w):
    w.cohort_kota.region_code = "5303"  # a Kabupaten cohort that took a participant from the city
    _save("5303", "Kabupaten Kupang", "Kadis Kabupaten", w.national)
    assert services.issuing_region(w.e_kota) == "5303"
    assert services.issue(w.e_kota, by=w.national, reason="Tes").snapshot["issuer"] == "Dinas Koperasi Kabupaten Kupang"


def test_a_region_admin_edits_the_template_of_their_region(w, client, login):
    login(w.admin_kota)
    page = client.get("/admin/sertifikat/templat").get_data(as_text=True)
    assert "(5371)" in page
    response = client.post("/admin/sertifikat/templat",
                           data=_template_data(issuer_name="Dinas Koperasi dan UKM Kota Kupang", sig1_name="Kadis Kota"),
                           content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)[:400]
    row = db.session.scalar(select(CertificateTemplate).where(CertificateTemplate.region_code == "5371"))
    assert row.signatories[0]["name"] == "Kadis Kota"
    assert db.session.get(CertificateTemplate, 1) is None  # the national template was not written
    # a sub-region of theirs is allowed, the province or another region is not
    assert client.get("/admin/sertifikat/templat?wilayah=5371030").status_code == 200
    assert client.get("/admin/sertifikat/templat?wilayah=53").status_code == 403
    assert client.post("/admin/sertifikat/templat?wilayah=5303", data=_template_data(),
                       content_type="multipart/form-data").status_code == 403
    assert client.get("/admin/sertifikat/templat/contoh.pdf?wilayah=5303").status_code == 403
    assert client.get("/admin/sertifikat/templat/contoh.pdf").status_code == 200


def test_the_national_admin_edits_any_regions_template(w, client, login):
    login(w.national)
    assert "Templat nasional" in client.get("/admin/sertifikat/templat").get_data(as_text=True)
    response = client.post("/admin/sertifikat/templat?wilayah=5303", data=_template_data(sig1_name="Kadis Kabupaten"),
                           content_type="multipart/form-data")
    assert response.status_code == 303
    assert services.template_for("5303100005").signatories[0]["name"] == "Kadis Kabupaten"
    assert "5303" in client.get("/admin/sertifikat/templat").get_data(as_text=True)


def test_a_region_admin_issues_and_revokes_only_in_the_region(w, client, login):
    login(w.admin_kota)
    assert client.post(f"/sertifikat/kursus/{w.course.id}/terbitkan/{w.e_kab.id}",
                       data={"reason": "Coba"}).status_code == 403
    response = client.post(f"/sertifikat/kursus/{w.course.id}/terbitkan/{w.e_kota.id}", data={"reason": "Hadir penuh"})
    assert response.status_code == 303
    foreign = services.issue(w.e_kab, by=w.admin_kab, reason="Tes")
    db.session.commit()
    for path in (f"/sertifikat/{foreign.id}", f"/sertifikat/{foreign.id}/unduh"):
        assert client.get(path).status_code == 403, path
    assert client.post(f"/sertifikat/{foreign.id}/cabut", data={"reason": "Salah"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Certificate, foreign.id).revoked_at is None
    listing = client.get(f"/sertifikat/kursus/{w.course.id}").get_data(as_text=True)
    assert "Peserta Kota" in listing and "Peserta Kabupaten" not in listing


def test_bulk_work_of_a_region_admin_stays_in_the_region(w):
    """"Terbitkan untuk semua" and "Buat ulang semua" work on the requester's region only."""
    assert services.course_enrollment_ids(w.course.id, w.admin_kota.id) == [w.e_kota.id]
    assert set(services.course_enrollment_ids(w.course.id, w.national.id)) == {w.e_kota.id, w.e_kab.id}
    services.issue(w.e_kota, by=w.national, reason="Tes")
    services.issue(w.e_kab, by=w.national, reason="Tes")
    db.session.flush()
    assert len(services.live_certificate_ids(w.course.id, w.admin_kab)) == 1
    assert len(services.live_certificate_ids(w.course.id)) == 2
