"""The fact diff engine: two versions in, a list of :class:`Change` out.

When both versions keep their blocks (:class:`Extract`), the facts are paired
through the alignment of the two block sequences (:mod:`alerts.align`): only
facts of inserted, deleted or modified blocks can change, a moved or
untouched block yields nothing, rows that left a rolling window and
statements restated elsewhere are not changes.

Without blocks (versions stored before they were kept), the facts are paired
by key and similarity, so that a fact keeps its identity across versions:

1. facts are keyed on ``kind + section + subject`` (the n-th repeat of a key
   gets ``#n``, so two identical figures in one section stay apart) and
   paired where the keys match;
2. what is left is paired by similarity (same kind; subject, evidence,
   section and value compared), best pairs first, above a threshold;
3. a paired fact whose value differs (as its kind compares values, see
   :mod:`model.kinds`) is one ``changed`` event; unpaired facts are
   ``removed`` or ``added``.

Either way, a paired fact whose value differs is one ``changed`` event and
unpaired facts are ``removed`` or ``added``. When most of the old facts
vanish at once, one ``extraction`` event replaces the removals: the page was
restructured or our extractors no longer fit it. The first version of a
watch is the baseline and yields no events. The pairs are returned too, so
the caller can carry each fact's identity (:attr:`model.facts.Fact.id`) on.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from difflib import SequenceMatcher

from alerts.align import align_facts
from model.changes import Change
from model.facts import Fact
from model.kinds import kind_of
from parsers.model import Block, Document, blocks_from_json
from store.facts_codec import StoredFacts
from store.repo import Store

SIMILARITY_THRESHOLD = 0.62
EXTRACTION_MIN_FACTS = 8
EXTRACTION_LOST_SHARE = 0.6
TABLE_EVENT_MIN = 3


@dataclass(frozen=True)
class Extract:
    """What a version states: its facts and, when known, the blocks that state them."""

    facts: Sequence[Fact]
    blocks: Sequence[Block] | None = None


@dataclass(frozen=True)
class VersionDiff:
    """The change events between two versions, which new fact continues which old one,
    and the new version's facts with their identities (:attr:`Fact.id`)."""

    changes: list[Change]
    pairs: list[tuple[Fact, Fact]]
    facts: list[Fact]


def _keyed(facts: Sequence[Fact]) -> dict[tuple[str, str, str, int], Fact]:
    seen: dict[tuple[str, str, str], int] = {}
    out: dict[tuple[str, str, str, int], Fact] = {}
    for fact in facts:
        base = (fact.kind, fact.section, fact.subject.casefold())
        n = seen.get(base, 0)
        seen[base] = n + 1
        out[(*base, n)] = fact
    return out


def _ratio(a: str, b: str) -> float:
    if a == b:
        return 1.0
    return SequenceMatcher(None, a.casefold(), b.casefold(), autojunk=False).ratio()


def similarity(a: Fact, b: Fact) -> float:
    """How likely ``a`` and ``b`` are the same fact in two versions (0..1)."""
    if a.kind != b.kind:
        return 0.0
    score = 0.45 * _ratio(a.subject, b.subject) + 0.35 * _ratio(a.evidence, b.evidence)
    score += 0.1 if a.section == b.section else 0.0
    score += 0.1 if a.value == b.value else 0.0
    return score


def align(
    before: Sequence[Fact], after: Sequence[Fact]
) -> tuple[list[tuple[Fact, Fact]], list[Fact], list[Fact]]:
    """Pair the facts of two versions: ``(pairs, removed, added)``."""
    old, new = _keyed(before), _keyed(after)
    pairs = [(old[k], new[k]) for k in old if k in new]
    rest_old = [f for k, f in old.items() if k not in new]
    rest_new = [f for k, f in new.items() if k not in old]
    candidates = sorted(
        ((similarity(a, b), i, j) for i, a in enumerate(rest_old) for j, b in enumerate(rest_new)),
        reverse=True,
    )
    used_old: set[int] = set()
    used_new: set[int] = set()
    for score, i, j in candidates:
        if score < SIMILARITY_THRESHOLD:
            break
        if i not in used_old and j not in used_new:
            used_old.add(i)
            used_new.add(j)
            pairs.append((rest_old[i], rest_new[j]))
    removed = [f for i, f in enumerate(rest_old) if i not in used_old]
    added = [f for j, f in enumerate(rest_new) if j not in used_new]
    return pairs, removed, added


