import csv
import io

import pytest
from sqlalchemy import func, select

from kopedu.auth.models import User
from kopedu.cohorts import import_file, importer
from kopedu.cohorts.models import ParticipantImport
from kopedu.extensions import db
from kopedu.learning.models import Enrollment
from kopedu.regions.models import Cooperative, Region
from tests import factories
from tests.test_i18n import compiled_catalogues  # noqa: F401 - the English test needs the compiled catalogue

HEADER = ["nama", "hp", "email", "jabatan", "kelurahan", "koperasi"]
VILLAGES = ["5371030011", "OEBUFU", "5371030013", "Kayu Putih", "5371020002", "5371010011"]
POSITIONS = ["Ketua", "Sekretaris", "bendahara", "Pengawas", "Manajer", "Anggota", "Wakil Ketua"]
BAD_LINES = {12: "Nomor HP tidak dikenali", 27: "Kelurahan tidak dikenal", 41: "Nomor HP sama dengan baris 3"}


def fifty_rows() -> list[list[str]]:
    """50 participants (file lines 2–51); lines 12, 27 and 41 are wrong."""
    rows = []
    for i in range(50):
        line = i + 2
        village = VILLAGES[i % len(VILLAGES)]
        rows.append([f"Peserta Impor {i:02d}", f"0813-7000-{i:04d}", f"peserta{i}@contoh.id" if i % 3 == 0 else "",
                     POSITIONS[i % len(POSITIONS)], village,
                     "" if i % 5 == 0 else f"Koperasi Merah Putih {village.title()}"])
        if line == 12:
            rows[-1][1] = "12345"
        elif line == 27:
            rows[-1][4] = "Kelurahan Antah Berantah"
        elif line == 41:
            rows[-1][1] = "+62 813 7000 0001"  # the phone of line 3, written another way
    return rows


def as_csv(rows, header=HEADER, delimiter=",") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def as_xlsx(rows, header=HEADER) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def setup(app):
    factories.kupang_regions()
    admin = factories.user("admin")
    trainer = factories.user("trainer", region_code="5371")
    cohort = factories.cohort(trainers=[trainer], region_code="5371")
    db.session.commit()
    return admin, trainer, cohort


