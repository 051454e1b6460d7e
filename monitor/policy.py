"""A watch's alert policy, from the configuration."""

from __future__ import annotations

from alerts.enqueue import AlertPolicy
from monitor.settings import DEFAULT_ALERT_ON, Settings, WatchSettings


def alert_policy(
    settings: Settings, watch: WatchSettings, parent: str | None = None
) -> AlertPolicy:
    """Whom ``watch`` alerts and about what; a followed document uses its parent's settings."""
    configured = settings.watch(watch.name)
    if configured is None and parent is not None:
        configured = settings.watch(parent)
    if configured is not None and configured.alert is not None:
        channels = tuple(configured.alert)
    else:
        channels = tuple(c.name for c in settings.alerts)
    kinds = configured.alert_on if configured and configured.alert_on is not None else None
    return AlertPolicy(
        channels=channels,
        kinds=frozenset(DEFAULT_ALERT_ON if kinds is None else kinds),
        flaps=configured.alert_flaps if configured is not None else True,
        health_failures=settings.delivery.health_failures,
    )
