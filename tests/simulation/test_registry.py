"""The site registry: the bundled demo validates, and broken registries are refused."""

from __future__ import annotations

import copy
import random
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from edge_agent.simulation import SiteRegistry, load_registry
from edge_agent.simulation.identities import fake_id_number, id_check_char, uscc_check_char


def _demo_document() -> dict[str, Any]:
    text = Path(__file__).parents[2].joinpath("sitewatch/data/demo_site.yaml").read_text("utf-8")
    document: dict[str, Any] = yaml.safe_load(text)
    return document


def test_demo_registry_loads_and_describes_the_park(demo: SiteRegistry) -> None:
    assert demo.site.id == "riverside-science-park"
    assert demo.site.timezone == "Asia/Shanghai"
    assert {b.id: b.floors for b in demo.site.buildings} == {
        "tower-a": 20,
        "tower-b": 12,
        "innovation-hub": 5,
    }
    assert [g.id for g in demo.gateways] == ["gw-north", "gw-south"]
    assert len(demo.enterprises) == 12
    headcounts = [e.headcount for e in demo.enterprises]
    assert min(headcounts) <= 20 and max(headcounts) >= 250
    assert all(len(e.uscc) == 18 for e in demo.enterprises)
    kinds = {g.kind for g in demo.gates}
    assert {"main_gate", "lobby_turnstile", "vehicle_gate"} <= kinds
    assert {s.metric for s in demo.sensors} >= {"smoke", "elevator_fault", "water_leak", "power"}


def test_load_registry_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "site.yaml"
    path.write_text(yaml.safe_dump(_demo_document(), allow_unicode=True), encoding="utf-8")
    assert load_registry(path) == load_registry()


def test_gateways_split_the_demo_devices(demo: SiteRegistry) -> None:
    north, south = demo.served_devices("gw-north"), demo.served_devices("gw-south")
    assert not north & south
    assert {"mg-sentinel-1", "mg-place-code-1", "vg-plate-in", "ta-ts-in-1", "cam-mg-line"} <= north
    assert {"tb-ts-in-1", "ih-ts-1", "ih-dock-reader", "cam-tb-lobby", "tb-power"} <= south
    with pytest.raises(KeyError):
        demo.served_devices("gw-nowhere")


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("site", "timezone"), "Mars/Olympus", "unknown time zone"),
        (("site", "id"), "riverside/park", "should match pattern"),
        (("gateways", 0, "id"), "gw north", "should match pattern"),
        (("enterprises", 0, "uscc"), "91310115MA14CL128B", "check character"),
        (("enterprises", 0, "uscc"), "91310115MA14CL128", "should match pattern"),
        (("enterprises", 0, "building"), "tower-z", "unknown building"),
        (("enterprises", 0, "floor"), 21, "has no floor 21"),
        (("enterprises", 0, "working_hours", "end"), 1080, "quoted strings"),
        (("enterprises", 0, "working_hours", "end"), "08:00", "start before they end"),
        (("cameras", 0, "gates", 0), "side-gate", "unknown gate"),
        (("gateways", 1, "gates", 0), "main-gate", "more than one gateway"),
        (("gateways", 0, "sensors", 0), "no-such-sensor", "unknown no-such-sensor"),
        (("gates", 1, "plate_cameras", 0, "id"), "mg-sentinel-1", "duplicate device"),
        (("enterprises", 0, "headcount_typo"), 3, "Extra inputs are not permitted"),
    ],
)
def test_broken_registries_are_refused(path: tuple[Any, ...], value: Any, message: str) -> None:
    document = copy.deepcopy(_demo_document())
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(ValidationError, match=message):
        SiteRegistry.model_validate(document)


def test_identifier_check_characters() -> None:
    # Published examples: GB 11643 ID number and GB 32100 credit code.
    assert id_check_char("11010519491231002") == "X"
    assert uscc_check_char("91350100M000100Y4") == "3"
    number = fake_id_number(random.Random(1))
    assert len(number) == 18 and number[-1] == id_check_char(number[:17])
