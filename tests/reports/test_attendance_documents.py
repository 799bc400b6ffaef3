"""The daftar hadir of a session (PDF for the SPJ, XLSX, CSV) and the attendance recap of a cohort."""
import csv
import io
import re
import shutil
import subprocess
from datetime import date

import pytest
from openpyxl import load_workbook

from kopedu.cohorts import services
from kopedu.extensions import db
from tests import factories

NAMES = ["Ana Benu", "Beni Tefa", "Citra Lado", "Dominggus Nalle", "Elsa Tanone"]


@pytest.fixture
def hall(app):
    trainer = factories.user("trainer", full_name="Marthen Luther Bana")
    cohort = factories.cohort(trainers=[trainer], name="Angkatan I Kota Kupang", code="KPG-I")
    sessions = [factories.cohort_session(cohort, held_on=date(2026, 11, d), topic=f"Modul {i}")
                for i, d in enumerate((11, 12, 13), 1)]
    people = [factories.participant_in(cohort, full_name=name, position="Bendahara",
                                       village_code="5371030011" if i % 2 else "5371010011")
              for i, name in enumerate(NAMES)]
    enrollments = [e for _u, e in people]
    for status, e in zip(("present", "late", "excused", "absent"), enrollments):
        services.set_attendance(sessions[0], e, status)
    for e in enrollments[:3]:
        services.set_attendance(sessions[1], e, "present")
    db.session.commit()
    return trainer, cohort, sessions, enrollments


def _pdf_text(data: bytes) -> str:
    if shutil.which("pdftotext") is None:  # pragma: no cover - poppler-utils is on the CI machines
        pytest.skip("pdftotext is not installed")
    return subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True,
                          check=True).stdout.decode()


