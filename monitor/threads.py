"""The threads checks run in: an idle one is reused, else a new one starts.

Starting a thread waits until the new thread runs; with every core busy that
handshake cost the dispatcher more than an unchanged check itself. Threads
that finished a check therefore wait for the next one for a while, and a
check is handed to one of them through a queue. A check never waits for a
thread: when none is idle, a new one starts, so a check stuck past its
deadline never holds up another.

A thread is named ``check <watch>`` while it runs that watch's check and
``check-thread (idle)`` between checks.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

IDLE_NAME = "check-thread (idle)"
IDLE_SECONDS = 30.0

Work = tuple[str, Callable[[], None]]


class CheckThreads:
    """Run each piece of work in a thread of its own, reusing idle threads."""

    def __init__(self, idle_seconds: float = IDLE_SECONDS) -> None:
        self.idle_seconds = idle_seconds
        self.lock = threading.Lock()
        self.idle = 0  # threads waiting on the queue, less the work already handed to them
        self.work: queue.SimpleQueue[Work | None] = queue.SimpleQueue()

    def run(self, name: str, work: Callable[[], None]) -> None:
        """Run ``work`` now, in a thread named ``name`` while it runs."""
        with self.lock:
            if self.idle:
                self.idle -= 1
                self.work.put((name, work))
                return
        threading.Thread(target=self._serve, args=((name, work),), daemon=True, name=name).start()

    def close(self) -> None:
        """Let the idle threads end (threads still at work end when their work does)."""
        with self.lock:  # a thread timing out meanwhile takes its None from the queue
            for _ in range(self.idle):
                self.work.put(None)
            self.idle = 0

    def _serve(self, first: Work) -> None:
        me = threading.current_thread()
        item: Work | None = first
        while item is not None:
            me.name, work = item
            try:
                work()
            finally:
                me.name = IDLE_NAME
            item = self._next()

    def _next(self) -> Work | None:
        with self.lock:
            self.idle += 1
        try:
            return self.work.get(timeout=self.idle_seconds)
        except queue.Empty:
            with self.lock:
                if not self.work.empty():  # handed to us as we timed out
                    return self.work.get_nowait()
                self.idle -= 1
                return None
