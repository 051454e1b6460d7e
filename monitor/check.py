"""One check of one watch: fetch, compare, parse, extract, diff; a result, then its record.

:func:`check_watch` returns a :class:`~store.records.CheckResult` and writes
nothing; :func:`record` writes it, with the alert rows it causes, in one
transaction and gives the check's :data:`~model.outcomes.Outcome`.

An unchanged page stays cheap: a 304, or a body whose SHA-256 equals the
last one seen, ends the check before any parsing. A body that differs only
in markup or boilerplate is parsed, found to say the same text, and recorded
as unchanged without a new version.

Everything after the fetch is :func:`check_response`: a response already in
hand (a capture from a web archive, :mod:`monitor.warc`) goes through the
same steps, compared with a :class:`Past` given as data.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial

import httpx

from alerts.diff import Extract, diff_versions, mark_flaps, stored_extract, with_ids
from alerts.enqueue import HEALTH_KINDS, AlertPolicy, alerts_for
from model.changes import Change
from model.errors import FetchError, ParseError
from model.facts import Fact
from model.outcomes import Changed, Failed, Outcome, Unchanged
from monitor import follow
from monitor.fetch import FetchResult, Validators, fetch
from monitor.settings import FetchSettings, SchedulerSettings, WatchSettings
from monitor.workers import Limits, WorkerPool
from parsers.job import ParseJob, run_job
from parsers.model import Document
from parsers.rules import PatternRule
from store import snapshots
from store.facts_codec import StoredFacts
from store.records import CheckResult, CitedLink, NewVersion, Origin, SavedCheck, WatchState
from store.repo import Store
from store.writes import Transaction

Analysis = tuple[Document, list[Fact]]
Analyser = Callable[[ParseJob], Analysis]
Guard = Callable[[], None]


@contextmanager
def analyser(processes: int, limits: Limits | None = None) -> Iterator[Analyser]:
    """:func:`~parsers.job.run_job` in worker processes under ``limits`` (see
    :mod:`monitor.workers`), or in the checking thread itself (``processes`` 0)."""
    if processes <= 0:
        yield run_job
        return
    pool = WorkerPool(processes, limits or Limits(60, 1024))
    try:
        yield pool
    finally:
        pool.close()


def parse_analyser(scheduler: SchedulerSettings) -> AbstractContextManager[Analyser]:
    """The :func:`analyser` that ``scheduler.parse_*`` ask for."""
    limits = Limits(round(scheduler.parse_cpu_seconds), scheduler.parse_memory)
    return analyser(scheduler.parse_workers, limits)


@dataclass(frozen=True)
class Past:
    """What a check compares a response with: the watch's current version and recent events.

    ``body_sha`` and ``text_sha`` are the current body's and text's SHA-256;
    ``facts`` reads the current version's facts and blocks (``None``: no
    version yet) and ``recent`` the change events since a time. Both are read
    only for a new body, so an unchanged page costs no read.
    """

    body_sha: str | None
    text_sha: str | None
    facts: Callable[[], StoredFacts] | None
    recent: Callable[[datetime], list[Change]]


def stored_past(store: Store, name: str, state: WatchState) -> Past:
    """The past of watch ``name`` as the store holds it (``state`` read before the check)."""
    version_id = state.version_id
    return Past(
        state.last_body_sha,
        state.text_sha,
        None if version_id is None else partial(store.stored_facts, version_id),
        partial(store.recent_changes, name),
    )


@dataclass(frozen=True)
class _Attempt:
    store: Store
    watch: WatchSettings
    past: Past
    started_at: datetime
    started: float
    cited: follow.Cited | None
    allow_private: bool
    analyse: Analyser
    origin: Origin = "check"

    def result(self, outcome: str, **fields: object) -> CheckResult:
        duration = time.monotonic() - self.started
        return CheckResult(
            self.watch.name,
            self.watch.url,
            self.started_at,
            duration,
            outcome,
            origin=self.origin,
            **fields,  # type: ignore[arg-type]
        )


def _validators(state: WatchState) -> Validators | None:
    if state.version_id is None:
        return None
    return Validators(state.etag, state.last_modified)


def _rules(watch: WatchSettings) -> tuple[PatternRule, ...]:
    return tuple(PatternRule(p.name, p.kind, p.regex, p.subject) for p in watch.patterns)


def _failed(attempt: _Attempt, error: FetchError | ParseError, status: int | None) -> CheckResult:
    retry_after = error.retry_after if isinstance(error, FetchError) else None
    return attempt.result(
        "failed", status=status, reason=error.reason, error=str(error), retry_after=retry_after
    )


def _pick_links(
    attempt: _Attempt, doc: Document, body: bytes, content_type: str, url: str
) -> tuple[CitedLink, ...] | None:
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


def _links_fields(attempt: _Attempt, picked: tuple[CitedLink, ...] | None) -> dict[str, object]:
    if picked is None or attempt.cited is None:
        return {}
    return {"links": picked, "follow_sig": attempt.cited.rules}


def _links_moved(cited: follow.Cited | None, picked: tuple[CitedLink, ...] | None) -> bool:
    """Whether the page now cites other documents than stored (under the same rules)."""
    if picked is None or cited is None or cited.stale:
        return False
    return not cited.same_links(picked)


def _relink(attempt: _Attempt) -> dict[str, object]:
    """The links of an unchanged page: parsed again only when the follow rules changed."""
    if attempt.cited is None or not attempt.cited.stale:
        return {}
    version = attempt.store.version(attempt.watch.name)
    if version is None:
        return {}
    body = attempt.store.blob(version.body_sha)
    job = ParseJob(body, version.content_type, version.url, None, attempt.watch.select, (), False)
    try:
        doc, _ = attempt.analyse(job)
    except ParseError:
        return {}
    return _links_fields(
        attempt, _pick_links(attempt, doc, body, version.content_type, version.url)
    )


def _unchanged(
    attempt: _Attempt, result: FetchResult, via: str, links: dict[str, object] | None = None
) -> CheckResult:
    body_sha = snapshots.digest(result.body) if result.body is not None else None
    return attempt.result(
        "unchanged",
        status=result.status,
        via=via,
        body_sha=body_sha,
        etag=result.validators.etag,
        last_modified=result.validators.last_modified,
        fetch_seconds=result.elapsed,
        **(_relink(attempt) if links is None else links),
    )


def _with_flaps(attempt: _Attempt, changes: list[Change]) -> tuple[Change, ...]:
    """Mark changes that undo a change seen within the watch's ``flap_window``."""
    if not changes or not attempt.watch.flap_window:
        return tuple(changes)
    since = attempt.started_at - timedelta(seconds=attempt.watch.flap_window)
    return tuple(mark_flaps(changes, attempt.past.recent(since)))


