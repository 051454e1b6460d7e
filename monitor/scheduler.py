"""When each watch is checked: the plan, and the scheduler that keeps it.

The plan is pure and built on APScheduler triggers: a watch with ``every``
gets an :class:`IntervalTrigger`, one with ``cron`` a :class:`CronTrigger`
(crontab weekday numbers, 0 = Sunday), both in the watch's ``timezone`` and
with a random ``jitter``. The next run is computed from the last recorded
check, so a restart keeps the rhythm; a run that was due while nothing ran
it starts once (the missed runs coalesced) and is recorded as a misfire.

:class:`Scheduler` keeps each watch's next run and hands due checks to the
one :class:`~monitor.dispatch.Dispatcher` (limits, politeness, deadlines,
followed documents), as ``factwatch check`` does for a single pass.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from model.clock import Clock
from model.http import host_of
from model.timefmt import utcnow
from monitor import follow
from monitor.check import Analyser
from monitor.dispatch import Dispatcher, Finished, FinishListener, Job, Running, safely
from monitor.metrics import Metrics
from monitor.settings import SchedulerSettings, Settings, WatchSettings
from parsers.job import run_job
from store import scheduling
from store.repo import Store

log = logging.getLogger("factwatch.scheduler")
MAX_MISSED = 100_000
_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")


# -- the plan (pure) -------------------------------------------------------


def crontab_weekdays(field: str) -> str:
    """Crontab weekday numbers (0 or 7 = Sunday) as names APScheduler reads right."""
    return re.sub(r"(?<![/\d])([0-7])(?!\d)", lambda m: _WEEKDAYS[int(m.group(1))], field)


def cron_trigger(expr: str, timezone: str, jitter: float | None) -> CronTrigger:
    """A :class:`CronTrigger` for a five-field crontab expression."""
    minute, hour, day, month, weekday = expr.split()
    return CronTrigger(
        minute=minute,
        hour=hour,
        day=day,
        month=month,
        day_of_week=crontab_weekdays(weekday),
        timezone=timezone,
        jitter=jitter or None,
    )


def period(watch: WatchSettings, defaults: SchedulerSettings) -> float:
    """Seconds between two runs of ``watch`` (for cron: between its next two slots)."""
    if watch.cron is None:
        return watch.every or defaults.every
    trigger = cron_trigger(watch.cron, watch.timezone, None)
    first = trigger.get_next_fire_time(None, utcnow())
    second = trigger.get_next_fire_time(first, first) if first else None
    return (second - first).total_seconds() if first and second else defaults.every


def jitter_for(watch: WatchSettings, defaults: SchedulerSettings) -> float:
    """The watch's own jitter, else the default capped at a tenth of its period."""
    if watch.jitter is not None:
        return watch.jitter
    return min(defaults.jitter, period(watch, defaults) / 10)


def make_trigger(watch: WatchSettings, defaults: SchedulerSettings) -> BaseTrigger:
    """The APScheduler trigger of ``watch`` (``every``, ``cron`` or the default interval)."""
    jitter = jitter_for(watch, defaults)
    if watch.cron is not None:
        return cron_trigger(watch.cron, watch.timezone, jitter)
    return IntervalTrigger(
        seconds=watch.every or defaults.every, timezone=watch.timezone, jitter=jitter or None
    )


def next_due(trigger: BaseTrigger, last: datetime | None, now: datetime) -> datetime:
    """When a watch is next due: now if never checked, else the slot after its last check."""
    if last is None:
        return now
    due = trigger.get_next_fire_time(last, now)
    return due if due is not None else now + timedelta(days=365)


def missed_runs(trigger: BaseTrigger, due: datetime, now: datetime, grace: float) -> int:
    """How many slots passed up to ``now`` for a run due at ``due`` (0 when within ``grace``)."""
    if (now - due).total_seconds() <= grace:
        return 0
    count, slot = 0, due
    while slot is not None and slot <= now and count < MAX_MISSED:
        count += 1
        slot = trigger.get_next_fire_time(slot, now)
    return count


# -- the service's plan on top of the dispatcher ----------------------------


