"""The check pipeline: fetch, compare, parse, extract, diff, store.

An unchanged page stays cheap: a 304, or a body whose SHA-256 equals the
last one seen, ends the check before any parsing. A body that differs only
in markup or boilerplate is parsed, found to say the same text, and recorded
as unchanged without a new version.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import httpx

from alerts import outbox
from alerts.diff import Change, diff_facts, mark_flaps
from monitor import follow
from monitor.errors import FactwatchError, FetchError, StoreError
from monitor.fetch import FetchResult, Validators, fetch, make_client
from monitor.outcomes import Changed, Failed, Outcome, Unchanged
from monitor.settings import FetchSettings, Settings, WatchSettings
from parsers import parse_document
from parsers.errors import ParseError
from parsers.job import ParseJob, run_job
from parsers.model import Document, Fact
from parsers.rules import PatternRule
from store import snapshots
from store.repo import CheckRecord, NewVersion, Store, WatchState, utcnow

log = logging.getLogger("factwatch.check")
Progress = Callable[[WatchSettings, Outcome], None]
Analysis = tuple[Document, list[Fact]]


Analyser = Callable[[ParseJob], Analysis]


class ProcessAnalyser:
    """Runs :func:`~parsers.job.run_job` in worker processes, so parsing uses every core.

    The checking threads block on the result with the GIL released: fetching,
    hashing and database writes go on while the workers parse.
    """

    def __init__(self, processes: int) -> None:
        context = multiprocessing.get_context("spawn")
        self._pool = ProcessPoolExecutor(processes, mp_context=context)

    def __call__(self, job: ParseJob) -> Analysis:
        return self._pool.submit(run_job, job).result()

    def close(self) -> None:
        """Stop the workers."""
        self._pool.shutdown(cancel_futures=True)


@contextmanager
def analyser(processes: int) -> Iterator[Analyser]:
    """:func:`~parsers.job.run_job` in this process (``processes`` 0) or in worker processes."""
    if processes <= 0:
        yield run_job
        return
    pool = ProcessAnalyser(processes)
    try:
        yield pool
    finally:
        pool.close()


@dataclass(frozen=True)
class _Attempt:
    watch: WatchSettings
    state: WatchState
    started_at: datetime
    started: float
    cited: follow.Cited | None = None
    allow_private: bool = False
    analyse: Analyser = run_job

    def record(self, outcome: str, **fields: object) -> CheckRecord:
        duration = time.monotonic() - self.started
        return CheckRecord(self.watch.name, self.started_at, duration, outcome, **fields)  # type: ignore[arg-type]


def _validators(state: WatchState) -> Validators | None:
    if state.version_id is None:
        return None
    return Validators(state.etag, state.last_modified)


def _rules(watch: WatchSettings) -> tuple[PatternRule, ...]:
    return tuple(PatternRule(p.name, p.kind, p.regex, p.subject) for p in watch.patterns)


def _failed(
    store: Store, attempt: _Attempt, reason: str, message: str, status: int | None = None
) -> Failed:
    record = attempt.record("failed", status=status, reason=reason, error=message)
    saved = store.record_check(record)
    log.warning("check failed", extra={"watch": attempt.watch.name, "reason": reason})
    return Failed(attempt.watch.name, reason, message, saved.check_id)


def _pick_links(
    attempt: _Attempt, doc: Document, body: bytes, content_type: str, url: str
) -> tuple[follow.Picked, ...] | None:
    if attempt.cited is None:
        return None
    return follow.pick(
        attempt.watch,
        doc,
        body,
        content_type=content_type,
        base_url=url,
        allow_private=attempt.allow_private,
        known=attempt.cited.known(),
    )


def _links_fields(attempt: _Attempt, picked: tuple[follow.Picked, ...] | None) -> dict[str, object]:
    if picked is None or attempt.cited is None:
        return {}
    return {"links": [p.as_row() for p in picked], "follow_sig": attempt.cited.rules}


def _links_moved(cited: follow.Cited | None, picked: tuple[follow.Picked, ...] | None) -> bool:
    """Whether the page now cites other documents than stored (under the same rules)."""
    if picked is None or cited is None or cited.stale:
        return False
    return not cited.same_links(picked)


def _relink(store: Store, attempt: _Attempt) -> dict[str, object]:
    """The links of an unchanged page: parsed again only when the follow rules changed."""
    if attempt.cited is None or not attempt.cited.stale:
        return {}
    version = store.version(attempt.watch.name)
    if version is None:
        return {}
    body = store.blob(version.body_sha)
    try:
        doc = parse_document(
            body, content_type=version.content_type, url=version.url, select=attempt.watch.select
        )
    except ParseError:
        return {}
    return _links_fields(
        attempt, _pick_links(attempt, doc, body, version.content_type, version.url)
    )


def _unchanged(
    store: Store,
    attempt: _Attempt,
    result: FetchResult,
    via: str,
    links: dict[str, object] | None = None,
) -> Unchanged:
    body_sha = snapshots.digest(result.body) if result.body is not None else None
    record = attempt.record(
        "unchanged",
        status=result.status,
        body_sha=body_sha,
        etag=result.validators.etag,
        last_modified=result.validators.last_modified,
        **(_relink(store, attempt) if links is None else links),
    )
    return Unchanged(attempt.watch.name, store.record_check(record).check_id, via)


def _with_flaps(store: Store, attempt: _Attempt, changes: list[Change]) -> tuple[Change, ...]:
    """Mark changes that undo a change seen within the watch's ``flap_window``."""
    if not changes or not attempt.watch.flap_window:
        return tuple(changes)
    since = attempt.started_at - timedelta(seconds=attempt.watch.flap_window)
    return tuple(mark_flaps(changes, store.recent_changes(attempt.watch.name, since)))


