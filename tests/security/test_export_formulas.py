"""Every spreadsheet export of the URL map, with names, positions and cooperatives that a spreadsheet
would run as formulas: no XLSX formula cell (the text is a text cell, shown as typed), no CSV cell that
starts with =, +, -, @, a tab or a CR without its apostrophe, and the `;` CSV holds the same rows as the
XLSX. A new export route fails here until it is listed in ROUTES."""
import csv
import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook

from kopedu.cohorts import services as cohorts
from kopedu.extensions import db
from kopedu.web.exports import csv_value, is_formula_like
from tests import factories

# Excel-id separates function arguments with `;`: a `;` inside a value must not split the cell either.
FORMULAS = ['=HYPERLINK("http://evil.example";"klik")', "+62 812 1", "-1+1", "@SUM(1;1)", "\t=1+1",
            "\r=1+1", "Ana; =1+1"]
COOP = "=CMD|' /C calc'!A0"
NUMBER = re.compile(r"-?\d+(,\d+)?")


@pytest.fixture
def world(app):
    factories.kupang_regions()
    trainer = factories.user("trainer", region_code="5371")
    admin = factories.user("admin")
    cohort = factories.cohort(trainers=[trainer])
    course = cohort.course
    course.trainers.append(trainer)
    coop = factories.cooperative("5371030011", name=COOP)
    session = factories.cohort_session(cohort, held_on=date(2026, 11, 12), topic="=Sesi 1")
    people = [factories.participant_in(cohort, cooperative=coop, full_name=name, position="-Ketua")
              for name in FORMULAS]
    for _user, enrollment in people[:3]:
        cohorts.set_attendance(session, enrollment, "present")
    from kopedu.cohorts import importer

    data = ("nama;hp;email;jabatan;kelurahan;koperasi\n"
            '"=HYPERLINK(""http://evil.example"")";12345;;@Ketua;5371030011;+Koperasi\n').encode()
    record = importer.store_upload(cohort, data, "peserta.csv", admin)
    from kopedu.evaluations.models import TrainingEvaluation

    for (_user, enrollment), text in zip(people[:3], FORMULAS):  # the evaluation's comments come from users too
        db.session.add(TrainingEvaluation(cohort_id=cohort.id, enrollment_id=enrollment.id, answers={
            "materi": {"rating": 4, "comment": text}, "penyelenggaraan": {"rating": 3, "comment": COOP},
            "trainers": {str(trainer.id): {"rating": 5, "comment": "=1+1"}}}))
    db.session.commit()
    return dict(trainer=trainer, admin=admin, cohort=cohort, course=course, coop=coop, session=session,
                person=people[0][0], record=record)


# rule -> the URLs (without the format) to fetch as admin; "{fmt}" is filled with each format the rule has
ROUTES = {
    "/penilaian/kursus/<int:course_id>/buku-nilai.<fmt>": lambda w: [f"/penilaian/kursus/{w['course'].id}/buku-nilai.{{fmt}}"],
    "/pantau/ekspor.<any(csv, xlsx):fmt>": lambda w: ["/pantau/ekspor.{fmt}"],
    "/pantau/wilayah/<code>/ekspor.<any(csv, xlsx):fmt>": lambda w: ["/pantau/wilayah/5371030011/ekspor.{fmt}",
                                                                     "/pantau/wilayah/5371030/ekspor.{fmt}"],
    "/pantau/koperasi/<int:coop_id>/ekspor.<any(csv, xlsx):fmt>": lambda w: [f"/pantau/koperasi/{w['coop'].id}/ekspor.{{fmt}}"],
    "/pantau/peserta/<int:user_id>/ekspor.<any(csv, xlsx):fmt>": lambda w: [f"/pantau/peserta/{w['person'].id}/ekspor.{{fmt}}"],
    "/pantau/tertinggal/ekspor.<any(csv, xlsx):fmt>": lambda w: ["/pantau/tertinggal/ekspor.{fmt}?ambang=100"],
    "/pantau/wilayah/<code>/tertinggal/ekspor.<any(csv, xlsx):fmt>": lambda w: ["/pantau/wilayah/5371030/tertinggal/ekspor.{fmt}?ambang=100"],
    "/pantau/angkatan/<int:cohort_id>/sesi/<int:session_id>/daftar-hadir.<any(pdf, xlsx, csv):fmt>":
        lambda w: [f"/pantau/angkatan/{w['cohort'].id}/sesi/{w['session'].id}/daftar-hadir.{{fmt}}"],
    "/pantau/angkatan/<int:cohort_id>/rekap-kehadiran.<any(pdf, xlsx, csv):fmt>":
        lambda w: [f"/pantau/angkatan/{w['cohort'].id}/rekap-kehadiran.{{fmt}}"],
    # CSV only (lists to correct and upload again)
    "/angkatan/<int:cohort_id>/impor/<int:import_id>/ditolak.csv":
        lambda w: [f"/angkatan/{w['cohort'].id}/impor/{w['record'].id}/ditolak.csv"],
    "/angkatan/<int:cohort_id>/impor/contoh.csv": lambda w: [f"/angkatan/{w['cohort'].id}/impor/contoh.csv"],
    "/angkatan/<int:cohort_id>/evaluasi/hasil.<fmt>": lambda w: [f"/angkatan/{w['cohort'].id}/evaluasi/hasil.{{fmt}}"],
    # --- plan-kawal
    "/kawal/wilayah/rencana.<any(csv, xlsx):fmt>": lambda w: ["/kawal/wilayah/rencana.{fmt}"],
    "/kawal/wilayah/laporan.<any(csv, xlsx):fmt>": lambda w: ["/kawal/wilayah/laporan.{fmt}"],
}