def upload(client, cohort, data: bytes, name="peserta.csv"):
    return client.post(f"/angkatan/{cohort.id}/impor", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def counts():
    db.session.expire_all()
    return (db.session.scalar(select(func.count()).select_from(User).where(User.role == "participant")),
            db.session.scalar(select(func.count()).select_from(Enrollment)),
            db.session.scalar(select(func.count()).select_from(Cooperative)))


def snapshot():
    db.session.expire_all()
    return sorted((u.phone, u.full_name, u.email, u.position, u.cooperative_id, u.password_hash, u.session_token)
                  for u in db.session.scalars(select(User).where(User.role == "participant")))


def test_fifty_rows_three_bad_preview_confirm_and_reupload(setup, client, login):
    _admin, trainer, cohort = setup
    login(trainer)
    response = upload(client, cohort, as_csv(fifty_rows()))
    assert response.status_code == 303
    preview_url = response.headers["Location"]
    html = client.get(preview_url).get_data(as_text=True)
    rejected = {int(line): reason for line, reason in
                __import__("re").findall(r'data-line="(\d+)"><td>\d+</td><td>[^<]*</td><td>[^<]*</td><td>([^<]*)</td>', html)}
    assert set(rejected) == set(BAD_LINES)
    for line, reason in BAD_LINES.items():
        assert reason in rejected[line]
    assert "Impor 47 baris yang benar" in html
    assert counts() == (0, 0, 0)  # the preview writes nothing

    record_id = int(preview_url.rsplit("/", 1)[1])
    response = client.post(f"/angkatan/{cohort.id}/impor/{record_id}/konfirmasi")
    assert response.status_code == 303
    participants, enrollments, cooperatives = counts()
    assert participants == 47 and enrollments == 47
    assert cooperatives == 6 + 4  # a named cooperative in each of the 6 spellings' villages, defaults in 4
    assert db.session.scalar(select(func.count()).select_from(Enrollment).where(
        Enrollment.cohort_id == cohort.id, Enrollment.course_id == cohort.course_id)) == 47
    yuli = db.session.scalar(select(User).where(User.phone == "6281370000000"))
    assert yuli.full_name == "Peserta Impor 00" and yuli.email == "peserta0@contoh.id" and yuli.position == "Ketua"
    assert yuli.cooperative.village_code == "5371030011"
    assert db.session.scalar(select(User).where(User.phone == "6281370000002")).position == "Bendahara"
    record = db.session.get(ParticipantImport, record_id)
    assert record.summary["created"] == 47 and [r["line"] for r in record.summary["rejected"]] == [12, 27, 41]
    page = client.get(preview_url).get_data(as_text=True)
    assert "Baris bermasalah (3)" in page and "Cetak lembar kata sandi" in page

    before = snapshot()
    response = upload(client, cohort, as_csv(fifty_rows()))
    again_url = response.headers["Location"]
    html = client.get(again_url).get_data(as_text=True)
    assert "Bermasalah</dt><dd>3" in html and "Tidak berubah</dt><dd>47" in html
    client.post(again_url + "/konfirmasi")
    assert counts() == (47, 47, 10)
    assert snapshot() == before
    again = db.session.get(ParticipantImport, int(again_url.rsplit("/", 1)[1]))
    assert (again.summary["created"], again.summary["updated"], again.summary["unchanged"]) == (0, 0, 47)


def test_xlsx_with_numbers_and_semicolon_csv(setup, client, login):
    admin, _trainer, cohort = setup
    login(admin)
    rows = [["Ana Benu", 81370001111, None, "Ketua", 5371030011, "Koperasi A"],
            ["Beni Tefa", 6281370002222, "beni@contoh.id", "pengawas", "oebufu", "Koperasi A"]]
    response = upload(client, cohort, as_xlsx(rows), "daftar.xlsx")
    record_id = int(response.headers["Location"].rsplit("/", 1)[1])
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Siap diimpor</dt><dd>2" in html and "Bermasalah</dt><dd>0" in html
    client.post(f"/angkatan/{cohort.id}/impor/{record_id}/konfirmasi")
    assert counts()[:2] == (2, 2)
    assert {u.phone for u in db.session.scalars(select(User).where(User.role == "participant"))} == {
        "6281370001111", "6281370002222"}

    response = upload(client, cohort, as_csv([["Citra Lado", "0813 7000 3333", "", "Sekretaris", "5371020002", ""]],
                                             delimiter=";"))
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Siap diimpor</dt><dd>1" in html


def _preview(cohort, rows):
    return importer.preview(cohort, importer.records(importer.parse(as_csv(rows))))


def test_reasons_for_every_kind_of_bad_row(setup):
    admin, trainer, cohort = setup
    factories.user("observer", phone="6281370009999", region_code="5371030")
    factories.user("participant", email="sudah@contoh.id")
    other = factories.cohort(course=cohort.course)
    taken, _e = factories.participant_in(other, phone="6281370008888")
    db.session.add(Region(code="5371031001", name="OEBUFU", level="kelurahan_desa", parent_code="5371030"))
    db.session.add(Region(code="5301010001", name="OEBUFU", level="kelurahan_desa", parent_code="5371030"))
    db.session.flush()
    rows = [
        ["", "081370001001", "", "Ketua", "5371030011", ""],
        ["Ana", "0813-7000-9999", "", "Ketua", "5371030011", ""],
        ["Beni", "081370001002", "", "Bendahara umum", "5371030011", ""],
        ["Citra", "081370001003", "sudah@contoh.id", "Ketua", "5371030011", ""],
        ["Dedi", "081370001004", "bukan-email", "Ketua", "5371030011", ""],
        ["Eka", "081370001005", "", "Ketua", "9999999999", ""],
        ["Fani", "081370001006", "", "Ketua", "", ""],
        ["Gita", "081370001007", "", "Ketua", "Oebufu", ""],  # two OEBUFU in Kota Kupang → ambiguous
        ["Hana", "0813-7000-8888", "", "Ketua", "5371030011", ""],
        ["Ika", "", "", "Ketua", "5371030011", ""],
        ["Joni", "081370001008", "", "", "5371030011", ""],
        ["Kiki", "081370001009", "", "Ketua", "5301010001", ""],
    ]
    result = _preview(cohort, rows)
    reasons = {r.line: " ".join(r.messages) for r in result.rows}
    assert "Nama kosong" in reasons[2]
    assert "akun staf" in reasons[3]
    assert "Jabatan tidak dikenal: Bendahara umum" in reasons[4]
    assert "Email ini sudah dipakai akun lain" in reasons[5]
    assert "Email tidak valid" in reasons[6]
    assert "Kode kelurahan tidak dikenal" in reasons[7]
    assert "Kelurahan kosong" in reasons[8]
    assert "ada di beberapa wilayah" in reasons[9]
    assert "angkatan lain" in reasons[10]
    assert "Nomor HP kosong" in reasons[11]
    assert "Jabatan kosong" in reasons[12]
    assert "di luar wilayah angkatan" in reasons[13]
    assert not result.good


def test_kelurahan_name_is_matched_within_the_cohort_region(setup):
    _admin, _trainer, cohort = setup
    db.session.add(Region(code="5301010001", name="OEBUFU", level="kelurahan_desa", parent_code="5371030"))
    db.session.flush()
    result = _preview(cohort, [["Ana", "081370001001", "", "Ketua", "Oebufu", ""]])
    assert not result.bad and result.rows[0].village.code == "5371030011"


@pytest.mark.parametrize("data, name, message", [
    (b"", "kosong.csv", "Berkas kosong"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "foto.csv", "bukan CSV atau XLSX"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "lama.xls", ".xls lama"),
    (b"PK\x03\x04 not really a workbook", "rusak.xlsx", "tidak bisa dibaca"),
    (b"%PDF-1.4\n1 0 obj<<>>endobj\n", "peserta.csv", "bukan CSV atau XLSX"),  # no NUL byte near the start
    (b"nama,telepon rumah\nAna,0812\n", "kolom.csv", "Kolom wajib tidak ada"),
])
def test_unreadable_files_are_refused_and_nothing_is_stored(setup, client, login, data, name, message):
    _admin, trainer, cohort = setup
    login(trainer)
    response = upload(client, cohort, data, name)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ParticipantImport)) == 0


