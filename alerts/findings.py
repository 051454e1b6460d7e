"""When sources disagree: findings from the linked facts of two sources.

Two sources are compared as a :class:`Pair`: a page and a statement it
cites (relation ``statement``), or a page and its translation (relation
``translation``). Their facts are linked (:mod:`alerts.linking`); a linked
pair whose values do not agree (:meth:`model.kinds.Kind.agrees`) is

* a ``discrepancy`` between a page and a statement: both values, both
  evidence sentences, both sources, the date each says it since, and whether
  time explains the difference ("the page is newer");
* a ``parity`` finding between two languages, once one language has said the
  new value for longer than the pair's ``parity_window`` and the other still
  says the old one ("EN: 21 companies since 2024-02-15; FR still 19").

A finding stays open while the values differ and is resolved when they agree
again (or when the facts or the pairing are gone): :func:`reconcile` turns
the open findings and the current ones into what to open, change and resolve,
and :func:`events` into change events of kinds ``discrepancy`` and
``parity``. Everything here is data in, data out; the store and the service
call it (see :mod:`store.findings`, :mod:`monitor.consistency`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from alerts.linking import Link, is_dateline, is_modified_stamp, link_facts
from alerts.render import CHANGES
from model.changes import Change
from model.events import EventMeta, event_json
from model.facts import Fact
from model.kinds import alert_kind, kind_of
from model.timefmt import iso
from store.findings import StoredFinding
from store.records import NewAlert

DISCREPANCY, PARITY = "discrepancy", "parity"
STATEMENT, TRANSLATION = "statement", "translation"
MAX_LABEL = 70


# -- what is compared ------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """One side of a pair: a watch's current facts and how to name it.

    ``role`` is ``page``, ``statement`` (a document the page cites) or
    ``translation`` (one language of a page); ``label`` names the source in
    findings ("page", the statement's title, "EN").
    """

    watch: str
    label: str
    role: str
    facts: tuple[Fact, ...]
    lang: str = ""


@dataclass(frozen=True)
class Pair:
    """Two sources compared, the watch that owns their findings, and the parity window."""

    left: Source
    right: Source
    relation: str
    owner: str
    window: float = 7 * 86400.0

    @property
    def twins(self) -> bool:
        """True for a language pair (one page in two languages)."""
        return self.relation == TRANSLATION


@dataclass(frozen=True)
class Seen:
    """One stored version of a source: when factwatch stored it, and its facts."""

    at: datetime
    facts: Sequence[Fact]


@dataclass(frozen=True)
class Dated:
    """Since when a source says a value.

    ``since`` is a day: the source's own stamp (``basis`` ``modified`` for its
    "Date modified", ``published`` for its publication date) when the stamp
    fits the versions factwatch saw, else the day factwatch first saw the
    value (``observed``). ``seen`` is that first sighting, to the second.
    """

    since: date
    basis: str
    seen: datetime

    @property
    def moment(self) -> datetime:
        """The start of ``since`` (UTC), or ``seen`` when only that is known."""
        if self.basis == "observed":
            return self.seen
        return datetime(self.since.year, self.since.month, self.since.day, tzinfo=UTC)


def fact_in(fact: Fact, facts: Iterable[Fact]) -> Fact | None:
    """The same fact (by identity, else by kind and subject) in another version's facts."""
    for other in facts:
        if fact.id and other.id == fact.id:
            return other
    if fact.id:
        return None
    return next((o for o in facts if (o.kind, o.subject) == (fact.kind, fact.subject)), None)


def _stamps(facts: Iterable[Fact], prefer: str) -> list[tuple[date, str]]:
    """A version's own dates (``modified``, ``published``), the preferred one first."""
    found: dict[str, date] = {}
    for fact in facts:
        basis = "modified" if is_modified_stamp(fact) else None
        basis = basis or ("published" if is_dateline(fact) else None)
        day = _day(fact.value.get("date"))
        if basis and day and basis not in found:
            found[basis] = day
    order = (prefer, "published" if prefer == "modified" else "modified")
    return [(found[b], b) for b in order if b in found]


