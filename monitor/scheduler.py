"""When each watch is checked: the plan, and the scheduler that keeps it.

The plan is pure and built on APScheduler triggers: a watch with ``every``
gets an :class:`IntervalTrigger`, one with ``cron`` a :class:`CronTrigger`
(crontab weekday numbers, 0 = Sunday), both in the watch's ``timezone``.
Each slot gets a ``jitter`` drawn from a hash of the watch and the slot, so
the service and ``status`` agree on the next run. The next run is computed
from the last recorded check, so a restart keeps the rhythm. A new watch
with ``every`` runs at once; a cron watch runs at its cron times only.

A slot that was due while nothing ran it: a watch with ``every`` runs once
at once (the missed runs coalesced), a cron watch waits for its next cron
time; both are recorded as a misfire. A transient failure (no connection,
timeout, HTTP 5xx or 429, cut off) is retried after ``retry_backoff``,
doubling with each failure in a row, never later than the next slot.

:class:`Scheduler` keeps each watch's next run and hands due checks to the
one :class:`~monitor.dispatch.Dispatcher` (limits, politeness, deadlines,
followed documents), as ``factwatch check`` does for a single pass. With a
queue (:meth:`Scheduler.use_queue`) it hands them to the broker instead, each
with its slot, and plans the next run at once: the workers check, and the
next slot follows the one enqueued (missed slots coalesced into one). A
restarted scheduler keeps the slots it had planned, so a task still queued
is not enqueued twice.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from model.clock import Clock
from model.http import host_of
from model.outcomes import Failed
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
RESEND = 2.0
Sender = Callable[[str, datetime], None]
_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")


# -- the plan (pure) -------------------------------------------------------

TRANSIENT = frozenset({"connection", "timeout", "deadline", "shutdown"})
"""Failure reasons that may well pass by themselves (an HTTP 5xx or 429 too)."""


def crontab_weekdays(field: str) -> str:
    """Crontab weekday numbers (0 or 7 = Sunday) as names APScheduler reads right."""
    return re.sub(r"(?<![/\d])([0-7])(?!\d)", lambda m: _WEEKDAYS[int(m.group(1))], field)


def cron_trigger(expr: str, timezone: str) -> CronTrigger:
    """A :class:`CronTrigger` for a five-field crontab expression."""
    minute, hour, day, month, weekday = expr.split()
    return CronTrigger(
        minute=minute,
        hour=hour,
        day=day,
        month=month,
        day_of_week=crontab_weekdays(weekday),
        timezone=timezone,
    )


def period(watch: WatchSettings, defaults: SchedulerSettings) -> float:
    """Seconds between two runs of ``watch`` (for cron: between its next two slots)."""
    if watch.cron is None:
        return watch.every or defaults.every
    trigger = cron_trigger(watch.cron, watch.timezone)
    first = trigger.get_next_fire_time(None, utcnow())
    second = trigger.get_next_fire_time(first, first) if first else None
    return (second - first).total_seconds() if first and second else defaults.every


def jitter_for(watch: WatchSettings, defaults: SchedulerSettings) -> float:
    """The watch's own jitter, else the default capped at a tenth of its period."""
    if watch.jitter is not None:
        return watch.jitter
    return min(defaults.jitter, period(watch, defaults) / 10)


def jitter_offset(name: str, slot: datetime, jitter: float) -> float:
    """The delay in ``[0, jitter)`` added to ``slot`` for watch ``name``.

    Drawn from a hash of the two, so every reader of the plan (the service,
    ``status``) finds the same next run, and many watches of one slot spread.
    """
    if jitter <= 0:
        return 0.0
    digest = hashlib.blake2b(f"{name}@{slot.timestamp():.6f}".encode(), digest_size=8).digest()
    return jitter * int.from_bytes(digest, "big") / 2**64


def make_trigger(watch: WatchSettings, defaults: SchedulerSettings) -> BaseTrigger:
    """The APScheduler trigger of ``watch`` (``every``, ``cron`` or the default interval),
    without jitter (see :func:`jitter_offset`)."""
    if watch.cron is not None:
        return cron_trigger(watch.cron, watch.timezone)
    return IntervalTrigger(seconds=watch.every or defaults.every, timezone=watch.timezone)


def next_due(trigger: BaseTrigger, last: datetime | None, now: datetime) -> datetime:
    """The slot after a check started at ``last``; never checked: now, or for a cron
    trigger its next time (a cron watch runs at its cron times only)."""
    if last is None and not isinstance(trigger, CronTrigger):
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


def transient(reason: str | None, status: int | None) -> bool:
    """Whether a failure may pass by itself: no connection, a timeout, a check cut off,
    or a server error (HTTP 5xx, 429)."""
    if reason in TRANSIENT:
        return True
    return reason == "http-status" and status is not None and (status >= 500 or status == 429)


