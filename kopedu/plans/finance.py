"""The business plan's money, computed by the app and never by the officer: pure functions on `Decimal`.

No float touches money here. Nothing in this module reads the database, the request or the clock.

Reading rupiah as Indonesians type them (`parse_rupiah`):

- `1.500.000`, `Rp 1.500.000`, `Rp1.500.000`, `1500000`, `1 500 000` → 1500000;
- `1,5 jt`, `1,5 juta`, `2 jt`, `500 rb`, `500 ribu`, `1 M` / `1 miliar` → understood (× 1.000.000, × 1.000,
  × 1.000.000.000); `1.5 jt` (a dot as decimal mark) is refused with a message saying to write `1,5 jt`;
- `1.500.000,00` → 1500000 (zero sen are dropped); `1.000,50` is **refused**: rupiah are whole, and
  rounding the typed sen away silently would change what was typed;
- `1,500,000` (English grouping) and `1.5` are refused ("pakai titik untuk ribuan"), never guessed;
- empty, negative (`-500`, `(500)`) and absurdly large amounts (over Rp100 miliar) are refused.
Every refusal is a `MoneyError` whose message is plain Indonesian for the participant (through Flask-Babel).

The loan follows the lessons of module 6 (the Oebufu example): **flat interest** — the monthly interest is
the original principal × the yearly rate ÷ 12 for the whole tenor (Rp24.000.000 × 9 % ÷ 12 = Rp180.000),
the principal is repaid in equal parts (Rp24.000.000 ÷ 24 = Rp1.000.000). Interest is a fixed cost (it
lowers the profit); the principal is not a cost but is cash going out.

Depreciation (penyusutan = the equipment's price ÷ its life in months) is a cost but **not cash**: it
lowers the profit, never the cash. So

    laba bersih          = laba kotor − biaya tetap (sewa, gaji, listrik, lain, penyusutan, bunga)
    arus kas bersih      = laba bersih + penyusutan − cicilan pokok
    titik impas (laba)   = biaya tetap ÷ persen laba kotor
    titik impas kas      = (biaya tetap − penyusutan + cicilan pokok) ÷ persen laba kotor

Break-even sales are rounded up to the whole rupiah (a safe figure), other money to the nearest rupiah
(half up) only when shown; sums are made before rounding.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

ZERO = Decimal(0)
ONE = Decimal(1)
RUPIAH = Decimal(1)
MAX_RUPIAH = Decimal(100_000_000_000)  # Rp100 miliar: more than any village cooperative's plan
MAX_QUANTITY = Decimal(10_000_000)
MAX_PERCENT = Decimal(100)
MAX_MONTHS = 360
MONTHS = 12  # the cash table
STRESS = Decimal("0.8")  # "penjualan turun 20 %"
MAX_PRODUCTS = 8

_UNITS = {
    "rb": Decimal(1_000), "ribu": Decimal(1_000), "k": Decimal(1_000),
    "jt": Decimal(1_000_000), "juta": Decimal(1_000_000),
    "m": Decimal(1_000_000_000), "miliar": Decimal(1_000_000_000), "milyar": Decimal(1_000_000_000),
}
_PLAIN = re.compile(r"^\d+$")
_GROUPED_DOT = re.compile(r"^\d{1,3}(\.\d{3})+$")
_GROUPED_SPACE = re.compile(r"^\d{1,3}( \d{3})+$")
_GROUPED_COMMA = re.compile(r"^\d{1,3}(,\d{3})+$")
_WITH_SEN = re.compile(r"^(\d{1,3}(?:\.\d{3})*|\d+),(\d{1,2})$")
_WITH_UNIT = re.compile(r"^(\d+(?:[.,]\d+)?)\s*([a-z]+)\.?$")
_DECIMAL = re.compile(r"^\d+(,\d+)?$")


class MoneyError(ValueError):
    """A typed amount that cannot be read for sure; str(error) is the message for the participant."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