def _new_content(store: Store, attempt: _Attempt, result: FetchResult) -> Outcome:
    assert result.body is not None
    job = ParseJob(
        result.body,
        result.content_type,
        result.url,
        result.charset,
        attempt.watch.select,
        _rules(attempt.watch),
    )
    try:
        doc, facts = attempt.analyse(job)
    except ParseError as exc:
        return _failed(store, attempt, "parse", str(exc), result.status)
    text = doc.text
    body_sha = snapshots.digest(result.body)
    picked = _pick_links(attempt, doc, result.body, result.content_type, result.url)
    links = _links_fields(attempt, picked)
    moved = _links_moved(attempt.cited, picked)
    if attempt.state.text_sha == snapshots.digest(text.encode("utf-8")) and not moved:
        return _unchanged(store, attempt, result, "text", links)
    previous = store.facts(attempt.state.version_id) if attempt.state.version_id else None
    changes = (
        _with_flaps(store, attempt, diff_facts(previous, facts)) if previous is not None else ()
    )
    if moved and previous is not None and attempt.cited is not None and picked is not None:
        changes = (*changes, *follow.link_changes(attempt.cited.links, picked))
    version = NewVersion(result.body, text, result.url, result.content_type, doc.title, facts)
    record = attempt.record(
        "changed",
        status=result.status,
        body_sha=body_sha,
        version=version,
        changes=changes,
        etag=result.validators.etag,
        last_modified=result.validators.last_modified,
        **links,
    )
    saved = store.record_check(record)
    assert saved.version_seq is not None
    return Changed(
        attempt.watch.name, saved.check_id, saved.version_seq, changes, baseline=previous is None
    )


