"""The hub's event ledger (SQLAlchemy Core on SQLite or PostgreSQL)."""

from hub.ledger.store import DEFAULT_MAX_DEAD_LETTER_BYTES, Ledger

__all__ = ["DEFAULT_MAX_DEAD_LETTER_BYTES", "Ledger"]
