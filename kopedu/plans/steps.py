"""The workbook's ten steps: for each, a plain question, a hint and an example from the bundled course
(Koperasi Kelurahan Merah Putih Oebufu, module 6), its fields, and when it counts as complete.

Field paths name a place in BusinessPlan.data: "<step>.<field>" for a plain field,
"<step>.rows.<n>.<column>" for a row of a table step (risiko, rencana_aksi), "keuangan.produk.<n>.<column>"
for a product of the finance step.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

TEXT_MAX = 200
LONG_MAX = 1500
MAX_ROWS = {"risiko": 10, "rencana_aksi": 15, "produk": 8}
MIN_ROWS = {"risiko": 3, "rencana_aksi": 3}


@dataclass(frozen=True)
class Field:
    key: str
    label: object
    kind: str = "long"       # text | long | money | quantity | percent | months
    required: bool = True
    placeholder: object = ""

    @property
    def max_length(self) -> int:
        return LONG_MAX if self.kind == "long" else TEXT_MAX


@dataclass(frozen=True)
class Step:
    key: str
    title: object
    question: object
    hint: object
    example: object
    fields: tuple[Field, ...] = ()
    columns: tuple[Field, ...] = ()   # a table step's columns (rows in data[key]["rows"])
    groups: tuple = field(default=())  # the finance step: (title, fields) groups

    @property
    def table(self) -> bool:
        return bool(self.columns)


_MONEY_HINT = _l("contoh: 1.500.000")

STEPS: tuple[Step, ...] = (
    Step("profil", _l("Profil koperasi"),
         _l("Koperasi Anda siapa, dan usaha apa yang ingin dijalankan?"),
         _l("Tulis singkat saja, seperti menjelaskan kepada tamu dari Dinas."),
         _l("Koperasi Kelurahan Merah Putih Oebufu, Kota Kupang, ingin membuka gerai sembako dan menjual se'i "
            "sapi buatan anggota."),
         fields=(Field("nama_usaha", _l("Nama usaha"), "text"),
                 Field("ringkasan", _l("Usaha ini dalam dua atau tiga kalimat")),
                 Field("anggota", _l("Jumlah anggota koperasi"), "text", required=False),
                 Field("lokasi", _l("Lokasi usaha"), "text", required=False))),
    Step("potensi", _l("Potensi dan peluang"),
         _l("Apa kekuatan kelurahan Anda, dan kebutuhan warga apa yang bisa dilayani koperasi?"),
         _l("Mulailah dari data anggota dan tetangga, bukan dari tebakan: berapa orang, berapa barang, berapa harga."),
         _l("Sekitar 150 keluarga mau belanja sembako di gerai, rata-rata Rp300.000 per keluarga per bulan. Tiga "
            "anggota sudah membuat se'i sapi di rumah, tetapi hanya menjual ke tetangga."),
         fields=(Field("potensi", _l("Potensi lokal")),
                 Field("kebutuhan", _l("Kebutuhan warga")),
                 Field("data", _l("Data yang Anda kumpulkan"), required=False))),
    Step("produk", _l("Produk dan harga"),
         _l("Apa yang akan dijual, dan berapa harganya?"),
         _l("Sebut harga beli dan harga jual. Angka lengkapnya diisi di langkah Keuangan."),
         _l("Sembako dijual dengan keuntungan 12 persen dari harga jual. Se'i dibeli dari UMKM anggota Rp176.000 "
            "per kg dan dijual Rp200.000 per kg."),
         fields=(Field("produk", _l("Produk atau layanan")),
                 Field("harga", _l("Harga beli dan harga jual")),
                 Field("keunggulan", _l("Apa bedanya dengan yang dijual orang lain?"), required=False))),
    Step("pasar", _l("Pasar, pembeli dan pesaing"),
         _l("Siapa yang akan membeli, berapa banyak, dan siapa pesaingnya?"),
         _l("Pesaing bukan musuh: catat harga dan kekurangan mereka."),
         _l("Anggota dan warga sekitar, sekitar 150 keluarga. Ada dua kios lain di dekat gerai; harganya sedikit "
            "lebih mahal dan tidak menjual se'i."),
         fields=(Field("pembeli", _l("Siapa pembelinya")),
                 Field("jumlah_pembeli", _l("Perkiraan jumlah pembeli per bulan"), "text"),
                 Field("pesaing", _l("Pesaing dan harganya")))),
    Step("pemasaran", _l("Pemasaran"),
         _l("Bagaimana orang tahu tentang usaha ini dan membelinya, termasuk lewat HP?"),
         _l("Cara digital yang murah: katalog WhatsApp Business, toko di marketplace, pembayaran QRIS."),
         _l("Pembukaan gerai dengan promosi. Katalog WhatsApp Business berisi 20 barang, QRIS aktif. Se'i "
            "dipromosikan di grup WhatsApp dan diantar ke pembeli di Kota Kupang."),
         fields=(Field("cara", _l("Cara promosi dan penjualan")),
                 Field("digital", _l("WhatsApp Business, marketplace, QRIS")))),
    Step("operasional", _l("Operasional"),
         _l("Di mana dan kapan usaha berjalan, dari siapa barangnya, dan bagaimana dicatat?"),
         _l("Pencatatan harian yang rapi (buku kas, kartu stok, nota) memudahkan pemantauan setiap bulan."),
         _l("Kios sewaan dekat jalan utama, buka 25 hari sebulan. Sembako dari dua atau tiga distributor, se'i dari "
            "tiga anggota. Penjaga mencatat buku kas dan kartu stok setiap hari."),
         fields=(Field("tempat", _l("Tempat dan jam buka")),
                 Field("pemasok", _l("Pemasok barang atau bahan")),
                 Field("pencatatan", _l("Cara mencatat uang dan stok")))),
    Step("organisasi", _l("Organisasi dan SDM"),
         _l("Siapa yang mengerjakan apa, dan siapa yang mengawasi?"),
         _l("Satu pekerjaan, satu penanggung jawab. Pengawas ikut memeriksa."),
         _l("Pengelola gerai dan satu penjaga bergaji. Bendahara memeriksa buku kas setiap minggu; pengawas ikut "
            "menghitung stok setiap bulan."),
         fields=(Field("pengelola", _l("Pengelola dan pekerja")),
                 Field("tugas", _l("Pembagian tugas"), required=False),
                 Field("pengawasan", _l("Pengawasan")))),
    Step("keuangan", _l("Keuangan"),
         _l("Berapa modal, penjualan dan biaya per bulan? Aplikasi menghitung sisanya."),
         _l("Tulis rupiah seperti biasa, misalnya 1.500.000. Laba, arus kas, cicilan dan titik impas dihitung "
            "aplikasi. Penyusutan alat adalah biaya, tetapi bukan uang keluar."),
         _l("Modal Rp42.000.000: simpanan Rp18.000.000 dan pinjaman bank Rp24.000.000 selama 24 bulan. Sembako "
            "150 keluarga × Rp300.000, se'i 72 kg × Rp200.000. Sewa Rp1.000.000, honor penjaga Rp2.500.000."),
         groups=(
             (_l("Modal awal dan sumbernya"), (
                 Field("simpanan_pokok", _l("Simpanan pokok"), "money", required=False, placeholder=_MONEY_HINT),
                 Field("simpanan_wajib", _l("Simpanan wajib"), "money", required=False, placeholder=_MONEY_HINT),
                 Field("hibah", _l("Hibah atau bantuan"), "money", required=False),
                 Field("modal_lain", _l("Modal sendiri lainnya"), "money", required=False),
                 Field("pinjaman", _l("Pinjaman (bank atau lembaga)"), "money", required=False),
                 Field("bunga_persen_tahun", _l("Bunga pinjaman, persen per tahun (flat)"), "percent",
                       required=False, placeholder=_l("contoh: 9")),
                 Field("tenor_bulan", _l("Lama pinjaman (bulan)"), "months", required=False,
                       placeholder=_l("contoh: 24")))),
             (_l("Modal dipakai untuk"), (
                 Field("alat", _l("Alat dan perbaikan tempat"), "money", required=False),
                 Field("umur_alat_bulan", _l("Umur alat (bulan)"), "months", required=False,
                       placeholder=_l("contoh: 48")),
                 Field("stok_awal", _l("Stok awal"), "money", required=False),
                 Field("biaya_awal_lain", _l("Biaya awal lain (promosi pembukaan …)"), "money", required=False))),
             (_l("Biaya tetap per bulan"), (
                 Field("sewa", _l("Sewa tempat"), "money", required=False),
                 Field("gaji", _l("Gaji atau honor pekerja (jumlah)"), "money", required=False),
                 Field("jumlah_pekerja", _l("Jumlah pekerja bergaji"), "months", required=False),
                 Field("listrik", _l("Listrik, air, internet"), "money", required=False),
                 Field("biaya_lain", _l("Biaya tetap lain"), "money", required=False))),
         ),
         columns=(Field("nama", _l("Produk"), "text"), Field("satuan", _l("Satuan"), "text", required=False),
                  Field("harga", _l("Harga jual per satuan"), "money"),
                  Field("jumlah", _l("Terjual per bulan"), "quantity"),
                  Field("hpp", _l("Harga beli/bahan per satuan (HPP)"), "money"))),
    Step("risiko", _l("Risiko dan cara mencegahnya"),
         _l("Apa yang bisa salah, dan apa yang Anda lakukan supaya tidak terjadi?"),
         _l("Tulis paling sedikit tiga risiko, masing-masing dengan cara mencegahnya."),
         _l("Harga sembako naik → bandingkan harga dari dua atau tiga distributor. Listrik padam dan se'i rusak → "
            "beli se'i secukupnya untuk satu minggu. Barang hilang → hitung stok setiap minggu bersama pengawas."),
         columns=(Field("risiko", _l("Risiko"), "text"), Field("pencegahan", _l("Cara mencegah"), "text"))),
    Step("rencana_aksi", _l("Rencana aksi tiga bulan"),
         _l("Apa yang dikerjakan dalam tiga bulan pertama, kapan, oleh siapa, dengan biaya berapa?"),
         _l("Satu baris satu kegiatan. Indikator adalah tanda berhasil yang bisa dihitung atau dilihat."),
         _l("B1 M1 · Rapat Anggota menyetujui rencana bisnis · Ketua · Rp1.500.000 · ada notulen dan daftar hadir. "
            "B2 M2 · WhatsApp Business, katalog, QRIS · Pengurus bidang digital · Rp0 · 20 barang di katalog."),
         fields=(Field("tujuan", _l("Dua atau tiga tujuan berangka")),),
         columns=(Field("waktu", _l("Waktu"), "text", placeholder=_l("contoh: B1 M1")),
                  Field("kegiatan", _l("Kegiatan"), "text"),
                  Field("penanggung_jawab", _l("Penanggung jawab"), "text"),
                  Field("anggaran", _l("Anggaran"), "money", placeholder=_l("contoh: 1.500.000")),
                  Field("indikator", _l("Indikator berhasil"), "text"))),
)

STEP_KEYS = tuple(step.key for step in STEPS)
BY_KEY = {step.key: step for step in STEPS}

_PATH = re.compile(r"^([a-z_]+)\.(?:(rows|produk)\.(\d{1,2})\.)?([a-z_]+)$")


def number(key: str) -> int:
    """1 to 10 (0 for a key that names no step)."""
    return STEP_KEYS.index(key) + 1 if key in BY_KEY else 0


def step_fields(step: Step) -> tuple[Field, ...]:
    """The plain (non-row) fields of a step, the finance step's groups included."""
    if step.groups:
        return tuple(f for _title, fields in step.groups for f in fields)
    return step.fields


