"""kopedu.plans.finance: every expected value below is worked by hand in the comments beside it."""
from decimal import Decimal

import pytest

from kopedu.plans import finance as f
from kopedu.plans.finance import Inputs, MoneyError, Product, compute, parse_rupiah, read_inputs

D = Decimal


@pytest.fixture(autouse=True)
def _context(app):
    """Messages go through Flask-Babel: a request context gives them a locale."""
    with app.test_request_context():
        yield


# --------------------------------------------------------------------------- the Oebufu example (module 6)
#
# Lesson 02 (Menyusun rencana bisnis), the gerai sembako and se'i of Koperasi Kelurahan Merah Putih Oebufu:
#   sembako 150 keluarga × Rp300.000 = Rp45.000.000, bought with a 12 % margin → HPP 88 % = Rp264.000 a family
#   se'i     72 kg       × Rp200.000 = Rp14.400.000, bought at Rp176.000 a kg (12 % margin)
#   penjualan = 45.000.000 + 14.400.000 = 59.400.000
#   HPP       = 150 × 264.000 + 72 × 176.000 = 39.600.000 + 12.672.000 = 52.272.000
#   laba kotor = 59.400.000 − 52.272.000 = 7.128.000 (= 12 % × 59.400.000)
#   modal: simpanan pokok + wajib 18.000.000, pinjaman bank 24.000.000 for 24 months
#   bunga flat: 24.000.000 × 9 % ÷ 12 = 180.000 a month (the lesson's "Bunga pinjaman Rp180.000")
#   cicilan pokok: 24.000.000 ÷ 24 = 1.000.000 a month; cicilan total 1.180.000
#   alat (rak 5,5 jt + freezer 4,5 jt + timbangan 0,5 jt + perbaikan kios 1,5 jt) = 12.000.000 over 48 months
#     → penyusutan 250.000 a month
#   biaya tetap = sewa 1.000.000 + honor 2.500.000 + listrik 600.000 + kantong dll 300.000
#                 + penyusutan 250.000 + bunga 180.000 = 4.830.000
#   laba bersih = 7.128.000 − 4.830.000 = 2.298.000
#   arus kas bersih = 2.298.000 + 250.000 (penyusutan is not cash) − 1.000.000 (pokok) = 1.548.000
#   titik impas (laba) = 4.830.000 ÷ 12 % = 40.250.000
#   titik impas kas   = (4.830.000 − 250.000 + 1.000.000) ÷ 12 % = 5.580.000 ÷ 0,12 = 46.500.000
#   kas awal = 42.000.000 − alat 12.000.000 − stok 25.000.000 − promosi 1.000.000 = 4.000.000 ("Kas cadangan")
#   month 1: 4.000.000 + 59.400.000 − (52.272.000 + 4.400.000 cash costs + 180.000 + 1.000.000) = 5.548.000
#   month 12: 4.000.000 + 12 × 1.548.000 = 22.576.000
#   balik modal: 42.000.000 ÷ (2.298.000 + 250.000) = 16,48… → 17 months
#   penjualan −20 %: 47.520.000; laba kotor 0,8 × 7.128.000 = 5.702.400; cash costs without bunga 4.400.000
#     → 1.302.400 before the instalment of 1.180.000 → 122.400 left: the instalment can still be paid.
#   units at break-even, in the plan's mix (share 40.250.000 ÷ 59.400.000 = 0,6776…):
#     sembako 150 × 0,6776 = 101,6 → 102 families; se'i 72 × 0,6776 = 48,8 → 49 kg
#   at cash break-even (share 46.500.000 ÷ 59.400.000 = 0,7828…): 117,4 → 118 families; 56,4 → 57 kg

OEBUFU = {
    "simpanan_pokok": "3.000.000", "simpanan_wajib": "Rp 15.000.000", "pinjaman": "24 jt",
    "bunga_persen_tahun": "9", "tenor_bulan": "24", "alat": "12.000.000", "umur_alat_bulan": "48",
    "stok_awal": "25.000.000", "biaya_awal_lain": "1.000.000", "sewa": "1.000.000", "gaji": "2.500.000",
    "jumlah_pekerja": "1", "listrik": "600.000", "biaya_lain": "300.000",
    "produk": [{"nama": "Sembako", "satuan": "keluarga", "harga": "300.000", "jumlah": "150", "hpp": "264.000"},
               {"nama": "Se'i", "satuan": "kg", "harga": "Rp200.000", "jumlah": "72", "hpp": "176.000"}],
}