def retry_delay(failures: int, first: float, cap: float) -> float:
    """Seconds before retry number ``failures``: ``first``, doubling, at most ``cap``."""
    return min(cap, first * 2 ** min(max(failures, 1) - 1, 40))


def failure_words(reason: str | None, status: int | None) -> str:
    """A failure's reason for people: ``connection``, ``HTTP 503``."""
    if reason == "http-status" and status is not None:
        return f"HTTP {status}"
    return reason or "error"


@dataclass(frozen=True)
class LastCheck:
    """What the plan needs of a watch's last check; ``failures`` counts the failed
    checks in a row up to it (0 when it did not fail)."""

    started_at: datetime
    finished_at: datetime
    reason: str | None = None
    status: int | None = None
    failures: int = 0


@dataclass(frozen=True)
class NextRun:
    """A watch's next run; a retry has its number and the reason it retries."""

    at: datetime
    retry: int = 0
    reason: str | None = None


def last_check(row: Any, failures: int) -> LastCheck:
    """A stored check row (``store.models.Check``) as the plan sees it."""
    failed = row.outcome == "failed"
    return LastCheck(
        row.started_at,
        row.started_at + timedelta(seconds=row.duration or 0.0),
        row.reason if failed else None,
        row.status,
        failures if failed else 0,
    )


