"""Align two versions of a page block by block, then pair their facts.

A fact can only change where the text that states it changed. So the two
versions' block sequences (:attr:`parsers.model.Document.blocks`: headings,
paragraphs, list items and table rows in document order) are aligned first,
and facts are paired through that alignment (each fact names its block,
:attr:`parsers.model.Fact.block`).

Blocks (:func:`align_blocks`):

1. *Unchanged*: every block is reduced to its normalised text (Unicode
   compatibility form, case folded, quotes and dashes unified, spaces
   collapsed) and the two sequences are matched in order with
   :class:`difflib.SequenceMatcher` (longest common runs, no junk heuristic).
2. *Moved*: blocks left over on both sides with the same normalised text
   are paired (first come, first served): the text moved, it did not change.
3. *Modified*: within each gap between unchanged runs, the remaining old and
   new blocks of the same kind are paired by word similarity (best pairs
   first, at least :data:`MODIFIED_SIMILARITY`); table rows pair only with
   rows of the same key (row header), whatever their similarity, so a row
   whose cells all changed is still that row, and two days of a rolling
   window never pair. Pairs across gaps need :data:`MOVED_MODIFIED_SIMILARITY`.
4. The rest are *deleted* (old side only) or *inserted* (new side only).

Facts (:func:`align_facts`):

- Facts that describe a whole structure rather than one sentence (kinds in
  :attr:`model.kinds.Kind.aggregate`: a membership, a collection) and facts stated by no
  block (the page's modification stamp) pair by identity: kind, section and
  subject, then kind and subject.
- Facts of an unchanged or moved block pair with their twins in the block
  it maps to (same kind, subject and value; then by role, below). They yield
  nothing; a sentence's fact without a twin there (its wording depends on
  context elsewhere) is set aside in ``quiet``, never reported, while a
  structure's fact without one (its group or table is gone) is removed.
- Facts of a modified block pair by their role in the sentence: same kind
  and subject; then same kind and unit (figures) or a close subject; then
  the n-th fact of a kind with the n-th. A reworded sentence with one
  changed number yields one pair whose values differ.
- Facts of deleted blocks are ``removed``, of inserted blocks ``added``,
  except rows that left a rolling window: in a table keyed by dates, rows
  deleted at one end that are all older than every row kept are
  ``expired`` (the window moved; nothing was withdrawn).
- A removed fact that the new version still states elsewhere (same kind,
  subject, value and period), or an added one the old version already
  stated, is ``restated``: its statement was dropped or repeated, the fact
  did not change.

The result is data only: :class:`AlignedFacts` (pairs, removed, added,
expired, restated, quiet and the :class:`BlockAlignment`). What to say about
each pair (changed or not) is the diff engine's business.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

from model.facts import Fact
from model.kinds import kind_of
from parsers.model import Block
from parsers.tables import row_period

MODIFIED_SIMILARITY = 0.5
MOVED_MODIFIED_SIMILARITY = 0.75
SUBJECT_SIMILARITY = 0.6
# above this many candidate pairs in one gap, only blocks of similar length are compared
PAIRS_BUDGET = 20_000

BlockStatus = Literal["unchanged", "moved", "modified", "deleted", "inserted"]
FactHow = Literal["identity", "twin", "role"]

_QUOTES = (("‘", "'"), ("’", "'"), ("“", '"'), ("”", '"'), ("–", "-"), ("—", "-"))
_WORDS = re.compile(r"\w+")
_RANK = re.compile(r"\s\(\d+\)$")


@dataclass(frozen=True)
class BlockPair:
    """One step of the block alignment: an old block, a new block, or both, and how they relate."""

    old: int | None
    new: int | None
    status: BlockStatus
    similarity: float = 1.0


@dataclass(frozen=True)
class BlockAlignment:
    """Every block of both versions, once each, with its status (old order, then inserts)."""

    pairs: tuple[BlockPair, ...]

    def of_old(self) -> dict[int, BlockPair]:
        """The pair of each old block, by old index."""
        return {p.old: p for p in self.pairs if p.old is not None}

    def of_new(self) -> dict[int, BlockPair]:
        """The pair of each new block, by new index."""
        return {p.new: p for p in self.pairs if p.new is not None}

    def counts(self) -> dict[str, int]:
        """How many blocks of each status."""
        out: dict[str, int] = {}
        for pair in self.pairs:
            out[pair.status] = out.get(pair.status, 0) + 1
        return out


@dataclass(frozen=True)
class FactPair:
    """A fact of the old version and its counterpart in the new one (values may differ)."""

    before: Fact
    after: Fact
    how: FactHow


@dataclass(frozen=True)
class AlignedFacts:
    """The facts of two versions paired through their blocks (see the module doc)."""

    pairs: tuple[FactPair, ...]
    removed: tuple[Fact, ...]
    added: tuple[Fact, ...]
    expired: tuple[Fact, ...]
    restated: tuple[Fact, ...]
    quiet: tuple[Fact, ...]
    blocks: BlockAlignment

    def changed(self) -> tuple[FactPair, ...]:
        """The pairs whose value or period differ."""
        return tuple(
            p
            for p in self.pairs
            if p.before.value != p.after.value or p.before.period != p.after.period
        )


# --------------------------------------------------------------------------- blocks


def normalise(text: str) -> str:
    """The text blocks are compared by: compatibility form, case folded, spaces collapsed."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
        for fancy, plain in _QUOTES:
            if fancy in text:
                text = text.replace(fancy, plain)
    return " ".join(text.casefold().split())