def _clean(text) -> str:
    value = ("" if text is None else str(text)).strip().lower()
    value = value.replace("\u00a0", " ").replace("\u202f", " ")
    value = re.sub(r"^rp\.?\s*", "", value)
    value = re.sub(r"\s*(rupiah|,-|\.-)$", "", value)
    return value.strip()


def parse_rupiah(text) -> Decimal:
    """A rupiah amount typed the Indonesian way, as a whole-rupiah Decimal; MoneyError when it cannot be
    read for sure (see the module's docstring for what is understood and what is refused)."""
    value = _clean(text)
    if not value:
        raise MoneyError(_l("Isi jumlahnya dalam rupiah, misalnya 1.500.000."))
    if value.startswith("-") or value.startswith("(") or value.startswith("−"):
        raise MoneyError(_l("Jumlah tidak boleh negatif."))
    amount = _read_amount(value)
    if amount > MAX_RUPIAH:
        raise MoneyError(_l("Jumlah ini terlalu besar (lebih dari Rp100 miliar). Periksa lagi angka nolnya."))
    return amount


def _read_amount(value: str) -> Decimal:
    if _PLAIN.match(value):
        return Decimal(value)
    if _GROUPED_DOT.match(value):
        return Decimal(value.replace(".", ""))
    if _GROUPED_SPACE.match(value):
        return Decimal(value.replace(" ", ""))
    sen = _WITH_SEN.match(value)
    if sen:
        whole = Decimal(sen.group(1).replace(".", ""))
        if int(sen.group(2)) == 0:
            return whole
        raise MoneyError(_l("Tulis rupiah tanpa sen, misalnya %(example)s.", example=_dotted(whole)))
    unit = _WITH_UNIT.match(value)
    if unit and unit.group(2) in _UNITS:
        number = unit.group(1)
        if "." in number:
            raise MoneyError(_l("Pakai koma untuk desimal: tulis %(example)s.",
                                example=number.replace(".", ",") + " " + unit.group(2)))
        amount = Decimal(number.replace(",", ".")) * _UNITS[unit.group(2)]
        if amount != amount.to_integral_value():
            raise MoneyError(_l("Jumlah ini tidak bulat dalam rupiah. Tulis angkanya lengkap, misalnya 1.500.000."))
        return amount.quantize(RUPIAH)
    if _GROUPED_COMMA.match(value) or re.match(r"^\d+\.\d{1,2}$", value) or re.match(r"^\d+\.\d{4,}$", value):
        raise MoneyError(_l("Pakai titik untuk ribuan, misalnya 1.500.000."))
    raise MoneyError(_l("Bukan jumlah rupiah. Tulis angka saja, misalnya 1.500.000."))


def parse_quantity(text) -> Decimal:
    """A quantity (units, kg, families): digits, Indonesian decimal comma allowed (`72`, `1,5`, `1.200`)."""
    value = _clean(text)
    if not value:
        raise MoneyError(_l("Isi jumlahnya, misalnya 72."))
    if value.startswith("-") or value.startswith("−"):
        raise MoneyError(_l("Jumlah tidak boleh negatif."))
    if _GROUPED_DOT.match(value):
        value = value.replace(".", "")
    if not _DECIMAL.match(value):
        raise MoneyError(_l("Tulis angka saja, misalnya 72 atau 1,5."))
    amount = Decimal(value.replace(",", "."))
    if amount > MAX_QUANTITY:
        raise MoneyError(_l("Jumlah ini terlalu besar. Periksa lagi angkanya."))
    return amount


