"""Check characters of Chinese identifiers: resident ID numbers and unified social credit codes.

Pure functions; the simulator uses them to make plausible fakes, the registry to refuse
mistyped codes.
"""

from __future__ import annotations

# GB 11643: weights of the first 17 digits of a resident ID number, and the check table.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

# GB 32100: alphabet (no I, O, S, V, Z) and weights of the unified social credit code.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
USCC_PATTERN = rf"^[{USCC_ALPHABET}]{{18}}$"


def id_check_char(first17: str) -> str:
    """The GB 11643 check character of a resident ID number's first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def is_resident_id(number: str) -> bool:
    """Whether `number` is an 18-character resident ID number with a correct check character."""
    if len(number) != 18 or not number[:17].isdigit() or not number[:17].isascii():
        return False
    return id_check_char(number[:17]) == number[17].upper()


def uscc_check_char(first17: str) -> str:
    """The GB 32100 check character of a unified social credit code's first 17 characters."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]