def _family(block: Block) -> str:
    """Kinds that can turn into each other: a paragraph may become a list item."""
    return "text" if block.kind in ("paragraph", "item") else block.kind


def align_blocks(old: Sequence[Block], new: Sequence[Block]) -> BlockAlignment:
    """Pair the blocks of two versions: unchanged, moved, modified, deleted, inserted."""
    old_keys = [(_family(b), normalise(b.text)) for b in old]
    new_keys = [(_family(b), normalise(b.text)) for b in new]
    matcher = SequenceMatcher(None, old_keys, new_keys, autojunk=False)
    pairs: dict[int, BlockPair] = {}
    taken: set[int] = set()
    gaps: list[tuple[list[int], list[int]]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for i, j in zip(range(i1, i2), range(j1, j2), strict=True):
                pairs[i] = BlockPair(i, j, "unchanged")
                taken.add(j)
        else:
            gaps.append((list(range(i1, i2)), list(range(j1, j2))))
    _moved(old_keys, new_keys, gaps, pairs, taken)
    for old_ids, new_ids in gaps:
        _modified(old, new, old_ids, new_ids, pairs, taken, MODIFIED_SIMILARITY)
    rest_old = [i for ids, _ in gaps for i in ids if i not in pairs]
    rest_new = [j for _, ids in gaps for j in ids if j not in taken]
    _modified(old, new, rest_old, rest_new, pairs, taken, MOVED_MODIFIED_SIMILARITY)
    out = [pairs.get(i) or BlockPair(i, None, "deleted", 0.0) for i in range(len(old))]
    out += [BlockPair(None, j, "inserted", 0.0) for j in range(len(new)) if j not in taken]
    return BlockAlignment(tuple(out))


def _moved(
    old_keys: list[tuple[str, str]],
    new_keys: list[tuple[str, str]],
    gaps: list[tuple[list[int], list[int]]],
    pairs: dict[int, BlockPair],
    taken: set[int],
) -> None:
    waiting: dict[tuple[str, str], list[int]] = {}
    for _, new_ids in gaps:
        for j in new_ids:
            waiting.setdefault(new_keys[j], []).append(j)
    for old_ids, _ in gaps:
        for i in old_ids:
            slot = waiting.get(old_keys[i])
            if slot:
                j = slot.pop(0)
                pairs[i] = BlockPair(i, j, "moved")
                taken.add(j)


def _modified(
    old: Sequence[Block],
    new: Sequence[Block],
    old_ids: Iterable[int],
    new_ids: Iterable[int],
    pairs: dict[int, BlockPair],
    taken: set[int],
    threshold: float,
) -> None:
    left = [i for i in old_ids if i not in pairs]
    right = [j for j in new_ids if j not in taken]
    if not left or not right:
        return
    words = {("o", i): _WORDS.findall(normalise(old[i].text)) for i in left}
    words.update({("n", j): _WORDS.findall(normalise(new[j].text)) for j in right})
    crowded = len(left) * len(right) > PAIRS_BUDGET
    candidates = []
    for i in left:
        for j in right:
            score = _pair_score(old[i], new[j], words[("o", i)], words[("n", j)], crowded)
            if score >= threshold:
                candidates.append((score, -abs(i - j), i, j))
    for score, _, i, j in sorted(candidates, reverse=True):
        if i not in pairs and j not in taken:
            pairs[i] = BlockPair(i, j, "modified", round(score, 3))
            taken.add(j)


def _pair_score(a: Block, b: Block, wa: list[str], wb: list[str], crowded: bool) -> float:
    """How alike two blocks are (0..1); rows are alike exactly when their keys are the same."""
    if _family(a) != _family(b):
        return 0.0
    if a.kind == "row":
        same_key = bool(a.key) and normalise(a.key) == normalise(b.key)
        return 1.0 if same_key else 0.0
    if crowded and not 0.5 <= (len(wa) + 1) / (len(wb) + 1) <= 2.0:
        return 0.0
    matcher = SequenceMatcher(None, wa, wb, autojunk=False)
    if (
        matcher.real_quick_ratio() < MODIFIED_SIMILARITY
        or matcher.quick_ratio() < MODIFIED_SIMILARITY
    ):
        return 0.0
    return matcher.ratio()


# --------------------------------------------------------------------------- facts


def align_facts(
    old_blocks: Sequence[Block],
    old_facts: Sequence[Fact],
    new_blocks: Sequence[Block],
    new_facts: Sequence[Fact],
) -> AlignedFacts:
    """Pair the facts of two versions through the alignment of their blocks."""
    blocks = align_blocks(old_blocks, new_blocks)
    state = _State(list(old_facts), list(new_facts))
    state.pair_by_identity(
        lambda f: kind_of(f.kind).aggregate or not 0 <= f.block < len(old_blocks)
    )
    by_new = _by_block(state.new_left())
    by_old = _by_block(state.old_left())
    for pair in blocks.pairs:
        if pair.old is None or pair.new is None:
            continue
        mine, theirs = by_old.get(pair.old, []), by_new.get(pair.new, [])
        how: FactHow = "role" if pair.status == "modified" else "twin"
        left_old, left_new = state.pair_in_block(mine, theirs, how)
        if pair.status != "modified":
            # a sentence's own facts without a twin depend on context: no event. A structure's
            # fact without a twin (its group or table is gone) stays to be removed or added.
            left_old = [f for f in left_old if not kind_of(f.kind).aggregate]
            left_new = [f for f in left_new if not kind_of(f.kind).aggregate]
            state.quiet += left_old + left_new
            state.drop(left_old, left_new)
    return state.result(blocks, old_blocks)


def _by_block(facts: Iterable[Fact]) -> dict[int, list[Fact]]:
    out: dict[int, list[Fact]] = {}
    for fact in facts:
        out.setdefault(fact.block, []).append(fact)
    return out


class _State:
    """The facts of both versions not paired yet, and the pairs made so far."""

    def __init__(self, old: list[Fact], new: list[Fact]) -> None:
        self.old = {id(f): f for f in old}
        self.new = {id(f): f for f in new}
        self.statements = {id(f): _statement(f) for f in (*old, *new)}
        self.pairs: list[FactPair] = []
        self.quiet: list[Fact] = []

    def old_left(self) -> list[Fact]:
        return list(self.old.values())

    def new_left(self) -> list[Fact]:
        return list(self.new.values())

    def take(self, a: Fact, b: Fact, how: FactHow) -> None:
        del self.old[id(a)], self.new[id(b)]
        self.pairs.append(FactPair(a, b, how))

    def drop(self, old: Iterable[Fact], new: Iterable[Fact]) -> None:
        for fact in old:
            self.old.pop(id(fact), None)
        for fact in new:
            self.new.pop(id(fact), None)

    def pair_by_identity(self, eligible: Callable[[Fact], bool]) -> None:
        """Pair structure-wide facts on (kind, section, subject), then on (kind, subject)."""
        for key in (_full_key, _subject_key):
            olds = [f for f in self.old_left() if eligible(f)]
            news: dict[tuple[str, ...], list[Fact]] = {}
            for fact in self.new_left():
                if eligible(fact):
                    news.setdefault(key(fact), []).append(fact)
            for fact in olds:
                slot = news.get(key(fact))
                if slot:
                    self.take(fact, slot.pop(0), "identity")

    def pair_in_block(
        self, mine: list[Fact], theirs: list[Fact], how: FactHow
    ) -> tuple[list[Fact], list[Fact]]:
        """Pair the facts of two corresponding blocks by role; return those left over."""
        mine = [f for f in mine if id(f) in self.old]
        theirs = [f for f in theirs if id(f) in self.new]
        said = self.statements
        tests = (lambda a, b: said[id(a)] == said[id(b)], *_ROLE_TESTS)
        for same in tests:
            for a in list(mine):
                match = next((b for b in theirs if same(a, b)), None)
                if match is not None:
                    self.take(a, match, how)
                    mine.remove(a)
                    theirs.remove(match)
        mine, theirs = _pair_by_rank(self, mine, theirs, how)
        return mine, theirs

    def result(self, blocks: BlockAlignment, old_blocks: Sequence[Block]) -> AlignedFacts:
        removed, added = self.old_left(), self.new_left()
        expired = _expired(removed, blocks, old_blocks)
        removed = [f for f in removed if f not in expired]
        restated = _restated(removed, self.new_values()) + _restated(added, self.old_values())
        removed = [f for f in removed if not _in(f, restated)]
        added = [f for f in added if not _in(f, restated)]
        return AlignedFacts(
            tuple(self.pairs),
            tuple(removed),
            tuple(added),
            tuple(expired),
            tuple(restated),
            tuple(self.quiet),
            blocks,
        )

    def new_values(self) -> set[tuple[str, ...]]:
        said = self.statements
        return {said[id(p.after)] for p in self.pairs} | {said[id(f)] for f in self.new_left()}

    def old_values(self) -> set[tuple[str, ...]]:
        said = self.statements
        return {said[id(p.before)] for p in self.pairs} | {said[id(f)] for f in self.old_left()}


def _in(fact: Fact, facts: Sequence[Fact]) -> bool:
    return any(f is fact for f in facts)


def _full_key(fact: Fact) -> tuple[str, ...]:
    return (fact.kind, fact.section, fact.subject.casefold())


def _subject_key(fact: Fact) -> tuple[str, ...]:
    return (fact.kind, fact.subject.casefold())


def base_subject(fact: Fact) -> str:
    """The subject without the rank or period a page-wide uniqueness pass appended."""
    subject = _RANK.sub("", fact.subject)
    if fact.period and subject.endswith(f" ({fact.period})"):
        subject = subject[: -len(fact.period) - 3]
    return subject.casefold()


def _statement(fact: Fact) -> tuple[str, ...]:
    return (fact.kind, base_subject(fact), repr(sorted(fact.value.items())), str(fact.period))


def _restated(facts: Sequence[Fact], elsewhere: set[tuple[str, ...]]) -> list[Fact]:
    return [f for f in facts if _statement(f) in elsewhere]


def _unit(fact: Fact) -> str:
    return str(fact.value.get("unit") or "").casefold()


def _close(a: str, b: str) -> bool:
    return SequenceMatcher(None, a.casefold(), b.casefold()).ratio() >= SUBJECT_SIMILARITY


# after the same statement (kind, subject, value, period), in this order
_ROLE_TESTS: tuple[Callable[[Fact, Fact], bool], ...] = (
    lambda a, b: a.kind == b.kind and base_subject(a) == base_subject(b),
    lambda a, b: a.kind == b.kind == "figure" and bool(_unit(a)) and _unit(a) == _unit(b),
    lambda a, b: a.kind == b.kind and _close(base_subject(a), base_subject(b)),
)


def _pair_by_rank(
    state: _State, mine: list[Fact], theirs: list[Fact], how: FactHow
) -> tuple[list[Fact], list[Fact]]:
    """The n-th remaining fact of a kind with the n-th, when both sides have as many."""
    for kind in {f.kind for f in mine}:
        a_side = [f for f in mine if f.kind == kind]
        b_side = [f for f in theirs if f.kind == kind]
        if len(a_side) != len(b_side):
            continue
        for a, b in zip(a_side, b_side, strict=True):
            state.take(a, b, how)
            mine.remove(a)
            theirs.remove(b)
    return mine, theirs


def _expired(removed: Sequence[Fact], blocks: BlockAlignment, old: Sequence[Block]) -> list[Fact]:
    """Facts of rows that left a rolling window (see the module doc)."""
    status = blocks.of_old()
    gone: set[int] = set()
    for group in {b.group for b in old if b.kind == "row"}:
        rows = [b for b in old if b.kind == "row" and b.group == group and not _header(b)]
        gone |= _window_tail(rows, {b.index for b in rows if status[b.index].status == "deleted"})
    return [f for f in removed if f.block in gone]


def _header(block: Block) -> bool:
    return bool(block.cells) and all(c.header for c in block.cells)


def _window_tail(rows: Sequence[Block], deleted: set[int]) -> set[int]:
    """The deleted rows of a date-keyed table when they are its oldest, at one end."""
    if not deleted or len(deleted) == len(rows):
        return set()
    periods = [row_period(r.key) for r in rows]
    if any(p is None for p in periods) or len({len(str(p)) for p in periods}) > 1:
        return set()
    flags = [r.index in deleted for r in rows]
    k = len(deleted)
    at_an_end = all(flags[:k]) or all(flags[-k:])
    kept = [str(p) for p, gone in zip(periods, flags, strict=True) if not gone]
    older = all(str(p) < min(kept) for p, gone in zip(periods, flags, strict=True) if gone)
    return deleted if at_an_end and older else set()
