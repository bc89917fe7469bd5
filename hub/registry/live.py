"""The registry snapshot a running hub reads: swapped whole when the registry changes.

Readers (ingest's decoder, rules, the API) take `current` without a lock: it is one
reference, replaced by a single assignment. Refreshes take a lock among themselves only,
so two of them cannot put an older snapshot back over a newer one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from hub.records import Enrichment
from hub.registry.enrich import enrich
from hub.registry.snapshot import EMPTY_SNAPSHOT, RegistrySnapshot, build_snapshot
from sitewatch.protocol import Event
from sitewatch.registry import SiteRegistry

log = logging.getLogger(__name__)


class LiveRegistry:
    """The current registry snapshot, rebuilt when the registry's revision moves."""

    def __init__(
        self,
        revision: Callable[[], int],
        read_all: Callable[[], tuple[int, list[SiteRegistry]]],
    ) -> None:
        self._revision = revision
        self._read_all = read_all
        self._snapshot = EMPTY_SNAPSHOT
        self._refreshing = threading.Lock()

    @property
    def current(self) -> RegistrySnapshot:
        """The snapshot to read now; keep the reference for a consistent view."""
        return self._snapshot

    def enrich(self, event: Event) -> Enrichment:
        """Enrich an event with the current snapshot (ingest's enricher)."""
        return enrich(event, self._snapshot)

    def refresh(self) -> bool:
        """Rebuild the snapshot if the registry changed since it was built; True if swapped."""
        with self._refreshing:
            if self._revision() == self._snapshot.revision:
                return False
            revision, documents = self._read_all()
            if revision <= self._snapshot.revision:
                return False
            self._snapshot = build_snapshot(revision, documents)
            return True

    def watch(self, stop: threading.Event, interval_s: float = 5.0) -> None:
        """Refresh every `interval_s` until `stop`: sees changes other processes make."""
        while not stop.wait(interval_s):
            try:
                self.refresh()
            except Exception:  # keep enriching with the last snapshot while the database is away
                log.warning(
                    "registry refresh failed; still at revision %d", self._snapshot.revision,
                    exc_info=True,
                )
