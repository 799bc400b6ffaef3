"""Numbers read from the request: ids and page numbers that fit the database's integers, or nothing.

Use them as `type=` of `request.args.get` (a ValueError gives the default), so a typed or edited URL
(`?angkatan=abc`, a 25-digit id, `?page=-1`) is a 404 or the first page, never a database error.
The `<int:…>` URL converter is bounded the same way (see `IdConverter`).
"""
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # an INTEGER column
MAX_PAGE = 100_000


def _digits(value) -> int:
    text = str(value if value is not None else "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 10:
        raise ValueError(value)
    return int(text)


def db_id(value) -> int:
    """A positive id that fits an INTEGER column; ValueError otherwise."""
    number = _digits(value)
    if not 0 < number <= MAX_ID:
        raise ValueError(value)
    return number


def optional_id(value) -> int | None:
    """db_id(value), or None for an empty or impossible value."""
    try:
        return db_id(value)
    except ValueError:
        return None


def page_number(value) -> int:
    """A page number from 1 to MAX_PAGE; ValueError otherwise."""
    number = _digits(value)
    if not 1 <= number <= MAX_PAGE:
        raise ValueError(value)
    return number


def bounded(value, default: int, low: int, high: int) -> int:
    """A small count from a form (rows of an editor): `default` when unreadable, kept within [low, high]."""
    try:
        number = _digits(value)
    except ValueError:
        return default
    return max(low, min(high, number))


class IdConverter(IntegerConverter):
    """`<int:…>` in URLs: only ids that fit an INTEGER column match (a longer one is a 404)."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's signature
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)