def test_confirm_is_one_transaction(setup, client, login, monkeypatch):
    _admin, trainer, cohort = setup
    login(trainer)
    response = upload(client, cohort, as_csv(fifty_rows()))

    def broken():
        raise RuntimeError("disk full")

    monkeypatch.setattr(importer, "utcnow", broken)  # fails after the accounts were flushed
    with pytest.raises(RuntimeError):
        client.post(response.headers["Location"] + "/konfirmasi")
    assert counts() == (0, 0, 0)


def test_who_may_import(setup, client, login):
    _admin, trainer, cohort = setup
    other_trainer = factories.user("trainer", region_code="5371")
    observer = factories.user("observer", region_code="5371")
    other_cohort = factories.cohort(trainers=[other_trainer])
    db.session.commit()
    login(trainer)
    response = upload(client, cohort, as_csv(fifty_rows()[:2]))
    url = response.headers["Location"]
    client.post("/keluar")
    for who in (other_trainer, observer):
        login(who)
        assert client.get(url).status_code == 403
        assert client.post(url + "/konfirmasi").status_code == 403
        assert upload(client, cohort, as_csv(fifty_rows()[:2])).status_code == 403
        client.post("/keluar")
    login(other_trainer)  # its own cohort, someone else's import id
    record_id = url.rsplit("/", 1)[1]
    assert client.get(f"/angkatan/{other_cohort.id}/impor/{record_id}").status_code == 404
    assert counts()[0] == 0


