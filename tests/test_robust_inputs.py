"""Robust inputs: a file name outside ASCII, parameters and ids nobody expected, and a huge Markdown text
answer with a download, a 4xx or a bounded page, never a 500."""
from datetime import date
from urllib.parse import unquote

import pytest

from kopedu.cohorts import services as cohorts
from kopedu.courses import authoring
from kopedu.extensions import db
from kopedu.web import filters, markdown
from tests import factories
from tests.cohorts.test_import import as_csv, upload

CODE = "KPG-Ω"


@pytest.fixture
def omega(app):
    factories.kupang_regions()
    trainer = factories.user("trainer", region_code="5371")
    cohort = factories.cohort(trainers=[trainer], region_code="5371", code=CODE)
    session = factories.cohort_session(cohort, held_on=date(2026, 11, 11))
    _user, enrollment = factories.participant_in(cohort, full_name="Ana Benu")
    cohorts.set_attendance(session, enrollment, "present")
    db.session.commit()
    return trainer, cohort, session


def _named(response, stem: str) -> None:
    assert response.status_code == 200, response.status_code
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and "filename=" in disposition
    # Werkzeug's form: an ASCII fallback name and the real one in RFC 5987's filename*.
    assert f"filename*=UTF-8''{stem}" in unquote(disposition)


def test_every_export_of_a_cohort_with_a_non_ascii_code_downloads(omega, client, login):
    trainer, cohort, session = omega
    login(trainer)
    for fmt in ("csv", "xlsx", "pdf"):
        _named(client.get(f"/pantau/angkatan/{cohort.id}/sesi/{session.id}/daftar-hadir.{fmt}"),
               f"daftar-hadir-{CODE}")
        _named(client.get(f"/pantau/angkatan/{cohort.id}/rekap-kehadiran.{fmt}"), f"rekap-kehadiran-{CODE}")
    _named(client.get(f"/angkatan/{cohort.id}/impor/contoh.csv"), f"contoh-peserta-{CODE}")
    rows = [["Beni Tefa", "0813-7000-0002", "", "Ketua", "5371030011", ""],
            ["Citra Lado", "12345", "", "Ketua", "5371030011", ""]]
    preview = upload(client, cohort, as_csv(rows)).headers["Location"]
    _named(client.get(preview + "/ditolak.csv"), f"ditolak-{CODE}")
    client.post(preview + "/konfirmasi")
    _named(client.post(preview + "/lembar-sandi.pdf", data={"part": "1"}), f"sandi-{CODE}")


def test_unknown_query_parameters_of_the_monitoring_pages_are_no_500(app, client, login):
    factories.kupang_regions()
    observer = factories.user("observer", region_code="5371030")
    admin = factories.user("admin")
    db.session.commit()
    login(observer)
    for path in ("/pantau/?endpoint=x", "/pantau/?endpoint=x&_external=1&kursus=abc",
                 "/pantau/tertinggal?endpoint=x&code=1&page=2"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert "endpoint" not in response.headers["Location"]
    assert client.get("/pantau/?page=2").headers["Location"].endswith("page=2")
    client.post("/keluar")
    login(admin)
    assert client.get("/pantau/?endpoint=x").status_code == 200
    assert client.get("/pantau/tertinggal?endpoint=x&page=99999999999999999999").status_code == 200


def test_an_oversized_id_in_the_bulk_revoke_is_a_400(app, client, login):
    admin = factories.user("admin")
    course = factories.course()
    db.session.commit()
    login(admin)
    url = f"/sertifikat/kursus/{course.id}/tidak-memenuhi"
    for bad in ("12345678901234567890", "-1", "abc", "2147483648"):
        response = client.post(url, data={"certificate_ids": ["1", bad], "reason": "Data peserta salah"})
        assert response.status_code == 400, bad
    assert client.post(url, data={"certificate_ids": ["1"], "reason": "Data peserta salah"}).status_code == 303


def test_the_markdown_preview_renders_a_bounded_text_and_says_so(app, client, login, monkeypatch):
    trainer = factories.user("trainer")
    db.session.commit()
    rendered = []
    monkeypatch.setattr(filters, "render_markdown",
                        lambda text: rendered.append(len(text)) or markdown.render_markdown(text))
    login(trainer)
    response = client.post("/kelola/pratinjau?field=body", data={"body": "[" * 200_000},
                           headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert rendered == [authoring.PREVIEW_LIMIT]
    assert "pratinjau hanya menampilkan 50.000 karakter pertama" in response.get_data(as_text=True)
    rendered.clear()
    short = client.post("/kelola/pratinjau?field=body", data={"body": "**tebal**"}, headers={"HX-Request": "true"})
    assert "<strong>tebal</strong>" in short.get_data(as_text=True) and "karakter pertama" not in short.get_data(as_text=True)
