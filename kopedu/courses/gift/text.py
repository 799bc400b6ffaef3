"""Escapes, format prefixes and the trimming of texts, as Moodle's reader and writer treat them."""
from __future__ import annotations

import re

_SPECIAL = "~=#{}:\\"
# Escaped characters are replaced by private-use placeholders while the structure is parsed.
_PLACEHOLDER = {ch: chr(0xE000 + i) for i, ch in enumerate(_SPECIAL)}
_NEWLINE_PH = chr(0xE000 + len(_SPECIAL))
_RESTORE = {ord(ph): ch for ch, ph in _PLACEHOLDER.items()}
_RESTORE[ord(_NEWLINE_PH)] = "\n"
_OWN = {cp: "\ufffd" for cp in range(0xE000, 0xE000 + len(_SPECIAL) + 1)}


def _protect(text: str) -> str:
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n:
            nxt = text[i + 1]
            if nxt in _PLACEHOLDER:
                out.append(_PLACEHOLDER[nxt])
                i += 2
                continue
            if nxt == "n":
                out.append(_NEWLINE_PH)
                i += 2
                continue
        out.append(c)
        i += 1
    return "".join(out)


def _restore(text: str) -> str:
    return text.translate(_RESTORE)


def _clean(text: str, keep_indent: bool = False) -> str:
    """Tidy real line breaks of a protected fragment: trailing (and, unless keep_indent,
    leading) spaces of every line are dropped, and the whole is stripped."""
    lines = text.split("\n")
    lines = [ln.rstrip() if keep_indent else ln.strip() for ln in lines]
    return "\n".join(lines).strip()


# Moodle's parse_text_with_format: a known format name in brackets at the very start.
_FORMAT_PREFIX = re.compile(r"\[(?:html|plain|markdown|moodle)\]")


def _strip_format(text: str) -> str:
    m = _FORMAT_PREFIX.match(text)
    return text[m.end():] if m else text


def _text(fragment: str, keep_indent: bool = False) -> str:
    """An answer, a feedback or the question text as Moodle reads it: trimmed, the format prefix
    removed, trimmed again, escapes restored (a \\n at either end is trimmed too, as in Moodle)."""
    inner = _strip_format(_clean(fragment, keep_indent))
    return _restore(_clean(inner, keep_indent)).strip()

