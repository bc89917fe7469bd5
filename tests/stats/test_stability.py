"""Five-colour stability (pure): each rule's levels, the worst wins, overrides, rules as data."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from hub.stats import (
    DailyFigures,
    EnterpriseFacts,
    Override,
    StabilityRulesError,
    TenantRecords,
    assess,
    load_stability_rules,
    parse_stability_rules,
)
from hub.stats.stability import effective_colour
from hub.stats.tenant_records import Complaint, Dispute, RentPayment
from tests.stats.factory import T0

RULES = load_stability_rules()
TODAY = date(2026, 11, 23)


def days(headcounts: list[int], last: date = TODAY - timedelta(days=1), **figures: int) -> list[
    DailyFigures
]:
    """Daily figures ending on `last`, one head-count per day, oldest first."""
    first = last - timedelta(days=len(headcounts) - 1)
    return [DailyFigures("park", "acme", first + timedelta(days=n), headcount=h, **figures)
            for n, h in enumerate(headcounts)]


def facts(**changes: Any) -> EnterpriseFacts:
    """An enterprise with nothing against it, changed as given."""
    return EnterpriseFacts(**{"site": "park", "enterprise": "acme", "today": TODAY, **changes})


def colour_of(**changes: Any) -> tuple[str, list[str]]:
    """The assessed colour and the reasons' texts."""
    found = assess(facts(**changes), RULES)
    return found.colour, [r.text for r in found.reasons]


def test_nothing_against_an_enterprise_is_green() -> None:
    assert colour_of(daily=days([20] * 28)) == ("green", [])


def test_head_count_falling_sharply_over_two_weeks_is_orange_then_red() -> None:
    assert colour_of(daily=days([10] * 14 + [6] * 14)) == (
        "orange", ["head-count down 40% over 14 days (mean 6.0 a day, was 10.0)"])
    colour, _ = colour_of(daily=days([10] * 14 + [3] * 14))
    assert colour == "red"
    assert colour_of(daily=days([10] * 14 + [7] * 14))[0] == "green"  # down 30%


def test_a_head_count_drop_needs_enough_days_and_people_to_judge() -> None:
    assert colour_of(daily=days([10] * 14 + [0] * 9))[0] == "green"  # 9 recent days of 10
    assert colour_of(daily=days([2] * 14 + [0] * 14))[0] == "green"  # earlier mean below 3
    # Today's figures are partial, so they do not count: a quiet morning is no collapse.
    today = DailyFigures("park", "acme", TODAY, headcount=0)
    assert colour_of(daily=[*days([10] * 28), today])[0] == "green"


def rent(due: date, paid: date | None = None) -> RentPayment:
    """A rent payment of 12,000.00."""
    return RentPayment(enterprise="acme", due_date=due, amount=Decimal("12000.00"),
                       paid_date=paid)


@pytest.mark.parametrize(("overdue", "expected"), [
    (30, "green"), (31, "yellow"), (90, "yellow"), (91, "orange"),
])
def test_rent_overdue_more_than_30_days_is_yellow_more_than_90_orange(
    overdue: int, expected: str
) -> None:
    records = TenantRecords(rent=(rent(TODAY - timedelta(days=overdue)),
                                  rent(TODAY - timedelta(days=400), paid=TODAY)))
    assert colour_of(records=records)[0] == expected


def test_open_disputes_are_orange_then_red_and_resolved_ones_do_not_count() -> None:
    def dispute(n: int, resolved: date | None = None) -> Dispute:
        return Dispute(id=f"d{n}", enterprise="acme", opened_on=date(2026, 9, 1), kind="labour",
                       resolved_on=resolved)

    one = TenantRecords(disputes=(dispute(1), dispute(2, resolved=date(2026, 10, 1))))
    assert colour_of(records=one) == ("orange", ["1 dispute open (labour)"])
    assert colour_of(records=TenantRecords(disputes=(dispute(1), dispute(2))))[0] == "red"


def test_the_worst_rule_wins_and_every_reason_is_listed_worst_first() -> None:
    complaints = tuple(
        Complaint(id=f"c{n}", enterprise="acme", received_on=TODAY - timedelta(days=n))
        for n in range(3)
    )
    busy = days([20] * 7, last=TODAY, entries=8, denied=4, after_hours_entries=0)
    colour, reasons = colour_of(
        records=TenantRecords(rent=(rent(TODAY - timedelta(days=45)),), complaints=complaints),
        daily=busy, lease_end=TODAY - timedelta(days=3),
    )
    assert colour == "yellow"
    assert reasons == [
        "rent overdue 45 days (due 2026-10-09, 12000.00)",
        "lease ended 2026-11-20 (3 days ago)",
        "3 complaints in 90 days (3 open)",
        "denied rate 33% over 7 days (28 of 84 attempts)",
    ]


def test_an_override_wins_while_it_lasts() -> None:
    override = Override("red", "police notice", "pm-1", T0, until=T0 + timedelta(days=7))
    assert effective_colour("green", override, T0) == ("red", "override")
    assert effective_colour("green", override, T0 + timedelta(days=7)) == ("green", "assessment")
    forever = Override("blue", "watch", "pm-1", T0)
    assert effective_colour("orange", forever, T0 + timedelta(days=999)) == ("blue", "override")
    assert effective_colour("orange", None, T0) == ("orange", "assessment")


@pytest.mark.parametrize(("rule", "message"), [
    ({"name": "r", "type": "rent_overdue", "levels": [
        {"over_days": 90, "colour": "orange"}, {"over_days": 30, "colour": "yellow"}]},
     "rule 'r' (#1): levels: thresholds and colours must both rise"),
    ({"name": "r", "type": "open_disputes", "levels": [{"count": 1, "colour": "green"}]},
     "green is what no level gives"),
    ({"name": "r", "type": "headcount_drop", "window_days": 7, "min_days": 8,
      "levels": [{"drop": 0.5, "colour": "red"}]}, "min_days cannot exceed window_days"),
    ({"name": "r", "type": "headcount_drop", "levels": [{"drop": 1.5, "colour": "red"}]},
     "field 'levels.0.drop'"),
    ({"name": "r", "type": "rent_overdue", "levels": [{"over_days": 1, "colour": "purple"}]},
     "field 'levels.0.colour'"),
    ({"name": "r", "type": "vibes", "levels": []}, "rule 'r' (#1)"),
    ({"name": "r", "type": "complaints", "windw_days": 3,
      "levels": [{"count": 1, "colour": "blue"}]}, "field 'windw_days'"),
])
def test_rules_files_are_validated_with_the_rule_named(rule: dict[str, Any], message: str) -> None:
    with pytest.raises(StabilityRulesError, match=re.escape(message)):
        parse_stability_rules({"rules": [rule]})


def test_rule_names_are_unique_and_a_file_can_replace_the_shipped_rules(tmp_path: Path) -> None:
    rule = {"name": "r", "type": "lease_expired", "levels": [{"over_days": 0, "colour": "red"}]}
    with pytest.raises(StabilityRulesError, match="repeated: r"):
        parse_stability_rules({"rules": [rule, rule]})
    path = tmp_path / "rules.yaml"
    path.write_text("rules:\n  - {name: lease, type: lease_expired, "
                    "levels: [{over_days: 0, colour: red}]}\n")
    rules = load_stability_rules(path)
    assert assess(facts(lease_end=TODAY - timedelta(days=1)), rules).colour == "red"
    path.write_text("rules: [unclosed\n")
    with pytest.raises(StabilityRulesError, match="not valid YAML"):
        load_stability_rules(path)
