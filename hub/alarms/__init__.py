"""Alarms: their lifecycle, their store in the ledger database, the service and notifiers."""

from hub.alarms.lifecycle import Alarm, AlarmState, AlarmTransitionError, Change
from hub.alarms.notify import AlarmNotifier, alarm_document, notification_payload
from hub.alarms.records import AlarmAction, AlarmQuery
from hub.alarms.service import AlarmCounters, AlarmService
from hub.alarms.settings import AlarmSettings, WebhookSettings
from hub.alarms.store import AlarmNotFoundError, AlarmStore

__all__ = [
    "Alarm",
    "AlarmAction",
    "AlarmCounters",
    "AlarmNotFoundError",
    "AlarmNotifier",
    "AlarmQuery",
    "AlarmService",
    "AlarmSettings",
    "AlarmState",
    "AlarmStore",
    "AlarmTransitionError",
    "Change",
    "WebhookSettings",
    "alarm_document",
    "notification_payload",
]
