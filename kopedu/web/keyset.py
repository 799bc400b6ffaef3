"""Keyset paging: a page of rows after (or before) a row id, newest first.

OFFSET paging reads and throws away every row before the page, so page 2,000 of a national list
costs 2,000 pages; a keyset page starts at an indexed id and costs the same wherever it is. The
links carry `sesudah` (the next page: ids below it) or `sebelum` (the previous page: ids above it).
"""
from dataclasses import dataclass, field

from flask import request

from kopedu.extensions import db
from kopedu.web.params import optional_id

PAGE_SIZE = 50


@dataclass
class KeysetPage:
    items: list = field(default_factory=list)
    next_after: int | None = None  # link to the next page: ?sesudah=<id>
    prev_before: int | None = None  # link to the previous page: ?sebelum=<id>


def cursor() -> tuple[int | None, int | None]:
    """(after, before) from the query string; a malformed value counts as absent."""
    def read(name):
        try:
            return optional_id(request.args.get(name))
        except ValueError:
            return None

    return read("sesudah"), read("sebelum")


def keyset_page(stmt, id_column, after: int | None = None, before: int | None = None, size: int | None = None,
                scalars: bool = True, key=None) -> KeysetPage:
    """One page of `stmt` (not yet ordered) by `id_column` descending. `key(item)` gives an item's id
    (default: item.id); scalars=False keeps rows instead of the first column."""
    size = size or PAGE_SIZE
    key = key or (lambda item: item.id)
    run = db.session.scalars if scalars else (lambda s: db.session.execute(s).all())
    if before is not None and after is None:
        items = list(run(stmt.where(id_column > before).order_by(id_column.asc()).limit(size + 1)))
        more_before = len(items) > size
        items = list(reversed(items[:size]))
        page = KeysetPage(items=items)
        if items:
            page.next_after = key(items[-1])
            page.prev_before = key(items[0]) if more_before else None
        return page
    if after is not None:
        stmt = stmt.where(id_column < after)
    items = list(run(stmt.order_by(id_column.desc()).limit(size + 1)))
    page = KeysetPage(items=items[:size])
    if len(items) > size:
        page.next_after = key(page.items[-1])
    if after is not None and page.items:
        page.prev_before = key(page.items[0])
    return page
