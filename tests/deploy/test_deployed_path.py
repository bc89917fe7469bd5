"""The shipped broker configuration with the real programs on it: agent over TLS, hub signed in.

deploy/mosquitto/mosquitto.conf runs for real (adapted to free ports and a temporary
directory, as in test_mosquitto_acl.py), with the password file add-gateway.sh writes
and a CA, broker certificate made by certs/make-certs.sh inside the test. The agent is
the real edge agent (outbox, paho link with TLS and its gateway's credentials); the hub
is the real hub signed in as the `hub` user on the plain loopback listener.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson
import pytest

from edge_agent.bootstrap import SOURCE_FACTORIES, build_agent
from edge_agent.settings import load_settings
from hub.bootstrap import Hub, build_hub
from hub.settings import load_hub_settings
from sitewatch.brokers import free_port, wait_for_port
from tests.deploy.mqtt_client import SignedInClient
from tests.deploy.test_mosquitto_acl import (
    MOSQUITTO_DIR,
    Credentials,
    ShippedMosquitto,
    add_gateway,
)
from tests.support.auth import TEST_AUTH
from tests.support.counting_source import CountingSource
from tests.support.envelopes import access_event
from tests.support.hub_runner import wait_until

SITE = "riverside"


@dataclass
class Deployment:
    """The shipped broker with TLS, the gateways' and the hub's credentials, a running hub."""

    broker: ShippedMosquitto
    certs: Path
    users: dict[str, Credentials]
    hub: Hub


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[Deployment]:
    """Broker as shipped (TLS listener on), gateways gw-a and gw-b, and a hub signed in."""
    certs = tmp_path / "certs"
    certs.mkdir()
    shutil.copy(MOSQUITTO_DIR / "certs" / "make-certs.sh", certs / "make-certs.sh")
    subprocess.run([str(certs / "make-certs.sh"), "localhost"], check=True,
                   capture_output=True, timeout=60)
    passwd = tmp_path / "passwd"
    users = {name: add_gateway(passwd, SITE, f"gw-{name}") for name in ("a", "b")}
    subprocess.run(["mosquitto_passwd", "-b", str(passwd), "hub", "hub-secret"], check=True)
    users["hub"] = Credentials("hub", "hub-secret")
    broker = ShippedMosquitto(tmp_path)
    broker.tls_port = free_port()
    broker.start()
    wait_for_port(broker.tls_port)
    settings = load_hub_settings(
        None,
        ledger_url=f"sqlite:///{tmp_path / 'ledger.db'}",
        media_dir=str(tmp_path / "media"),
        broker={"port": broker.port, "client_id": "hub-1", "username": "hub",
                "password": "hub-secret"},
        api={"port": 0},
        auth=TEST_AUTH,
    )
    hub = build_hub(settings)
    stop = threading.Event()
    hub.start(stop, serve_api=False)
    try:
        assert hub.subscriber.wait_connected(30), "the hub could not sign in to the broker"
        yield Deployment(broker, certs, users, hub)
    finally:
        stop.set()
        hub.close()
        broker.kill()


def test_agent_delivers_over_tls_with_its_gateway_credentials(
    deployment: Deployment, tmp_path: Path
) -> None:
    """The real agent, TLS with the test CA and gw-a's password: every event in the ledger."""
    gateway = deployment.users["a"]
    settings = load_settings(
        None,
        environment="development",
        site=SITE,
        gateway="gw-a",
        site_key="deploy-test-site-key-0123456789",
        broker={
            "host": "localhost", "port": deployment.broker.tls_port,
            "username": gateway.username, "password": gateway.password,
            "tls": {"ca_file": str(deployment.certs / "ca.crt")},
            "reconnect_max_s": 1.0,
        },
        outbox={"path": str(tmp_path / "outbox.db")},
        sources=[{"type": "counting"}],
    )
    agent = build_agent(settings, factories={
        **SOURCE_FACTORIES, "counting": lambda cfg, ctx: CountingSource(cfg.label, 500),
    })
    stop = threading.Event()
    thread = threading.Thread(target=agent.run, args=(stop,), name="agent")
    thread.start()
    try:
        ledger = deployment.hub.ledger
        wait_until(lambda: _stored(deployment.hub) == 500, timeout=60)
        gateways = {(g.site, g.gateway): g for g in ledger.list_gateways()}
        assert gateways[(SITE, "gw-a")].last_seq == 500
        assert gateways[(SITE, "gw-a")].gaps == []
    finally:
        stop.set()
        thread.join(timeout=20)


def test_a_body_naming_another_gateway_gets_through_the_acl_and_is_dead_lettered(
    deployment: Deployment,
) -> None:
    """gw-a may publish on its own topic, but a body claiming gw-b is refused by the hub."""
    gateway = deployment.users["a"]
    client = SignedInClient(deployment.broker.port, gateway.username, gateway.password, "gw-a")
    try:
        assert client.connack == 0
        forged = orjson.dumps(access_event(SITE, "gw-b", 1))
        assert client.publish(f"sitewatch/v1/{SITE}/gw-a/events", forged) == 0  # ACL lets it by
        wait_until(lambda: deployment.hub.ingest.counters.dead_letters == 1, timeout=30)
    finally:
        client.stop()
    letters = deployment.hub.ledger.list_dead_letters(limit=10)
    assert len(letters) == 1
    assert letters[0].topic == f"sitewatch/v1/{SITE}/gw-a/events"
    assert "does not match topic" in letters[0].reason
    assert _stored(deployment.hub) == 0


def _stored(hub: Hub) -> int:
    return hub.ingest.counters.events_stored
