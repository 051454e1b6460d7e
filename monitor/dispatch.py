"""The one dispatcher: runs checks under limits, for ``check`` (one pass) and ``run`` (forever).

Jobs wait in :attr:`Dispatcher.pending` until due. Each runs in a thread of
its own, at most ``scheduler.concurrency`` at once and ``scheduler.per_host``
per host; after a check, its host rests ``politeness_delay`` seconds, or as
long as a 429/503 answer's ``Retry-After`` asked. A check still running at
``check_deadline`` is cut off: recorded as failed, its slot freed, and its
late result refused (the record's guard); its :class:`~model.budget.Budget`
is cancelled, which shuts its socket and kills its parse worker, so the
thread ends at once instead of working on for nothing. When a page has been
checked, the documents it cites (its ``follow`` rules) are queued right after
it. After a check is recorded, the sources it is paired with are compared and
findings recorded (:mod:`monitor.consistency`). The rows of quiet unchanged
checks are written in batches (:mod:`monitor.batch`).

Time comes from an injectable :class:`~model.clock.Clock`, so the service
can be driven in simulated time. :func:`check_once` is the one-pass use;
:class:`monitor.scheduler.Scheduler` feeds the dispatcher for ``run``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import httpx

from model.budget import Budget, within
from model.clock import Clock, SystemClock
from model.errors import CheckAbandoned, FactwatchError, SlotTaken, StoreError
from model.http import host_of, retry_after_seconds
from model.outcomes import Failed, Outcome, Unchanged
from monitor import consistency, follow
from monitor.batch import UnchangedBatch
from monitor.check import Analyser, check_watch, failed_result, parse_analyser, record
from monitor.fetch import make_client
from monitor.policy import alert_policy
from monitor.settings import Settings, WatchSettings
from monitor.threads import CheckThreads
from parsers.job import run_job
from store import scheduling
from store.records import CheckResult, WatchState
from store.repo import Store

log = logging.getLogger("factwatch.check")
MAX_WAIT = 0.25


@dataclass
class Job:
    """One check to run: a configured watch, or a followed document (``parent`` set).

    ``slot`` is set when a queue worker runs the job: the planned run it
    records, once (see :mod:`store.cluster`).
    """

    watch: WatchSettings
    due: datetime
    parent: str | None = None
    state: WatchState | None = None
    slot: datetime | None = None

    @property
    def host(self) -> str:
        """The host the watch's URL points at."""
        return host_of(self.watch.url)


@dataclass
class Running:
    """A job in its thread; ``state`` decides who records it (guarded by ``lock``)."""

    job: Job
    started_at: datetime
    started: float
    deadline: float
    lock: threading.Lock = field(default_factory=threading.Lock)
    budget: Budget = field(default_factory=Budget)  # cancelled when the check is cut off
    state: str = "running"  # running -> recording -> done, or running -> cancelled
    outcome: Outcome | None = None
    result: CheckResult | None = None
    done: threading.Event = field(default_factory=threading.Event)

    def begin_recording(self) -> None:
        """The record's guard: claim the right to write, unless the check was cut off."""
        with self.lock:
            if self.state == "cancelled":
                raise CheckAbandoned(f"{self.job.watch.name}: result arrived after the cut-off")
            self.state = "recording"


@dataclass(frozen=True)
class Finished:
    """A finished check, for progress lines, the log line and the metrics."""

    job: Job
    outcome: Outcome
    started_at: datetime
    duration: float
    fetch_seconds: float | None = None
    status: int | None = None
    next_run: datetime | None = None
    retry: int = 0
    missed: int = 0


FinishListener = Callable[[Finished], None]
Progress = Callable[[Finished, int, int], None]
"""Hears each finished check with its position and the number of checks known so far."""