def _day(text: object) -> date | None:
    try:
        return date.fromisoformat(str(text))
    except ValueError:
        return None


def value_since(fact: Fact, history: Iterable[Seen], role: str) -> Dated:
    """Since when a source says ``fact``'s value; ``history`` runs newest first.

    The run of versions stating the same value ends at the first older one
    that does not; the oldest version of the run is when the value appeared.
    Its own stamps (publication date first for a statement, "Date modified"
    first for a page) date it when one falls between the version before and
    it; else the day factwatch stored that version dates it.
    """
    same = kind_of(fact.kind).same
    start: Seen | None = None
    before: Seen | None = None
    for seen in history:
        found = fact_in(fact, seen.facts)
        if found is None or not same(found.value, fact.value):
            before = seen
            break
        start = seen
    if start is None:
        raise ValueError("history must start with the version stating the fact")
    for day, basis in _stamps(start.facts, "published" if role == STATEMENT else "modified"):
        if day <= start.at.date() and (before is None or day >= before.at.date()):
            return Dated(day, basis, start.at)
    return Dated(start.at.date(), "observed", start.at)


def dates_of(detail: Mapping[str, Any]) -> tuple[Dated | None, Dated | None]:
    """The dates a stored finding gave its two sides (``None`` for a side without)."""
    found: list[Dated | None] = []
    for side in list(detail.get("sides", ()))[:2]:
        try:
            seen = datetime.fromisoformat(str(side["seen"]).replace("Z", "+00:00"))
            found.append(Dated(date.fromisoformat(str(side["since"])), str(side["basis"]), seen))
        except (KeyError, ValueError):
            found.append(None)
    found += [None] * (2 - len(found))
    return found[0], found[1]


def same_values(detail: Mapping[str, Any], link: Link) -> bool:
    """Whether a stored finding was about the values the link's facts state now."""
    return _values(detail) == [dict(link.left.value), dict(link.right.value)]