def parse_percent(text) -> Decimal:
    """A yearly rate in percent: `9`, `9,5`, `9 %`."""
    value = _clean(text).rstrip("%").strip()
    if not value:
        raise MoneyError(_l("Isi bunga per tahun dalam persen, misalnya 9."))
    if value.startswith("-") or value.startswith("−"):
        raise MoneyError(_l("Bunga tidak boleh negatif."))
    if not _DECIMAL.match(value):
        raise MoneyError(_l("Tulis persen dengan angka, misalnya 9 atau 9,5."))
    rate = Decimal(value.replace(",", "."))
    if rate > MAX_PERCENT:
        raise MoneyError(_l("Bunga lebih dari 100 persen per tahun. Periksa lagi angkanya."))
    return rate


def parse_months(text) -> int:
    """A whole number of months, 1 to 360."""
    value = _clean(text)
    value = re.sub(r"\s*(bulan|bln)$", "", value)
    if not value:
        raise MoneyError(_l("Isi jumlah bulan, misalnya 24."))
    if not _PLAIN.match(value):
        raise MoneyError(_l("Tulis jumlah bulan dengan angka bulat, misalnya 24."))
    months = int(value)
    if months < 1 or months > MAX_MONTHS:
        raise MoneyError(_l("Jumlah bulan harus antara 1 dan 360."))
    return months


def _dotted(amount: Decimal) -> str:
    return f"{int(amount):,}".replace(",", ".")


def rupiah(amount: Decimal | None) -> str:
    """Rp1.548.000, (Rp946.000) shown as −Rp946.000; None as a dash."""
    if amount is None:
        return "–"
    whole = round_rupiah(amount)
    return ("−" if whole < 0 else "") + "Rp" + _dotted(abs(whole))


def round_rupiah(amount: Decimal) -> Decimal:
    return amount.quantize(RUPIAH, rounding=ROUND_HALF_UP)


def _ceil(amount: Decimal) -> Decimal:
    return amount.quantize(RUPIAH, rounding=ROUND_CEILING)


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class Product:
    name: str
    price: Decimal        # harga jual per satuan
    quantity: Decimal     # satuan terjual per bulan
    unit_cost: Decimal    # HPP / harga beli bahan per satuan
    unit: str = ""        # "kg", "paket", "keluarga"

    @property
    def sales(self) -> Decimal:
        return self.price * self.quantity

    @property
    def cost(self) -> Decimal:
        return self.unit_cost * self.quantity


@dataclass(frozen=True)
class Inputs:
    """What the participant types on the finance step, already read (see `read_inputs`)."""

    products: tuple[Product, ...] = ()
    # modal awal and its sources
    simpanan_pokok: Decimal = ZERO
    simpanan_wajib: Decimal = ZERO
    hibah: Decimal = ZERO
    modal_lain: Decimal = ZERO
    pinjaman: Decimal = ZERO
    bunga_persen_tahun: Decimal = ZERO  # flat, as in the lessons
    tenor_bulan: int = 0
    # what the starting capital buys (the rest is the starting cash of the cash table)
    alat: Decimal = ZERO               # equipment, depreciated over umur_alat_bulan
    umur_alat_bulan: int = 0
    stok_awal: Decimal = ZERO
    biaya_awal_lain: Decimal = ZERO    # repairs, opening promotion …
    # fixed costs per month (penyusutan and bunga are computed)
    sewa: Decimal = ZERO
    gaji: Decimal = ZERO
    jumlah_pekerja: int = 1
    listrik: Decimal = ZERO
    biaya_lain: Decimal = ZERO


@dataclass
class CashMonth:
    month: int
    start: Decimal
    cash_in: Decimal
    cash_out: Decimal
    end: Decimal


