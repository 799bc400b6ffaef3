"""The plan as documents the cooperative can use: "Rencana Bisnis <koperasi>" as PDF (WeasyPrint, under
the certificate template's letterhead, with the project's shipped fonts) and as DOCX (python-docx) for
editing. Both take the same context, and every figure in them is kopedu.plans.finance's.

The PDF goes through kopedu.web.pdf (the one render lock, the restricted URL fetcher: only the shipped
fonts and data: URIs). A plan renders in well under a second (benches/plans_documents.py prints it),
so it is made inline in the request, which reports the time in a Server-Timing header.
"""
from __future__ import annotations

import atexit
import base64
import io
import re
from functools import lru_cache
from pathlib import Path

from flask import current_app, render_template
from flask_babel import gettext as _
from sqlalchemy import select

from kopedu import storage
from kopedu.db import utcnow
from kopedu.extensions import db
from kopedu.plans import finance, steps
from kopedu.plans.models import BusinessPlan, action_rows, finance_result
from kopedu.web import pdf as web_pdf
from kopedu.web import uploads

FONT_DIR = (Path(__file__).resolve().parent.parent / "certificates" / "fonts").resolve()


def letterhead() -> dict:
    """The certificate template's letterhead lines, colour, place and logo, read from its table by name
    (certificates sit above plans in the layers)."""
    table = db.metadata.tables.get("certificate_template")
    row = None
    if table is not None:
        row = db.session.execute(select(table.c.header_lines, table.c.primary_colour, table.c.issue_place,
                                        table.c.logo_path).order_by(table.c.id).limit(1)).first()
    lines = [line.strip() for line in ((row.header_lines if row else "") or "").splitlines() if line.strip()]
    logo = None
    if row is not None and row.logo_path:
        path = Path(current_app.config["UPLOAD_DIR"]) / row.logo_path
        if storage.exists(path):
            data = storage.read_bytes(path)
            kind = uploads.sniff(data)
            if kind in ("png", "jpg"):
                logo = f"data:{uploads.KINDS[kind][0]};base64,{base64.b64encode(data).decode('ascii')}"
    return {"lines": lines, "colour": (row.primary_colour if row else None) or "#8c1d17",
            "place": (row.issue_place if row else "") or "", "logo": logo}


def _value(fld: steps.Field, text: str) -> str:
    text = (text or "").strip()
    if fld.kind == "money" and text:
        try:
            return finance.rupiah(finance.parse_rupiah(text))
        except finance.MoneyError:
            return text
    return text


def sections(data: dict) -> list[dict]:
    """The ten steps as {number, title, items: [(label, text)], columns, rows} (tables without empty rows)."""
    out = []
    for step in steps.STEPS:
        section = (data or {}).get(step.key) or {}
        items = [(str(f.label), _value(f, section.get(f.key, ""))) for f in step.fields]
        columns, rows = [], []
        if step.key == "rencana_aksi":
            columns = [str(c.label) for c in step.columns]
            rows = [[_value(c, r[c.key]) for c in step.columns] for r in action_rows(data)]
        elif step.key == "risiko":
            columns = [str(c.label) for c in step.columns]
            rows = [[str(r.get(c.key) or "") for c in step.columns] for r in steps.table_rows(data, step)
                    if any(str(r.get(c.key) or "").strip() for c in step.columns)]
        out.append({"key": step.key, "number": steps.number(step.key), "title": str(step.title),
                    "items": items, "columns": columns, "rows": rows})
    return out


def finance_tables(result: finance.Result) -> dict:
    """The finance tables as label/value rows, formatted (shared by the PDF, the DOCX and the page)."""
    r, rp = result, finance.rupiah
    capital = [(_("Modal sendiri (simpanan, hibah, lainnya)"), rp(r.modal_sendiri)),
               (_("Pinjaman"), rp(r.inputs.pinjaman)),
               (_("Modal awal"), rp(r.modal_awal)),
               (_("Kas awal (modal dikurangi alat, stok dan biaya awal)"), rp(r.kas_awal))]
    monthly = [(_("Penjualan per bulan"), rp(r.sales)),
               (_("Harga beli/bahan (HPP) per bulan"), rp(r.cost_of_goods)),
               (_("Laba kotor"), rp(r.gross_profit)),
               (_("Biaya tetap (termasuk penyusutan %(dep)s dan bunga %(int)s)", dep=rp(r.depreciation),
                  int=rp(r.interest)), rp(r.fixed_costs)),
               (_("Laba bersih per bulan"), rp(r.net_profit)),
               (_("Cicilan pinjaman per bulan (pokok %(p)s + bunga %(i)s)", p=rp(r.principal), i=rp(r.interest)),
                rp(r.instalment)),
               (_("Arus kas bersih per bulan (penyusutan bukan uang keluar)"), rp(r.net_cash_flow))]
    units = lambda pairs: ", ".join(f"{int(n)} {p.unit or p.name}".strip() for p, n in pairs)  # noqa: E731
    break_even = [(_("Titik impas (laba nol)"), rp(r.break_even) if r.break_even is not None else "–",
                   units(r.break_even_units)),
                  (_("Titik impas kas (biaya tunai dan cicilan pokok tertutup)"),
                   rp(r.cash_break_even) if r.cash_break_even is not None else "–", units(r.cash_break_even_units))]
    cash = [(str(m.month), rp(m.start), rp(m.cash_in), rp(m.cash_out), rp(m.end)) for m in r.cash_table]
    payback = (_("%(n)d bulan", n=r.payback_months) if r.payback_months else _("tidak kembali dengan rencana ini"))
    return {"capital": capital, "monthly": monthly, "break_even": break_even, "cash": cash, "payback": payback,
            "stress": r.stress_line, "warnings": list(r.warnings),
            "products": [(p.name, p.unit, rp(p.price), f"{p.quantity.normalize():f}".replace(".", ","),
                          rp(p.unit_cost), rp(p.sales)) for p in r.inputs.products]}