# -- findings ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """Two linked facts that disagree, as a finding of ``kind`` owned by ``owner``.

    ``key`` identifies it across evaluations (the two facts' identities);
    ``detail`` is its public JSON shape (``factwatch findings --json``).
    """

    kind: str
    key: str
    owner: str
    left: str
    right: str
    subject: str
    section: str
    detail: dict[str, Any]


@dataclass(frozen=True)
class Evaluation:
    """A pair compared now: its links, its findings, and the linked facts that agree."""

    links: tuple[Link, ...]
    findings: tuple[Finding, ...]
    agreed: dict[str, dict[str, Any]] = field(default_factory=dict)
    pending: tuple[str, ...] = ()


def link_key(link: Link) -> str:
    """A linked pair's identity: the two facts' ids (kind and subject when they have none)."""
    left = link.left.id or f"{link.left.kind}:{link.left.subject}"
    right = link.right.id or f"{link.right.kind}:{link.right.subject}"
    return f"{left}|{right}"


def agrees(link: Link) -> bool:
    """Whether the two linked facts say the same (see :meth:`model.kinds.Kind.agrees`)."""
    return kind_of(link.left.kind).agrees(link.left.value, link.right.value)


def disagreements(links: Iterable[Link]) -> list[Link]:
    """The links whose facts do not agree."""
    return [link for link in links if not agrees(link)]


def _side(source: Source, fact: Fact, dated: Dated | None) -> dict[str, Any]:
    side: dict[str, Any] = {
        "watch": source.watch,
        "label": source.label,
        "role": source.role,
        "lang": source.lang,
        "subject": fact.subject,
        "value": dict(fact.value),
        "period": fact.period,
        "evidence": fact.evidence,
        "section": fact.section,
    }
    if dated is not None:
        side |= {"since": dated.since.isoformat(), "basis": dated.basis, "seen": iso(dated.seen)}
    return side


def _detail(pair: Pair, link: Link, dates: tuple[Dated | None, Dated | None]) -> dict[str, Any]:
    return {
        "relation": pair.relation,
        "fact_kind": link.left.kind,
        "subject": link.left.subject,
        "sides": [
            _side(pair.left, link.left, dates[0]),
            _side(pair.right, link.right, dates[1]),
        ],
        "link": link.to_json(),
    }


def _newer(dates: tuple[Dated | None, Dated | None]) -> int | None:
    left, right = dates
    if left is None or right is None or left.moment == right.moment:
        return None
    return 0 if left.moment > right.moment else 1


def _explanation(pair: Pair, newer: int | None, dates: tuple[Dated | None, ...]) -> str:
    """Whether time explains the difference, in words."""
    if newer is None:
        when = dates[0].since.isoformat() if dates[0] is not None else None
        return f"both dated {when}: not explained by time" if when else "not explained by time"
    source = (pair.left, pair.right)[newer]
    return f"the {source.role} is newer"


def _discrepancy(pair: Pair, link: Link, dates: tuple[Dated | None, Dated | None]) -> Finding:
    detail = _detail(pair, link, dates)
    newer = _newer(dates)
    detail |= {
        "newer": newer,
        "explained_by_time": newer is not None,
        "explanation": _explanation(pair, newer, dates),
    }
    return _finding(DISCREPANCY, pair, link, detail)


def _parity(
    pair: Pair, link: Link, dates: tuple[Dated | None, Dated | None], now: datetime
) -> Finding | None:
    """A parity finding once the newer side has said its value longer than the window."""
    known = [d.moment for d in dates if d is not None]
    if known and now - max(known) <= timedelta(seconds=pair.window):
        return None
    newer = _newer(dates)
    detail = _detail(pair, link, dates)
    detail |= {
        "newer": newer,
        "lagging": None if newer is None else 1 - newer,
        "parity_window_days": round(pair.window / 86400, 2),
    }
    return _finding(PARITY, pair, link, detail)


def _finding(kind: str, pair: Pair, link: Link, detail: dict[str, Any]) -> Finding:
    return Finding(
        kind,
        link_key(link),
        pair.owner,
        pair.left.watch,
        pair.right.watch,
        link.left.subject,
        link.left.section,
        detail,
    )


def link_pair(pair: Pair) -> list[Link]:
    """The links between the pair's current facts."""
    return link_facts(pair.left.facts, pair.right.facts, twins=pair.twins)


def evaluate(
    pair: Pair,
    links: Sequence[Link],
    dates: Mapping[str, tuple[Dated | None, Dated | None]],
    now: datetime,
) -> Evaluation:
    """The findings of a pair now, from its links and the dates of the disagreeing facts.

    ``dates`` maps a link's :func:`link_key` to the :class:`Dated` of its left
    and right fact (only the disagreeing links need them). A language pair
    whose difference is younger than its window is ``pending``, not a finding.
    """
    findings: list[Finding] = []
    agreed: dict[str, dict[str, Any]] = {}
    pending: list[str] = []
    for link in links:
        key = link_key(link)
        if agrees(link):
            agreed[key] = _detail(pair, link, (None, None))
            continue
        dated = dates.get(key, (None, None))
        if not pair.twins:
            findings.append(_discrepancy(pair, link, dated))
        elif (found := _parity(pair, link, dated, now)) is not None:
            findings.append(found)
        else:
            pending.append(key)
    return Evaluation(tuple(links), tuple(findings), agreed, tuple(pending))


# -- over time -------------------------------------------------------------------------


@dataclass(frozen=True)
class Resolution:
    """An open finding to close: why (``agree``, ``unlinked``, ``not-compared``), and the
    agreeing facts when they agree again."""

    stored: StoredFinding
    why: str
    now: dict[str, Any] | None = None


@dataclass(frozen=True)
class Plan:
    """What to write after an evaluation."""

    opened: tuple[Finding, ...] = ()
    changed: tuple[tuple[StoredFinding, Finding], ...] = ()
    refreshed: tuple[tuple[StoredFinding, Finding], ...] = ()
    resolved: tuple[Resolution, ...] = ()

    @property
    def empty(self) -> bool:
        """Nothing to write."""
        return not (self.opened or self.changed or self.refreshed or self.resolved)


def _values(detail: Mapping[str, Any]) -> list[Any]:
    return [side.get("value") for side in detail.get("sides", ())]


def reconcile(stored: Sequence[StoredFinding], evaluation: Evaluation) -> Plan:
    """Open new findings, change those whose values moved, resolve those that are gone.

    An open finding whose link is pending (a language pair within its window
    again) stays open: only agreement or a lost link resolves it.
    """
    current = {(f.kind, f.key): f for f in evaluation.findings}
    known = {(s.kind, s.key): s for s in stored}
    opened = tuple(f for k, f in current.items() if k not in known)
    changed: list[tuple[StoredFinding, Finding]] = []
    refreshed: list[tuple[StoredFinding, Finding]] = []
    resolved: list[Resolution] = []
    for k, old in known.items():
        new = current.get(k)
        if new is not None:
            moved = _values(new.detail) != _values(old.detail)
            (changed if moved else refreshed).append((old, new))
        elif old.key in evaluation.agreed:
            resolved.append(Resolution(old, "agree", evaluation.agreed[old.key]))
        elif old.key not in evaluation.pending:
            resolved.append(Resolution(old, "unlinked"))
    refreshed = [(o, n) for o, n in refreshed if n.detail != o.detail]
    return Plan(opened, tuple(changed), tuple(refreshed), tuple(resolved))


def retire(stored: Sequence[StoredFinding]) -> Plan:
    """Resolve findings of a pair no longer compared (a statement no longer cited)."""
    return Plan(resolved=tuple(Resolution(s, "not-compared") for s in stored))


def events(plan: Plan) -> list[Change]:
    """The change events of a plan: opened (``added``), ``changed``, resolved (``removed``)."""
    out = [Change(f.kind, "added", f.subject, f.section, after=f.detail) for f in plan.opened]
    out += [
        Change(new.kind, "changed", new.subject, new.section, before=old.detail, after=new.detail)
        for old, new in plan.changed
    ]
    out += [
        Change(
            r.stored.kind,
            "removed",
            r.stored.subject,
            r.stored.section,
            before=r.stored.detail,
            after=r.now,
            note=r.why,
        )
        for r in plan.resolved
    ]
    return out


@dataclass(frozen=True)
class Recorded:
    """Finding events as stored: the owner watch, where it lives, and each event's id."""

    watch: str
    url: str
    title: str
    at: datetime
    version: int
    events: tuple[tuple[int, Change], ...]


def finding_alerts(
    recorded: Recorded, channels: Sequence[str], kinds: Iterable[str]
) -> list[NewAlert]:
    """One ``changes`` alert per channel for the finding events of the wanted kinds."""
    wanted = set(kinds)
    items = [
        event_json(
            change,
            EventMeta(event_id, recorded.watch, recorded.url, recorded.at, None, recorded.version),
        )
        for event_id, change in recorded.events
        if alert_kind(change) in wanted
    ]
    if not items or not channels:
        return []
    payload = {
        "watch": recorded.watch,
        "title": recorded.title or recorded.watch,
        "url": recorded.url,
        "detected_at": iso(recorded.at),
        "events": items,
    }
    return [NewAlert(channel, CHANGES, payload) for channel in channels]


def label(title: str, fallback: str) -> str:
    """A source's name in findings: its title, shortened, else ``fallback``."""
    text = " ".join(title.split())
    if not text:
        return fallback
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1].rstrip() + "…"
