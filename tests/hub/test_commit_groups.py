"""How many messages one ledger commit may hold, given the broker's receive window."""

from __future__ import annotations

from hub.bootstrap import commit_group_cap
from hub.settings import load_hub_settings
from tests.support.auth import TEST_AUTH


def cap(receive_maximum: int, batch_max_messages: int = 2000) -> int:
    """The cap for these settings."""
    settings = load_hub_settings(
        None, broker={"receive_maximum": receive_maximum},
        ingest={"batch_max_messages": batch_max_messages}, auth=TEST_AUTH,
    )
    return commit_group_cap(settings)


def test_a_commit_holds_an_eighth_of_the_window_so_the_broker_keeps_sending() -> None:
    """With a window of 2000 in flight, commits of at most 250 messages; with the default
    of 10,000, of at most 1,250."""
    assert cap(2000) == 250
    assert commit_group_cap(load_hub_settings(None, auth=TEST_AUTH)) == 1250


def test_a_smaller_configured_batch_is_kept() -> None:
    """batch_max_messages below the window's eighth stands."""
    assert cap(2000, batch_max_messages=100) == 100


def test_a_tiny_window_still_commits_one_message_at_a_time() -> None:
    """A window smaller than eight still lets each message be committed."""
    assert cap(4) == 1
