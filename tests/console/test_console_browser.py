"""The console in a real headless Chromium: guard, police and manager against a real hub.

Playwright's Python client drives Debian's own Chromium (/usr/bin/chromium; no downloaded
browser). Screenshots land in test-artifacts/console/ for a person to look at.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from ulid import ULID

from hub.registry import RegistryImport
from sitewatch.bench.mqtt_baseline import publish_all
from sitewatch.protocol import pseudonymise
from sitewatch.registry import SiteRegistry
from tests.registry.conftest import SITE, site_data
from tests.support.auth import PASSWORD, add_user
from tests.support.hub_runner import RunningHub, wait_until
from tests.support.servers import MosquittoServer

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "console"
DATA = Path(__file__).parent / "data"
SITE_KEY = "console-test-site-key"
RAW_ID = "110101199003071234"
TOPIC = f"sitewatch/v1/{SITE}/gw-1"
STATUS = {"state": "online", "agent_version": "1.2.0", "started_at": "2026-11-23T00:00:00Z",
          "config_hash": "c0ffee"}


class Feed:
    """Publishes the gateway's messages to the broker, numbering the events."""

    def __init__(self, broker: MosquittoServer) -> None:
        self.broker = broker
        self.seq = 0

    def event(self, device: str, kind: str, ts: datetime | None = None,
              **fields: Any) -> dict[str, Any]:
        """Publish one event of gw-1 (timestamped now unless `ts`); return it."""
        self.seq += 1
        event = {"v": 1, "id": str(ULID()), "seq": self.seq,
                 "ts": (ts or datetime.now(UTC)).isoformat(), "site": SITE, "gateway": "gw-1",
                 "device": device, "kind": kind, **fields}
        publish_all(self.broker.port, [(f"{TOPIC}/events", orjson.dumps(event))])
        return event

    def media(self, data: bytes, content_type: str, role: str) -> dict[str, str]:
        """Publish media bytes on their hash's topic; return the event's reference to them."""
        sha = hashlib.sha256(data).hexdigest()
        publish_all(self.broker.port, [(f"{TOPIC}/media/{sha}", data)])
        return {"sha256": sha, "content_type": content_type, "role": role}

    def status(self) -> None:
        """Publish the gateway's status: online."""
        publish_all(self.broker.port, [(f"{TOPIC}/status", orjson.dumps(STATUS))])


@pytest.fixture
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, driven over Playwright; fails when it is not installed."""
    if not CHROMIUM.exists():
        pytest.fail("no /usr/bin/chromium: run scripts/install-test-servers.sh "
                    "(apt-get install chromium chromium-driver)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def console_url(hub: RunningHub) -> str:
    """Where the hub serves its console."""
    return str(hub.api.base_url.join("/console/"))


def sign_in(browser: Browser, hub: RunningHub, username: str) -> Page:
    """A fresh browser context (its own sessionStorage) signed in to the console."""
    page = browser.new_context(viewport={"width": 1280, "height": 860}).new_page()
    page.set_default_timeout(10_000)
    page.goto(console_url(hub))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    expect(page.locator("#who")).to_contain_text(username)
    return page


def shoot(page: Page, name: str) -> None:
    """Save a full-page screenshot under test-artifacts/console/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def nav_pages(page: Page) -> list[str]:
    """The pages the navigation offers."""
    return page.locator("#nav a").evaluate_all("links => links.map(l => l.dataset.page)")


def test_guard_watches_the_live_board_and_acknowledges_a_fever_alarm(
    start_hub: Callable[..., RunningHub], mosquitto: MosquittoServer, browser: Browser
) -> None:
    hub = start_hub(site_keys={SITE: SITE_KEY})
    hub.hub.app.state.hub.registry.apply(
        RegistryImport.of_document(SiteRegistry.model_validate(site_data())))
    add_user(hub.hub.settings.ledger_url, "guard", "security")
    feed = Feed(mosquitto)

    page = browser.new_context(viewport={"width": 1280, "height": 860}).new_page()
    page.goto(console_url(hub))
    expect(page.locator("#login-form")).to_be_visible()
    shoot(page, "01-login")
    page.close()

    page = sign_in(browser, hub, "guard")
    assert nav_pages(page) == ["board", "search", "gateways"]
    expect(page.locator("#live-state")).to_have_text("live")
    feed.status()
    ann = pseudonymise(SITE_KEY.encode(), RAW_ID)
    badge = feed.event("n-in", "access", subject=ann, credential={"type": "card"},
                       direction="in", result="granted")
    row = page.locator(f'#latest-events tr[data-event-id="{badge["id"]}"]')
    expect(row).to_contain_text("card in granted")
    expect(row).to_contain_text("north")  # enriched from the registry

    fever = feed.event("main-s1", "place_scan", subject=ann, method="id_card",
                       health="green", temperature_c=38.5, verdict="pass", visitor=False)
    expect(page.locator(f'#latest-events tr[data-event-id="{fever["id"]}"]')).to_contain_text(
        "38.5 °C")
    alarm = page.locator(".alarm", has_text="°C").first  # the fever rule's title
    expect(alarm).to_have_attribute("data-state", "open")
    expect(page.locator("#occupancy")).to_contain_text(SITE)
    # The badge-in at the north lobby and the pass at the main gate, counted live.
    expect(page.locator("#occupancy")).to_contain_text("north: 1 / 800")
    shoot(page, "02-live-board-alarm-open")
    alarm_id = alarm.get_attribute("data-alarm-id")
    alarm.locator("button.acknowledge").click()
    expect(page.locator(f'.alarm[data-alarm-id="{alarm_id}"]')).to_have_attribute(
        "data-state", "acknowledged")
    stored = hub.api.get(f"/api/v1/alarms/{alarm_id}").json()["alarm"]
    assert (stored["rule"], stored["state"], stored["acknowledged_by"]) == (
        "fever", "acknowledged", "guard")
    shoot(page, "03-live-board-acknowledged")

    page.click('#nav a[data-page="gateways"]')
    expect(page.locator('#gateways tr[data-gateway="gw-1"]')).to_contain_text("online")
    shoot(page, "04-gateways")


