"""After a check: compare the watch with the sources it is paired with, and record findings.

A watch is paired with

* each statement its page follows (``follow:``; relation ``statement``,
  on unless the page sets ``compare_statements: false``); a followed
  document is paired with its page;
* its other language (``translation_of: OTHER``; relation ``translation``,
  with the declaring watch's ``parity_window``).

For each pair whose two watches have a version, the current facts are linked
and judged (:mod:`alerts.findings`); findings are opened, changed and
resolved in one transaction with their change events and the alerts they
cause (:mod:`store.findings`). Findings of pairs no longer compared are
resolved. A pair's findings belong to its page, or to the watch declaring
``translation_of``: its ``alert_on`` and channels apply.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from alerts.findings import (
    STATEMENT,
    TRANSLATION,
    Dated,
    Pair,
    Plan,
    Recorded,
    Seen,
    Source,
    dates_of,
    disagreements,
    evaluate,
    events,
    finding_alerts,
    label,
    link_key,
    link_pair,
    reconcile,
    retire,
    same_values,
    value_since,
)
from alerts.linking import Link
from model.outcomes import Failed, Outcome
from monitor import follow
from monitor.policy import alert_policy
from monitor.settings import Settings, WatchSettings
from parsers.text import detect_lang
from store import findings as stored
from store.findings import FindingsTransaction, StoredFinding
from store.models import Version
from store.repo import Store

log = logging.getLogger("factwatch.findings")
MAX_HISTORY = 500
"""How many versions back a value is followed to date it."""


@dataclass(frozen=True)
class PairSpec:
    """Two watches to compare, the relation, the owner of their findings, the parity window."""

    left: str
    right: str
    relation: str
    owner: str
    window: float = 0.0


def pairs_for(
    store: Store, settings: Settings, watch: WatchSettings, parent: str | None
) -> list[PairSpec]:
    """The pairs a check of ``watch`` (a followed document when ``parent`` is set) touches."""
    if parent is not None:
        page = settings.watch(parent)
        on = page is not None and page.compare_statements
        return [PairSpec(parent, watch.name, STATEMENT, parent)] if on else []
    found: list[PairSpec] = []
    if watch.follow and watch.compare_statements:
        children = follow.children(store, watch)
        found += [PairSpec(watch.name, c.name, STATEMENT, watch.name) for c in children]
    if watch.translation_of:
        found.append(
            PairSpec(watch.translation_of, watch.name, TRANSLATION, watch.name, watch.parity_window)
        )
    for other in settings.translations(watch.name):
        found.append(PairSpec(watch.name, other.name, TRANSLATION, other.name, other.parity_window))
    unique: dict[frozenset[str], PairSpec] = {}
    for spec in found:
        unique.setdefault(frozenset((spec.left, spec.right)), spec)
    return list(unique.values())


def after_check(
    store: Store,
    settings: Settings,
    watch: WatchSettings,
    parent: str | None,
    outcome: Outcome,
    now: datetime,
) -> None:
    """Evaluate the pairs of a recorded check; errors are logged, never raised.

    A failed check changes nothing the pairs could be judged on.
    """
    if isinstance(outcome, Failed) or outcome.check_id is None:
        return
    try:
        specs = pairs_for(store, settings, watch, parent)
        for spec in specs:
            evaluate_pair(store, settings, spec, outcome.check_id, now)
        retire_stale(store, settings, watch.name, specs, outcome.check_id, now)
    except Exception:  # findings must never undo or fail a recorded check
        log.exception("cannot record findings", extra={"watch": watch.name})


# -- one pair ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Loaded:
    source: Source
    version: Version


def _load(store: Store, name: str, role: str, fallback: str) -> _Loaded | None:
    version = store.version(name)
    if version is None:
        return None
    facts = tuple(store.facts(version.id))
    lang = detect_lang(" ".join(f.evidence for f in facts))
    source = Source(name, label(version.title, fallback), role, facts, lang)
    return _Loaded(source, version)


def _sources(store: Store, spec: PairSpec) -> tuple[_Loaded, _Loaded] | None:
    if spec.relation == STATEMENT:
        left = _load(store, spec.left, "page", "page")
        right = _load(store, spec.right, STATEMENT, spec.right)
        if left is not None:
            left = _Loaded(
                Source(left.source.watch, "page", "page", left.source.facts, left.source.lang),
                left.version,
            )
    else:
        left = _load(store, spec.left, TRANSLATION, spec.left)
        right = _load(store, spec.right, TRANSLATION, spec.right)
    if left is None or right is None:
        return None
    return _language_labels(left, right) if spec.relation == TRANSLATION else (left, right)


def _language_labels(left: _Loaded, right: _Loaded) -> tuple[_Loaded, _Loaded]:
    """A language pair's sides are named by their language ("EN", "FR") when they differ."""
    a, b = left.source, right.source
    if a.lang == b.lang:
        return (
            _Loaded(_relabel(a, a.watch), left.version),
            _Loaded(_relabel(b, b.watch), right.version),
        )
    return (
        _Loaded(_relabel(a, a.lang.upper()), left.version),
        _Loaded(_relabel(b, b.lang.upper()), right.version),
    )


