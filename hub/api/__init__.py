"""The hub's HTTP API."""

from hub.api.app import HubState, create_app

__all__ = ["HubState", "create_app"]
