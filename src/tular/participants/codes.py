"""Referral codes: short, random, unambiguous when read aloud or typed from a screenshot.

The alphabet leaves out 0/O, 1/I/L and U (U/V): 30 symbols, 7 characters, 21.9 billion codes,
so random draws rarely collide, and a collision is retried against the unique index.
Codes are matched case-insensitively (stored upper-case), so 'andi10' finds 'ANDI10'.
"""

import re
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 7
# Chosen ("vanity") codes, e.g. ANDI10 used as a promo code at checkout.
CUSTOM_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{2,31}$")


def generate_code(length: int = LENGTH) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


_CODE_CHARACTERS = re.compile(r"[A-Z0-9_-]+")


def normalise_code(raw: str) -> str:
    """The stored form of a code as typed; '' when it cannot be a code at all (a lookup of ''
    finds nothing, and the database never sees characters such as NUL)."""
    code = raw.strip().upper()
    return code if _CODE_CHARACTERS.fullmatch(code) else ""
