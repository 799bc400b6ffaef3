"""Tables as XLSX or CSV files, for every export (gradebook, monitoring, attendance, import lists).

XLSX comes first (it opens right whatever the computer's language): written by openpyxl in write-only
mode (memory stays flat for 100,000 rows) with a bold, frozen header row, column widths from the first
rows, numbers as numbers and dates as dates. Every sheet is set up to print: A4 (landscape when wide),
fitted to the page width, the table as print area and the header row repeated on every page; documents
(the daftar hadir, the recap) also get title rows above the header.

CSV is written the way Excel with Indonesian settings reads it: fields separated by `;`, decimal comma
(66,7), UTF-8 with a BOM so the accents survive; dates as 2026-11-20.

Text a spreadsheet would run as a formula (starting with =, +, -, @, a tab or a carriage return —
also the full-width ＝ ＋ － ＠ — names and cooperatives come from users and imported files) is
neutralised: in XLSX it is written as a text cell (shown as typed, no apostrophe, never evaluated); in
CSV, where there is no cell type, it gets a leading apostrophe. Fields holding `;`, `,`, quotes or line
breaks are quoted, so a value cannot spill into the next cell — also in an Excel set to English, whose
separator is the comma.
"""
import io
from datetime import date
from decimal import Decimal

from flask import make_response

from kopedu.web.files import content_disposition

MIMETYPES = {"csv": "text/csv", "pdf": "application/pdf",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
FORMATS = ("xlsx", "csv")  # XLSX first: the links on every page offer it first
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
CSV_DELIMITER = ";"
_WIDTH_SAMPLE = 200  # rows looked at for the column widths


def is_formula_like(value) -> bool:
    """True for text a spreadsheet would evaluate (or read as a signed number) when typed in a cell."""
    return isinstance(value, str) and value.startswith(FORMULA_START)


def neutralise(value):
    """For CSV: text a spreadsheet would evaluate, made plain text with a leading apostrophe; every other
    value unchanged."""
    return "'" + value if is_formula_like(value) else value


def csv_value(value) -> str:
    """One CSV field: empty for None, ISO dates, decimal comma, formulas neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (float, Decimal)):
        text = f"{value:f}".rstrip("0").rstrip(".") if isinstance(value, Decimal) else repr(float(value))
        if text.endswith(".0"):
            text = text[:-2]
        return text.replace(".", ",")
    if isinstance(value, int):
        return str(value)
    return neutralise(str(value))


_NEEDS_QUOTES = (CSV_DELIMITER, ",", '"', "\n", "\r")


def csv_field(text: str) -> str:
    """A field as written to the file: quoted (quotes doubled) when it holds `;`, `,`, a quote or a line
    break — whichever separator the reader's Excel uses, the value stays in its cell."""
    if any(mark in text for mark in _NEEDS_QUOTES):
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_text(header, rows) -> str:
    return "".join(["\ufeff", *(_csv_line(row) for row in [header, *rows])])


def _csv_line(row) -> str:
    return CSV_DELIMITER.join(csv_field(csv_value(v)) for v in row) + "\r\n"


def csv_chunks(header, rows, every: int = 500):
    """The same CSV as csv_text, yielded a few hundred rows at a time (for a streamed download)."""
    lines = ["\ufeff", _csv_line(header)]
    for number, row in enumerate(rows, 1):
        lines.append(_csv_line(row))
        if number % every == 0:
            yield "".join(lines)
            lines = []
    yield "".join(lines)


def stream_csv(header, rows, name: str):
    """A CSV download written while the rows are read: memory stays flat whatever the row count.
    `rows` may be a generator that queries the database page by page (it runs inside the request)."""
    from flask import Response, stream_with_context

    response = Response(stream_with_context(csv_chunks(header, rows)), mimetype=MIMETYPES["csv"])
    response.headers["Content-Disposition"] = content_disposition(f"{name}.csv")
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _cell(sheet, value, bold: bool = False):
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    if isinstance(value, Decimal):
        value = float(value)
    cell = WriteOnlyCell(sheet, value=value)
    if is_formula_like(value):
        cell.data_type = "s"  # text as typed: never a formula, no apostrophe to see
        cell.quotePrefix = True  # and it stays text when someone edits the cell
    if bold:
        cell.font = Font(bold=True)
    return cell


def xlsx_bytes(header, rows, title: str = "Data", freeze: str = "A2", heading=()) -> bytes:
    """One sheet; `freeze` is the first cell that scrolls counted without the `heading` (A2: the header
    row stays in view); `heading`: title lines printed above the header row (bold, the first larger)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.utils.cell import coordinate_from_string

    rows = list(rows)
    heading = [line for line in ([heading] if isinstance(heading, str) else heading) if line]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(title))
    column, row_number = coordinate_from_string(freeze)
    sheet.freeze_panes = f"{column}{row_number + len(heading)}"
    header_row = len(heading) + 1
    last_column = get_column_letter(max(len(header), 1))
    sheet.print_title_rows = f"{header_row}:{header_row}"  # the header row on every printed page
    sheet.print_area = f"A1:{last_column}{header_row + len(rows)}"
    sheet.page_setup.paperSize = "9"  # A4
    sheet.page_setup.orientation = "landscape" if len(header) > 7 else "portrait"
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    for index, label in enumerate(header):
        width = max([len(str(label))] + [len(str(row[index])) for row in rows[:_WIDTH_SAMPLE]
                                          if index < len(row) and row[index] is not None])
        sheet.column_dimensions[get_column_letter(index + 1)].width = min(max(width + 2, 6), 45)
    for index, line in enumerate(heading):
        cell = _cell(sheet, line, bold=True)
        cell.font = Font(bold=True, size=13 if index == 0 else 11)
        sheet.append([cell])
    sheet.append([_cell(sheet, value, bold=True) for value in header])
    for row in rows:
        sheet.append([_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_title(title: str) -> str:
    """A sheet name Excel accepts: at most 31 characters, none of : \\ / ? * [ ]."""
    cleaned = "".join(" " if ch in ':\\/?*[]' else ch for ch in title).strip() or "Data"
    return cleaned[:31]


def render_table(header, rows, fmt: str, title: str = "Data", freeze: str = "A2", heading=()) -> str | bytes:
    """The table as XLSX bytes or CSV text (fmt: xlsx or csv). The `heading` lines are XLSX only: a CSV
    stays one header row and data, as a program reading it expects."""
    return xlsx_bytes(header, rows, title, freeze, heading) if fmt == "xlsx" else csv_text(header, rows)


def download(data: str | bytes, name: str, fmt: str):
    """A rendered table (or a PDF) as the download `<name>.<fmt>`, never kept by a shared cache."""
    response = make_response(data)
    response.mimetype = MIMETYPES[fmt]
    response.headers["Content-Disposition"] = content_disposition(f"{name}.{fmt}")
    response.headers["Cache-Control"] = "private, no-store"
    return response


def send_table(header, rows, name: str, fmt: str, title: str | None = None, freeze: str = "A2", heading=()):
    return download(render_table(header, rows, fmt, title or name, freeze, heading), name, fmt)