def test_password_sheet_works_end_to_end(setup, client, login, app):
    from pypdf import PdfReader

    _admin, trainer, cohort = setup
    login(trainer)
    rows = [["Ana Benu", "081370001111", "", "Ketua", "5371030011", ""],
            ["Beni Tefa", "081370002222", "", "Pengawas", "5371030011", ""]]
    response = upload(client, cohort, as_csv(rows))
    url = response.headers["Location"]
    client.post(url + "/konfirmasi")
    assert client.get(url).status_code == 200
    sheet = client.post(url + "/lembar-sandi.pdf", data={"part": "1"})
    assert sheet.mimetype == "application/pdf" and sheet.headers["Cache-Control"] == "no-store"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(sheet.data)).pages)
    assert "Ana Benu" in text and "0813-7000-1111" in text and "Beni Tefa" in text
    import re

    passwords = dict(re.findall(r"(0813-7000-\d{4})\s+([a-z2-9]{8})", text))
    assert set(passwords) == {"0813-7000-1111", "0813-7000-2222"}
    client.post("/keluar")

    participant = app.test_client()
    response = participant.post("/masuk", data={"login": "081370001111", "password": passwords["0813-7000-1111"]})
    assert response.status_code == 303  # the printed password works

    login(trainer)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(
        client.post(url + "/lembar-sandi.pdf", data={"part": "1"}).data)).pages)
    assert "sudah pernah masuk" in text  # Ana keeps her password
    again = dict(re.findall(r"(0813-7000-\d{4})\s+([a-z2-9]{8})", text))
    assert set(again) == {"0813-7000-2222"} and again["0813-7000-2222"] != passwords["0813-7000-2222"]
    stale = app.test_client().post("/masuk", data={"login": "081370002222", "password": passwords["0813-7000-2222"]})
    assert stale.status_code == 422  # reprinting replaced the old one


def test_command_line_import(setup, app, tmp_path):
    _admin, _trainer, cohort = setup
    path = tmp_path / "peserta.csv"
    path.write_bytes(as_csv(fifty_rows()))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["kopedu", "import-participants", cohort.code.lower(), str(path)])
    assert result.exit_code == 0, result.output
    assert "line 12: Nomor HP tidak dikenali" in result.output and "47 new" in result.output
    assert counts() == (0, 0, 0)
    assert db.session.scalar(select(func.count()).select_from(ParticipantImport)) == 0
    result = runner.invoke(args=["kopedu", "import-participants", cohort.code, str(path), "--yes"])
    assert "47 created" in result.output
    assert counts()[:2] == (47, 47)
    result = runner.invoke(args=["kopedu", "import-participants", "TIDAK-ADA", str(path)])
    assert result.exit_code != 0 and "No cohort" in result.output


def test_rejected_rows_download_as_csv_with_formulas_neutralised(setup, client, login):
    _admin, trainer, cohort = setup
    login(trainer)
    rows = [["Ana Ndun", "0813-7000-0001", "", "Ketua", "5371030011", ""],
            ['=HYPERLINK("http://contoh")', "12345", "", "Ketua", "5371030011", ""]]
    preview_url = upload(client, cohort, as_csv(rows)).headers["Location"]
    response = client.get(preview_url + "/ditolak.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert f'filename=ditolak-{cohort.code}-' in response.headers["Content-Disposition"]
    table = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert table[0] == HEADER + ["alasan"]
    assert table[1][:2] == ['\'=HYPERLINK("http://contoh")', "12345"] and len(table) == 2
    example = client.get(f"/angkatan/{cohort.id}/impor/contoh.csv").get_data(as_text=True)
    assert example.lstrip("\ufeff").startswith("nama;hp;email;jabatan;kelurahan;koperasi\r\nYuliana Ndun;")


def _csv_table(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))


def test_refused_rows_file_keeps_every_column_and_uploads_again_as_it_is(setup, client, login):
    """Title rows above the header are skipped; the refused-rows file has the file's own columns
    (jabatan and an extra one included) plus the reason, and once corrected uploads as it is."""
    _admin, trainer, cohort = setup
    login(trainer)
    header = ["No", "nama", "hp", "jabatan", "kelurahan", "koperasi", "catatan"]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["DAFTAR PESERTA BIMTEK KOTA KUPANG 2026"])
    writer.writerow(["Dinas Koperasi dan UKM", "", "", "", "", "", ""])
    writer.writerow(header)
    writer.writerow(["1", "Ana Ndun", "0813-7000-0001", "Ketua", "5371030011", "Koperasi A", "hadir"])
    writer.writerow(["2", "Beni Tefa", "12345", "Bendahara", "5371030011", "Koperasi A", "HP salah"])
    writer.writerow(["3", "Citra Lado", "0813-7000-0003", "Ketua umum", "5371030013", "", ""])
    preview_url = upload(client, cohort, buffer.getvalue().encode()).headers["Location"]
    html = client.get(preview_url).get_data(as_text=True)
    assert "Siap diimpor</dt><dd>1" in html and "Bermasalah</dt><dd>2" in html
    client.post(preview_url + "/konfirmasi")
    table = _csv_table(client.get(preview_url + "/ditolak.csv"))  # after confirming, from the summary
    assert table[0] == header + ["alasan"]
    assert table[1][:7] == ["2", "Beni Tefa", "12345", "Bendahara", "5371030011", "Koperasi A", "HP salah"]
    assert "Nomor HP tidak dikenali" in table[1][7]
    assert table[2][3] == "Ketua umum" and "Jabatan tidak dikenal" in table[2][7]

    table[1][2], table[2][3] = "0813-7000-0002", "Ketua"  # corrected in the downloaded file
    buffer = io.StringIO()
    csv.writer(buffer).writerows(table)
    again = upload(client, cohort, buffer.getvalue().encode()).headers["Location"]
    html = client.get(again).get_data(as_text=True)
    assert "Siap diimpor</dt><dd>2" in html and "Bermasalah</dt><dd>0" in html
    client.post(again + "/konfirmasi")
    assert counts()[:2] == (3, 3)


