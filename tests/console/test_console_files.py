"""The console's files: served open at /console/, confined by their headers, and no mount
outside the access policy."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from hub.api.app import refuse_unlisted_mounts
from hub.api.policy import OPEN_MOUNTS, Unlisted
from hub.console import CONSOLE_PATH, STATIC_DIR, ConsoleFiles
from tests.support.api_app import ApiUnderTest, serve_api


@pytest.fixture
def api(tmp_path: Path) -> Iterator[ApiUnderTest]:
    """The API on a migrated SQLite ledger."""
    with serve_api(f"sqlite:///{tmp_path / 'ledger.db'}") as served:
        yield served


def test_the_console_is_served_without_a_token_and_with_a_strict_policy(
    api: ApiUnderTest,
) -> None:
    assert CONSOLE_PATH in OPEN_MOUNTS
    page = api.client.get("/console/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<script type="module" src="js/main.js">' in page.text
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "connect-src 'self'" in csp
    assert page.headers["referrer-policy"] == "no-referrer"
    module = api.client.get("/console/js/main.js")
    assert module.headers["content-type"].startswith("text/javascript")
    redirect = api.client.get("/console", follow_redirects=False)
    assert redirect.status_code in (307, 308)
    assert api.client.get("/console/../hub/settings.py").status_code == 404


def test_no_script_writes_html_from_data() -> None:
    # Every value reaches the page as text (dom.js `h`), never parsed as markup.
    scripts = list(STATIC_DIR.rglob("*.js"))
    assert len(scripts) >= 8
    for script in scripts:
        text = script.read_text()
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            assert sink not in text, (script.name, sink)


def test_a_mount_missing_from_the_policy_stops_the_app_being_built() -> None:
    app = FastAPI()
    app.mount("/console", ConsoleFiles())
    refuse_unlisted_mounts(app)  # listed: fine
    app.mount("/private", ConsoleFiles())
    with pytest.raises(Unlisted, match="/private"):
        refuse_unlisted_mounts(app)
