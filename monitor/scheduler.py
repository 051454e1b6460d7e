"""When each watch is checked, and how many checks run at once.

The plan is pure and built on APScheduler triggers: a watch with ``every``
gets an :class:`IntervalTrigger`, one with ``cron`` a :class:`CronTrigger`
(crontab weekday numbers, 0 = Sunday), both in the watch's ``timezone`` and
with a random ``jitter``. The next run is computed from the last recorded
check, so a restart keeps the rhythm; a run that was due while nothing ran
it starts once (the missed runs coalesced) and is recorded as a misfire.

:class:`Scheduler` is the dispatcher the service loop calls: each check runs
in a thread of its own under a global limit and a per-host limit with a
politeness delay; a host that answered 429/503 with ``Retry-After`` is left
alone that long; a check still running at ``check_deadline`` is cut off,
recorded as failed, and its late result discarded (its transaction is
refused by a guard hook).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import httpx
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.orm import Session

from alerts import outbox
from monitor import follow
from monitor.errors import FactwatchError, StoreError
from monitor.fetch import make_client
from monitor.metrics import Metrics
from monitor.outcomes import Failed, Outcome
from monitor.pipeline import safe_check
from monitor.settings import SchedulerSettings, Settings, WatchSettings
from store import scheduling
from store.models import Watch
from store.repo import CheckRecord, SavedCheck, Store, utcnow

log = logging.getLogger("factwatch.scheduler")
MAX_MISSED = 100_000
_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")
CheckListener = Callable[["Finished"], None]


class CheckAbandoned(FactwatchError):
    """A check's result arrived after it was cut off; its transaction is refused."""


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