class Dispatcher:
    """Runs due jobs in threads under the global and per-host limits (see the module doc)."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        *,
        clock: Clock | None = None,
        analyse: Analyser = run_job,
        on_finish: FinishListener | None = None,
        client: httpx.Client | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock or SystemClock()
        self.analyse = analyse
        self.on_finish = on_finish
        self.own_client = client is None
        self.client = client or make_client(settings.fetch)
        self.worker: str | None = None  # host:pid of a queue worker, written with each check
        self.launcher: Callable[[Job], None] | None = None  # hands due jobs to a queue instead
        self.batch = UnchangedBatch(store, clock=self.clock.monotonic)
        self.threads = CheckThreads()
        self.wake = threading.Event()
        self.pending: dict[str, Job] = {}
        self.running: dict[str, Running] = {}
        self.host_ready: dict[str, float] = {}
        self.launching = True
        self.follows: Callable[[Job], bool] = lambda _job: True
        self.busy = threading.Lock()  # held while a tick updates the queues
        self.ticks = 0

    def close(self) -> None:
        """Write the unchanged checks still waiting, let idle check threads end, release
        the HTTP connections (unless the client was handed in)."""
        try:
            self.batch.flush()
        finally:
            self.threads.close()
            if self.own_client:
                self.client.close()

    def submit(self, job: Job) -> None:
        """Queue ``job`` (replacing a pending job of the same watch)."""
        self.pending[job.watch.name] = job
        self.wake.set()

    @property
    def idle(self) -> bool:
        """Nothing pending and nothing running."""
        return not self.pending and not self.running

    # -- one pass of the loop ------------------------------------------------

    def tick(self) -> float:
        """Reap finished and overdue checks, start due ones; seconds until the next event."""
        with self.busy:
            self._reap()
            if self.batch.due() or self._settled():
                self.batch.flush()
            if self.launching:
                self._launch()
            self.ticks += 1
            return self._idle_time()

    def quiet(self, stalled: Collection[str] = ()) -> bool:
        """Nothing running (but the ``stalled`` watches) and nothing that could start now:
        what happens next waits on time only."""
        with self.busy:
            running = [name for name in self.running if name not in stalled]
            return not running and not (self.launching and any(self._startable()))

    def wait(self, timeout: float) -> None:
        """Sleep until something happens or ``timeout`` seconds pass (on the clock)."""
        self.clock.wait(self.wake, min(timeout, MAX_WAIT))
        self.wake.clear()

    def _settled(self) -> bool:
        """No check in flight and none due: a burst of checks is over."""
        now = self.clock.now()
        return not self.running and all(j.due > now for j in self.pending.values())

    def _idle_time(self) -> float:
        """Seconds until a deadline, a job's due time or a host's rest ends. A due job
        that the limits hold back waits for a check to finish (which wakes the loop), so
        it is not counted: the loop must not spin, taking the GIL from the checks."""
        mono, now = self.clock.monotonic(), self.clock.now()
        waits = [r.deadline - mono for r in self.running.values()]
        waits += [(j.due - now).total_seconds() for j in self.pending.values() if j.due > now]
        waits += [ready - mono for ready in self.host_ready.values() if ready > mono]
        return max(0.0, min(waits, default=1.0))

    def _startable(self) -> Iterator[Job]:
        """Due jobs that the limits let start now, earliest first."""
        now, mono = self.clock.now(), self.clock.monotonic()
        limits = self.settings.scheduler
        if len(self.running) >= limits.concurrency:
            return
        for job in sorted(self.pending.values(), key=lambda j: j.due):
            if len(self.running) >= limits.concurrency or job.due > now:
                return
            busy = sum(1 for r in self.running.values() if r.job.host == job.host)
            if busy >= limits.per_host or self.host_ready.get(job.host, 0.0) > mono:
                continue
            if job.watch.name not in self.running:
                yield job

    def _launch(self) -> None:
        """Start the due jobs the limits allow, earliest first (one sort per tick), or hand
        them to the queue."""
        if self.launcher is not None:
            self._hand_over(self.launcher)
            return
        for job in self._startable():  # sees the running set grow as jobs start
            del self.pending[job.watch.name]
            self._start(job)

    def _hand_over(self, launcher: Callable[[Job], None]) -> None:
        """Give every due job to ``launcher`` (the queue's workers apply the limits)."""
        now = self.clock.now()
        for job in sorted(self.pending.values(), key=lambda j: j.due):
            if job.due > now:
                return
            del self.pending[job.watch.name]
            launcher(job)

    def _start(self, job: Job) -> None:
        mono = self.clock.monotonic()
        deadline = mono + self.settings.scheduler.check_deadline
        running = Running(job, self.clock.now(), mono, deadline)
        self.running[job.watch.name] = running
        self.threads.run(f"check {job.watch.name}", lambda: self._work(running))

    def _work(self, running: Running) -> None:
        try:
            with within(budget=running.budget):
                running.outcome = self._check(running)
        except CheckAbandoned:
            pass  # cut off meanwhile; the cut recorded it
        except SlotTaken as exc:
            log.info("%s", exc, extra={"watch": running.job.watch.name})
            running.outcome = Failed(running.job.watch.name, "duplicate", str(exc))
        except StoreError as exc:
            log.error("store error: %s", exc, extra={"watch": running.job.watch.name})
            running.outcome = Failed(running.job.watch.name, "store", str(exc))
        except Exception as exc:  # a bug must not stop the other watches
            log.exception("unexpected error checking %s", running.job.watch.name)
            running.outcome = Failed(
                running.job.watch.name, "internal", f"{type(exc).__name__}: {exc}"
            )
        finally:
            with running.lock:
                if running.state != "cancelled":
                    running.state = "done"
            running.done.set()
            self.wake.set()

    def _check(self, running: Running) -> Outcome:
        job, settings = running.job, self.settings
        state = (
            job.state
            or self.store.open_watches([(job.watch.name, job.watch.url, job.parent)])[
                job.watch.name
            ]
        )
        result = check_watch(
            self.store,
            self.client,
            job.watch,
            settings.fetch,
            state,
            running.started_at,
            self.analyse,
        )
        result = running.result = self._stamped(job, result)
        policy = alert_policy(settings, job.watch, job.parent)
        if self.batch.takes(settings, job.watch, job.parent, state, result):
            running.begin_recording()
            self.batch.add(result, policy)
            return Unchanged(result.watch, None, result.via or "hash")
        if self.batch.holds(job.watch.name):
            self.batch.flush()  # the watch's rows stay in the order of its checks
        outcome = record(self.store, result, policy, running.begin_recording)
        consistency.after_check(
            self.store, settings, job.watch, job.parent, outcome, result.started_at
        )
        return outcome

    def _stamped(self, job: Job, result: CheckResult) -> CheckResult:
        """``result`` with the slot it records and the worker that ran it."""
        if job.slot is None and self.worker is None:
            return result
        return replace(result, slot=job.slot, worker=self.worker)

    def _reap(self) -> None:
        mono = self.clock.monotonic()
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
        if mine:
            running.budget.cancel()  # its socket shut, its parse worker killed
        limit = self.settings.scheduler.check_deadline
        overdue = self.clock.monotonic() > running.deadline + limit
        if not mine and not overdue:
            return  # it is committing its own result right now
        self.running.pop(running.job.watch.name, None)
        elapsed = self.clock.monotonic() - running.started
        message = f"check cut off after {elapsed:.1f}s"
        message += f" (limit {limit:g}s)" if reason == "deadline" else " (shutting down)"
        outcome = self._record_cut(running, reason, message, elapsed) if mine else None
        self._finish(running, outcome or Failed(running.job.watch.name, reason, message))

    def _record_cut(self, running: Running, reason: str, message: str, elapsed: float) -> Outcome:
        job = running.job
        result = self._stamped(
            job, failed_result(job.watch, running.started_at, elapsed, reason, message)
        )
        try:
            self.store.ensure_watch(job.watch.name, job.watch.url, parent=job.parent)
            return record(self.store, result, alert_policy(self.settings, job.watch, job.parent))
        except SlotTaken:
            return Failed(job.watch.name, "duplicate", "the slot was recorded meanwhile")
        except FactwatchError as exc:
            log.error("cannot record a cut-off check: %s", exc, extra={"watch": job.watch.name})
            return Failed(job.watch.name, reason, message)

    # -- after a check -------------------------------------------------------

    def _finish(self, running: Running, outcome: Outcome) -> None:
        job, result = running.job, running.result
        self._host_after(job, result)
        elapsed = self.clock.monotonic() - running.started
        fetch_seconds = result.fetch_seconds if result else None
        status = result.status if result else None
        done = Finished(job, outcome, running.started_at, elapsed, fetch_seconds, status)
        if job.parent is None and self.launching and self.follows(job):
            self._queue_children(job.watch, job.slot)  # before on_finish: progress counts them
        if self.on_finish:
            self.on_finish(done)

    def _host_after(self, job: Job, result: CheckResult | None) -> None:
        limits = self.settings.scheduler
        mono = self.clock.monotonic()
        ready = mono + limits.politeness_delay
        header = result.retry_after if result else None
        wait = retry_after_seconds(header, self.clock.now(), limits.max_retry_after)
        if wait is not None:
            ready = max(ready, mono + wait)
            until = self.clock.now() + timedelta(seconds=wait)
            safely(scheduling.set_retry_after, self.store, job.watch.name, until)
            log.info(
                "server asked to retry later", extra={"watch": job.watch.name, "retry_after": wait}
            )
        self.host_ready[job.host] = max(self.host_ready.get(job.host, 0.0), ready)

    def _queue_children(self, watch: WatchSettings, slot: datetime | None = None) -> None:
        try:
            children = follow.children(self.store, watch)
        except StoreError as exc:
            log.error("cannot read followed links: %s", exc, extra={"watch": watch.name})
            return
        now = self.clock.now()
        for child in children:
            if child.name not in self.pending and child.name not in self.running:
                self.submit(Job(child, now, parent=watch.name, slot=slot))

    # -- stopping --------------------------------------------------------------

    def pause(self) -> None:
        """Start nothing new and forget what is pending."""
        self.launching = False
        self.pending.clear()

    def drain(self, grace: float) -> None:
        """Wait up to ``grace`` seconds for running checks, then cut the rest off."""
        self.pause()
        end = self.clock.monotonic() + grace
        while self.running and self.clock.monotonic() < end:
            self.wait(end - self.clock.monotonic())
            self._reap()
        for running in list(self.running.values()):
            self.cut(running, "shutdown")


def safely(write: Callable[..., None], *args: object) -> None:
    """Run a scheduling-state write; log instead of failing when the store refuses it."""
    try:
        write(*args)
    except FactwatchError as exc:
        log.error("cannot record scheduling state: %s", exc)


@contextmanager
def dispatcher(
    store: Store,
    settings: Settings,
    *,
    clock: Clock | None = None,
    on_finish: FinishListener | None = None,
) -> Iterator[Dispatcher]:
    """A :class:`Dispatcher` with its parse workers (``scheduler.parse_processes``,
    see :attr:`~monitor.settings.SchedulerSettings.parse_workers`)."""
    with parse_analyser(settings.scheduler) as analyse:
        found = Dispatcher(store, settings, clock=clock, analyse=analyse, on_finish=on_finish)
        try:
            yield found
        finally:
            found.close()


def check_once(
    store: Store,
    settings: Settings,
    watches: Iterable[WatchSettings],
    progress: Progress | None = None,
    clock: Clock | None = None,
) -> list[Outcome]:
    """Check ``watches`` once now, each followed by the documents it cites.

    One failing never stops the rest. ``progress`` hears of each check as it
    finishes, with its position and the number of checks known by then (the
    documents a page cites count from when the page is done); the outcomes
    come back in the order of ``watches``, a page's followed documents right
    after it.
    """
    todo = list(watches)
    states = store.open_watches([(w.name, w.url, None) for w in todo])
    finished: list[Finished] = []

    def heard(done: Finished) -> None:
        finished.append(done)
        if progress:
            progress(done, len(finished), len(finished) + len(run.pending) + len(run.running))

    with dispatcher(store, settings, clock=clock, on_finish=heard) as run:
        now = run.clock.now()
        for watch in todo:
            run.submit(Job(watch, now, state=states[watch.name]))
        while not run.idle:
            run.wait(run.tick())
    return [_written(outcome, run.batch.ids) for outcome in _in_order(todo, finished)]


def _written(outcome: Outcome, ids: dict[str, int]) -> Outcome:
    """``outcome`` with the id of its check row, once its batch was written."""
    if isinstance(outcome, Unchanged) and outcome.check_id is None:
        return replace(outcome, check_id=ids.get(outcome.watch))
    return outcome


def _in_order(watches: list[WatchSettings], finished: list[Finished]) -> list[Outcome]:
    children: dict[str, list[Outcome]] = {}
    own: dict[str, Outcome] = {}
    for done in finished:
        if done.job.parent is None:
            own[done.job.watch.name] = done.outcome
        else:
            children.setdefault(done.job.parent, []).append(done.outcome)
    return [o for w in watches for o in (own[w.name], *children.get(w.name, []))]