class Plan:
    """When one watch runs: its trigger's slots, each with its jitter, and retries.

    A transient failure (:func:`transient`) is retried after
    ``scheduler.retry_backoff``, doubling with each failure in a row, never
    later than the watch's next regular slot.
    """

    def __init__(self, watch: WatchSettings, defaults: SchedulerSettings) -> None:
        self.name = watch.name
        self.trigger = make_trigger(watch, defaults)
        self.cron = watch.cron is not None
        self.jitter = jitter_for(watch, defaults)
        self.period = period(watch, defaults)
        self.backoff = defaults.retry_backoff

    def slot(self, last: datetime | None, now: datetime) -> datetime:
        """The next regular run after a check started at ``last``, with its jitter."""
        due = next_due(self.trigger, last, now)
        if last is None and not self.cron:
            return due  # a new watch runs at once
        return due + timedelta(seconds=jitter_offset(self.name, due, self.jitter))

    def next_run(self, last: LastCheck | None, now: datetime) -> NextRun:
        """The next run after ``last``: a retry after a transient failure, else a slot."""
        regular = self.slot(last.started_at if last else None, now)
        if last is None or not self.backoff or not transient(last.reason, last.status):
            return NextRun(regular)
        delay = retry_delay(last.failures, self.backoff, self.period)
        retry = last.finished_at + timedelta(seconds=delay)
        if retry >= regular:
            return NextRun(regular)
        return NextRun(retry, max(last.failures, 1), failure_words(last.reason, last.status))

    def on_start(self, last: LastCheck | None, now: datetime, grace: float) -> tuple[NextRun, int]:
        """The first run when the service (re)starts, and how many slots were missed.

        A watch with ``every`` catches up at once; a cron watch runs at its cron
        times only, so a slot missed by more than ``grace`` waits for the next one.
        """
        planned = self.next_run(last, now)
        if not self.cron or (now - planned.at).total_seconds() <= grace:
            return planned, 0
        missed = missed_runs(self.trigger, planned.at, now, grace)
        return NextRun(self.slot(now, now)), missed


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
        self.dispatch.follows = lambda job: job.watch.name in self.plans
        self.clock = self.dispatch.clock
        self.plans: dict[str, Plan] = {}
        self.failures: dict[str, int] = {}  # failed checks in a row, by watch
        self.queue: Sender | None = None

    def use_queue(self, send: Sender) -> None:
        """Enqueue due checks through ``send(name, slot)`` instead of running them."""
        self.queue = send
        self.dispatch.launcher = self._enqueue

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
        old = {w.name: w for w in self.settings.watches} if self.plans else {}
        self.settings = self.dispatch.settings = settings
        wanted = {w.name: w for w in settings.watches}
        for name in list(self.plans):
            if name not in wanted:
                del self.plans[name]
                self.pending.pop(name, None)
                self._drop_children(name)
                log.info("watch removed from the schedule", extra={"watch": name})
        changed = [w for n, w in wanted.items() if n not in self.plans or old.get(n) != w]
        self._plan(changed)

    def _drop_children(self, parent: str) -> None:
        for name, job in list(self.pending.items()):
            if job.parent == parent:
                del self.pending[name]

    def _plan(self, watches: Iterable[WatchSettings]) -> None:
        now = self.clock.now()
        last = self._last_checks()
        planned = scheduling.schedules(self.store) if self.queue is not None else {}
        grace = self.settings.scheduler.misfire_grace
        for watch in watches:
            self.store.ensure_watch(watch.name, watch.url)
            plan = self.plans[watch.name] = Plan(watch, self.settings.scheduler)
            checked = last.get(watch.name)
            self.failures[watch.name] = checked.failures if checked else 0
            first, missed = plan.on_start(checked, now, grace)
            if self.queue is not None:
                first = self._kept(watch.name, first, planned)
            if missed:  # a cron watch skips what it missed: recorded, not run now
                safely(scheduling.record_misfire, self.store, watch.name, first.at, missed)
            self.dispatch.submit(Job(watch, first.at))
            scheduling.set_next_run(self.store, [watch.name], first.at)
        self._load_retry_after()

    @staticmethod
    def _kept(name: str, first: NextRun, planned: dict[str, Any]) -> NextRun:
        """With a queue, the slot planned before a restart when it is later: its task may
        still be queued (an earlier one was enqueued already)."""
        row = planned.get(name)
        stored = row.next_run_at if row is not None else None
        return NextRun(stored) if stored is not None and stored > first.at else first

    def _last_checks(self) -> dict[str, LastCheck]:
        rows = {w.id: w for w in self.store.watches()}
        return {
            rows[wid].name: last_check(c, rows[wid].consecutive_failures or 0)
            for wid, c in self.store.last_checks().items()
        }

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
            planned = self._reschedule(done)
            done = replace(
                done,
                next_run=planned.at if planned else None,
                retry=planned.retry if planned else 0,
                missed=self._misfire(job, done.started_at),
            )
        if self.metrics:
            self.metrics.observe(done.outcome, done.duration)
            if done.fetch_seconds is not None:
                self.metrics.latency.observe(done.fetch_seconds)
        if self.listener:
            self.listener(done)

    def _reschedule(self, done: Finished) -> NextRun | None:
        job = done.job
        plan = self.plans.get(job.watch.name)
        if plan is None:
            return None
        failed = isinstance(done.outcome, Failed)
        failures = self.failures.get(job.watch.name, 0) + 1 if failed else 0
        self.failures[job.watch.name] = failures
        if job.watch.name in self.pending:
            return NextRun(self.pending[job.watch.name].due)  # re-planned by a reload meanwhile
        now = self.clock.now()
        reason = done.outcome.reason if isinstance(done.outcome, Failed) else None
        last = LastCheck(done.started_at, now, reason, done.status, failures)
        planned = plan.next_run(last, now)
        self.dispatch.submit(Job(job.watch, planned.at))
        children = [c.name for c in follow.children(self.store, job.watch)]
        safely(scheduling.set_next_run, self.store, [job.watch.name, *children], planned.at)
        if planned.retry:
            log.info(
                "retrying after a transient failure",
                extra={"watch": job.watch.name, "retry": planned.retry, "reason": planned.reason},
            )
        return planned

    def _enqueue(self, job: Job) -> None:
        """Hand a due check to the queue and plan the watch's next slot (see the module doc)."""
        assert self.queue is not None
        slot, now = job.slot or job.due, self.clock.now()
        try:
            self.queue(job.watch.name, slot)
        except Exception as exc:  # the broker is down: try again shortly, same slot
            log.error("cannot enqueue a check: %s", exc, extra={"watch": job.watch.name})
            self.dispatch.submit(replace(job, due=now + timedelta(seconds=RESEND), slot=slot))
            return
        log.info("check enqueued", extra={"watch": job.watch.name, "slot": slot.isoformat()})
        if self.metrics:
            self.metrics.enqueued.inc()
        plan = self.plans.get(job.watch.name)
        if plan is None or job.watch.name in self.pending:
            return
        late = (now - slot).total_seconds() > self.settings.scheduler.misfire_grace
        started = now if late else slot  # on time: the rhythm follows the slots
        self._misfire(replace(job, due=slot), started)
        planned = plan.next_run(LastCheck(started, started), now)
        self.dispatch.submit(Job(job.watch, planned.at))
        safely(scheduling.set_next_run, self.store, [job.watch.name], planned.at)

    def _misfire(self, job: Job, started_at: datetime) -> int:
        plan = self.plans.get(job.watch.name)
        grace = self.settings.scheduler.misfire_grace
        missed = missed_runs(plan.trigger, job.due, started_at, grace) if plan else 0
        if missed:
            safely(scheduling.record_misfire, self.store, job.watch.name, job.due, missed)
            if self.metrics:
                self.metrics.misfires.inc()
        return missed