def _changed(a: Fact, b: Fact) -> Change | None:
    kind = kind_of(b.kind)
    if kind.same(a.value, b.value) and a.period == b.period:
        return None
    added, removed = kind.delta(a.value, b.value)
    return Change(
        kind=b.kind,
        change="changed",
        subject=b.subject,
        section=b.section,
        before=dict(a.value),
        after=dict(b.value),
        added=added,
        removed=removed,
        evidence_before=a.evidence,
        evidence_after=b.evidence,
        period_before=a.period,
        period_after=b.period,
        note=kind.note(a, b),
        fact_id=b.id or None,
    )


def _one_sided(fact: Fact, change: str) -> Change:
    before = change == "removed"
    items = kind_of(fact.kind).items(fact.value)
    return Change(
        kind=fact.kind,
        change=change,
        subject=fact.subject,
        section=fact.section,
        before=dict(fact.value) if before else None,
        after=None if before else dict(fact.value),
        added=() if before else items,
        removed=items if before else (),
        evidence_before=fact.evidence if before else None,
        evidence_after=None if before else fact.evidence,
        period_before=fact.period if before else None,
        period_after=None if before else fact.period,
        fact_id=fact.id or None,
    )


def _extraction_event(before: Sequence[Fact], lost: int, remaining: int) -> Change:
    subject = f"{lost} of {len(before)} facts no longer found; page structure changed"
    return Change(
        kind="extraction",
        change="changed",
        subject=subject,
        before={"facts": len(before)},
        after={"facts": remaining},
        note="structure",
    )


def diff_versions(before: Extract, after: Extract) -> VersionDiff:
    """The change events from version ``before`` to ``after`` (see the module doc)."""
    gone: list[list[Fact]] = []
    new: list[list[Fact]] = []
    if before.blocks is None or after.blocks is None:
        pairs, removed, added = align(before.facts, after.facts)
    else:
        aligned = align_facts(before.blocks, before.facts, after.blocks, after.facts)
        pairs = [(p.before, p.after) for p in aligned.pairs]
        statuses = {p.old: p.status for p in aligned.blocks.pairs if p.old is not None}
        gone, removed = _whole_tables(aligned.removed, before.blocks, statuses, "deleted")
        statuses = {p.new: p.status for p in aligned.blocks.pairs if p.new is not None}
        new, added = _whole_tables(aligned.added, after.blocks, statuses, "inserted")
    ided = _identified(after.facts, pairs)
    pairs = [(a, ided[id(b)]) for a, b in pairs]
    added = [ided[id(f)] for f in added]
    changes = _events(before.facts, after.facts, pairs, removed, added)
    changes += [_table_event(facts, "removed") for facts in gone]
    changes += [_table_event(facts, "added") for facts in new]
    return VersionDiff(changes, pairs, [ided[id(f)] for f in after.facts])


def _identified(facts: Sequence[Fact], pairs: Sequence[tuple[Fact, Fact]]) -> dict[int, Fact]:
    """Each new fact (by object) with its identity: carried from its pair, else fresh."""
    carried = {id(new): old.id for old, new in pairs if old.id}
    return {id(f): replace(f, id=carried.get(id(f)) or f.id or new_fact_id()) for f in facts}