def test_refusal_reasons_in_the_english_ui(setup, client, login):
    _admin, trainer, cohort = setup
    login(trainer)
    preview_url = upload(client, cohort, as_csv([["Beni Tefa", "12345", "", "Ketua", "5371030011", ""],
                                                 ["Ana", "081370001001", "", "Ketua", "5371030011", ""]])
                         ).headers["Location"]
    client.post(preview_url + "/konfirmasi")  # confirmed in Indonesian: the summary keeps the msgids
    client.post("/bahasa", data={"lang": "en"})
    html = client.get(preview_url).get_data(as_text=True)
    assert "Mobile number not recognised" in html and "Nomor HP tidak dikenali" not in html
    table = _csv_table(client.get(preview_url + "/ditolak.csv"))
    assert table[0][-1] == "reason" and "Mobile number not recognised" in table[1][-1]


def _existing_participant(cohort, **fields):
    coop = factories.cooperative("5371030011", name="Koperasi Lama")
    user = factories.user("participant", phone="6281370005555", full_name="Maria Seran", email="maria@contoh.id",
                          position="Ketua", cooperative_id=coop.id, **fields)
    db.session.commit()
    return user


def test_preview_shows_old_and_new_values_and_a_rename_needs_its_tick(setup, client, login):
    admin, _trainer, cohort = setup
    maria = _existing_participant(cohort)
    login(admin)
    row = ["Maria Goreti Seran", "0813-7000-5555", "", "Sekretaris", "5371030011", "Koperasi Baru"]
    url = upload(client, cohort, as_csv([row])).headers["Location"]
    html = client.get(url).get_data(as_text=True)
    import re

    changes = re.findall(r'data-field="(\w+)" data-old="([^"]*)" data-new="([^"]*)"', html)
    assert ("name", "Maria Seran", "Maria Goreti Seran") in changes
    assert ("position", "Ketua", "Sekretaris") in changes
    assert ("cooperative", "Koperasi Lama", "Koperasi Baru") in changes
    assert ("cohort", "", cohort.name) in changes
    assert not any(field == "email" for field, *_ in changes)  # an empty cell keeps the email
    assert 'name="ubah" value="2"' in html

    client.post(url + "/konfirmasi")  # not ticked: Maria keeps her name and email, and is enrolled
    db.session.expire_all()
    maria = db.session.get(User, maria.id)
    assert (maria.full_name, maria.email) == ("Maria Seran", "maria@contoh.id")
    assert counts()[1] == 1
    record = db.session.get(ParticipantImport, int(url.rsplit("/", 1)[1]))
    assert record.summary["rejected"] == [] and record.summary["updated"] == 1

    url = upload(client, cohort, as_csv([row])).headers["Location"]
    client.post(url + "/konfirmasi", data={"ubah": "2"})
    db.session.expire_all()
    maria = db.session.get(User, maria.id)
    assert (maria.full_name, maria.email, maria.position) == ("Maria Goreti Seran", "maria@contoh.id", "Sekretaris")
    assert maria.cooperative.name == "Koperasi Baru" and counts()[1] == 1


