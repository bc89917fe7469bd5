"""Build the alarm service from its settings (called by the hub's composition root)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from hub.alarms.notify import AlarmNotifier
from hub.alarms.service import AlarmService
from hub.alarms.settings import AlarmSettings, WebhookSettings
from hub.alarms.store import AlarmStore
from hub.alarms.webhook import WebhookNotifier
from hub.rules import EngineLimits, RuleContext, RuleEngine, load_default_rules, load_rules


def build_rule_engine(settings: AlarmSettings, context: RuleContext) -> RuleEngine:
    """The engine over the configured rules file (or the shipped rules); RulesError if bad."""
    rules = load_rules(settings.rules_file) if settings.rules_file else load_default_rules()
    age = settings.max_event_age_s
    return RuleEngine(
        rules, context, limits=EngineLimits(max_keys=settings.max_keys),
        max_event_age=timedelta(seconds=age) if age is not None else None,
    )


def build_webhook(settings: WebhookSettings) -> WebhookNotifier:
    """The webhook notifier its settings describe."""
    return WebhookNotifier(
        str(settings.url),
        token=settings.token.get_secret_value() if settings.token else None,
        timeout_s=settings.timeout_s, max_attempts=settings.max_attempts,
        backoff_s=settings.backoff_s, backoff_max_s=settings.backoff_max_s,
        queue_max=settings.queue_max,
    )


def build_alarm_service(
    settings: AlarmSettings,
    store: AlarmStore,
    context: RuleContext,
    notifiers: Sequence[AlarmNotifier] = (),
) -> AlarmService:
    """The alarm service: engine from the rules file, `notifiers` plus the webhook if set."""
    all_notifiers = list(notifiers)
    if settings.webhook is not None:
        all_notifiers.append(build_webhook(settings.webhook))
    return AlarmService(
        build_rule_engine(settings, context), store, all_notifiers,
        tick_s=settings.tick_s, max_escalation_level=settings.max_escalation_level,
        queue_max_commits=settings.queue_max_commits, notify_folds=settings.notify_folds,
    )