def retry_after_seconds(value: str | None, now: datetime, cap: float) -> float | None:
    """Seconds a ``Retry-After`` header asks for (delta or HTTP date), capped at ``cap``."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), cap)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, min((when - now).total_seconds(), cap))


def host_of(url: str) -> str:
    """The host a URL points at (the unit of per-host limits)."""
    return (urlsplit(url).hostname or "").lower()


# -- the dispatcher --------------------------------------------------------


@dataclass
class Job:
    """One check to run: a configured watch, or a followed document (``parent`` set)."""

    watch: WatchSettings
    due: datetime
    parent: str | None = None

    @property
    def host(self) -> str:
        return host_of(self.watch.url)


@dataclass
class Running:
    """A job in its thread; ``state`` decides who records it (guarded by ``lock``)."""

    job: Job
    started_at: datetime
    started: float
    deadline: float
    lock: threading.Lock = field(default_factory=threading.Lock)
    state: str = "running"  # running -> recording -> done, or running -> cancelled
    outcome: Outcome | None = None
    retry_after: str | None = None
    fetch_seconds: float | None = None
    done: threading.Event = field(default_factory=threading.Event)


@dataclass(frozen=True)
class Finished:
    """A finished check, for the log line and the metrics."""

    job: Job
    outcome: Outcome
    started_at: datetime
    duration: float
    next_run: datetime | None
    missed: int = 0


_current = threading.local()


def _guard(_s: Session, _watch: Watch, _record: CheckRecord, _saved: SavedCheck) -> None:
    """``on_record`` hook: refuse the write of a check that was already cut off."""
    running: Running | None = getattr(_current, "running", None)
    if running is None:
        return
    with running.lock:
        if running.state == "cancelled":
            raise CheckAbandoned(f"{running.job.watch.name}: result arrived after the cut-off")
        running.state = "recording"


class Scheduler:
    """Runs the checks of a set of watches on their schedules (see the module doc)."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        metrics: Metrics | None = None,
        listener: CheckListener | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.metrics = metrics
        self.listener = listener
        self.wake = threading.Event()
        self.triggers: dict[str, BaseTrigger] = {}
        self.pending: dict[str, Job] = {}
        self.running: dict[str, Running] = {}
        self.host_ready: dict[str, float] = {}
        self.launching = True
        if _guard not in store.on_record:
            store.on_record.insert(0, _guard)

    # -- configuration ------------------------------------------------------

    def load(self, settings: Settings) -> None:
        """Apply a (new) configuration: plan added and changed watches, drop removed ones."""
        old = {w.name: w for w in self.settings.watches} if self.triggers else {}
        self.settings = settings
        outbox.install(self.store, settings)  # alert rows commit with each check
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
        now = utcnow()
        last = self._last_checks()
        for watch in watches:
            self.store.ensure_watch(watch.name, watch.url)
            trigger = make_trigger(watch, self.settings.scheduler)
            self.triggers[watch.name] = trigger
            due = next_due(trigger, last.get(watch.name), now)
            self.pending[watch.name] = Job(watch, due)
            scheduling.set_next_run(self.store, [watch.name], due)
        self._load_retry_after()

    def _last_checks(self) -> dict[str, datetime]:
        names = {w.id: w.name for w in self.store.watches()}
        return {names[wid]: c.started_at for wid, c in self.store.last_checks().items()}

    def _load_retry_after(self) -> None:
        now, mono = utcnow(), time.monotonic()
        urls = {w.name: w.url for w in self.store.watches()}
        for name, row in scheduling.schedules(self.store).items():
            if row.retry_after_until and row.retry_after_until > now and name in urls:
                wait = (row.retry_after_until - now).total_seconds()
                host = host_of(urls[name])
                self.host_ready[host] = max(self.host_ready.get(host, 0.0), mono + wait)

    # -- one pass of the loop ------------------------------------------------

    def tick(self) -> float:
        """Reap finished and overdue checks, start due ones; seconds until the next event."""
        self._reap()
        if self.launching:
            self._launch()
        return self._idle_time()

    def _idle_time(self) -> float:
        mono, now = time.monotonic(), utcnow()
        waits = [r.deadline - mono for r in self.running.values()]
        waits += [(j.due - now).total_seconds() for j in self.pending.values()]
        return max(0.0, min(waits, default=1.0))

    def _launch(self) -> None:
        now, mono = utcnow(), time.monotonic()
        limits = self.settings.scheduler
        for job in sorted(self.pending.values(), key=lambda j: j.due):
            if len(self.running) >= limits.concurrency or job.due > now:
                return
            busy = sum(1 for r in self.running.values() if r.job.host == job.host)
            if busy >= limits.per_host or self.host_ready.get(job.host, 0.0) > mono:
                continue
            if job.watch.name in self.running:
                continue
            del self.pending[job.watch.name]
            self._start(job)

    def _start(self, job: Job) -> None:
        deadline = time.monotonic() + self.settings.scheduler.check_deadline
        running = Running(job, utcnow(), time.monotonic(), deadline)
        self.running[job.watch.name] = running
        thread = threading.Thread(
            target=self._work, args=(running,), daemon=True, name=f"check {job.watch.name}"
        )
        thread.start()

    def _work(self, running: Running) -> None:
        _current.running = running
        try:
            with self._client(running) as client:
                fetch = self.settings.fetch
                running.outcome = safe_check(
                    self.store, client, running.job.watch, fetch, running.job.parent
                )
        except Exception as exc:  # never let a check thread die silently
            running.outcome = Failed(running.job.watch.name, "internal", str(exc))
        finally:
            with running.lock:
                if running.state != "cancelled":
                    running.state = "done"
            running.done.set()
            self.wake.set()

    def _client(self, running: Running) -> httpx.Client:
        client = make_client(self.settings.fetch)
        sent: list[float] = []

        def on_request(_request: httpx.Request) -> None:
            sent.append(time.monotonic())

        def on_response(response: httpx.Response) -> None:
            if sent:
                running.fetch_seconds = time.monotonic() - sent[-1]
            if response.status_code in (429, 503):
                running.retry_after = response.headers.get("Retry-After")

        client.event_hooks = {"request": [on_request], "response": [on_response]}
        return client

    def _reap(self) -> None:
        mono = time.monotonic()
        for name, running in list(self.running.items()):
            if running.done.is_set() and running.state == "done":
                del self.running[name]
                assert running.outcome is not None
                self._finish(running, running.outcome)
            elif mono > running.deadline:
                self.cut(running, "deadline")

    def cut(self, running: Running, reason: str) -> None:
        """Cut a running check off: record it as failed and free its slot."""
        with running.lock:
            mine = running.state == "running"
            if mine:
                running.state = "cancelled"
        overdue = time.monotonic() > running.deadline + self.settings.scheduler.check_deadline
        if not mine and not overdue:
            return  # it is committing its own result right now
        self.running.pop(running.job.watch.name, None)
        limit = self.settings.scheduler.check_deadline
        message = f"check cut off after {time.monotonic() - running.started:.1f}s"
        message += f" (limit {limit:g}s)" if reason == "deadline" else " (shutting down)"
        outcome = self._record_cut(running, reason, message) if mine else None
        self._finish(running, outcome or Failed(running.job.watch.name, reason, message))

    def _record_cut(self, running: Running, reason: str, message: str) -> Outcome:
        job = running.job
        record = CheckRecord(
            job.watch.name,
            running.started_at,
            time.monotonic() - running.started,
            "failed",
            reason=reason,
            error=message,
        )
        try:
            self.store.ensure_watch(job.watch.name, job.watch.url, parent=job.parent)
            saved = self.store.record_check(record)
        except FactwatchError as exc:
            log.error("cannot record a cut-off check: %s", exc, extra={"watch": job.watch.name})
            return Failed(job.watch.name, reason, message)
        return Failed(job.watch.name, reason, message, saved.check_id)

    # -- after a check -------------------------------------------------------

    def _finish(self, running: Running, outcome: Outcome) -> None:
        job = running.job
        self._host_after(running)
        next_run = self._reschedule(job, running.started_at) if job.parent is None else None
        missed = self._misfire(job, running.started_at) if job.parent is None else 0
        finished = Finished(
            job, outcome, running.started_at, time.monotonic() - running.started, next_run, missed
        )
        if self.metrics:
            self.metrics.observe(outcome, finished.duration)
            if running.fetch_seconds is not None:
                self.metrics.latency.observe(running.fetch_seconds)
        if self.listener:
            self.listener(finished)
        if job.parent is None and job.watch.name in self.triggers and self.launching:
            self._queue_children(job.watch)

    def _host_after(self, running: Running) -> None:
        limits = self.settings.scheduler
        ready = time.monotonic() + limits.politeness_delay
        wait = retry_after_seconds(running.retry_after, utcnow(), limits.max_retry_after)
        if wait is not None:
            ready = max(ready, time.monotonic() + wait)
            until = utcnow() + timedelta(seconds=wait)
            self._safely(scheduling.set_retry_after, self.store, running.job.watch.name, until)
            log.info(
                "server asked to retry later",
                extra={"watch": running.job.watch.name, "retry_after": wait},
            )
        host = running.job.host
        self.host_ready[host] = max(self.host_ready.get(host, 0.0), ready)

    def _reschedule(self, job: Job, started_at: datetime) -> datetime | None:
        trigger = self.triggers.get(job.watch.name)
        if trigger is None:
            return None
        if job.watch.name in self.pending:
            return self.pending[job.watch.name].due  # re-planned by a reload meanwhile
        due = next_due(trigger, started_at, utcnow())
        self.pending[job.watch.name] = Job(job.watch, due)
        children = [c.name for c in follow.children(self.store, job.watch)]
        self._safely(scheduling.set_next_run, self.store, [job.watch.name, *children], due)
        return due

    def _misfire(self, job: Job, started_at: datetime) -> int:
        trigger = self.triggers.get(job.watch.name)
        grace = self.settings.scheduler.misfire_grace
        missed = missed_runs(trigger, job.due, started_at, grace) if trigger else 0
        if missed:
            self._safely(scheduling.record_misfire, self.store, job.watch.name, job.due, missed)
            if self.metrics:
                self.metrics.misfires.inc()
        return missed

    def _queue_children(self, watch: WatchSettings) -> None:
        now = utcnow()
        try:
            children = follow.children(self.store, watch)
        except StoreError as exc:
            log.error("cannot read followed links: %s", exc, extra={"watch": watch.name})
            return
        for child in children:
            if child.name not in self.pending and child.name not in self.running:
                self.pending[child.name] = Job(child, now, parent=watch.name)

    @staticmethod
    def _safely(write: Callable[..., None], *args: object) -> None:
        try:
            write(*args)
        except FactwatchError as exc:
            log.error("cannot record scheduling state: %s", exc)

    # -- stopping --------------------------------------------------------------

    def pause(self) -> None:
        """Start nothing new and forget the plan (the lease was lost or we stop)."""
        self.launching = False
        self.pending.clear()

    def drain(self, grace: float) -> None:
        """Wait up to ``grace`` seconds for running checks, then cut the rest off."""
        self.pause()
        end = time.monotonic() + grace
        while self.running and time.monotonic() < end:
            self.wake.wait(min(0.1, max(0.0, end - time.monotonic())))
            self.wake.clear()
            self._reap()
        for running in list(self.running.values()):
            self.cut(running, "shutdown")
