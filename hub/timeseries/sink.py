"""The port the time-series writer writes through, and the two ways a write can fail."""

from __future__ import annotations

from abc import ABC, abstractmethod


class WriteFailed(Exception):
    """The endpoint did not take the batch (unreachable, overloaded, misconfigured): retry it."""

    def __init__(self, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s  # the endpoint's Retry-After, when it sent one


class WriteRejected(Exception):
    """The endpoint refused the batch's content (malformed, too large): retrying cannot help."""


class LineSink(ABC):
    """Somewhere that accepts batches of InfluxDB line protocol."""

    @property
    @abstractmethod
    def timeout_s(self) -> float:
        """The longest one `write` may take."""

    @abstractmethod
    def write(self, body: bytes) -> None:
        """Write newline-separated lines; return only once the endpoint answered 2xx."""

    @abstractmethod
    def close(self) -> None:
        """Release connections."""
