"""deploy/mosquitto against a real Mosquitto: passwords from add-gateway.sh, the shipped ACL.

The shipped mosquitto.conf is adapted to a temporary directory and free ports: paths of
the container become the test's, the TLS listener (certificates of a real CA) is left out.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sitewatch.brokers import MosquittoProcess, free_port, wait_for_port
from tests.deploy.mqtt_client import NO_MATCHING_SUBSCRIBERS, NOT_AUTHORIZED, SignedInClient

MOSQUITTO_DIR = Path(__file__).resolve().parents[2] / "deploy" / "mosquitto"
ADD_GATEWAY = MOSQUITTO_DIR / "add-gateway.sh"


def adapted_config(workdir: Path, port: int, tls_port: int | None = None) -> str:
    """The shipped mosquitto.conf with the test's paths and ports; TLS only with `tls_port`."""
    text = (MOSQUITTO_DIR / "mosquitto.conf").read_text(encoding="utf-8")
    plain, marker, tls = text.partition("# --- gateways: MQTT over TLS")
    if tls_port is not None:
        tls = tls.replace("/mosquitto/certs/", f"{workdir}/certs/")
        plain += marker + re.sub(r"(?m)^listener 8883$", f"listener {tls_port} 127.0.0.1", tls)
    plain = plain.replace("/mosquitto/config/passwd", str(workdir / "passwd"))
    plain = plain.replace("/mosquitto/config/acl", str(MOSQUITTO_DIR / "acl"))
    plain = plain.replace("/mosquitto/data/", f"{workdir}/")
    plain = plain.replace("log_dest stdout", f"log_dest file {workdir / 'mosquitto.log'}")
    plain = re.sub(r"(?m)^listener 1883$", f"listener {port} 127.0.0.1", plain)
    if os.geteuid() == 0:
        plain += "user root\n"  # otherwise it drops to 'mosquitto' and cannot write here
    return plain


class ShippedMosquitto(MosquittoProcess):
    """Mosquitto running deploy/mosquitto/mosquitto.conf (adapted) instead of an open config."""

    tls_port: int | None = None

    def _write_config(self) -> None:
        text = adapted_config(self.workdir, self.port, self.tls_port)
        self.config_path.write_text(text, encoding="utf-8")


@dataclass
class Credentials:
    """A user name and the password add-gateway.sh printed for it."""

    username: str
    password: str


def add_gateway(passwd: Path, site: str, gateway: str) -> Credentials:
    """Run add-gateway.sh and read the user and the once-printed password off its output."""
    done = subprocess.run(
        [str(ADD_GATEWAY), site, gateway, str(passwd)],
        capture_output=True, text=True, check=True, timeout=30,
    )
    fields = dict(re.findall(r"(?m)^(user|password): +(\S+)$", done.stdout))
    return Credentials(fields["user"], fields["password"])


Broker = tuple[ShippedMosquitto, dict[str, Credentials]]


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    """The shipped config with two gateways of one site and the hub user."""
    passwd = tmp_path / "passwd"
    users = {
        "a": add_gateway(passwd, "riverside", "gw-a"),
        "b": add_gateway(passwd, "riverside", "gw-b"),
    }
    subprocess.run(["mosquitto_passwd", "-b", str(passwd), "hub", "hub-secret"], check=True)
    users["hub"] = Credentials("hub", "hub-secret")
    server = ShippedMosquitto(tmp_path)
    server.start()
    yield server, users
    server.kill()


def test_gateway_publishes_only_under_its_own_topic(broker: Broker) -> None:
    """A's own topic is acknowledged and reaches the hub; B's topic gets PUBACK 0x87.

    Mosquitto 2.0 then closes the offending connection, so each forgery is tried last on
    a connection of its own.
    """
    server, users = broker
    a = users["a"]
    hub = SignedInClient(server.port, "hub", users["hub"].password, "hub-1")
    gw_a = SignedInClient(server.port, a.username, a.password, "gw-a")
    forger = SignedInClient(server.port, a.username, a.password, "gw-a-forger")
    alarm_forger = SignedInClient(server.port, a.username, a.password, "gw-a-alarm-forger")
    try:
        assert (hub.connack, gw_a.connack, forger.connack) == (0, 0, 0)
        assert hub.subscribe("sitewatch/v1/+/+/#") == [1]
        assert forger.publish("sitewatch/v1/riverside/gw-b/events", b"forged") == NOT_AUTHORIZED
        assert alarm_forger.publish("sitewatch/v1/alarms/riverside", b"forged") == NOT_AUTHORIZED
        assert gw_a.publish("sitewatch/v1/riverside/gw-a/events", b"own") == 0
        assert hub.wait_received(1)
        time.sleep(0.3)  # a forged copy, had it passed, would have been delivered by now
        assert hub.received == [("sitewatch/v1/riverside/gw-a/events", b"own")]
    finally:
        for client in (hub, gw_a, forger, alarm_forger):
            client.stop()


