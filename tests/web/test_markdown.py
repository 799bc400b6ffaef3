"""Lesson Markdown on a phone: tables in their own scrolling box, file links not boosted by htmx."""
import re

import pytest

from kopedu.web.markdown import is_file_link, render_markdown

TABLE = "| Hari | Keterangan | Masuk |\n|---|---|---:|\n| Senin | Penjualan tunai | Rp850.000 |\n"


def test_a_table_sits_in_a_box_that_scrolls_by_itself():
    html = render_markdown("Buku kas:\n\n" + TABLE + "\nSelesai.")
    assert '<div class="table-wrap"><table>' in html
    assert html.count("</table>\n</div>") == 1
    assert 'style="text-align:right"' in html  # the column alignment survives


def test_an_author_cannot_set_classes_or_boost_attributes():
    html = render_markdown('<div class="x" hx-boost="true">a</div> [b](/x "t")')
    assert "<div" not in html and not re.search(r"<[^>]*hx-boost", html)  # shown as text, not as tags


@pytest.mark.parametrize("href", [
    "/kelola/media/3f9a/lembar-kerja.pdf", "lembar-kerja.docx", "https://example.org/Panduan.PDF?v=2#hal-3",
    "/kursus/penguatan/berkas/12", "data.xlsx",
])
def test_links_to_files_are_not_boosted(href):
    assert is_file_link(href)
    assert 'hx-boost="false"' in render_markdown(f"[Unduh]({href})")


@pytest.mark.parametrize("href", ["/kursus/penguatan", "https://kemenkop.go.id/", "halaman.html", "#ringkasan"])
def test_links_to_pages_stay_boosted(href):
    assert not is_file_link(href)
    assert "hx-boost" not in render_markdown(f"[Baca]({href})")
