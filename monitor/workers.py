"""Parse workers: untrusted bodies are parsed and their facts extracted where they can be stopped.

Each worker is a process of its own (started from a fork server that has
imported the parsers once), serving one job at a time over a pipe, under
limits it sets on itself with ``setrlimit``:

* ``RLIMIT_AS``: its address space (``scheduler.parse_memory``); an
  allocation past it fails, the job fails with reason ``resource-limit`` and
  the worker is replaced;
* ``RLIMIT_CPU``: before each job, the CPU time used so far plus
  ``scheduler.parse_cpu_seconds``; past it the kernel stops the worker
  (``SIGXCPU``), the job fails with reason ``resource-limit``.

The checking thread waits for the answer under the current
:class:`~model.budget.Budget`: when the dispatcher cuts the check off at
``check_deadline`` (or on shutdown) the worker is killed at once, the thread
is released, and a fresh worker takes the next job. A worker's death never
touches the other workers nor the jobs they run.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from model import budget
from model.errors import ParseError, ResourceLimitError
from model.facts import Fact
from parsers.job import ParseJob, run_job
from parsers.model import Document

Analysis = tuple[Document, list[Fact]]
MB = 1024 * 1024
log = logging.getLogger("factwatch.workers")


@dataclass(frozen=True)
class Limits:
    """What one parse job may use: CPU seconds and address space (MB)."""

    cpu_seconds: int
    memory_mb: int


def _limit_self(limits: Limits) -> None:
    import resource

    memory = limits.memory_mb * MB
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when a worker ends


def _cpu_budget(limits: Limits) -> None:
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = int(usage.ru_utime + usage.ru_stime) + limits.cpu_seconds + 1
    resource.setrlimit(resource.RLIMIT_CPU, (soft, resource.RLIM_INFINITY))


Work = Callable[[ParseJob], Analysis]


def _answer(work: Work, job: ParseJob) -> tuple[str, Any]:
    try:
        return "ok", work(job)
    except ParseError as exc:
        return "error", exc
    except MemoryError:
        return "memory", None
    except RecursionError:
        return "error", ParseError("the document is nested too deeply to parse")
    except Exception as exc:  # a parser bug on a hostile body: a failed check, not a dead worker
        return "error", ParseError(f"the parser failed: {type(exc).__name__}: {exc}")


def serve(conn: Connection, limits: Limits, work: Work = run_job) -> None:
    """The worker's loop: one job in, one answer out, until told to stop (the process target)."""
    _limit_self(limits)
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        _cpu_budget(limits)
        kind, value = _answer(work, job)
        try:
            conn.send((kind, value))
        except MemoryError:
            conn.send(("memory", None))
        if kind == "memory":
            return  # a worker that ran out of memory is not trusted with another job


class _Worker:
    def __init__(self, context: Any, limits: Limits, work: Work) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=serve, args=(child, limits, work), daemon=True, name="factwatch-parse"
        )
        self.process.start()
        child.close()

    def kill(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.process.kill()

    def stop(self) -> None:
        with contextlib.suppress(OSError, ValueError, BrokenPipeError):
            self.conn.send(None)
        self.process.join(2)
        if self.process.is_alive():
            self.kill()
            self.process.join(2)
        self.conn.close()


class WorkerPool:
    """Up to ``processes`` parse workers under ``limits`` (see the module doc).

    ``work`` is what a worker does with a job (a module-level function):
    :func:`~parsers.job.run_job`.
    """

    def __init__(self, processes: int, limits: Limits, work: Work = run_job) -> None:
        self.limits = limits
        self.work = work
        self._context: Any = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(["parsers.job", "monitor.workers"])
        self._slots = threading.BoundedSemaphore(processes)
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()
        self._closed = False
        self.busy = 0  # jobs being parsed now

    def _take(self) -> tuple[_Worker, bool]:
        """A worker, and whether it served a job before."""
        with self._lock:
            if self._idle:
                return self._idle.pop(), True
        try:
            return _Worker(self._context, self.limits, self.work), False
        except OSError as exc:  # no fork server here (its socket path is too long, say)
            if self._context.get_start_method() != "forkserver":
                raise
            log.warning("parse workers: no fork server (%s); starting them with spawn", exc)
            self._context = multiprocessing.get_context("spawn")
            return _Worker(self._context, self.limits, self.work), False

    def _give_back(self, worker: _Worker) -> None:
        with self._lock:
            if not self._closed:
                self._idle.append(worker)
                return
        worker.stop()

    def __call__(self, job: ParseJob) -> Analysis:
        with self._slots:
            scope = budget.current()
            self.busy += 1
            try:
                kind, value = self._run(job, scope)
            finally:
                self.busy -= 1
        if kind == "error":
            raise value
        result: Analysis = value
        return result

    def _run(self, job: ParseJob, scope: budget.Budget | None) -> tuple[str, Any]:
        """One job on one worker; once more on a fresh worker if the first was found killed
        before it could take the job (by a cut that came as it finished its last one)."""
        for attempt in (1, 2):
            worker, reused = self._take()
            try:
                kind, value = self._exchange(worker, job, scope)
            except (EOFError, OSError):
                worker.process.join(5)
                worker.conn.close()
                stale = reused and worker.process.exitcode == -signal.SIGKILL
                if stale and attempt == 1 and not (scope and scope.cancelled):
                    continue
                raise self._death(worker, scope) from None
            if kind == "memory":
                worker.stop()
                raise ResourceLimitError(
                    f"parsing needed more than {self.limits.memory_mb} MB of memory: stopped"
                )
            self._give_back(worker)
            return kind, value
        raise AssertionError("unreachable")

    @staticmethod
    def _exchange(worker: _Worker, job: ParseJob, scope: budget.Budget | None) -> tuple[str, Any]:
        with scope.on_cancel(worker.kill) if scope else contextlib.nullcontext():
            if scope is not None and scope.cancelled:
                raise EOFError
            worker.conn.send(job)
            answer: tuple[str, Any] = worker.conn.recv()
            return answer

    def _death(self, worker: _Worker, scope: budget.Budget | None) -> ParseError:
        code = worker.process.exitcode
        if scope is not None and scope.cancelled:
            return ParseError("parsing cut off (the check was cut off)")
        if code == -signal.SIGXCPU:
            return ResourceLimitError(
                f"parsing used more than {self.limits.cpu_seconds}s of CPU time: stopped"
            )
        return ResourceLimitError(f"the parse worker died (exit status {code})")

    def close(self) -> None:
        """Stop the idle workers (busy ones stop when their job ends)."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.stop()
