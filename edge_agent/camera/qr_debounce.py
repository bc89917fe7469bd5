"""Debouncing of QR sightings: a code held in front of the camera is one scan per window."""

from __future__ import annotations


class QrDebouncer:
    """Passes a given code at most once per `window_s`; the caller hands in the time."""

    def __init__(self, window_s: float) -> None:
        if window_s < 0:
            raise ValueError("window_s must not be negative")
        self.window_s = window_s
        self._passed: dict[str, float] = {}

    def admit(self, code: str, now: float) -> bool:
        """True if `code` was not passed within the last `window_s` (and record it now)."""
        self._forget(now)
        last = self._passed.get(code)
        if last is not None and now - last < self.window_s:
            return False
        self._passed[code] = now
        return True

    def __len__(self) -> int:
        return len(self._passed)

    def _forget(self, now: float) -> None:
        """Drop codes whose window has passed, so a busy entrance does not grow the map."""
        expired = [code for code, last in self._passed.items() if now - last >= self.window_s]
        for code in expired:
            del self._passed[code]