def context(plan: BusinessPlan, data: dict | None = None) -> dict:
    data = plan.data if data is None else data
    result = finance_result(data)
    cooperative = plan.cooperative.name if plan.cooperative else plan.user.full_name
    return {"plan": plan, "cooperative": cooperative, "business": str(((data or {}).get("profil") or {})
                                                                      .get("nama_usaha") or ""),
            "author": plan.user.full_name, "position": plan.user.position or "", "sections": sections(data),
            "result": result, "tables": finance_tables(result), "letterhead": letterhead(), "made_at": utcnow(),
            "title": _("Rencana Bisnis %(name)s", name=cooperative)}


@lru_cache(maxsize=1)
def _weasy():
    """WeasyPrint, the restricted fetcher (only the shipped fonts) and one font configuration, made once per
    process: loading the fonts anew for every plan cost more than the layout."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    return HTML, FontConfiguration(), web_pdf.restricted_fetcher(roots=(FONT_DIR,))


atexit.register(_weasy.cache_clear)


def pdf(ctx: dict) -> bytes:
    html = render_template("plans/document.html", **ctx)
    HTML, font_config, fetcher = _weasy()
    with web_pdf.render_lock:  # one rendering at a time per process, shared with every other PDF
        document = HTML(string=html, base_url=FONT_DIR.as_uri() + "/", url_fetcher=fetcher)
        return document.write_pdf(font_config=font_config)


def docx(ctx: dict) -> bytes:
    """The same document as DOCX (python-docx: built from the data, no template file to keep in step)."""
    from docx import Document
    from docx.shared import Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Calibri"
    style.font.size = Pt(10.5)
    for line in ctx["letterhead"]["lines"]:
        p = doc.add_paragraph()
        p.alignment = 1
        p.add_run(line).bold = True
    doc.add_heading(ctx["title"], level=0)
    if ctx["business"]:
        doc.add_paragraph(ctx["business"])
    doc.add_paragraph(_("Disusun oleh %(name)s", name=ctx["author"]) +
                      (f" ({ctx['position']})" if ctx["position"] else ""))
    tables = ctx["tables"]
    for section in ctx["sections"]:
        doc.add_heading(f"{section['number']}. {section['title']}", level=1)
        for label, text in section["items"]:
            p = doc.add_paragraph()
            p.add_run(label + ": ").bold = True
            p.add_run(text or "–")
        if section["key"] == "keuangan":
            _docx_finance(doc, tables)
        if section["columns"]:
            _docx_table(doc, section["columns"], section["rows"] or [["–"] * len(section["columns"])])
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _docx_table(doc, header, rows):
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header):
        cell.text = ""
        cell.paragraphs[0].add_run(str(text)).bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row):
            cell.text = str(text)
    doc.add_paragraph()


def _docx_finance(doc, tables):
    if tables["products"]:
        _docx_table(doc, [_("Produk"), _("Satuan"), _("Harga jual"), _("Terjual per bulan"), _("HPP per satuan"),
                          _("Penjualan")], tables["products"])
    _docx_table(doc, [_("Modal"), _("Jumlah")], tables["capital"])
    _docx_table(doc, [_("Per bulan"), _("Jumlah")], tables["monthly"])
    _docx_table(doc, [_("Titik impas"), _("Penjualan per bulan"), _("Satuan per bulan")], tables["break_even"])
    doc.add_paragraph(_("Balik modal: %(when)s.", when=tables["payback"]))
    doc.add_paragraph(tables["stress"])
    for warning in tables["warnings"]:
        doc.add_paragraph(warning)
    doc.add_heading(_("Arus kas 12 bulan"), level=2)
    _docx_table(doc, [_("Bulan"), _("Kas awal"), _("Masuk"), _("Keluar"), _("Kas akhir")], tables["cash"])


def filename(plan: BusinessPlan, fmt: str) -> str:
    name = plan.cooperative.name if plan.cooperative else plan.user.full_name
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60] or "koperasi"
    return f"rencana-bisnis-{slug}.{fmt}"
