"""The threads checks run in: reused when idle, never waited for, named by their work."""

from __future__ import annotations

import threading

from monitor.threads import IDLE_NAME, CheckThreads
from tests.service_support import wait_for


def test_an_idle_thread_is_reused_and_a_busy_one_never_waited_for() -> None:
    threads = CheckThreads()
    seen: list[tuple[str, int]] = []
    mine: dict[int, threading.Thread] = {}
    done = threading.Event()

    def note() -> None:
        me = threading.current_thread()
        seen.append((me.name, me.ident or 0))
        mine[me.ident or 0] = me
        done.set()

    threads.run("check a", note)
    assert done.wait(10)
    wait_for("the thread to be idle", lambda: threads.idle == 1, 10)
    done.clear()
    threads.run("check b", note)
    assert done.wait(10)
    assert [name for name, _ in seen] == ["check a", "check b"]
    assert seen[0][1] == seen[1][1]  # the same thread, renamed for its work

    release = threading.Event()
    wait_for("the thread to be idle again", lambda: threads.idle == 1, 10)
    threads.run("check stuck", lambda: release.wait(10))
    done.clear()
    threads.run("check c", note)  # no idle thread: a new one, at once
    assert done.wait(10) and seen[-1][0] == "check c" and seen[-1][1] != seen[0][1]
    release.set()
    wait_for("both threads idle", lambda: threads.idle == 2, 10)
    assert all(t.name == IDLE_NAME for t in mine.values())
    threads.close()
    wait_for("the idle threads to end", lambda: not any(t.is_alive() for t in mine.values()), 10)


def test_an_idle_thread_ends_after_its_idle_time() -> None:
    threads = CheckThreads(idle_seconds=0.05)
    ran = threading.Event()
    mine: list[threading.Thread] = []

    def note() -> None:
        mine.append(threading.current_thread())
        ran.set()

    threads.run("check quick", note)
    assert ran.wait(10)
    wait_for("the idle thread to end", lambda: not mine[0].is_alive(), 10)
    assert threads.idle == 0
    ran.clear()
    threads.run("check again", ran.set)  # a new thread starts
    assert ran.wait(10)
    threads.close()