def test_a_position_change_needs_no_tick_but_is_shown(setup, client, login):
    admin, _trainer, cohort = setup
    maria = _existing_participant(cohort)
    login(admin)
    url = upload(client, cohort, as_csv([["Maria Seran", "0813-7000-5555", "maria@contoh.id", "Pengawas",
                                          "5371030011", "Koperasi Lama"]])).headers["Location"]
    html = client.get(url).get_data(as_text=True)
    assert 'data-field="position"' in html and 'name="ubah"' not in html
    client.post(url + "/konfirmasi")
    db.session.expire_all()
    assert db.session.get(User, maria.id).position == "Pengawas"


def _outsider():
    db.session.add(Region(code="5301", name="KUPANG", level="kabupaten_kota", parent_code="53"))
    db.session.add(Region(code="5301010", name="SEMAU", level="kecamatan", parent_code="5301"))
    db.session.add(Region(code="5301010001", name="UITAO", level="kelurahan_desa", parent_code="5301010"))
    db.session.flush()
    coop = factories.cooperative("5301010001", name="Koperasi Uitao")
    outsider = factories.user("participant", phone="6281370006666", full_name="Orang Luar", cooperative_id=coop.id)
    factories.user("trainer", phone="6281370007777", full_name="Pelatih Lain", region_code="5301")
    db.session.commit()
    return outsider


def test_staff_and_out_of_region_accounts_are_refused_and_not_revealed(setup, client, login):
    admin, trainer, cohort = setup
    outsider = _outsider()
    rows = [["Orang Luar", "0813-7000-6666", "", "Ketua", "5371030011", ""],
            ["Pelatih Lain", "0813-7000-7777", "", "Ketua", "5371030011", ""],
            ["Tidak Ada", "0813-7000-8888", "", "Ketua", "5371030011", ""]]
    login(trainer)  # a trainer of Kota Kupang may not see accounts of Kabupaten Kupang nor staff accounts
    url = upload(client, cohort, as_csv(rows)).headers["Location"]
    html = client.get(url).get_data(as_text=True)
    refused = dict(__import__("re").findall(r'data-line="(\d+)"><td>\d+</td><td>[^<]*</td><td>[^<]*</td><td>([^<]*)</td>',
                                             html))
    assert set(refused) == {"2", "3"} and refused["2"] == refused["3"]  # the same words for both
    assert "minta admin" in refused["2"]
    for hint in ("staf", "di luar wilayah", "Orang Luar", "Koperasi Uitao", "Pelatih Lain</td><td>0813-7000-7777</td><td>Nomor"):
        assert hint not in refused["2"]
    client.post(url + "/konfirmasi")
    db.session.expire_all()
    outsider = db.session.get(User, outsider.id)
    assert outsider.cooperative.name == "Koperasi Uitao"
    assert db.session.scalar(select(func.count()).select_from(Enrollment).where(
        Enrollment.user_id == outsider.id)) == 0  # not pulled into the cohort
    client.post("/keluar")

    login(admin)  # an admin gets the same neutral words: staff and out-of-scope are not told apart
    url = upload(client, cohort, as_csv(rows)).headers["Location"]
    html = client.get(url).get_data(as_text=True)
    refused_admin = dict(__import__("re").findall(
        r'data-line="(\d+)"><td>\d+</td><td>[^<]*</td><td>[^<]*</td><td>([^<]*)</td>', html))
    assert refused_admin == refused
    assert "milik peserta di luar wilayah angkatan" not in html and "akun staf" not in html


def _huge_dimension_xlsx() -> bytes:
    """A small workbook whose sheet claims A1:XFD1048576 (16,384 columns × 1,048,576 rows) and has one
    cell there: openpyxl would fill every row in between, padded to the claimed width."""
    import re
    import zipfile

    plain = as_xlsx([["Ana Ndun", "081370001001", "", "Ketua", "5371030011", ""]])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(plain)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:XFD1048576"/>', data)
                data = data.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" t="inlineStr">'
                                    b"<is><t>x</t></is></c></row></sheetData>")
                assert data.count(b"XFD1048576") == 2
            target.writestr(info.filename, data)
    return out.getvalue()


def test_an_xlsx_claiming_huge_dimensions_is_read_cheaply():
    import tracemalloc

    data = _huge_dimension_xlsx()
    assert len(data) < 8000, len(data)
    tracemalloc.start()
    try:
        table = importer.parse(data, "besar.xlsx")
        _size, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert table["header"] == HEADER[:5] or table["header"][:5] == HEADER[:5]
    assert [line for line, _cells in table["rows"]] == [2]
    assert peak < 30 * 1024 * 1024, f"peak {peak / 2**20:.0f} MiB"


