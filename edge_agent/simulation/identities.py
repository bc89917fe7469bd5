"""Fake personal identifiers for simulated people: ID-card numbers, card numbers, plates.

They carry valid check characters so that they look like the real thing to anything
downstream; they are raw identifiers and must be pseudonymised before leaving the model.
"""

from __future__ import annotations

import random

from sitewatch.registry.codes import id_check_char, uscc_check_char

__all__ = [
    "fake_card_number",
    "fake_id_number",
    "fake_pass_code",
    "fake_plate",
    "id_check_char",
    "uscc_check_char",
]

# Counties people in an East-China business park commonly come from.
_AREA_CODES = (
    "310115", "310104", "310105", "310110", "310112", "320102", "320506",
    "330106", "330203", "340104", "370202", "410105", "420106", "510107", "110105",
)  # fmt: skip

# Plate prefixes weighted by how often they show up at a Shanghai park's vehicle gate.
_PROVINCES = (("沪", 55), ("苏", 15), ("浙", 14), ("皖", 8), ("京", 4), ("鲁", 4))
_PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I or O on Chinese plates


def fake_id_number(rng: random.Random) -> str:
    """An 18-character resident ID number with a plausible area, birth date and check digit."""
    area = rng.choice(_AREA_CODES)
    year = rng.randint(1963, 2004)
    birth = f"{year}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    first17 = f"{area}{birth}{rng.randint(1, 999):03d}"
    return first17 + id_check_char(first17)


def fake_card_number(rng: random.Random) -> str:
    """A 10-digit access card number as printed on the card."""
    return f"{rng.randint(10**8, 10**10 - 1):010d}"


def fake_pass_code(rng: random.Random) -> str:
    """A visitor pass QR payload, issued per visitor by the reception system."""
    return f"VP{rng.randint(10**9, 10**10 - 1)}"


def fake_plate(rng: random.Random) -> str:
    """A Chinese licence plate such as 沪A12345, or an 8-character new-energy plate."""
    provinces, weights = zip(*_PROVINCES, strict=True)
    province = rng.choices(provinces, weights)[0]
    letter = rng.choice(_PLATE_LETTERS[:13] if province == "沪" else _PLATE_LETTERS[:6])
    if rng.random() < 0.22:
        # New-energy plates: D (electric) or F (hybrid) and five digits.
        return f"{province}{letter}{rng.choice('DF')}{rng.randint(0, 99999):05d}"
    body = "".join(
        rng.choice(_PLATE_LETTERS) if i == 4 and rng.random() < 0.3 else str(rng.randint(0, 9))
        for i in range(5)
    )
    return f"{province}{letter}{body}"