def _whole_tables(
    facts: Sequence[Fact], blocks: Sequence[Block], statuses: Mapping[int, str], status: str
) -> tuple[list[list[Fact]], list[Fact]]:
    """Facts of tables whose every row was ``status`` (deleted or inserted), by table;
    and the other facts."""
    rows: dict[int, list[Block]] = {}
    for block in blocks:
        if block.kind == "row" and block.group >= 0:
            rows.setdefault(block.group, []).append(block)
    whole = {g for g, rs in rows.items() if all(statuses.get(b.index) == status for b in rs)}
    tables: dict[int, list[Fact]] = {}
    rest: list[Fact] = []
    for fact in facts:
        row = blocks[fact.block] if 0 <= fact.block < len(blocks) else None
        if row is not None and row.kind == "row" and row.group in whole:
            tables.setdefault(row.group, []).append(fact)
        else:
            rest.append(fact)
    small = [f for group in tables.values() if len(group) < TABLE_EVENT_MIN for f in group]
    return [g for g in tables.values() if len(g) >= TABLE_EVENT_MIN], rest + small


def _table_event(facts: Sequence[Fact], change: str) -> Change:
    """One event for a whole table that was withdrawn (``removed``) or appeared (``added``)."""
    members = [f for f in facts if f.kind == "membership"]
    figures = [f for f in facts if f.kind == "figure"]
    rows = len({f.block for f in figures}) or sum(len(m.value.get("members", ())) for m in members)
    name = members[0].subject if members else figures[0].section or "table"
    value = {"rows": rows, "figures": len(figures)}
    evidence = facts[0].evidence
    return Change(
        kind="table",
        change=change,
        subject=name,
        section=facts[0].section,
        before=value if change == "removed" else None,
        after=value if change == "added" else None,
        evidence_before=evidence if change == "removed" else None,
        evidence_after=evidence if change == "added" else None,
    )


def stored_extract(stored: StoredFacts) -> Extract:
    """What a stored version states: its facts, and its blocks when they were kept."""
    blocks = blocks_from_json(stored.blocks) if stored.blocks is not None else None
    return Extract(stored.facts, blocks)


def diff_stored(store: Store, old_version_id: int, new_version_id: int) -> list[Change]:
    """The change events between two stored versions (of one watch), as a check finds them."""
    old = stored_extract(store.stored_facts(old_version_id))
    return diff_versions(old, stored_extract(store.stored_facts(new_version_id))).changes


def diff_documents(
    old: Document, old_facts: Sequence[Fact], new: Document, new_facts: Sequence[Fact]
) -> list[Change]:
    """The change events between two parsed documents and their facts."""
    return diff_versions(Extract(old_facts, old.blocks), Extract(new_facts, new.blocks)).changes


def diff_facts(before: Sequence[Fact], after: Sequence[Fact]) -> list[Change]:
    """The change events between two fact lists, paired without blocks."""
    return diff_versions(Extract(before), Extract(after)).changes


def _events(
    before: Sequence[Fact],
    after: Sequence[Fact],
    pairs: Sequence[tuple[Fact, Fact]],
    removed: Sequence[Fact],
    added: Sequence[Fact],
) -> list[Change]:
    changes = [c for a, b in pairs if (c := _changed(a, b)) is not None]
    lost = len(removed)
    if len(before) >= EXTRACTION_MIN_FACTS and lost >= EXTRACTION_LOST_SHARE * len(before):
        changes.append(_extraction_event(before, lost, len(after)))
    else:
        changes.extend(_one_sided(f, "removed") for f in removed)
    changes.extend(_one_sided(f, "added") for f in added)
    return changes


def new_fact_id() -> str:
    """A fresh identity for a fact seen for the first time."""
    return secrets.token_hex(6)


def with_ids(facts: Sequence[Fact]) -> list[Fact]:
    """``facts`` of a first version, each with an identity (kept if it has one)."""
    return [f if f.id else replace(f, id=new_fact_id()) for f in facts]


def reverts(change: Change, earlier: Change) -> bool:
    """True when ``change`` undoes ``earlier`` (the same fact back to its old value)."""
    return (
        change.kind == earlier.kind
        and change.subject == earlier.subject
        and change.after == earlier.before
        and change.before == earlier.after
    )


def mark_flaps(changes: Sequence[Change], recent: Sequence[Change]) -> list[Change]:
    """``changes`` with ``note="flap"`` on each that reverts one of ``recent``."""
    return [replace(c, note="flap") if any(reverts(c, r) for r in recent) else c for c in changes]
