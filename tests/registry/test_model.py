"""The shared registry model: identifiers' check characters and references between entries."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pydantic import ValidationError

from sitewatch.registry import (
    Enterprise,
    Person,
    SiteRegistry,
    is_resident_id,
    load_registry,
    uscc_check_char,
)
from tests.registry.conftest import pseudonym, site_data, uscc


def test_uscc_check_character_is_computed_and_enforced() -> None:
    # GB 32100's published example, and a code of the demo park.
    assert uscc_check_char("91350100M000100Y4") == "3"
    assert uscc_check_char("91310115MA14CL128") == "A"
    fields = {"id": "x", "name": "X", "building": "north", "floor": 1}
    assert Enterprise(uscc="91350100M000100Y43", **fields).uscc == "91350100M000100Y43"
    with pytest.raises(ValidationError, match="fails its check character"):
        Enterprise(uscc="91350100M000100Y44", **fields)
    with pytest.raises(ValidationError, match="should match pattern"):
        Enterprise(uscc="91350100M000100YI3", **fields)  # no I in the alphabet


def test_resident_id_numbers_are_checked() -> None:
    assert is_resident_id("11010519491231002X")
    assert not is_resident_id("110105194912310021")  # wrong check character
    assert not is_resident_id("11010519491231002")  # 17 characters
    full_width = "".join(chr(ord(digit) + 0xFEE0) for digit in "11010519491231002") + "X"
    assert not is_resident_id(full_width)  # normalise first: NFKC makes these plain digits


def test_enterprise_records_carry_lease_contact_grade_and_notes() -> None:
    acme = SiteRegistry.model_validate(site_data()).enterprises[0]
    assert (acme.lease_start.isoformat(), acme.property_grade) == ("2024-01-01", "good")
    assert acme.contact == "Ms. Li, 021-5555-0101"
    assert acme.working_hours.days == ["mon", "tue", "wed", "thu", "fri"]  # the default
    with pytest.raises(ValidationError, match="the lease ends before it starts"):
        acme.model_validate({**acme.model_dump(), "lease_end": "2023-12-31"})
    with pytest.raises(ValidationError, match="property_grade"):
        acme.model_validate({**acme.model_dump(), "property_grade": "splendid"})


def test_persons_are_pseudonyms_and_employees_belong_somewhere() -> None:
    assert Person(pseudonym=pseudonym("ann"), type="staff").after_hours is False
    with pytest.raises(ValidationError, match="an employee must belong to an enterprise"):
        Person(pseudonym=pseudonym("ann"), type="employee")
    with pytest.raises(ValidationError, match="should match pattern"):
        Person(pseudonym="11010519491231002X", type="staff")  # a raw ID number is no pseudonym


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["persons"][0].update(enterprise="nobody"), "unknown enterprise 'nobody'"),
        (lambda d: d["credentials"][0].update(person=pseudonym("zed")), "unknown person"),
        (lambda d: d["credentials"].append(dict(d["credentials"][0])), "duplicate credential"),
        (lambda d: d["persons"].append(dict(d["persons"][2])), "duplicate person"),
        (lambda d: d["enterprises"][1].update(uscc=uscc(1)), "duplicate unified social credit"),
        (lambda d: d["enterprises"][1].update(floor=7), "south has no floor 7"),
        (lambda d: d["cameras"][1]["gates"].append("back"), "unknown gate 'back'"),
        (lambda d: d["cameras"][0].update(floor=-2), "floor -2 is given without a building"),
        (lambda d: d["gates"][2].update(floor=11), "north has no floor 11"),
        (lambda d: d["site"]["buildings"][0].update(capacity=0), "greater than or equal to 1"),
    ],
)
def test_broken_references_are_refused(change: Any, message: str) -> None:
    document = copy.deepcopy(site_data())
    change(document)
    with pytest.raises(ValidationError, match=message):
        SiteRegistry.model_validate(document)


def test_a_camera_at_several_gates_is_served_by_their_gateway() -> None:
    site = SiteRegistry.model_validate(site_data())
    assert {"cam-lobby", "cam-wide", "main-s1", "n-in", "n-7f-reader", "n-smoke-7"} <= (
        site.served_devices("gw-1")
    )


def test_the_demo_park_is_a_valid_registry_with_capacities_and_grades() -> None:
    demo = load_registry()
    assert {b.id: b.capacity for b in demo.site.buildings} == {
        "tower-a": 2400, "tower-b": 1400, "innovation-hub": 300
    }
    assert {e.property_grade for e in demo.enterprises} >= {"excellent", "poor"}
    assert all(camera.gates for camera in demo.cameras)
