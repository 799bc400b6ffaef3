"""Tables as CSV or XLSX files, for every export (gradebook, monitoring, import lists).

CSV is UTF-8 with a BOM, so that Excel reads the accents; dates are written as 2026-11-20. XLSX is
written by openpyxl in write-only mode (memory stays flat for 100,000 rows) with a bold, frozen
header row, column widths from the first rows, and dates as dates. In both, text that a spreadsheet
would run as a formula (starting with =, +, -, @, a tab or a carriage return) gets a leading
apostrophe: names and cooperatives come from users and imported files.
"""
import csv
import io
from datetime import date

from flask import make_response

MIMETYPES = {"csv": "text/csv",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_WIDTH_SAMPLE = 200  # rows looked at for the column widths


def neutralise(value):
    """Text a spreadsheet would evaluate, made plain text; every other value unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_text(header, rows) -> str:
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    for row in [header, *rows]:
        writer.writerow(["" if v is None else v.isoformat() if isinstance(v, date) else neutralise(v)
                         for v in row])
    return buffer.getvalue()


def xlsx_bytes(header, rows, title: str = "Data", freeze: str = "A2") -> bytes:
    """One sheet; `freeze` is the first cell that scrolls (A2: the header row stays in view)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    rows = list(rows)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.freeze_panes = freeze
    for index, label in enumerate(header):
        width = max([len(str(label))] + [len(str(row[index])) for row in rows[:_WIDTH_SAMPLE]
                                          if index < len(row) and row[index] is not None])
        sheet.column_dimensions[get_column_letter(index + 1)].width = min(max(width + 2, 6), 45)
    cells = []
    for value in header:
        cell = WriteOnlyCell(sheet, value=neutralise(value))
        cell.font = Font(bold=True)
        cells.append(cell)
    sheet.append(cells)
    for row in rows:
        sheet.append([neutralise(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def render_table(header, rows, fmt: str, title: str = "Data", freeze: str = "A2") -> str | bytes:
    """The table as CSV text or XLSX bytes (fmt: csv or xlsx)."""
    return xlsx_bytes(header, rows, title, freeze) if fmt == "xlsx" else csv_text(header, rows)


def download(data: str | bytes, name: str, fmt: str):
    """A rendered table as the download `<name>.<fmt>`, never kept by a shared cache."""
    response = make_response(data)
    response.mimetype = MIMETYPES[fmt]
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def send_table(header, rows, name: str, fmt: str, title: str | None = None, freeze: str = "A2"):
    return download(render_table(header, rows, fmt, title or name, freeze), name, fmt)