def test_row_column_and_cell_caps(setup, monkeypatch):
    monkeypatch.setattr(import_file, "MAX_ROWS", 20)
    row = ["Ana", "081370001001", "", "Ketua", "5371030011", ""]
    with pytest.raises(importer.ImportFileError, match="Paling banyak 20 baris"):
        importer.parse(as_csv([row] * 21))
    with pytest.raises(importer.ImportFileError, match="Paling banyak 20 baris"):
        importer.parse(as_xlsx([row] * 21))
    assert len(importer.parse(as_xlsx([row] * 20))["rows"]) == 20
    with pytest.raises(importer.ImportFileError, match="lebih dari 300 huruf"):
        importer.parse(as_csv([["A" * 301] + row[1:]]))
    wide = importer.parse(as_csv([row + ["x"] * 100], header=HEADER + [f"k{i}" for i in range(100)]))
    assert len(wide["header"]) == importer.MAX_COLUMNS and len(wide["rows"][0][1]) == importer.MAX_COLUMNS


def test_an_xlsx_that_unzips_too_big_is_refused():
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(as_xlsx([])), "r") as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as t:
        for info in source.infolist():
            t.writestr(info.filename, source.read(info.filename))
        t.writestr("xl/media/padding.bin", b"\0" * (importer.MAX_UNZIPPED + 1))
    assert len(out.getvalue()) < importer.MAX_BYTES
    with pytest.raises(importer.ImportFileError, match="terlalu besar setelah dibuka"):
        importer.parse(out.getvalue())


def test_the_file_is_parsed_once_and_kept_parsed(setup, client, login, monkeypatch):
    _admin, trainer, cohort = setup
    login(trainer)
    url = upload(client, cohort, as_xlsx(fifty_rows()[:3]), "daftar.xlsx").headers["Location"]
    record = db.session.get(ParticipantImport, int(url.rsplit("/", 1)[1]))
    assert [line for line, _cells in record.parsed["rows"]] == [2, 3, 4]

    def no_parsing(*args, **kwargs):
        raise AssertionError("parsed again")

    monkeypatch.setattr(importer, "parse", no_parsing)
    monkeypatch.setattr(import_file, "parse", no_parsing)
    monkeypatch.setattr(import_file, "_read_xlsx", no_parsing)
    assert "Siap diimpor</dt><dd>3" in client.get(url).get_data(as_text=True)
    client.post(url + "/konfirmasi")
    db.session.expire_all()
    record = db.session.get(ParticipantImport, record.id)
    assert record.confirmed_at is not None and record.parsed is None  # the personal data left the import
    assert counts()[:2] == (3, 3)


def test_a_trainer_without_a_region_can_upload_the_same_list_again(setup, client, login):
    _admin, _trainer, cohort = setup
    roving = factories.user("trainer", region_code=None)
    cohort.trainers.append(roving)
    db.session.commit()
    login(roving)
    rows = fifty_rows()[:3]
    url = upload(client, cohort, as_csv(rows)).headers["Location"]
    client.post(url + "/konfirmasi")
    again = upload(client, cohort, as_csv(rows)).headers["Location"]
    html = client.get(again).get_data(as_text=True)
    assert "Tidak berubah</dt><dd>3" in html and "Bermasalah</dt><dd>0" in html  # its own cohort's people


def _rows_by_line(html: str) -> dict:
    import re

    found = {}
    for line, status, body in re.findall(r'<tr class="import-row[^"]*" data-line="(\d+)" data-status="(\w+)">(.*?)</tr>',
                                         html, re.DOTALL):
        found[int(line)] = (status, dict(re.findall(r'data-field="(\w+)" data-value="([^"]*)"', body)), body)
    return found


