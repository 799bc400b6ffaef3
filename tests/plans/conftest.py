import copy
from types import SimpleNamespace

import pytest

from kopedu.extensions import db
from tests import factories

# A complete workbook: the Oebufu example of module 6 (every step filled).
COMPLETE = {
    "profil": {"nama_usaha": "Gerai sembako dan se'i", "ringkasan": "Gerai sembako untuk anggota dan warga sekitar."},
    "potensi": {"potensi": "Se'i sapi buatan anggota.", "kebutuhan": "150 keluarga belanja sembako."},
    "produk": {"produk": "Sembako dan se'i", "harga": "Keuntungan 12 persen."},
    "pasar": {"pembeli": "Anggota dan warga", "jumlah_pembeli": "150 keluarga", "pesaing": "Dua kios."},
    "pemasaran": {"cara": "Promosi pembukaan", "digital": "Katalog WhatsApp Business dan QRIS"},
    "operasional": {"tempat": "Kios sewaan", "pemasok": "Dua distributor", "pencatatan": "Buku kas harian"},
    "organisasi": {"pengelola": "Pengelola gerai dan penjaga", "pengawasan": "Pengawas menghitung stok"},
    "keuangan": {
        "simpanan_pokok": "3.000.000", "simpanan_wajib": "15.000.000", "pinjaman": "24.000.000",
        "bunga_persen_tahun": "9", "tenor_bulan": "24", "alat": "12.000.000", "umur_alat_bulan": "48",
        "stok_awal": "25.000.000", "biaya_awal_lain": "1.000.000", "sewa": "1.000.000", "gaji": "2.500.000",
        "listrik": "600.000", "biaya_lain": "300.000",
        "produk": [{"nama": "Sembako", "satuan": "keluarga", "harga": "300.000", "jumlah": "150", "hpp": "264.000"},
                   {"nama": "Se'i", "satuan": "kg", "harga": "200.000", "jumlah": "72", "hpp": "176.000"}]},
    "risiko": {"rows": [{"risiko": "Harga naik", "pencegahan": "Bandingkan distributor"},
                        {"risiko": "Listrik padam", "pencegahan": "Stok se'i seminggu"},
                        {"risiko": "Barang hilang", "pencegahan": "Hitung stok mingguan"}]},
    "rencana_aksi": {"tujuan": "Penjualan Rp40.250.000 pada bulan ketiga.", "rows": [
        {"waktu": "B1 M1", "kegiatan": "Rapat Anggota", "penanggung_jawab": "Ketua", "anggaran": "1.500.000",
         "indikator": "Notulen"},
        {"waktu": "B1 M2", "kegiatan": "Perbaikan kios", "penanggung_jawab": "Wakil Ketua",
         "anggaran": "1.500.000", "indikator": "Kios siap"},
        {"waktu": "B2 M2", "kegiatan": "WhatsApp Business dan QRIS", "penanggung_jawab": "Bidang digital",
         "anggaran": "0", "indikator": "20 barang di katalog"}]},
}


def complete_data() -> dict:
    return copy.deepcopy(COMPLETE)


def flat_fields(data: dict) -> dict[str, str]:
    """The workbook data as the field paths a form sends."""
    out = {}
    for step, section in data.items():
        for key, value in section.items():
            if isinstance(value, list):
                for index, row in enumerate(value):
                    for column, text in row.items():
                        out[f"{step}.{key}.{index}.{column}"] = text
            else:
                out[f"{step}.{key}"] = value
    return out


@pytest.fixture
def wb(app):
    """A course with a workbook assignment; a participant of Oebufu (kecamatan Oebobo), a colleague in the same
    cooperative, a participant of another cooperative, the course's trainer, observers of Oebobo and Maulafa."""
    course = factories.course(lessons=1)
    assignment = factories.assignment(course, submit_text=False, submit_files=True)
    assignment.kind = "business_plan"
    assignment.criteria[1].steps = ["keuangan"]
    cohort = factories.cohort(course, code="RB-1")
    coop = factories.cooperative("5371030011", name="Koperasi Kelurahan Merah Putih Oebufu")
    owner, enrollment = factories.participant_in(cohort, cooperative=coop, full_name="Yuliana Ndun")
    colleague, _e = factories.participant_in(cohort, cooperative=coop, full_name="Markus Tefa")
    stranger, _e = factories.participant_in(cohort, village_code="5371020002", full_name="Fransiska Kase")
    trainer = factories.trainer_of(course, full_name="Maria Goreti Seran")
    cohort.trainers.append(trainer)
    observer = factories.user("observer", region_code="5371030", full_name="Camat Oebobo")
    observer_other = factories.user("observer", region_code="5371020", full_name="Camat Maulafa")
    trainer_other = factories.user("trainer", full_name="Pelatih lain")
    db.session.commit()
    return SimpleNamespace(course=course, assignment=assignment, lesson=assignment.lesson, owner=owner,
                           enrollment=enrollment, colleague=colleague, stranger=stranger, trainer=trainer,
                           observer=observer, observer_other=observer_other, trainer_other=trainer_other, coop=coop)