def test_daftar_hadir_pdf_lists_everyone_with_a_signature_column(hall, client, login):
    trainer, cohort, sessions, _enrollments = hall
    login(trainer)
    response = client.get(f"/pantau/angkatan/{cohort.id}/sesi/{sessions[0].id}/daftar-hadir.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert 'filename=daftar-hadir-KPG-I-2026-11-11-' in response.headers["Content-Disposition"]
    text = _pdf_text(response.data)
    flat = " ".join(text.split())
    assert "DAFTAR HADIR PESERTA" in flat and "Tanda tangan" in flat
    for name in NAMES:
        assert name in flat
    for label in ("Hadir", "Terlambat", "Izin", "Tidak hadir", "Belum"):
        assert label in flat
    assert "Koperasi" in flat and "Jabatan" in flat and "Kelurahan" in flat and "Oebufu" in flat
    assert "Pelatih / Narasumber" in flat and "Marthen Luther Bana" in flat  # the trainer's signature block
    assert "Modul 1" in flat and "11 November 2026" in flat
    info = subprocess.run(["pdfinfo", "-"], input=response.data, capture_output=True, check=True).stdout.decode()
    assert "(A4)" in info and "595" in info.split("Page size:")[1].split("x")[0]  # A4 portrait


def test_daftar_hadir_xlsx_and_csv_hold_the_same_rows(hall, client, login):
    trainer, cohort, sessions, _enrollments = hall
    login(trainer)
    base = f"/pantau/angkatan/{cohort.id}/sesi/{sessions[0].id}/daftar-hadir"
    sheet = load_workbook(io.BytesIO(client.get(base + ".xlsx").data)).active
    xlsx = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    assert xlsx[0][0] == "DAFTAR HADIR PESERTA" and "KPG-I" in xlsx[1][0]  # title rows, XLSX only
    xlsx = xlsx[3:]
    text = client.get(base + ".csv").get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows == xlsx
    assert rows[0] == ["No", "Nama", "Jabatan", "Koperasi", "Kelurahan", "Status", "Tanda tangan"]
    assert [r[1] for r in rows[1:]] == NAMES
    assert [r[5] for r in rows[1:]] == ["Hadir", "Terlambat", "Izin", "Tidak hadir", "Belum"]
    assert [r[6] for r in rows[1:]] == ["", "", "Izin", "Tidak hadir", ""]  # no place to sign for them


def test_recap_xlsx_figures_agree_with_the_page(hall, client, login):
    trainer, cohort, sessions, enrollments = hall
    login(trainer)
    html = client.get(f"/pantau/angkatan/{cohort.id}/rekap-kehadiran").get_data(as_text=True)
    sheet = load_workbook(io.BytesIO(client.get(f"/pantau/angkatan/{cohort.id}/rekap-kehadiran.xlsx").data)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "REKAP KEHADIRAN PESERTA"
    rows = rows[2:]
    header = rows[0]
    assert header[:5] == ["No", "Nama", "Jabatan", "Koperasi", "Kelurahan"]
    assert header[5:8] == ["11/11 Modul 1", "12/11 Modul 2", "13/11 Modul 3"]
    assert header[8:] == ["Hadir (sesi)", "Kehadiran (%)"]
    by_name = {r[1]: r for r in rows[1:]}
    assert by_name["Ana Benu"][5:] == ["H", "H", "–", 2, 66.7]
    assert by_name["Beni Tefa"][5:] == ["T", "H", "–", 2, 66.7]
    assert by_name["Citra Lado"][5:] == ["I", "H", "–", 1, 33.3]
    assert by_name["Dominggus Nalle"][5:] == ["A", "–", "–", 0, 0]
    # per-session totals under the table
    assert by_name["Jumlah hadir"][5:8] == [2, 3, 0]
    assert by_name["Jumlah izin"][5:8] == [1, 0, 0]
    assert by_name["Jumlah tidak hadir"][5:8] == [1, 0, 0]
    # the page shows the same figures, and they are the service's attendance_pct
    pcts = services.attendance_pcts(enrollments)
    for (name, row), enrollment in zip(by_name.items(), enrollments):
        assert row[9] == pcts[enrollment.id]
        assert f'data-pct="{row[9]}"' in html or f'data-pct="{row[9]:.1f}"' in html, name
    for name in NAMES:
        assert name in html
    assert html.count("<tr>") == len(NAMES) + 1
    # CSV: the same rows, decimal comma
    text = client.get(f"/pantau/angkatan/{cohort.id}/rekap-kehadiran.csv").get_data(as_text=True)
    table = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert table[1][-1] == "66,7" and len(table) == len(rows)


def test_recap_pdf_lists_everyone(hall, client, login):
    trainer, cohort, _sessions, _enrollments = hall
    login(trainer)
    response = client.get(f"/pantau/angkatan/{cohort.id}/rekap-kehadiran.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    flat = " ".join(_pdf_text(response.data).split())
    assert "REKAP KEHADIRAN PESERTA" in flat and all(name in flat for name in NAMES)
    assert "66,7" in flat and "Marthen Luther Bana" in flat


def test_only_those_who_run_the_cohort_get_the_documents(hall, client, login, app):
    _trainer, cohort, sessions, _enrollments = hall
    other = factories.user("trainer")
    db.session.commit()
    login(other)
    for url in (f"/pantau/angkatan/{cohort.id}/sesi/{sessions[0].id}/daftar-hadir.pdf",
                f"/pantau/angkatan/{cohort.id}/rekap-kehadiran", f"/pantau/angkatan/{cohort.id}/rekap-kehadiran.xlsx"):
        assert client.get(url).status_code == 403, url
    admin = app.test_client()
    login(factories.user("admin"), c=admin)
    other_cohort = factories.cohort()
    db.session.commit()
    # a session of another cohort is not found under this one
    assert admin.get(f"/pantau/angkatan/{other_cohort.id}/sesi/{sessions[0].id}/daftar-hadir.csv").status_code == 404


def _approver(**values):
    from kopedu.certificates.services import template_settings

    row = template_settings()
    for key, value in values.items():
        setattr(row, key, value)
    if row not in db.session:
        db.session.add(row)
    db.session.commit()


def test_daftar_hadir_pdf_has_the_approval_block_and_marks_who_does_not_sign(hall, client, login):
    trainer, cohort, sessions, _enrollments = hall
    _approver(address="Jl. Timor Raya No. 1, Kupang", approver_title="Kepala Dinas Koperasi dan UKM",
              approver_name="Drs. Yohanes Tallo", approver_nip="19700101 199003 1 001")
    login(trainer)
    data = client.get(f"/pantau/angkatan/{cohort.id}/sesi/{sessions[0].id}/daftar-hadir.pdf").data
    flat = " ".join(_pdf_text(data).split())
    assert "Jl. Timor Raya No. 1, Kupang" in flat  # the office's address under the letterhead
    assert "Mengetahui," in flat and "Kepala Dinas Koperasi dan UKM" in flat
    assert "Drs. Yohanes Tallo" in flat and "NIP 19700101 199003 1 001" in flat
    layout = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True,
                            check=True).stdout.decode().splitlines()
    table = layout[next(i for i, row in enumerate(layout) if "Tanda tangan" in row):
                   next(i for i, row in enumerate(layout) if row.startswith("Hadir 2 dari 5"))]
    # places to sign (the number ends the line) only for those present; Citra (Izin, no. 3) and
    # Dominggus (absent, no. 4) get the mark in the signature column instead
    numbers = [int(m.group(1)) for row in table for m in [re.search(r"\s(\d+)\.$", row.rstrip())] if m]
    assert numbers == [1, 2, 5]
    assert any(row.rstrip().endswith("Izin Izin") or re.search(r"Izin\s{3,}Izin$", row.rstrip()) for row in table)
    assert any(re.search(r"\s{3,}Tidak hadir$", row.rstrip()) for row in table)


def test_signature_numbers_zig_zag(hall):
    from kopedu.reports import attendance

    _trainer, _cohort, sessions, _enrollments = hall
    rows = attendance.session_rows(sessions[0])
    assert [r["sign_side"] for r in rows] == ["left", "right", "left", "right", "left"]
    assert [r["mark"] for r in rows] == [None, None, "Izin", "Tidak hadir", None]


def test_xlsx_exports_are_set_up_to_print(hall, client, login):
    trainer, cohort, sessions, _enrollments = hall
    login(trainer)
    for url, header_row, width in (
            (f"/pantau/angkatan/{cohort.id}/sesi/{sessions[0].id}/daftar-hadir.xlsx", 4, "G"),
            (f"/pantau/angkatan/{cohort.id}/rekap-kehadiran.xlsx", 3, "J")):
        sheet = load_workbook(io.BytesIO(client.get(url).data)).active
        assert sheet.page_setup.paperSize in ("9", 9), url  # A4
        assert sheet.print_title_rows == f"${header_row}:${header_row}", url  # header repeated per page
        assert sheet.print_area.endswith(f"$A$1:${width}${header_row + len(NAMES) + (3 if width == 'J' else 0)}"), url
        assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth in (1, "1")