@dataclass
class Result:
    """Everything the finance step, the documents and the check-ins show. Money as exact Decimals
    (sums before rounding); `rupiah()` formats them."""

    inputs: Inputs
    modal_sendiri: Decimal
    modal_awal: Decimal
    kas_awal: Decimal
    sales: Decimal                 # penjualan per bulan
    cost_of_goods: Decimal         # HPP / bahan per bulan
    gross_profit: Decimal          # laba kotor
    gross_margin: Decimal | None   # laba kotor ÷ penjualan (0.12 = 12 %)
    depreciation: Decimal          # penyusutan per bulan (not cash)
    interest: Decimal              # bunga per bulan (flat)
    principal: Decimal             # cicilan pokok per bulan
    fixed_costs: Decimal           # biaya tetap incl. penyusutan and bunga
    cash_fixed_costs: Decimal      # biaya tetap that is cash (without penyusutan)
    net_profit: Decimal            # laba bersih per bulan
    instalment: Decimal            # cicilan pinjaman per bulan (pokok + bunga)
    net_cash_flow: Decimal         # arus kas bersih per bulan (after the principal)
    break_even: Decimal | None     # titik impas (laba), rupiah of sales per month
    cash_break_even: Decimal | None  # titik impas kas
    break_even_units: list = field(default_factory=list)       # [(Product, units)] in the plan's mix
    cash_break_even_units: list = field(default_factory=list)
    cash_table: list[CashMonth] = field(default_factory=list)
    payback_months: int | None = None
    stress_sales: Decimal = ZERO           # penjualan turun 20 %
    stress_cash_before_instalment: Decimal = ZERO
    stress_left_after_instalment: Decimal = ZERO
    stress_can_pay: bool = True
    warnings: list[str] = field(default_factory=list)

    @property
    def loss_making(self) -> bool:
        return self.net_profit < 0

    @property
    def margin_percent(self) -> Decimal | None:
        return None if self.gross_margin is None else (self.gross_margin * 100).quantize(Decimal("0.1"),
                                                                                           rounding=ROUND_HALF_UP)

    @property
    def stress_line(self) -> str:
        """The "penjualan turun 20 %" sentence, plain Indonesian (or English)."""
        from flask_babel import gettext as _

        if self.instalment == 0:
            if self.stress_left_after_instalment >= 0:
                return _("Jika penjualan turun 20 %% (menjadi %(sales)s per bulan), tanpa pinjaman kas masih "
                         "bertambah %(left)s per bulan.", sales=rupiah(self.stress_sales),
                         left=rupiah(self.stress_left_after_instalment))
            return _("Jika penjualan turun 20 %% (menjadi %(sales)s per bulan), kas berkurang %(left)s per "
                     "bulan walaupun tanpa pinjaman.", sales=rupiah(self.stress_sales),
                     left=rupiah(-self.stress_left_after_instalment))
        if self.stress_can_pay:
            return _("Jika penjualan turun 20 %% (menjadi %(sales)s per bulan), cicilan %(inst)s masih bisa "
                     "dibayar; sisa kas %(left)s per bulan.", sales=rupiah(self.stress_sales),
                     inst=rupiah(self.instalment), left=rupiah(self.stress_left_after_instalment))
        return _("Jika penjualan turun 20 %% (menjadi %(sales)s per bulan), cicilan %(inst)s TIDAK bisa "
                 "dibayar penuh dari usaha: kurang %(short)s per bulan, diambil dari kas cadangan.",
                 sales=rupiah(self.stress_sales), inst=rupiah(self.instalment),
                 short=rupiah(-self.stress_left_after_instalment))


