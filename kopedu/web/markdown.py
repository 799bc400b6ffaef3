"""Markdown → sanitised HTML (markdown-it-py, then nh3)."""
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")

_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h2", "h3", "h4", "h5", "h6", "hr",
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
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        filter_style_properties={"text-align"},
    )


_render_cached = lru_cache(maxsize=256)(_render)