def test_police_finds_a_person_by_id_number_and_sees_the_footage(
    start_hub: Callable[..., RunningHub], mosquitto: MosquittoServer, browser: Browser
) -> None:
    hub = start_hub(site_keys={SITE: SITE_KEY})
    hub.hub.app.state.hub.registry.apply(
        RegistryImport.of_document(SiteRegistry.model_validate(site_data())))
    add_user(hub.hub.settings.ledger_url, "police", "police")
    add_user(hub.hub.settings.ledger_url, "manager", "property_manager", (SITE,))
    feed = Feed(mosquitto)
    snapshot = feed.media((DATA / "snapshot.jpg").read_bytes(), "image/jpeg", "snapshot")
    clip = feed.media((DATA / "clip.mp4").read_bytes(), "video/mp4", "clip")
    at = datetime.now(UTC) - timedelta(minutes=5)
    feed.event("cam-lobby", "camera", ts=at - timedelta(seconds=3), type="person", count=1,
               score=0.93, media=[snapshot])
    entry = feed.event("n-in", "access", ts=at, media=[snapshot, clip],
                       subject=pseudonymise(SITE_KEY.encode(), RAW_ID),
                       credential={"type": "card"}, direction="in", result="granted")
    feed.event("n-in", "access", ts=at, subject=pseudonymise(SITE_KEY.encode(), "someone else"),
               credential={"type": "card"}, direction="in", result="granted")
    for media in (snapshot, clip):
        wait_until(lambda m=media: hub.api.get(f"/api/v1/media/{m['sha256']}").status_code == 200)
    wait_until(lambda: len(hub.api.get("/api/v1/events").json()["items"]) == 3)

    page = sign_in(browser, hub, "police")
    assert nav_pages(page) == ["search"]
    page.fill("input[name=id_number]", RAW_ID)
    page.click("#search-form button[type=submit]")
    rows = page.locator("#results tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-event-id", entry["id"])
    thumb = rows.first.locator("img.thumb")
    expect(thumb).to_have_js_property("complete", True)
    assert thumb.evaluate("img => img.naturalWidth") > 0
    shoot(page, "05-search-by-id-number")
    search = hub.api.get("/api/v1/audit-log", params={"action": "events.search"}).json()
    assert RAW_ID not in str(search), "the raw ID number reached the audit log"

    rows.first.locator("a").click()
    detail = page.locator("#event-detail")
    video = detail.locator(f'.footage video[data-sha256="{clip["sha256"]}"]').first
    page.wait_for_function("v => v.readyState >= 2", arg=video.element_handle())
    assert video.evaluate("v => v.videoWidth") == 160
    image = detail.locator(f'.footage img[data-sha256="{snapshot["sha256"]}"]').first
    expect(image).to_have_js_property("complete", True)
    assert image.evaluate("img => img.naturalWidth") == 160
    expect(detail.locator(".timeline figure")).to_have_count(1)  # the lobby camera, 3 s before
    shoot(page, "06-event-footage")

    stats = hub.hub.stats
    assert stats is not None
    stats.assess_site(SITE, datetime.now(UTC))
    override = {"colour": "orange", "reason": "two complaints about blocked fire exits"}
    hub.api.put("/api/v1/enterprises/blue/colour-override", json=override).raise_for_status()
    page = sign_in(browser, hub, "manager")
    assert nav_pages(page) == ["board", "search", "enterprises", "gateways"]
    page.click('#nav a[data-page="enterprises"]')
    expect(page.locator('#enterprises [data-enterprise="acme"]')).to_contain_text("Acme Ltd.")
    blue = page.locator('#enterprises [data-enterprise="blue"]')
    expect(blue).to_have_class(re.compile(r"\bcolour-orange\b"))
    expect(blue).to_contain_text("blocked fire exits")
    shoot(page, "07-enterprises")
    page.goto(console_url(hub) + f"#/event/{entry['id']}")
    expect(page.locator("#event-detail")).to_contain_text("Media are not shown to your role")