def compute(inputs: Inputs, *, min_wage: Decimal | None = None) -> Result:
    """The plan's money per month. `min_wage`: the regional monthly minimum wage (UMK/UMP), when the
    installation names one (KOPEDU_MIN_WAGE); a wage per worker below it gives a warning."""
    i = inputs
    sales = sum((p.sales for p in i.products), ZERO)
    cogs = sum((p.cost for p in i.products), ZERO)
    gross = sales - cogs
    margin = gross / sales if sales > 0 else None

    depreciation = i.alat / i.umur_alat_bulan if i.alat > 0 and i.umur_alat_bulan > 0 else ZERO
    has_loan = i.pinjaman > 0 and i.tenor_bulan > 0
    interest = i.pinjaman * i.bunga_persen_tahun / 100 / 12 if has_loan else ZERO
    principal = i.pinjaman / i.tenor_bulan if has_loan else ZERO
    cash_fixed = i.sewa + i.gaji + i.listrik + i.biaya_lain + interest
    fixed = cash_fixed + depreciation
    net = gross - fixed
    net_cash = net + depreciation - principal

    modal_sendiri = i.simpanan_pokok + i.simpanan_wajib + i.hibah + i.modal_lain
    modal_awal = modal_sendiri + i.pinjaman
    kas_awal = modal_awal - i.alat - i.stok_awal - i.biaya_awal_lain

    break_even = cash_break_even = None
    be_units: list = []
    cash_be_units: list = []
    if margin is not None and margin > 0:
        break_even = _ceil(fixed / margin)
        cash_break_even = _ceil((cash_fixed + principal) / margin)
        be_units = _units(i.products, fixed / margin, sales)
        cash_be_units = _units(i.products, (cash_fixed + principal) / margin, sales)

    table = []
    cash = kas_awal
    for month in range(1, MONTHS + 1):
        paying = has_loan and month <= i.tenor_bulan
        out = cogs + i.sewa + i.gaji + i.listrik + i.biaya_lain + (interest + principal if paying else ZERO)
        end = cash + sales - out
        table.append(CashMonth(month=month, start=cash, cash_in=sales, cash_out=out, end=end))
        cash = end

    operating_cash = net + depreciation  # what the business earns in cash before repaying the principal
    payback = None
    if operating_cash > 0 and modal_awal > 0:
        payback = int((modal_awal / operating_cash).to_integral_value(rounding=ROUND_CEILING))

    stress_sales = sales * STRESS
    stress_gross = gross * STRESS
    stress_before = stress_gross - (i.sewa + i.gaji + i.listrik + i.biaya_lain)
    instalment = principal + interest
    stress_left = stress_before - instalment

    result = Result(
        inputs=i, modal_sendiri=modal_sendiri, modal_awal=modal_awal, kas_awal=kas_awal, sales=sales,
        cost_of_goods=cogs, gross_profit=gross, gross_margin=margin, depreciation=depreciation, interest=interest,
        principal=principal, fixed_costs=fixed, cash_fixed_costs=cash_fixed,
        net_profit=net, instalment=instalment, net_cash_flow=net_cash, break_even=break_even,
        cash_break_even=cash_break_even, break_even_units=be_units, cash_break_even_units=cash_be_units,
        cash_table=table, payback_months=payback, stress_sales=stress_sales,
        stress_cash_before_instalment=stress_before, stress_left_after_instalment=stress_left,
        stress_can_pay=stress_left >= 0)
    result.warnings = _warnings(result, min_wage)
    return result


def _units(products, target_sales: Decimal, sales: Decimal) -> list:
    """Units of each product at `target_sales`, keeping the plan's mix of products (rounded up)."""
    if sales <= 0:
        return []
    share = target_sales / sales
    return [(p, (p.quantity * share).to_integral_value(rounding=ROUND_CEILING)) for p in products]


