"""Participant import, reading the file: a CSV or XLSX list → its header and rows, within fixed caps
(bytes, rows, columns, characters per cell; an XLSX is read in read-only mode without trusting the
sizes it claims). Title rows above the header are skipped; columns have Indonesian or English names.
Nothing here touches the database.
"""
import csv
import io
import zipfile

from flask_babel import gettext as _

from kopedu.cohorts.services import CohortError
from kopedu.web import uploads
from kopedu.web.exports import is_formula_like

MAX_BYTES = 2 * 1024 * 1024
MAX_UNZIPPED = 24 * 1024 * 1024  # an XLSX's parts, uncompressed (the sizes a ZIP declares bind its reader)
MAX_ROWS = 5000
MAX_COLUMNS = 40
MAX_CELL = 300  # characters
MAX_TITLE_ROWS = 10  # rows above the header that are skipped (a title, a date, an empty line)

COLUMNS = {
    "name": ("name", "nama", "nama lengkap", "nama peserta"),
    "phone": ("phone", "hp", "no hp", "nomor hp", "no. hp", "telepon", "no telepon", "nomor telepon",
              "whatsapp", "wa", "no wa", "nomor wa"),
    "email": ("email", "e-mail", "surel"),
    "position": ("position", "jabatan"),
    "kelurahan": ("kelurahan", "desa", "kelurahan/desa", "desa/kelurahan", "kode kelurahan", "village"),
    "cooperative": ("cooperative", "koperasi", "nama koperasi"),
}
REQUIRED = ("name", "phone", "position", "kelurahan")


class ImportFileError(CohortError):
    """The file as a whole cannot be read (type, size, header)."""


def parse(data: bytes, filename: str = "") -> dict:
    """A CSV or XLSX file (checked by content, not by name) as {"header": [...], "rows": [[line,
    [cells]], ...]}: every column kept, cells as trimmed strings, title rows above the header
    skipped, empty rows left out. Raises ImportFileError."""
    if not data:
        raise ImportFileError(_("Berkas kosong."))
    if len(data) > MAX_BYTES:
        raise ImportFileError(_("Berkas terlalu besar (maksimal 2 MB)."))
    if uploads.sniff(data) not in (None, "xlsx"):  # a PDF, a photo, a Word document
        raise ImportFileError(_("Berkas bukan CSV atau XLSX."))
    limit = MAX_TITLE_ROWS + 1 + MAX_ROWS + 1  # one row more than allowed tells "too many"
    if data[:4] == b"PK\x03\x04":  # also a ZIP that is no workbook: openpyxl says it cannot read it
        table = _read_xlsx(data, limit)
    elif data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ImportFileError(_("Format .xls lama tidak didukung. Simpan sebagai .xlsx atau .csv."))
    else:
        table = _read_csv(data, limit)
    rows = []
    for line, values in table:
        cells = [_cell(v) for v in values[:MAX_COLUMNS]]
        while cells and not cells[-1]:
            cells.pop()
        if not cells:
            continue
        if any(len(c) > MAX_CELL for c in cells):
            raise ImportFileError(_("Baris %(n)d: isian lebih dari %(max)d huruf.", n=line, max=MAX_CELL))
        rows.append((line, cells))
    if not rows:
        raise ImportFileError(_("Berkas tidak berisi baris."))
    for index, (_line, cells) in enumerate(rows[:MAX_TITLE_ROWS + 1]):
        if all(c in _map_header(cells).values() for c in REQUIRED):
            header, rows = cells, rows[index + 1:]
            break
    else:
        found = set(_map_header(rows[0][1]).values())
        labels = {"name": _("nama"), "phone": _("HP"), "position": _("jabatan"), "kelurahan": _("kelurahan")}
        raise ImportFileError(_("Kolom wajib tidak ada: %(cols)s. Baris pertama harus judul kolom: "
                                "nama, hp, email, jabatan, kelurahan, koperasi.",
                                cols=", ".join(labels[c] for c in REQUIRED if c not in found)))
    if len(rows) > MAX_ROWS:
        raise ImportFileError(_("Paling banyak %(n)d baris per berkas.", n=MAX_ROWS))
    return {"header": header, "rows": [[line, cells] for line, cells in rows]}


def records(table: dict) -> list[dict]:
    """The parsed rows keyed by canonical column (plus "_line" and "_cells", every column)."""
    columns = _map_header(table["header"])
    result = []
    for line, cells in table["rows"]:
        record = {"_line": line, "_cells": cells}
        for index, key in columns.items():
            record[key] = cells[index] if index < len(cells) else ""
        result.append(record)
    return result


def _read_xlsx(data: bytes, limit: int) -> list[tuple[int, tuple]]:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as error:
        raise ImportFileError(_("Berkas Excel tidak bisa dibaca.")) from error
    if unzipped > MAX_UNZIPPED:
        raise ImportFileError(_("Berkas Excel terlalu besar setelah dibuka."))
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 - any unreadable workbook
        raise ImportFileError(_("Berkas Excel tidak bisa dibaca.")) from error
    try:
        sheet = workbook.worksheets[0]
        # The <dimension> a file declares is not trusted: openpyxl would pad every row (and add empty
        # rows) up to it. Forget it and read at most `limit` rows of MAX_COLUMNS cells.
        sheet.reset_dimensions()
        return list(enumerate(sheet.iter_rows(max_row=limit, max_col=MAX_COLUMNS, values_only=True), 1))
    except Exception as error:  # noqa: BLE001 - a broken part inside the workbook
        raise ImportFileError(_("Berkas Excel tidak bisa dibaca.")) from error
    finally:
        workbook.close()


def _read_csv(data: bytes, limit: int) -> list[tuple[int, list]]:
    if b"\x00" in data[:4096]:
        raise ImportFileError(_("Berkas bukan CSV atau XLSX."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    lines = text.splitlines()[:MAX_TITLE_ROWS + 1]
    delimiter = max((",", ";", "\t"), key=lambda d: max((line.count(d) for line in lines), default=0))
    # The separator whose split of a line gives the header wins (a reason column full of commas in a
    # `;` file, e.g. our own refused-rows file, must not outvote it); else the most frequent one.
    for candidate in (";", ",", "\t"):
        if any(all(c in _map_header([_cell(v) for v in cells]).values() for c in REQUIRED)
               for cells in csv.reader(io.StringIO("\n".join(lines)), delimiter=candidate)):
            delimiter = candidate
            break
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    table = []
    try:
        for cells in reader:
            table.append((reader.line_num, cells))
            if len(table) >= limit:
                break
    except csv.Error as error:
        raise ImportFileError(_("Berkas CSV tidak bisa dibaca.")) from error
    return table


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel keeps phone numbers and BPS codes as numbers
    text = " ".join(str(value).split())
    # Our CSV exports write a value a spreadsheet would evaluate (+62…, =…) with a leading apostrophe;
    # read it back as it was typed, so the refused-rows file uploads again unchanged.
    if text.startswith("'") and is_formula_like(text[1:]):
        text = text[1:]
    return text


def _map_header(header: list[str]) -> dict[int, str]:
    aliases = {alias: key for key, names in COLUMNS.items() for alias in names}
    columns = {}
    for index, title in enumerate(header):
        key = aliases.get(title.strip().lower().replace("_", " "))
        if key and key not in columns.values():
            columns[index] = key
    return columns
