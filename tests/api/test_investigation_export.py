"""The investigation export: a zip that `sha256sum -c` verifies, audited with its hash."""

from __future__ import annotations

import csv
import hashlib
import io
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.api.conftest import Hub
from tests.api.scene import CLIP, EMPLOYEE_ID, JPEG, SITE, at, sha, subject_of
from tests.ledger.factory import envelope, pseudonym

PNG = b"\x89PNG\r\n\x1a\n a still"


def media(*refs: tuple[bytes, str]) -> list[dict[str, str]]:
    """The `media` field of an envelope naming these (bytes, content type)."""
    return [{"sha256": sha(data), "content_type": kind, "role": "snapshot"}
            for data, kind in refs]


@pytest.fixture
def scene(hub: Hub) -> dict[str, str]:
    """Four events of park-1, three with media (one clip never arrived); ids by name."""
    hub.store_media(JPEG)
    hub.store_media(PNG)
    employee = subject_of(EMPLOYEE_ID)
    docs = {
        "scan": envelope(1, ts=at(1), subject=employee, media=media((JPEG, "image/jpeg"))),
        "lobby": envelope(2, "access", ts=at(2), device="n-in", subject=employee,
                          media=media((JPEG, "image/jpeg"), (CLIP, "video/mp4"))),
        "camera": envelope(3, "camera", ts=at(3), device="cam-main",
                           media=media((PNG, "image/png"))),
        "car": envelope(4, "vehicle", ts=at(4), device="plate-in", plate="=HYPERLINK(1)"),
    }
    hub.commit(*docs.values())
    return {name: doc["id"] for name, doc in docs.items()}


def export(hub: Hub, headers: dict[str, str], **body: Any) -> Any:
    """POST an investigation export."""
    return hub.api.client.post("/api/v1/exports/investigation", json=body, headers=headers)


def unzip(content: bytes, folder: Path) -> list[str]:
    """Extract a zip into `folder`; the names it holds."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        archive.extractall(folder)
        return sorted(archive.namelist())


def sha256sum_check(folder: Path) -> subprocess.CompletedProcess[str]:
    """Run coreutils' `sha256sum -c manifest.sha256` in `folder`."""
    return subprocess.run(["sha256sum", "-c", "manifest.sha256"], cwd=folder,
                          capture_output=True, text=True, timeout=30, check=False)


def test_the_zip_verifies_with_sha256sum_and_a_tampered_file_does_not(
    hub: Hub, scene: dict[str, str], tmp_path: Path
) -> None:
    police = hub.sign_in("detective", "police")
    response = export(hub, police, site=SITE, case_reference="case 2024/117")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    zip_sha = hashlib.sha256(response.content).hexdigest()
    assert response.headers["x-content-sha256"] == zip_sha

    folder = tmp_path / "evidence"
    names = unzip(response.content, folder)
    assert names == sorted([
        "events.csv", "events.json", "export.json", "manifest.sha256",
        f"media/{sha(JPEG)}.jpg", f"media/{sha(PNG)}.png"])
    manifest = (folder / "manifest.sha256").read_text().splitlines()
    assert sorted(line.split("  ", 1)[1] for line in manifest) == [
        n for n in names if n != "manifest.sha256"]
    checked = sha256sum_check(folder)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count(": OK") == 5

    events = orjson.loads((folder / "events.json").read_bytes())
    assert [e["id"] for e in events] == [scene[n] for n in ("car", "camera", "lobby", "scan")]
    rows = list(csv.DictReader(io.StringIO((folder / "events.csv").read_text("utf-8-sig"))))
    assert [r["id"] for r in rows] == [e["id"] for e in events]
    assert rows[0]["plate"] == "'=HYPERLINK(1)"  # a spreadsheet shows it, does not run it
    assert (rows[2]["gate"], rows[2]["result"], rows[2]["credential"]) == (
        "n-lobby", "granted", "card")
    about = orjson.loads((folder / "export.json").read_bytes())
    assert (about["exported_by"], about["case_reference"], about["events"]) == (
        "detective", "case 2024/117", 4)
    assert about["media_missing"] == [sha(CLIP)]

    [entry] = hub.audit("exports.investigation")
    assert (entry.actor, entry.target) == ("detective", SITE)
    assert entry.detail["zip_sha256"] == zip_sha
    assert entry.detail["manifest_sha256"] == hashlib.sha256(
        (folder / "manifest.sha256").read_bytes()).hexdigest()
    assert (entry.detail["events"], entry.detail["media"], entry.detail["media_missing"]) == (
        4, 2, 1)

    jpeg = folder / "media" / f"{sha(JPEG)}.jpg"
    jpeg.write_bytes(JPEG + b"edited")
    tampered = sha256sum_check(folder)
    assert tampered.returncode != 0
    assert f"media/{sha(JPEG)}.jpg: FAILED" in tampered.stdout


def test_an_export_by_id_number_holds_and_records_only_the_pseudonym(
    hub: Hub, scene: dict[str, str], tmp_path: Path
) -> None:
    guard = hub.sign_in("guard", "security")
    response = export(hub, guard, id_number=EMPLOYEE_ID, site=SITE)
    folder = tmp_path / "evidence"
    unzip(response.content, folder)
    events = orjson.loads((folder / "events.json").read_bytes())
    assert [e["id"] for e in events] == [scene["lobby"], scene["scan"]]
    assert sha256sum_check(folder).returncode == 0
    for path in folder.rglob("*"):
        if path.is_file():
            assert EMPLOYEE_ID.encode() not in path.read_bytes(), path
    [entry] = hub.audit("exports.investigation")
    assert entry.detail["subject"] == subject_of(EMPLOYEE_ID)
    assert entry.detail["id_number_given"] is True
    assert EMPLOYEE_ID not in hub.audit_text()


def test_a_too_large_export_is_refused_and_recorded(
    hub: Hub, scene: dict[str, str], tmp_path: Path
) -> None:
    admin = hub.sign_in("root", "admin")
    hub.api.state.export_max_events = 3
    refused = export(hub, admin, site=SITE)
    assert refused.status_code == 413
    assert "more than 3 events match" in refused.json()["detail"]
    [entry] = hub.audit("exports.investigation.refused")
    assert entry.detail["site"] == SITE
    assert hub.audit("exports.investigation") == []

    narrower = export(hub, admin, site=SITE, kind="place_scan")  # one event: fits
    assert narrower.status_code == 200
    assert "events.json" in unzip(narrower.content, tmp_path / "narrow")


def test_an_empty_export_still_verifies(hub: Hub, tmp_path: Path) -> None:
    admin = hub.sign_in("root", "admin")
    response = export(hub, admin, subject=pseudonym("nobody"))
    folder = tmp_path / "empty"
    assert unzip(response.content, folder) == [
        "events.csv", "events.json", "export.json", "manifest.sha256"]
    assert orjson.loads((folder / "events.json").read_bytes()) == []
    assert sha256sum_check(folder).returncode == 0


def test_only_investigators_export(hub: Hub) -> None:
    manager = hub.sign_in("pm-1", "property_manager", [SITE])
    assert export(hub, manager, site=SITE).status_code == 403
    admin = hub.sign_in("root", "admin")
    assert export(hub, admin, site=SITE, colour="red").status_code == 422