def _export_rules(app) -> set[str]:
    return {rule.rule for rule in app.url_map.iter_rules()
            if re.search(r"\.(csv|xlsx)$|\.<(any\([^)]*(csv|xlsx)[^)]*\):)?fmt>$", rule.rule)}


def _csv_rows(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8")
    assert text.startswith("\ufeff"), "CSV without a BOM"
    return list(csv.reader(io.StringIO(text[1:], newline=""), delimiter=";"))


def _check_csv(rows, url):
    for row in rows:
        for cell in row:
            if cell[:1] in ("=", "+", "-", "@", "\t", "\r") and not NUMBER.fullmatch(cell):
                pytest.fail(f"{url}: unneutralised cell {cell!r}")


def _xlsx_rows(data: bytes, url) -> list[list[str]]:
    sheet = load_workbook(io.BytesIO(data)).active
    rows = []
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", f"{url}: formula cell {cell.coordinate} {cell.value!r}"
            if is_formula_like(cell.value):
                assert cell.data_type == "s" and cell.quotePrefix, f"{url}: {cell.coordinate} not a text cell"
        # as the CSV writes them: the same rows, values, formats and neutralising
        rows.append([csv_value(c.value.date() if hasattr(c.value, "date") and c.is_date else c.value) for c in row])
    while rows and rows[-1] == [""] * len(rows[-1]):
        rows.pop()
    return rows


def test_every_export_route_is_listed(app):
    assert _export_rules(app) == set(ROUTES), "add the export route to ROUTES (or remove a gone one)"


def test_no_export_carries_a_formula_and_csv_matches_xlsx(world, app, client, login):
    login(world["admin"])
    seen = {text: False for text in FORMULAS + [COOP]}
    for rule in sorted(ROUTES):
        formats = ["csv", "xlsx"] if "fmt" in rule else [None]
        for template in ROUTES[rule](world):
            csv_rows = None
            for fmt in formats:
                url = template.format(fmt=fmt) if fmt else template
                response = client.get(url)
                assert response.status_code == 200, url
                if fmt == "xlsx":
                    xlsx_rows = _xlsx_rows(response.data, url)
                    while len(xlsx_rows) > len(csv_rows) and xlsx_rows[0] != csv_rows[0]:
                        xlsx_rows.pop(0)  # title rows above the header (XLSX documents only)
                    # (a carriage return inside a cell may come back as a line feed, depending on the XML
                    # parser openpyxl finds: the standard library's or lxml)
                    assert [[c.replace("\r", "\n") for c in row] for row in xlsx_rows] == \
                        [[c.replace("\r", "\n") for c in row] for row in csv_rows], \
                        f"{url}: the CSV and the XLSX differ"
                    continue
                csv_rows = _csv_rows(response.data)
                _check_csv(csv_rows, url)
                for row in csv_rows:
                    for cell in row:
                        key = cell[1:] if cell.startswith("'") else cell
                        if key in seen:
                            seen[key] = True
    assert all(seen.values()), [text for text, found in seen.items() if not found]


def test_csv_quotes_a_field_with_a_comma_so_an_english_excel_keeps_it_in_one_cell():
    """Excel set to English splits CSV fields at commas: a value holding one, a quote or a line break is
    quoted, so `=2+3, lalu` can neither spill into the next cell nor become a formula there."""
    from kopedu.web.exports import csv_text

    text = csv_text(["Nama", "Catatan", "Nilai"],
                    [["Yuliana, S.E.", "=2+3, lalu", 66.7], ['Kata "ya"', "baris\nkedua", 5], ["Biasa", "x;y", None]])
    lines = text.lstrip("\ufeff").split("\r\n")
    assert lines[1] == '"Yuliana, S.E.";"\'=2+3, lalu";"66,7"'
    assert lines[2] == '"Kata ""ya""";"baris\nkedua";5'
    assert lines[3] == 'Biasa;"x;y";'
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=";"))
    assert rows[1] == ["Yuliana, S.E.", "'=2+3, lalu", "66,7"] and rows[2] == ['Kata "ya"', "baris\nkedua", "5"]