def test_the_preview_lists_every_row_with_what_it_writes(setup, client, login):
    admin, _trainer, cohort = setup
    _existing_participant(cohort)
    factories.user("participant", phone="6281370004444", full_name="Yakob Nenabu", email=None,
                   position="Ketua", cooperative_id=factories.cooperative("5371030011", name="Koperasi Satu").id)
    db.session.commit()
    login(admin)
    rows = [["Ana Ndun", "0813-7000-0001", "", "Bendahara", "5371030011", "Koperasi Baru"],   # new
            ["Maria Seran", "0813-7000-5555", "", "Sekretaris", "5371030011", "Koperasi Lama"],  # changed
            ["Beni Tefa", "12345", "", "Ketua", "5371030011", ""]]                                # refused
    url = upload(client, cohort, as_csv(rows)).headers["Location"]
    html = client.get(url).get_data(as_text=True)
    found = _rows_by_line(html)
    assert sorted(found) == [2, 3, 4]
    status, written, _body = found[2]
    assert status == "new" and written["name"] == "Ana Ndun" and written["position"] == "Bendahara"
    assert written["phone"] == "6281370000001" and "Oebufu" in written["kelurahan"].title()
    assert written["cooperative"] == "Koperasi Baru"
    status, written, _body = found[3]
    assert status == "changed" and written == {"position": "Sekretaris", "cohort": cohort.name}
    status, written, body = found[4]
    assert status == "refused" and written == {} and "Nomor HP tidak dikenali" in body
    # counts are exact: the button imports the three rows that can go in... here two
    assert "Impor 2 baris yang benar" in html and "Bermasalah</dt><dd>1" in html


def test_an_unchanged_row_is_listed(setup, client, login):
    admin, _trainer, cohort = setup
    _existing_participant(cohort)
    login(admin)
    row = ["Maria Seran", "0813-7000-5555", "maria@contoh.id", "Ketua", "5371030011", "Koperasi Lama"]
    client.post(upload(client, cohort, as_csv([row])).headers["Location"] + "/konfirmasi")
    html = client.get(upload(client, cohort, as_csv([row])).headers["Location"]).get_data(as_text=True)
    assert _rows_by_line(html)[2][0] == "unchanged"


def test_refused_rows_csv_uploads_again_unchanged_with_plus_62_numbers(setup, client, login):
    """The refused-rows CSV neutralises +62… with an apostrophe; the importer reads it back as typed."""
    admin, _trainer, cohort = setup
    login(admin)
    rows = [["Ana Ndun", "+62 813-7000-0001", "", "Ketua umum", "5371030011", ""]]
    url = upload(client, cohort, as_csv(rows)).headers["Location"]
    client.post(url + "/konfirmasi")
    data = client.get(url + "/ditolak.csv").data
    assert b"'+62" in data  # still neutralised for a spreadsheet
    response = upload(client, cohort, data)
    assert response.status_code in (302, 303), response.get_data(as_text=True)[-1500:]
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nomor HP tidak dikenali" not in html
    assert "Jabatan tidak dikenal" in html  # the same refusal as the first time, nothing new
    found = _rows_by_line(html)
    assert next(iter(found.values()))[0] == "refused"


def test_a_trainer_changes_only_participants_of_cohorts_they_train(setup, client, login):
    _admin, trainer, cohort = setup
    maria = _existing_participant(cohort)  # in the trainer's region, in none of their cohorts
    login(trainer)
    row = ["Maria Goreti Seran", "0813-7000-5555", "lain@contoh.id", "Sekretaris", "5371030011", "Koperasi Baru"]
    url = upload(client, cohort, as_csv([row])).headers["Location"]
    html = client.get(url).get_data(as_text=True)
    assert 'name="ubah"' not in html
    status, written, _body = _rows_by_line(html)[2]
    assert status == "changed" and written == {"cohort": cohort.name}
    client.post(url + "/konfirmasi", data={"ubah": "2"})
    db.session.expire_all()
    maria = db.session.get(User, maria.id)
    assert (maria.full_name, maria.email, maria.position, maria.cooperative.name) == (
        "Maria Seran", "maria@contoh.id", "Ketua", "Koperasi Lama")
    assert counts()[1] == 1  # enrolled all the same

    # now a participant of the trainer's cohort: the trainer may change her
    url = upload(client, cohort, as_csv([row])).headers["Location"]
    client.post(url + "/konfirmasi", data={"ubah": "2"})
    db.session.expire_all()
    maria = db.session.get(User, maria.id)
    assert (maria.full_name, maria.email, maria.position) == ("Maria Goreti Seran", "lain@contoh.id", "Sekretaris")