def field_for(path: str) -> tuple[Step, Field, str | None, int | None] | None:
    """(step, field, table, row index) for a field path, or None when the path names no field."""
    match = _PATH.match(path or "")
    if not match:
        return None
    step_key, table, index, key = match.groups()
    step = BY_KEY.get(step_key)
    if step is None:
        return None
    if table is None:
        found = next((f for f in step_fields(step) if f.key == key), None)
        return (step, found, None, None) if found else None
    if (table == "produk") != (step.key == "keuangan") or not step.columns:
        return None
    row = int(index)
    if row >= MAX_ROWS["produk" if table == "produk" else step.key]:
        return None
    found = next((f for f in step.columns if f.key == key), None)
    return (step, found, table, row) if found else None


def table_rows(data: dict, step: Step) -> list[dict]:
    """The stored rows of a table step (the finance step: its products)."""
    value = (data or {}).get(step.key) or {}
    rows = value.get("produk" if step.key == "keuangan" else "rows") or []
    return [row if isinstance(row, dict) else {} for row in rows]


def rows_to_show(data: dict, step: Step) -> int:
    """Rows offered on the step's screen: those stored plus two empty ones (at least three)."""
    if not step.columns:
        return 0
    limit = MAX_ROWS["produk" if step.key == "keuangan" else step.key]
    return min(max(len(table_rows(data, step)) + 2, 3), limit)