def test_the_oebufu_example_of_module_6():
    inputs, errors = read_inputs(OEBUFU)
    assert errors == {}
    r = compute(inputs)
    assert r.sales == D(59_400_000)
    assert r.cost_of_goods == D(52_272_000)
    assert r.gross_profit == D(7_128_000)
    assert r.gross_margin == D("0.12")
    assert r.depreciation == D(250_000)
    assert r.interest == D(180_000)
    assert r.principal == D(1_000_000)
    assert r.instalment == D(1_180_000)
    assert r.fixed_costs == D(4_830_000)
    assert r.net_profit == D(2_298_000)
    assert r.net_cash_flow == D(1_548_000)  # not 1.298.000: depreciation is not cash
    assert r.break_even == D(40_250_000)
    assert r.cash_break_even == D(46_500_000)
    assert [int(n) for _p, n in r.break_even_units] == [102, 49]
    assert [int(n) for _p, n in r.cash_break_even_units] == [118, 57]
    assert r.modal_awal == D(42_000_000) and r.kas_awal == D(4_000_000)
    first, last = r.cash_table[0], r.cash_table[-1]
    assert (first.month, first.start, first.cash_in, first.cash_out, first.end) == (
        1, D(4_000_000), D(59_400_000), D(57_852_000), D(5_548_000))
    assert last.month == 12 and last.end == D(22_576_000)
    assert all(b.start == a.end for a, b in zip(r.cash_table, r.cash_table[1:]))
    assert r.payback_months == 17
    assert r.stress_sales == D(47_520_000)
    assert r.stress_left_after_instalment == D(122_400) and r.stress_can_pay
    assert "Rp1.180.000 masih bisa dibayar" in r.stress_line and "Rp122.400" in r.stress_line
    assert r.warnings == []
    assert all(isinstance(v, Decimal) for v in (r.sales, r.net_profit, r.net_cash_flow, r.cash_break_even))


# --------------------------------------------------------------------------- a loan case

def test_a_loan_is_repaid_flat_and_stops_after_its_tenor():
    # A kiosk: one product 1.000 units × Rp10.000, bought at Rp8.000 → penjualan 10.000.000, laba kotor 2.000.000
    # (margin 20 %). Loan Rp6.000.000, 12 % a year flat, 6 months:
    #   bunga 6.000.000 × 12 % ÷ 12 = 60.000; pokok 6.000.000 ÷ 6 = 1.000.000; cicilan 1.060.000
    #   biaya tetap = sewa 500.000 + bunga 60.000 = 560.000 → laba bersih 1.440.000
    #   arus kas bersih = 1.440.000 − 1.000.000 = 440.000
    #   titik impas = 560.000 ÷ 20 % = 2.800.000; kas = (560.000 + 1.000.000) ÷ 20 % = 7.800.000
    #   kas awal = 6.000.000 (nothing bought); months 1–6 +440.000 each → 8.640.000 after month 6;
    #   from month 7 no instalment: +1.500.000 (2.000.000 − 500.000) → month 12 ends 8.640.000 + 6 × 1.500.000
    #   = 17.640.000
    #   −20 %: laba kotor 1.600.000 − sewa 500.000 = 1.100.000 ≥ cicilan 1.060.000 → 40.000 left
    r = compute(Inputs(products=(Product("Pulsa", D(10_000), D(1_000), D(8_000)),), pinjaman=D(6_000_000),
                       bunga_persen_tahun=D(12), tenor_bulan=6, sewa=D(500_000)))
    assert (r.interest, r.principal, r.instalment) == (D(60_000), D(1_000_000), D(1_060_000))
    assert r.net_profit == D(1_440_000) and r.net_cash_flow == D(440_000)
    assert (r.break_even, r.cash_break_even) == (D(2_800_000), D(7_800_000))
    assert r.cash_table[5].end == D(8_640_000)
    assert r.cash_table[6].cash_out == D(8_500_000)  # month 7: HPP 8.000.000 + sewa, no instalment
    assert r.cash_table[11].end == D(17_640_000)
    assert r.stress_can_pay and r.stress_left_after_instalment == D(40_000)