def _relabel(source: Source, name: str) -> Source:
    return Source(source.watch, name, source.role, source.facts, source.lang)


def history(store: Store, name: str) -> Iterator[Seen]:
    """The versions of watch ``name``, newest first, each read only when reached."""
    for version in itertools.islice(reversed(store.versions(name)), MAX_HISTORY):
        yield Seen(version.created_at, store.facts(version.id))


def _dates(
    store: Store, pair: Pair, links: list[Link], open_now: list[StoredFinding]
) -> dict[str, tuple[Dated | None, Dated | None]]:
    """The dates of the disagreeing links' facts (those of unchanged open findings reused)."""
    known = {f.key: f.detail for f in open_now}
    found: dict[str, tuple[Dated | None, Dated | None]] = {}
    for link in disagreements(links):
        key = link_key(link)
        if key in known and same_values(known[key], link) and None not in dates_of(known[key]):
            found[key] = dates_of(known[key])
            continue
        found[key] = (
            value_since(link.left, history(store, pair.left.watch), pair.left.role),
            value_since(link.right, history(store, pair.right.watch), pair.right.role),
        )
    return found


def evaluate_pair(
    store: Store, settings: Settings, spec: PairSpec, check_id: int, now: datetime
) -> Plan:
    """Compare one pair now and record what changed; the plan that was written."""
    with stored.transaction(store, [spec.left, spec.right]) as tx:
        loaded = _sources(store, spec) if tx.has(spec.left, spec.right) else None
        if loaded is None:
            return Plan()
        left, right = loaded
        pair = Pair(left.source, right.source, spec.relation, spec.owner, spec.window)
        links = link_pair(pair)
        open_now = tx.open_findings(spec.left, spec.right)
        evaluation = evaluate(pair, links, _dates(store, pair, links, open_now), now)
        plan = reconcile(open_now, evaluation)
        _apply(tx, settings, spec.owner, (spec.left, spec.right), plan, check_id, now)
        return plan


def retire_stale(
    store: Store,
    settings: Settings,
    name: str,
    specs: list[PairSpec],
    check_id: int,
    now: datetime,
) -> None:
    """Resolve the open findings of ``name``'s pairs that are no longer compared.

    Most checks find none: they are looked for with a plain read first, and only
    found ones are locked and read again.
    """
    current = {frozenset((s.left, s.right)) for s in specs}
    if all(frozenset(p) in current for p in stored.open_pairs(store, name)):
        return
    with stored.transaction(store, [name]) as tx:
        stale = [p for p in tx.open_pairs(name) if frozenset(p) not in current]
    for left, right in stale:
        with stored.transaction(store, [left, right]) as tx:
            open_now = sorted(tx.open_findings(left, right), key=lambda f: (f.owner, f.id))
            for owner, group in itertools.groupby(open_now, key=lambda f: f.owner):
                plan = retire(list(group))
                _apply(tx, settings, owner, (left, right), plan, check_id, now)


def _apply(
    tx: FindingsTransaction,
    settings: Settings,
    owner: str,
    pair: tuple[str, str],
    plan: Plan,
    check_id: int,
    now: datetime,
) -> None:
    """Write a plan: the findings, their change events, and the alerts they cause."""
    if plan.empty:
        return
    for finding in plan.opened:
        tx.add(
            finding.kind,
            finding.key,
            owner,
            pair,
            now,
            subject=finding.subject,
            section=finding.section,
            detail=finding.detail,
        )
    for old, new in (*plan.changed, *plan.refreshed):
        tx.update(old.id, new.detail, now)
    for resolution in plan.resolved:
        tx.resolve(resolution.stored.id, resolution.why, now)
    changes = events(plan)
    version = tx.current_version(owner)
    if version is None:
        return
    ids = tx.add_events(version, changes, check_id, now)
    configured = settings.watch(owner)
    if configured is None:
        return
    policy = alert_policy(settings, configured)
    recorded = Recorded(
        owner, version.url, version.title, now, version.seq, tuple(zip(ids, changes, strict=True))
    )
    alerts = finding_alerts(recorded, policy.channels, policy.kinds)
    if alerts:
        tx.add_alerts(owner, check_id, alerts)