def test_hub_writes_alarms_and_gateways_cannot_read_each_other(broker: Broker) -> None:
    """The hub may publish alarms and not events; B's subscription to A delivers nothing."""
    server, users = broker
    hub = SignedInClient(server.port, "hub", users["hub"].password, "hub-1")
    gw_a = SignedInClient(server.port, users["a"].username, users["a"].password, "gw-a")
    gw_b = SignedInClient(server.port, users["b"].username, users["b"].password, "gw-b")
    try:
        # 0x10 "no matching subscribers" is a success: nobody listens to alarms in this test.
        assert hub.publish("sitewatch/v1/alarms/riverside", b"{}") in (0, NO_MATCHING_SUBSCRIBERS)
        # Mosquitto 2.0 grants the subscription and checks `read` on each delivery instead.
        gw_b.subscribe("sitewatch/v1/riverside/gw-a/#")
        hub.subscribe("sitewatch/v1/+/+/#")
        assert gw_a.publish("sitewatch/v1/riverside/gw-a/status", b"online") == 0
        assert hub.wait_received(1)
        time.sleep(0.3)  # B's copy, were it allowed, left the broker with the hub's
        assert gw_b.received == []
        assert hub.publish("sitewatch/v1/riverside/gw-a/events", b"{}") == NOT_AUTHORIZED
    finally:
        for client in (hub, gw_a, gw_b):
            client.stop()


def test_wrong_password_and_anonymous_are_refused(broker: Broker) -> None:
    """allow_anonymous false and the password file: a wrong password gets no session."""
    server, users = broker
    wrong = SignedInClient(server.port, users["a"].username, "not-the-password", "gw-a-x")
    anonymous = SignedInClient(server.port, "", "", "anon")
    try:
        assert wrong.connack not in (None, 0)
        assert anonymous.connack not in (None, 0)
    finally:
        wrong.stop()
        anonymous.stop()


def test_add_gateway_generates_a_fresh_password_and_stores_only_its_hash(tmp_path: Path) -> None:
    """Each run prints a new random password once; the file holds a PBKDF2 hash of it."""
    passwd = tmp_path / "passwd"
    first = add_gateway(passwd, "riverside", "gw-a")
    second = add_gateway(passwd, "riverside", "gw-b")
    assert first.username == "riverside/gw-a" and len(first.password) >= 24
    assert first.password != second.password
    text = passwd.read_text()
    assert first.password not in text and second.password not in text
    assert re.search(r"(?m)^riverside/gw-a:\$7\$", text)  # $7$ = sha512-pbkdf2


@pytest.mark.parametrize(("site", "gateway"), [("alarms", "gw-a"), ("river side", "gw"),
                                               ("riverside", "gw/../x")])
def test_add_gateway_refuses_reserved_and_invalid_names(
    tmp_path: Path, site: str, gateway: str
) -> None:
    """'alarms' is the hub's; names outside the protocol's alphabet would escape the ACL."""
    done = subprocess.run(
        [str(ADD_GATEWAY), site, gateway, str(tmp_path / "passwd")],
        capture_output=True, text=True, check=False,
    )
    assert done.returncode == 2
    assert not (tmp_path / "passwd").exists()


def test_gateway_over_tls_with_a_ca_from_make_certs(tmp_path: Path) -> None:
    """The TLS listener as shipped, with a CA and broker cert made by certs/make-certs.sh."""
    certs = tmp_path / "certs"
    certs.mkdir()
    script = certs / "make-certs.sh"
    shutil.copy(MOSQUITTO_DIR / "certs" / "make-certs.sh", script)
    subprocess.run([str(script), "localhost"], check=True, capture_output=True, timeout=60)
    gateway = add_gateway(tmp_path / "passwd", "riverside", "gw-a")
    server = ShippedMosquitto(tmp_path)
    server.tls_port = free_port()
    server.start()
    wait_for_port(server.tls_port)
    client = SignedInClient(
        server.tls_port, gateway.username, gateway.password, "gw-a",
        ca_file=certs / "ca.crt", host="localhost",
    )
    try:
        assert client.connack == 0
        own = client.publish("sitewatch/v1/riverside/gw-a/health", b"{}")
        assert own in (0, NO_MATCHING_SUBSCRIBERS)
        assert client.publish("sitewatch/v1/riverside/gw-b/health", b"{}") == NOT_AUTHORIZED
    finally:
        client.stop()
        server.kill()