def test_a_loan_the_business_cannot_carry_when_sales_fall():
    # penjualan 10.000.000 at 10 % margin → laba kotor 1.000.000; sewa 200.000; loan 12.000.000, 0 %, 24 months
    #   → pokok 500.000; arus kas 1.000.000 − 200.000 − 500.000 = 300.000 (can pay now)
    #   −20 %: 800.000 − 200.000 = 600.000 vs cicilan 500.000 → 100.000 left: still pays
    # with sewa 400.000: now 100.000 left; −20 %: 800.000 − 400.000 = 400.000 < 500.000 → short 100.000
    r = compute(Inputs(products=(Product("Beras", D(10_000), D(1_000), D(9_000)),), pinjaman=D(12_000_000),
                       tenor_bulan=24, sewa=D(400_000)))
    assert r.net_cash_flow == D(100_000)
    assert not r.stress_can_pay and r.stress_left_after_instalment == D(-100_000)
    assert "TIDAK bisa" in r.stress_line and "kurang Rp100.000" in r.stress_line


# --------------------------------------------------------------------------- depreciation

def test_depreciation_lowers_profit_but_not_cash():
    # penjualan 5.000.000, HPP 3.000.000 → laba kotor 2.000.000 (40 %); sewa 500.000;
    # freezer Rp7.200.000 over 36 months → penyusutan 200.000
    #   laba bersih = 2.000.000 − 700.000 = 1.300.000; arus kas = 1.300.000 + 200.000 = 1.500.000
    #   titik impas = 700.000 ÷ 40 % = 1.750.000; titik impas kas = 500.000 ÷ 40 % = 1.250.000
    #   month 1 cash out = 3.000.000 + 500.000 (the freezer's 200.000 never leaves the till)
    #   balik modal: modal 7.200.000 ÷ 1.500.000 = 4,8 → 5 months
    r = compute(Inputs(products=(Product("Es", D(5_000), D(1_000), D(3_000)),), alat=D(7_200_000),
                       umur_alat_bulan=36, sewa=D(500_000), simpanan_pokok=D(7_200_000)))
    assert r.depreciation == D(200_000)
    assert r.net_profit == D(1_300_000) and r.net_cash_flow == D(1_500_000)
    assert (r.break_even, r.cash_break_even) == (D(1_750_000), D(1_250_000))
    assert r.cash_table[0].cash_out == D(3_500_000)
    assert r.kas_awal == 0 and r.cash_table[0].end == D(1_500_000)
    assert r.payback_months == 5


def test_depreciation_that_does_not_divide_evenly_stays_exact_until_shown():
    # Rp1.000.000 over 3 months = 333.333,33… a month: kept unrounded (three months add up to 1.000.000
    # within a millionth of a rupiah), rounded only when shown
    r = compute(Inputs(alat=D(1_000_000), umur_alat_bulan=3))
    assert abs(r.depreciation * 3 - D(1_000_000)) < D("0.000001")
    assert f.rupiah(r.depreciation) == "Rp333.333"


# --------------------------------------------------------------------------- a loss-making plan

def test_a_loss_making_plan_is_said_plainly():
    # penjualan 3.000.000, HPP 2.700.000 → laba kotor 300.000 (10 %); gaji 1.000.000, listrik 100.000
    #   laba bersih = 300.000 − 1.100.000 = −800.000 (rugi); arus kas −800.000
    #   titik impas = 1.100.000 ÷ 10 % = 11.000.000
    #   12 months from kas awal 2.000.000: 2.000.000 − 12 × 800.000 = −7.600.000
    #   no payback; −20 %: 240.000 − 1.100.000 = −860.000 without a loan
    r = compute(Inputs(products=(Product("Kue", D(3_000), D(1_000), D(2_700)),), gaji=D(1_000_000),
                       listrik=D(100_000), simpanan_wajib=D(2_000_000)))
    assert r.loss_making and r.net_profit == D(-800_000) and r.net_cash_flow == D(-800_000)
    assert r.break_even == D(11_000_000)
    assert r.cash_table[-1].end == D(-7_600_000)
    assert r.payback_months is None
    assert r.stress_left_after_instalment == D(-860_000)
    assert any("rugi Rp800.000" in w for w in r.warnings)
    assert "kas berkurang Rp860.000" in r.stress_line


def test_selling_below_cost_has_no_break_even():
    r = compute(Inputs(products=(Product("Rugi", D(900), D(10), D(1_000)),), sewa=D(100)))
    assert r.gross_profit == D(-1_000) and r.break_even is None and r.cash_break_even is None
    assert any("Harga jual tidak lebih tinggi" in w for w in r.warnings)


