"""Prometheus metrics of one ``factwatch run`` process.

Counters and histograms are fed by the scheduler as checks finish; the alert
queue depth and the heartbeat age are read from the database at scrape time.
Each :class:`Metrics` has its own registry, so tests and several services in
one process never share state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from model.outcomes import Changed, Failed, Outcome, Unchanged

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)
GaugeReader = Callable[[], dict[str, float]]
LabelledReader = Callable[[], dict[str, float]]
disable_created_metrics()  # the *_created series only add noise to a scrape


def outcome_label(outcome: Outcome) -> str:
    """``unchanged``, ``changed``, ``baseline`` or ``failed``."""
    if isinstance(outcome, Failed):
        return "failed"
    if isinstance(outcome, Unchanged):
        return "unchanged"
    return "baseline" if outcome.baseline else "changed"


class _Gauges(Collector):
    """Gauges computed at scrape time by a reader (name -> value)."""

    def __init__(self, reader: GaugeReader) -> None:
        self.reader = reader

    def collect(self) -> Iterator[GaugeMetricFamily]:
        for name, value in sorted(self.reader().items()):
            yield GaugeMetricFamily(f"factwatch_{name}", name.replace("_", " "), value=value)


class _Labelled(Collector):
    """One gauge with one label, computed at scrape time (label value -> value)."""

    def __init__(self, name: str, label: str, reader: LabelledReader) -> None:
        self.name, self.label, self.reader = name, label, reader

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            f"factwatch_{self.name}", self.name.replace("_", " "), labels=[self.label]
        )
        for key, value in sorted(self.reader().items()):
            family.add_metric([key], value)
        yield family


class Metrics:
    """The service's metrics (see the module doc)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.checks = Counter(
            "factwatch_checks", "Checks finished, by outcome.", ["outcome"], registry=self.registry
        )
        self.failures = Counter(
            "factwatch_check_failures",
            "Failed checks, by reason.",
            ["reason"],
            registry=self.registry,
        )
        self.changes = Counter(
            "factwatch_changes",
            "Change events detected, by kind.",
            ["kind"],
            registry=self.registry,
        )
        self.enqueued = Counter(
            "factwatch_checks_enqueued",
            "Checks handed to the queue's workers.",
            registry=self.registry,
        )
        self.misfires = Counter(
            "factwatch_misfires", "Runs that started late (coalesced).", registry=self.registry
        )
        self.latency = Histogram(
            "factwatch_fetch_seconds",
            "Time to a server's response.",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.duration = Histogram(
            "factwatch_check_seconds",
            "Duration of a whole check.",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )

    def observe(self, outcome: Outcome, duration: float) -> None:
        """Count one finished check."""
        self.checks.labels(outcome_label(outcome)).inc()
        self.duration.observe(duration)
        if isinstance(outcome, Failed):
            self.failures.labels(outcome.reason).inc()
        if isinstance(outcome, Changed):
            for change in outcome.changes:
                self.changes.labels(change.kind).inc()

    def add_gauges(self, reader: GaugeReader) -> None:
        """Register gauges read at scrape time (e.g. alert queue depth)."""
        self.registry.register(_Gauges(reader))

    def add_labelled(self, name: str, label: str, reader: LabelledReader) -> None:
        """Register a gauge with one label, read at scrape time (e.g. tasks per worker)."""
        self.registry.register(_Labelled(name, label, reader))

    def render(self) -> bytes:
        """The exposition text for ``/metrics``."""
        return generate_latest(self.registry)