def check_watch(
    store: Store,
    client: httpx.Client,
    watch: WatchSettings,
    fetch_settings: FetchSettings,
    parent: str | None = None,
    state: WatchState | None = None,
    analyser: Analyser = run_job,
) -> Outcome:
    """Check one watch now (``parent`` names the page a followed one is cited by).

    ``state`` is the watch's state read ahead (see :meth:`Store.open_watches`);
    without it the watch is created or updated and read first. ``analyser``
    parses a new body (see :func:`analyser`). Every attempt is recorded,
    failures included.
    """
    if state is None:
        state = store.open_watches([(watch.name, watch.url, parent)])[watch.name]
    attempt = _Attempt(
        watch,
        state,
        utcnow(),
        time.monotonic(),
        follow.cited(store, watch),
        fetch_settings.allow_private_networks,
        analyser,
    )
    try:
        result = fetch(client, watch.url, fetch_settings, _validators(attempt.state))
    except FetchError as exc:
        return _failed(store, attempt, exc.reason, str(exc), exc.status)
    if result.not_modified:
        return _unchanged(store, attempt, result, "304")
    assert result.body is not None
    if attempt.state.version_id and snapshots.digest(result.body) == attempt.state.last_body_sha:
        return _unchanged(store, attempt, result, "hash")
    return _new_content(store, attempt, result)


def safe_check(
    store: Store,
    client: httpx.Client,
    watch: WatchSettings,
    fetch_settings: FetchSettings,
    parent: str | None = None,
    state: WatchState | None = None,
    analyser: Analyser = run_job,
) -> Outcome:
    """:func:`check_watch`, with any unexpected error turned into ``Failed``."""
    try:
        return check_watch(store, client, watch, fetch_settings, parent, state, analyser)
    except StoreError as exc:
        log.error("store error", extra={"watch": watch.name, "error": str(exc)})
        return Failed(watch.name, "store", str(exc))
    except FactwatchError as exc:
        return Failed(watch.name, "error", str(exc))
    except Exception as exc:  # a bug must not stop the other watches
        log.exception("unexpected error checking %s", watch.name)
        return Failed(watch.name, "internal", f"{type(exc).__name__}: {exc}")


class HostLimits:
    """At most ``per_host`` checks of one host at a time."""

    def __init__(self, per_host: int) -> None:
        self.per_host = per_host
        self._lock = threading.Lock()
        self._hosts: dict[str, threading.BoundedSemaphore] = {}

    def slot(self, url: str) -> threading.BoundedSemaphore:
        """The semaphore of ``url``'s host (use it as a context manager)."""
        host = (urlsplit(url).hostname or "").lower()
        with self._lock:
            return self._hosts.setdefault(host, threading.BoundedSemaphore(self.per_host))


def _check_with_children(
    store: Store,
    client: httpx.Client,
    watch: WatchSettings,
    settings: Settings,
    limits: HostLimits,
    state: WatchState | None,
    analyser: Analyser,
) -> list[tuple[WatchSettings, Outcome]]:
    fetch_settings = settings.fetch
    with limits.slot(watch.url):
        done = [(watch, safe_check(store, client, watch, fetch_settings, None, state, analyser))]
    for child in follow.children(store, watch):
        with limits.slot(child.url):
            outcome = safe_check(store, client, child, fetch_settings, watch.name, None, analyser)
            done.append((child, outcome))
    return done


def check_all(
    store: Store,
    settings: Settings,
    watches: Iterable[WatchSettings],
    progress: Progress | None = None,
) -> list[Outcome]:
    """Check ``watches``, each followed by the documents it cites; one failing never stops the rest.

    Checks run in threads, at most ``scheduler.concurrency`` at once and
    ``scheduler.per_host`` per host; outcomes (and ``progress`` calls) come
    in the order of ``watches``, a page's followed documents right after it.
    """
    outbox.install(store, settings)  # alert rows commit with each check
    todo = list(watches)
    states = store.open_watches([(w.name, w.url, None) for w in todo])
    limits = HostLimits(settings.scheduler.per_host)
    workers = max(1, min(settings.scheduler.concurrency, len(todo)))
    outcomes: list[Outcome] = []
    with (
        make_client(settings.fetch) as client,
        analyser(settings.scheduler.parse_processes) as parse,
        ThreadPoolExecutor(workers, thread_name_prefix="factwatch-check") as pool,
    ):
        futures = [
            pool.submit(
                _check_with_children, store, client, w, settings, limits, states[w.name], parse
            )
            for w in todo
        ]
        for future in futures:
            for watch, outcome in future.result():
                outcomes.append(outcome)
                if progress:
                    progress(watch, outcome)
    return outcomes
