"""Markdown → sanitised HTML (markdown-it-py, then nh3).

Two things are added for phones on the way: every table sits in a box that scrolls sideways by itself
(`div.table-wrap`), so a wide table never makes the whole page scroll; and a link to a file (a PDF, a
worksheet, an uploaded handout) carries hx-boost="false", so the browser downloads or opens it instead
of htmx swapping its bytes into the page.
"""
from functools import lru_cache
from posixpath import splitext
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")

_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "div", "em", "h2", "h3", "h4", "h5", "h6", "hr",
    "i", "img", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table", "tbody", "td", "th",
    "thead", "tr", "ul",
}
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "loading", "width", "height"},
    "th": {"style"},
    "td": {"style"},
    "ol": {"start"},
}
# Attributes the renderer adds, allowed only with these exact values.
_ATTRIBUTE_VALUES = {
    "a": {"hx-boost": {"false"}},
    "div": {"class": {"table-wrap"}},
}

# Paths of the app that send files whatever their name: course media and lesson handouts.
_FILE_PATH_PARTS = ("/kelola/media/", "/berkas/")
_PAGE_EXTENSIONS = {"", ".html", ".htm"}


def is_file_link(href: str) -> bool:
    """Whether a link points at a file rather than a page: its path ends in a file extension
    (`.pdf`, `.docx`, …) or is one of the app's file addresses."""
    path = urlsplit(href).path
    if any(part in path for part in _FILE_PATH_PARTS):
        return True
    return splitext(path.rsplit("/", 1)[-1])[1].lower() not in _PAGE_EXTENSIONS


def _link_open(self, tokens, idx, options, env):
    token = tokens[idx]
    if is_file_link(token.attrGet("href") or ""):
        token.attrSet("hx-boost", "false")
    return self.renderToken(tokens, idx, options, env)


def _table_open(self, tokens, idx, options, env):
    return '<div class="table-wrap">' + self.renderToken(tokens, idx, options, env)


def _table_close(self, tokens, idx, options, env):
    return self.renderToken(tokens, idx, options, env) + "</div>"


_md.add_render_rule("link_open", _link_open)
_md.add_render_rule("table_open", _table_open)
_md.add_render_rule("table_close", _table_close)


def render_markdown(text: str) -> str:
    """Sanitised HTML of `text`. The same text always gives the same HTML, so the last few hundred
    results are kept in memory: a lesson read by many participants is rendered once per process."""
    if len(text) > _CACHE_LIMIT:
        return _render(text)
    return _render_cached(text)


_CACHE_LIMIT = 200_000  # characters; a longer text is rendered every time


def _render(text: str) -> str:
    html = _md.render(text)
    html = html.replace("<img ", '<img loading="lazy" ')
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        tag_attribute_values=_ATTRIBUTE_VALUES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        filter_style_properties={"text-align"},
    )


_render_cached = lru_cache(maxsize=256)(_render)