def _compare(
    attempt: _Attempt, doc: Document, facts: list[Fact]
) -> tuple[list[Fact], tuple[Change, ...]]:
    """The new facts with their identities, and the changes from the current version."""
    if attempt.past.facts is None:
        return with_ids(facts), ()
    before = stored_extract(attempt.past.facts())
    diff = diff_versions(before, Extract(facts, doc.blocks))
    return diff.facts, _with_flaps(attempt, diff.changes)


def _new_content(attempt: _Attempt, result: FetchResult) -> CheckResult:
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
        return _failed(attempt, exc, result.status)
    picked = _pick_links(attempt, doc, result.body, result.content_type, result.url)
    links = _links_fields(attempt, picked)
    moved = _links_moved(attempt.cited, picked)
    text = doc.text
    if attempt.past.text_sha == snapshots.digest(text.encode("utf-8")) and not moved:
        return _unchanged(attempt, result, "text", links)
    facts, changes = _compare(attempt, doc, facts)
    first = attempt.past.facts is None
    if moved and not first and attempt.cited is not None and picked is not None:
        changes = (*changes, *follow.link_changes(attempt.cited.links, picked))
    return attempt.result(
        "changed",
        status=result.status,
        body_sha=snapshots.digest(result.body),
        version=NewVersion(
            result.body,
            text,
            result.url,
            result.content_type,
            doc.title,
            facts,
            [b.to_json() for b in doc.blocks],
            result.status,
            result.headers,
            doc.region,
        ),
        changes=changes,
        baseline=first,
        etag=result.validators.etag,
        last_modified=result.validators.last_modified,
        fetch_seconds=result.elapsed,
        **links,
    )


