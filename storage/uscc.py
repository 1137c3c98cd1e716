"""Unified social credit code (统一社会信用代码) check, GB 32100-2015.

Subjects are keyed by this code, so a mistyped one must be refused at the door.
The 18th character is a check character over the first 17, computed modulo 31
with weights 3**i mod 31; because 31 is prime and no weight is zero, every
single-character substitution changes the sum and is caught.
"""

from __future__ import annotations

import re

#: The 31 characters GB 32100 allows: digits and capitals without I, O, S, V, Z.
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_SHAPE = re.compile(f"[{ALPHABET}]{{18}}")


class InvalidCreditCode(ValueError):
    """The text is not a valid unified social credit code; the message says why."""


def check_character(body: str) -> str:
    """Return the check character for the first 17 characters of a code."""
    if len(body) != 17 or any(ch not in _VALUE for ch in body):
        raise InvalidCreditCode("a credit code body is 17 characters from the GB 32100 alphabet")
    remainder = sum(_VALUE[ch] * w for ch, w in zip(body, _WEIGHTS, strict=True)) % 31
    return ALPHABET[(31 - remainder) % 31]


def validate_uscc(code: str) -> str:
    """Return ``code`` if it is a well-formed credit code with a correct check character."""
    if len(code) != 18:
        raise InvalidCreditCode(f"credit code must have 18 characters, got {len(code)}")
    if not _SHAPE.fullmatch(code):
        bad = next(ch for ch in code if ch not in _VALUE)
        raise InvalidCreditCode(
            f"credit code contains {bad!r}; allowed are digits and A-Z without I, O, S, V, Z"
        )
    expected = check_character(code[:17])
    if code[17] != expected:
        raise InvalidCreditCode(f"credit code check character is wrong (expected {expected})")
    return code


def parse_uscc(text: str) -> str:
    """Validate user input, forgiving surrounding spaces and lower case letters."""
    text = text.strip()
    if not text.isascii():  # upper() would turn ligatures such as "ﬀ" into two letters
        raise InvalidCreditCode("credit code must be 18 ASCII letters and digits")
    return validate_uscc(text.upper())


def is_valid_uscc(code: str) -> bool:
    try:
        validate_uscc(code)
    except InvalidCreditCode:
        return False
    return True
