"""schemathesis against the hub's OpenAPI schema, signed in as each role: no 5xx, no schema breach.

The app is the one build_hub wires (registry, alarms, stats, live, exports), on a SQLite
ledger seeded with two registered sites, events of every kind, media and an open alarm,
so searches, dossiers and exports answer with real data rather than empty lists.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import orjson
import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance

from hub.access import Principal, checked_role
from hub.alarms import AlarmStore
from hub.api import HubState
from hub.bootstrap import build_hub
from hub.ledger.engine import create_ledger_engine
from hub.records import EventRecord, IngestBatch, MediaRecord
from hub.registry import RegistryImport
from hub.settings import load_hub_settings
from sitewatch.protocol import event_adapter
from sitewatch.registry import SiteRegistry
from tests.api.scene import (
    EMPLOYEE_ID,
    JPEG,
    OTHER_SITE,
    SITE,
    sha,
    signal,
    site_document,
    subject_of,
)
from tests.ledger.factory import RECEIVED, T0, envelope
from tests.support.auth import TEST_AUTH, add_user

ROLES = {"security": (), "property_manager": (SITE,), "police": (), "admin": ()}
# The live stream is server-sent events that end only when the client goes: an in-process
# call would wait for ever. tests/live covers it against a real server.
EXCLUDED = {"/api/v1/live"}
EXAMPLES = 6  # per operation, role and generation mode (positive and negative)
CHECKS = [not_a_server_error, response_schema_conformance]
SLOW = {"/api/v1/auth/token": 2}  # Argon2 verifies each sign-in on purpose


@dataclass
class SeededHub:
    """The hub's API app on a seeded ledger, and a bearer token for each role."""

    app: FastAPI
    headers: dict[str, dict[str, str]]


def seed(state: HubState, ledger_url: str, media_dir: Path) -> None:
    """Two registered sites, events of each kind with media, and an open alarm."""
    assert state.registry is not None and state.live_registry is not None
    for site in (SITE, OTHER_SITE):
        document = SiteRegistry.model_validate(site_document(site))
        assert state.registry.apply(RegistryImport.of_document(document)).rejected == ()
    state.live_registry.refresh()
    digest = sha(JPEG)
    media_dir.mkdir(parents=True, exist_ok=True)
    (media_dir / digest).write_bytes(JPEG)
    media = [{"sha256": digest, "content_type": "image/jpeg", "role": "snapshot"}]
    docs = [
        envelope(1, site=SITE, subject=subject_of(EMPLOYEE_ID), media=media),
        envelope(2, "access", site=SITE, device="n-in", subject=subject_of(EMPLOYEE_ID)),
        envelope(3, "camera", site=SITE, device="cam-main"),
        envelope(4, "vehicle", site=SITE, device="plate-in"),
        envelope(5, "sensor", site=SITE),
        envelope(1, site=OTHER_SITE, subject=subject_of(EMPLOYEE_ID, OTHER_SITE)),
    ]
    records = []
    for doc in docs:
        event = event_adapter.validate_python(doc)
        records.append(EventRecord(event, orjson.dumps(doc), RECEIVED,
                                   state.live_registry.enrich(event)))
    state.ledger.commit(IngestBatch(events=records, media=[
        MediaRecord(digest, SITE, "gw-1", len(JPEG), str(media_dir / digest), RECEIVED)]))
    engine = create_ledger_engine(ledger_url)
    try:
        AlarmStore(engine).apply(signal("fever:gate-1"), T0, "alarm-1")
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeededHub]:
    """The hub as build_hub wires it, not started: no broker, no background threads."""
    root = tmp_path_factory.mktemp("schemathesis")
    ledger_url = f"sqlite:///{root / 'ledger.db'}"
    settings_ = load_hub_settings(None, ledger_url=ledger_url, media_dir=str(root / "media"),
                                  api={"port": 0}, auth=TEST_AUTH)
    hub = build_hub(settings_)
    hub.ledger.migrate()
    state: HubState = hub.app.state.hub
    # No broker runs here; /readyz would rightly answer 503, which is not what is tested.
    state.broker_connected = lambda: True
    seed(state, ledger_url, root / "media")
    headers = {}
    for role, sites in ROLES.items():
        add_user(ledger_url, f"fuzz-{role}", role, sites)
        principal = Principal(f"fuzz-{role}", checked_role(role), sites)
        token = state.tokens.issue(principal, datetime.now(UTC)).token
        headers[role] = {"Authorization": f"Bearer {token}"}
    yield SeededHub(hub.app, headers)
    hub.ledger.close()


def send(client: TestClient, case: schemathesis.Case, headers: dict[str, str]) -> httpx.Response:
    """Send a case in-process with Starlette's client.

    Not case.call(): schemathesis' requests transport counts pooled connections through
    urllib3's `pools.keys()`, which urllib3-future (installed here) does not have.
    """
    request = case.as_transport_kwargs(base_url="http://testserver", headers=headers)
    request.pop("cookies", None) if not request.get("cookies") else None
    body = request.pop("data", None)
    if isinstance(body, str | bytes):
        request["content"] = body
    elif body is not None:
        request["data"] = body
    if request.get("files"):
        # requests writes a non-text form value as str(); httpx refuses it. Do as requests does.
        request["files"] = [
            (name, (part[0], part[1] if isinstance(part[1], str | bytes) else str(part[1]),
                    *part[2:]))
            for name, part in request["files"]
        ]
    built = client.build_request(**request)
    built.read()  # a multipart body is a stream; the checks read it to report a failure
    return client.send(built)


@pytest.mark.parametrize("role", list(ROLES))
def test_no_operation_answers_5xx_or_breaks_its_response_schema(
    seeded: SeededHub, role: str
) -> None:
    """Every operation, valid and invalid input, as this role: no 5xx, responses as documented."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", seeded.app)
    failures: list[str] = []
    called: set[str] = set()
    tested: set[str] = set()
    client = TestClient(seeded.app, raise_server_exceptions=False)
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path in EXCLUDED:
            continue
        tested.add(operation.label)
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(max_examples=SLOW.get(operation.path, EXAMPLES), deadline=None,
                      derandomize=True, database=None, phases=[Phase.explicit, Phase.generate],
                      suppress_health_check=list(HealthCheck))
            @given(operation.as_strategy(generation_mode=mode))
            def call(case: schemathesis.Case) -> None:
                called.add(operation.label)  # noqa: B023 (run before the loop moves on)
                response = send(client, case, seeded.headers[role])
                case.validate_response(response, checks=CHECKS)

            try:
                call()
            except Unsatisfiable:
                pass  # nothing to make invalid: an operation without parameters
            except (FailureGroup, Exception) as exc:  # collected: one run reports every operation
                failures.append(f"{operation.label} [{mode}]: {exc}")
    assert called == tested
    assert not failures, "\n\n".join(failures)
