"""The API with every part it serves wired on a real ledger: registry, alarms, site keys."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import orjson
import pytest

from hub.access import Principal, checked_role, checked_sites
from hub.alarms import Alarm, AlarmService, AlarmStore
from hub.audit import AuditRecord
from hub.ledger.users_store import UserRecord, UserStore
from hub.passwords import PasswordHasher
from hub.records import EventRecord, IngestBatch, MediaRecord
from hub.registry import LiveRegistry, RegistryImport, RegistryStore
from hub.rules import RuleEngine, StaticRuleContext, parse_rules
from sitewatch.protocol import event_adapter
from sitewatch.registry import SiteRegistry
from tests.api.scene import OTHER_SITE, SITE, SITE_KEYS, sha, signal, site_document
from tests.ledger.factory import RECEIVED, T0
from tests.support.api_app import ApiUnderTest, serve_api
from tests.support.auth import PASSWORD


@dataclass
class Hub:
    """The API under test and the stores behind it."""

    api: ApiUnderTest
    registry: RegistryStore
    live: LiveRegistry
    alarm_store: AlarmStore
    media_dir: Path

    def commit(self, *docs: dict[str, Any]) -> None:
        """Store events as ingest does: enriched by the live registry."""
        records = []
        for doc in docs:
            event = event_adapter.validate_python(doc)
            records.append(EventRecord(event, orjson.dumps(doc), RECEIVED,
                                       self.live.enrich(event)))
        self.api.state.ledger.commit(IngestBatch(events=records))

    def store_media(self, data: bytes, site: str = SITE) -> str:
        """Keep media bytes as ingest does; their hash."""
        digest = sha(data)
        path = self.media_dir / digest
        path.write_bytes(data)
        self.api.state.ledger.commit(IngestBatch(media=[
            MediaRecord(digest, site, "gw-1", len(data), str(path), RECEIVED)]))
        return digest

    def open_alarm(self, key: str, alarm_id: str, **changes: Any) -> Alarm:
        """An open alarm, as the rules would raise it."""
        alarm, _ = self.alarm_store.apply(signal(key, **changes), T0, alarm_id)
        return alarm

    def sign_in(self, username: str, role: str, sites: Iterable[str] = ()) -> dict[str, str]:
        """A new user of `role`; the header carrying a token issued to them.

        Straight from the token issuer, not through a password: sign-in is tested in
        tests/hub, and two Argon2 rounds per user would be most of these tests' time.
        """
        checked = checked_role(role)
        user = UserRecord(username, _password_hash(), checked, checked_sites(checked, sites),
                          disabled=False, created_at=datetime.now(UTC))
        UserStore(self.api.engine).add(user)
        principal = Principal(username, checked, user.sites)
        token = self.api.state.tokens.issue(principal, datetime.now(UTC)).token
        return {"Authorization": f"Bearer {token}"}

    def audit(self, action: str | None = None, actor: str | None = None) -> list[AuditRecord]:
        """Audit entries, newest first."""
        return self.api.state.audit.page(1000, action=action, actor=actor)

    def audit_text(self) -> str:
        """The whole audit log as one text, to look for what must not be in it."""
        return str([(r.target, r.detail) for r in self.audit()])


@cache
def _password_hash() -> str:
    """One real hash for every test user (none of them signs in with it)."""
    return PasswordHasher().hash(PASSWORD)


@pytest.fixture
def hub(ledger_url: str, tmp_path: Path) -> Iterator[Hub]:
    """The API on a migrated ledger of each engine, two sites registered, events empty."""
    with serve_api(ledger_url) as api:
        engine = api.engine
        registry = RegistryStore(engine)
        live = LiveRegistry(registry.revision, registry.read_all)
        registry.on_change(live.refresh)
        for site in (SITE, OTHER_SITE):
            document = SiteRegistry.model_validate(site_document(site))
            assert registry.apply(RegistryImport.of_document(document)).rejected == ()
        alarm_store = AlarmStore(engine)
        rules = RuleEngine(parse_rules({"rules": []}), StaticRuleContext())
        state = api.state
        state.registry, state.live_registry = registry, live
        state.alarms = AlarmService(rules, alarm_store)
        state.site_keys = SITE_KEYS
        media_dir = tmp_path / "media"
        media_dir.mkdir()
        yield Hub(api, registry, live, alarm_store, media_dir)