def test_a_wage_below_the_regional_minimum_is_warned():
    # gaji 4.000.000 for 2 workers = 2.000.000 each, below a minimum of 2.500.000
    r = compute(Inputs(gaji=D(4_000_000), jumlah_pekerja=2), min_wage=D(2_500_000))
    assert any("Rp2.000.000" in w and "Rp2.500.000" in w for w in r.warnings)
    assert not any("upah minimum" in w for w in compute(Inputs(gaji=D(5_000_000), jumlah_pekerja=2),
                                                        min_wage=D(2_500_000)).warnings)


# --------------------------------------------------------------------------- rupiah typed the Indonesian way

@pytest.mark.parametrize("typed, amount", [
    ("1.500.000", 1_500_000), ("Rp 1.500.000", 1_500_000), ("Rp1.500.000", 1_500_000), ("rp. 1.500.000", 1_500_000),
    ("1500000", 1_500_000), ("1 500 000", 1_500_000), ("1.500.000,00", 1_500_000), ("Rp1.500.000,-", 1_500_000),
    ("1,5 jt", 1_500_000), ("1,5 juta", 1_500_000), ("2 jt", 2_000_000), ("500 rb", 500_000),
    ("500 ribu", 500_000), ("0", 0), ("1 M", 1_000_000_000),
])
def test_rupiah_as_typed(typed, amount):
    assert parse_rupiah(typed) == D(amount)


@pytest.mark.parametrize("typed, says", [
    ("", "Isi jumlahnya"),
    ("   ", "Isi jumlahnya"),
    ("-500.000", "tidak boleh negatif"),
    ("(500.000)", "tidak boleh negatif"),
    ("1.000,50", "tanpa sen, misalnya 1.000"),    # rupiah are whole: never rounded silently
    ("1,500,000", "titik untuk ribuan"),          # English grouping: refused, not read as 1,5
    ("1.5", "titik untuk ribuan"),
    ("1.5 jt", "koma untuk desimal"),
    ("1.000.000.000.000", "terlalu besar"),        # Rp1 triliun
    ("999999999999", "terlalu besar"),
    ("satu juta", "Bukan jumlah rupiah"),
    ("1,2345678 jt", "tidak bulat"),                 # Rp1.234.567,8,
])
def test_rupiah_that_cannot_be_read_for_sure_is_refused(typed, says):
    with pytest.raises(MoneyError) as error:
        parse_rupiah(typed)
    assert says in str(error.value)


def test_bad_inputs_are_named_by_field_and_count_as_zero():
    raw = dict(OEBUFU, sewa="-1.000.000", listrik="1.000,50", gaji="", produk=[
        {"nama": "Sembako", "harga": "300.000", "jumlah": "banyak", "hpp": "264.000"}])
    inputs, errors = read_inputs(raw)
    assert set(errors) == {"sewa", "listrik", "produk.0.jumlah"}
    assert "negatif" in errors["sewa"] and "sen" in errors["listrik"]
    assert inputs.sewa == 0 and inputs.listrik == 0 and inputs.gaji == 0
    assert inputs.products[0].quantity == 0


def test_a_loan_without_tenor_is_asked_for():
    _inputs, errors = read_inputs({"pinjaman": "10.000.000"})
    assert "tenor_bulan" in errors


@pytest.mark.parametrize("typed, ok", [("9", D(9)), ("9,5", D("9.5")), ("9 %", D(9)), ("-1", None), ("150", None),
                                      ("sembilan", None)])
def test_percent(typed, ok):
    if ok is None:
        with pytest.raises(MoneyError):
            f.parse_percent(typed)
    else:
        assert f.parse_percent(typed) == ok


def test_months_and_quantities():
    assert f.parse_months("24 bulan") == 24
    for bad in ("0", "2,5", "999", ""):
        with pytest.raises(MoneyError):
            f.parse_months(bad)
    assert f.parse_quantity("1,5") == D("1.5") and f.parse_quantity("1.200") == D(1200)
    with pytest.raises(MoneyError):
        f.parse_quantity("-3")


def test_rupiah_is_shown_the_indonesian_way():
    assert f.rupiah(D(46_500_000)) == "Rp46.500.000"
    assert f.rupiah(D(-946_000)) == "−Rp946.000"
    assert f.rupiah(D("122400.5")) == "Rp122.401"
    assert f.rupiah(None) == "–"
