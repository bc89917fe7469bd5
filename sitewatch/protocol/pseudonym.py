"""Pseudonymisation of personal identifiers with a per-site HMAC key (DESIGN.md)."""

from __future__ import annotations

import hashlib
import hmac
import unicodedata


def normalise_identifier(raw: str) -> str:
    """Canonical form of an ID-card, phone or card number: NFKC, no separators, upper case."""
    text = unicodedata.normalize("NFKC", raw)
    return "".join(ch for ch in text if ch.isalnum()).upper()


def pseudonymise(site_key: bytes, raw_identifier: str) -> str:
    """HMAC-SHA256(site key, normalised identifier) as lower-case hex."""
    if len(site_key) < 16:
        raise ValueError("site key must be at least 16 bytes")
    normalised = normalise_identifier(raw_identifier)
    if not normalised:
        raise ValueError("identifier is empty after normalisation")
    return hmac.new(site_key, normalised.encode("utf-8"), hashlib.sha256).hexdigest()