class Scheduler:
    """Keeps every watch's next run and feeds the :class:`~monitor.dispatch.Dispatcher`.

    Each configured watch has a trigger; when its check finishes, its next
    run is planned from the check's start, a late start is recorded as a
    misfire, and the metrics and ``listener`` hear of it.
    """

    def __init__(
        self,
        store: Store,
        settings: Settings,
        metrics: Metrics | None = None,
        listener: FinishListener | None = None,
        *,
        clock: Clock | None = None,
        analyse: Analyser = run_job,
    ) -> None:
        self.store = store
        self.settings = settings
        self.metrics = metrics
        self.listener = listener
        self.dispatch = Dispatcher(
            store, settings, clock=clock, analyse=analyse, on_finish=self._finished
        )
        self.dispatch.follows = lambda job: job.watch.name in self.triggers
        self.clock = self.dispatch.clock
        self.triggers: dict[str, BaseTrigger] = {}

    @property
    def running(self) -> dict[str, Running]:
        """The checks running now, by watch name."""
        return self.dispatch.running

    @property
    def pending(self) -> dict[str, Job]:
        """The checks waiting to run, by watch name."""
        return self.dispatch.pending

    def load(self, settings: Settings) -> None:
        """Apply a (new) configuration: plan added and changed watches, drop removed ones."""
        old = {w.name: w for w in self.settings.watches} if self.triggers else {}
        self.settings = self.dispatch.settings = settings
        wanted = {w.name: w for w in settings.watches}
        for name in list(self.triggers):
            if name not in wanted:
                del self.triggers[name]
                self.pending.pop(name, None)
                self._drop_children(name)
                log.info("watch removed from the schedule", extra={"watch": name})
        changed = [w for n, w in wanted.items() if n not in self.triggers or old.get(n) != w]
        self._plan(changed)

    def _drop_children(self, parent: str) -> None:
        for name, job in list(self.pending.items()):
            if job.parent == parent:
                del self.pending[name]

    def _plan(self, watches: Iterable[WatchSettings]) -> None:
        now = self.clock.now()
        last = self._last_checks()
        for watch in watches:
            self.store.ensure_watch(watch.name, watch.url)
            trigger = make_trigger(watch, self.settings.scheduler)
            self.triggers[watch.name] = trigger
            due = next_due(trigger, last.get(watch.name), now)
            self.dispatch.submit(Job(watch, due))
            scheduling.set_next_run(self.store, [watch.name], due)
        self._load_retry_after()

    def _last_checks(self) -> dict[str, datetime]:
        names = {w.id: w.name for w in self.store.watches()}
        return {names[wid]: c.started_at for wid, c in self.store.last_checks().items()}

    def _load_retry_after(self) -> None:
        now, mono = self.clock.now(), self.clock.monotonic()
        urls = {w.name: w.url for w in self.store.watches()}
        ready = self.dispatch.host_ready
        for name, row in scheduling.schedules(self.store).items():
            if row.retry_after_until and row.retry_after_until > now and name in urls:
                wait = (row.retry_after_until - now).total_seconds()
                host = host_of(urls[name])
                ready[host] = max(ready.get(host, 0.0), mono + wait)

    # -- driving ----------------------------------------------------------------

    @property
    def launching(self) -> bool:
        """Whether due checks are started (False once paused)."""
        return self.dispatch.launching

    @launching.setter
    def launching(self, value: bool) -> None:
        self.dispatch.launching = value

    def tick(self) -> float:
        """Reap finished and overdue checks, start due ones; seconds until the next event."""
        return self.dispatch.tick()

    def pause(self) -> None:
        """Start nothing new and forget the plan (the lease was lost or we stop)."""
        self.dispatch.pause()

    def drain(self, grace: float) -> None:
        """Wait up to ``grace`` seconds for running checks, then cut the rest off."""
        self.dispatch.drain(grace)

    def close(self) -> None:
        """Release the dispatcher's connections."""
        self.dispatch.close()

    # -- after a check -------------------------------------------------------

    def _finished(self, done: Finished) -> None:
        job = done.job
        if job.parent is None:
            done = replace(
                done,
                next_run=self._reschedule(job, done.started_at),
                missed=self._misfire(job, done.started_at),
            )
        if self.metrics:
            self.metrics.observe(done.outcome, done.duration)
            if done.fetch_seconds is not None:
                self.metrics.latency.observe(done.fetch_seconds)
        if self.listener:
            self.listener(done)

    def _reschedule(self, job: Job, started_at: datetime) -> datetime | None:
        trigger = self.triggers.get(job.watch.name)
        if trigger is None:
            return None
        if job.watch.name in self.pending:
            return self.pending[job.watch.name].due  # re-planned by a reload meanwhile
        due = next_due(trigger, started_at, self.clock.now())
        self.dispatch.submit(Job(job.watch, due))
        children = [c.name for c in follow.children(self.store, job.watch)]
        safely(scheduling.set_next_run, self.store, [job.watch.name, *children], due)
        return due

    def _misfire(self, job: Job, started_at: datetime) -> int:
        trigger = self.triggers.get(job.watch.name)
        grace = self.settings.scheduler.misfire_grace
        missed = missed_runs(trigger, job.due, started_at, grace) if trigger else 0
        if missed:
            safely(scheduling.record_misfire, self.store, job.watch.name, job.due, missed)
            if self.metrics:
                self.metrics.misfires.inc()
        return missed
