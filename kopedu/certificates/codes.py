"""Verify codes: random, ≥ 80 bits, from an alphabet without look-alike characters, grouped for reading aloud.

The alphabet has the digits 2–9 and the letters without O, Q (like 0), I, L (like 1), Z (like 2),
S (like 5) and B (like 8): 27 characters. Seventeen of them carry 17 × log2(27) ≈ 80.8 bits, printed
as XXXX-XXXX-XXXX-XXXX-X.
"""
import math
import re
import secrets

ALPHABET = "23456789ACDEFGHJKMNPRTUVWXY"
LENGTH = 17
GROUP = 4
BITS = LENGTH * math.log2(len(ALPHABET))

_NOT_CODE = re.compile(r"[^0-9A-Z]")


def new_code() -> str:
    """A fresh code, normalised (no dashes)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise(typed: str | None) -> str:
    """What a person typed or scanned → the stored form (upper case, no spaces or dashes)."""
    return _NOT_CODE.sub("", (typed or "").upper())[:64]


def is_well_formed(code: str) -> bool:
    return len(code) == LENGTH and all(ch in ALPHABET for ch in code)


def display(code: str) -> str:
    """ABCDEFGH… → ABCD-EFGH-…, the form printed on the certificate."""
    return "-".join(code[i:i + GROUP] for i in range(0, len(code), GROUP))