def _warnings(r: Result, min_wage: Decimal | None) -> list[str]:
    from flask_babel import gettext as _

    i = r.inputs
    out = []
    if r.sales > 0 and r.gross_profit <= 0:
        out.append(_("Harga jual tidak lebih tinggi dari harga beli: setiap penjualan merugi."))
    if r.loss_making:
        out.append(_("Usaha ini rugi %(amount)s per bulan: biaya tetap lebih besar dari laba kotor.",
                     amount=rupiah(-r.net_profit)))
    elif r.net_cash_flow < 0:
        out.append(_("Usaha ini untung, tetapi kas berkurang %(amount)s per bulan karena cicilan pokok.",
                     amount=rupiah(-r.net_cash_flow)))
    if r.cash_break_even is not None and r.sales < r.cash_break_even:
        out.append(_("Penjualan rencana di bawah titik impas kas (%(be)s).", be=rupiah(r.cash_break_even)))
    if r.kas_awal < 0:
        out.append(_("Modal awal tidak cukup: kurang %(amount)s untuk alat, stok dan biaya awal.",
                     amount=rupiah(-r.kas_awal)))
    if i.alat > 0 and i.umur_alat_bulan <= 0:
        out.append(_("Isi umur alat (bulan) agar penyusutan dihitung."))
    if i.pinjaman > 0 and i.tenor_bulan <= 0:
        out.append(_("Isi lama pinjaman (bulan) agar cicilan dihitung."))
    if min_wage and i.gaji > 0:
        workers = max(i.jumlah_pekerja, 1)
        if i.gaji / workers < min_wage:
            out.append(_("Gaji per pekerja (%(wage)s) di bawah upah minimum daerah (%(min)s).",
                         wage=rupiah(i.gaji / workers), min=rupiah(min_wage)))
    return out


# --------------------------------------------------------------------------- from the workbook's data

MONEY_FIELDS = ("simpanan_pokok", "simpanan_wajib", "hibah", "modal_lain", "pinjaman", "alat", "stok_awal",
                "biaya_awal_lain", "sewa", "gaji", "listrik", "biaya_lain")
PRODUCT_FIELDS = ("nama", "satuan", "harga", "jumlah", "hpp")


def read_inputs(raw: dict | None) -> tuple[Inputs, dict[str, str]]:
    """The finance step's typed text (`data["keuangan"]`, see kopedu.plans.models) as Inputs, and the
    message of every field that cannot be read, keyed by its field path (e.g. "produk.0.harga").
    An empty optional field counts as zero; a product row counts when any of its figures is filled."""
    raw = raw or {}
    errors: dict[str, str] = {}
    values: dict = {}

    def money(key):
        text = raw.get(key)
        if text in (None, ""):
            return ZERO
        try:
            return parse_rupiah(text)
        except MoneyError as error:
            errors[key] = str(error)
            return ZERO

    for key in MONEY_FIELDS:
        values[key] = money(key)
    for key, parse, default in (("bunga_persen_tahun", parse_percent, ZERO), ("tenor_bulan", parse_months, 0),
                                ("umur_alat_bulan", parse_months, 0), ("jumlah_pekerja", parse_months, 1)):
        text = raw.get(key)
        if text in (None, ""):
            values[key] = default
            continue
        try:
            values[key] = parse(text)
        except MoneyError as error:
            errors[key] = str(error)
            values[key] = default
    if values["pinjaman"] > 0 and raw.get("tenor_bulan") in (None, "") and "tenor_bulan" not in errors:
        errors["tenor_bulan"] = str(_l("Isi lama pinjaman (bulan)."))

    products = []
    for index, row in enumerate((raw.get("produk") or [])[:MAX_PRODUCTS]):
        row = row or {}
        if not any(str(row.get(k) or "").strip() for k in ("harga", "jumlah", "hpp")):
            continue
        figures = {}
        for key, parse in (("harga", parse_rupiah), ("jumlah", parse_quantity), ("hpp", parse_rupiah)):
            try:
                figures[key] = parse(row.get(key))
            except MoneyError as error:
                errors[f"produk.{index}.{key}"] = str(error)
                figures[key] = ZERO
        products.append(Product(name=str(row.get("nama") or "").strip(), unit=str(row.get("satuan") or "").strip(),
                                price=figures["harga"], quantity=figures["jumlah"], unit_cost=figures["hpp"]))
    return Inputs(products=tuple(products), **values), errors


__all__ = ["MoneyError", "parse_rupiah", "parse_quantity", "parse_percent", "parse_months", "rupiah",
           "round_rupiah", "Product", "Inputs", "CashMonth", "Result", "compute", "read_inputs", "InvalidOperation"]