def check_watch(
    store: Store,
    client: httpx.Client,
    watch: WatchSettings,
    fetch_settings: FetchSettings,
    state: WatchState,
    started_at: datetime,
    analyse: Analyser = run_job,
) -> CheckResult:
    """Check ``watch`` now; what happened, written nowhere (see :func:`record`).

    ``state`` is the watch's state before the check (:meth:`Store.open_watches`);
    ``analyse`` parses a new body (see :func:`analyser`). The store is only read
    (the previous facts, recent changes, the links the page cited).
    """
    attempt = _Attempt(
        store,
        watch,
        stored_past(store, watch.name, state),
        started_at,
        time.monotonic(),
        follow.cited(store, watch),
        fetch_settings.allow_private_networks,
        analyse,
    )
    try:
        result = fetch(client, watch.url, fetch_settings, _validators(state))
    except FetchError as exc:
        return _failed(attempt, exc, exc.status)
    return _after_fetch(attempt, result)


def _after_fetch(attempt: _Attempt, result: FetchResult) -> CheckResult:
    if result.not_modified:
        return _unchanged(attempt, result, "304")
    assert result.body is not None
    if attempt.past.facts is not None and snapshots.digest(result.body) == attempt.past.body_sha:
        return _unchanged(attempt, result, "hash")
    return _new_content(attempt, result)


def check_response(
    store: Store,
    watch: WatchSettings,
    past: Past,
    response: FetchResult,
    started_at: datetime,
    analyse: Analyser = run_job,
    origin: Origin = "check",
) -> CheckResult:
    """The check of a response already in hand, as if fetched at ``started_at``.

    The steps after a fetch (same body, same text, parse, extract, align and
    diff with ``past``), for a capture from a web archive; written nowhere.
    Cited documents are not followed (their links are left as they are).
    """
    attempt = _Attempt(
        store, watch, past, started_at, time.monotonic(), None, False, analyse, origin
    )
    return _after_fetch(attempt, response)


def record_in(
    tx: Transaction, result: CheckResult, policy: AlertPolicy, guard: Guard | None = None
) -> SavedCheck:
    """Write ``result`` and the alert rows it causes in the transaction ``tx``.

    ``guard`` runs first; it raises (``CheckAbandoned``) when the check was
    cut off meanwhile, and then nothing is written.
    """
    if guard is not None:
        guard()
    saved = tx.write_check(result)
    if policy.channels:
        last = tx.last_alert(saved.watch_id, HEALTH_KINDS)
        tx.add_alerts(saved, alerts_for(result, saved, policy, last))
    return saved


def record(
    store: Store, result: CheckResult, policy: AlertPolicy, guard: Guard | None = None
) -> Outcome:
    """Write ``result`` and the alert rows it causes in one transaction; its outcome.

    ``guard`` runs first inside the transaction; it raises (``CheckAbandoned``)
    when the check was cut off meanwhile, and then nothing is written.
    """
    with store.transaction() as tx:
        saved = record_in(tx, result, policy, guard)
    return outcome_of(result, saved)


def outcome_of(result: CheckResult, saved: SavedCheck) -> Outcome:
    """The outcome of a written check."""
    if result.outcome == "failed":
        return Failed(result.watch, result.reason or "error", result.error or "", saved.check_id)
    if result.outcome == "unchanged":
        return Unchanged(result.watch, saved.check_id, result.via or "hash")
    assert saved.version_seq is not None
    return Changed(result.watch, saved.check_id, saved.version_seq, result.changes, result.baseline)


def failed_result(
    watch: WatchSettings, started_at: datetime, duration: float, reason: str, message: str
) -> CheckResult:
    """A failed check that never produced a result of its own (cut off, crashed)."""
    return CheckResult(
        watch.name, watch.url, started_at, duration, "failed", reason=reason, error=message
    )


def with_duration(result: CheckResult, duration: float) -> CheckResult:
    """``result`` with its duration measured by the caller."""
    return replace(result, duration=duration)
