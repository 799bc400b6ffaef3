"""Tables as CSV (UTF-8 with BOM, opens in Excel) or XLSX (openpyxl, write-only)."""
import csv
import io

from flask import make_response


def _safe(value):
    """No spreadsheet formulas from user data (=, +, -, @ at the start of a text cell)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def send_table(headers: list[str], rows, basename: str, fmt: str):
    if fmt == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title=basename[:31])
        sheet.append(list(headers))
        for row in rows:
            sheet.append([_safe(v) for v in row])
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = make_response(buffer.getvalue())
        response.mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        buffer = io.StringIO()
        buffer.write("\ufeff")
        writer = csv.writer(buffer)
        writer.writerow(headers)
        for row in rows:
            writer.writerow(["" if v is None else _safe(v) for v in row])
        response = make_response(buffer.getvalue())
        response.mimetype = "text/csv"
        response.charset = "utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{basename}.{fmt}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
