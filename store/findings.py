"""Findings in the store: open, update and resolve them, with their events and alerts.

A finding compares two watches; :func:`transaction` opens one database
transaction that first locks the rows of the watches involved (a write, so
two checks of a language pair finishing together evaluate it one after the
other, on SQLite and PostgreSQL alike), then lets the caller read the open
findings, write what changed, add the change events (kinds ``discrepancy``
and ``parity``, in ``changes``) and queue their alerts: all commit together
or not at all. :func:`findings` reads them back for ``factwatch findings``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import Session, aliased

from model.changes import Change, change_to_dict
from model.errors import UnknownWatchError
from model.kinds import describe
from store import outbox
from store.findings_models import FindingRow
from store.models import ChangeRow, Version, Watch
from store.records import NewAlert
from store.repo import Store


@dataclass(frozen=True)
class StoredFinding:
    """A finding as stored: which watches it compares, its detail, when it opened and closed."""

    id: int
    kind: str
    key: str
    owner: str
    left: str
    right: str
    subject: str
    section: str
    detail: dict[str, Any]
    opened_at: datetime
    updated_at: datetime
    resolved_at: datetime | None = None
    resolution: str | None = None

    @property
    def open(self) -> bool:
        """True until the finding is resolved."""
        return self.resolved_at is None

    def summary(self) -> str:
        """The finding in one sentence, as its opening event reads."""
        change = Change(self.kind, "added", self.subject, self.section, after=self.detail)
        return describe(change)

    def other(self, name: str) -> str:
        """The other source of the finding, seen from watch ``name``."""
        return self.right if self.left == name else self.left


def _stored(row: FindingRow, names: dict[int, str]) -> StoredFinding:
    return StoredFinding(
        row.id,
        row.kind,
        row.key,
        names[row.owner_id],
        names[row.left_id],
        names[row.right_id],
        row.subject,
        row.section,
        dict(row.detail),
        row.opened_at,
        row.updated_at,
        row.resolved_at,
        row.resolution,
    )


class FindingsTransaction:
    """One transaction over the findings of some watches (see :func:`transaction`)."""

    def __init__(self, session: Session, ids: dict[str, int]) -> None:
        self.session = session
        self.ids = ids
        self.names = {i: n for n, i in ids.items()}

    def has(self, *names: str) -> bool:
        """Whether every watch named is stored (a followed document may not be yet)."""
        return all(n in self.ids for n in names)

    def _id(self, name: str) -> int:
        if name not in self.ids:
            raise UnknownWatchError(f"watch {name!r} is not part of this transaction")
        return self.ids[name]

    def open_findings(self, left: str, right: str) -> list[StoredFinding]:
        """The open findings comparing ``left`` with ``right``, oldest first."""
        query = (
            select(FindingRow)
            .where(
                FindingRow.left_id == self._id(left),
                FindingRow.right_id == self._id(right),
                FindingRow.resolved_at.is_(None),
            )
            .order_by(FindingRow.id)
        )
        return [_stored(r, self.names) for r in self.session.scalars(query)]

    def open_pairs(self, watch: str) -> set[tuple[str, str]]:
        """The pairs ``(left, right)`` with open findings that involve ``watch``."""
        me = self._id(watch)
        query = select(FindingRow.left_id, FindingRow.right_id).where(
            or_(FindingRow.left_id == me, FindingRow.right_id == me),
            FindingRow.resolved_at.is_(None),
        )
        pairs = {(a, b) for a, b in self.session.execute(query)}
        names = _names(self.session, {i for pair in pairs for i in pair})
        return {(names[a], names[b]) for a, b in pairs}

    def add(
        self, kind: str, key: str, owner: str, pair: tuple[str, str], at: datetime, **text: Any
    ) -> int:
        """Open a finding (``text``: ``subject``, ``section``, ``detail``); its id."""
        row = FindingRow(
            kind=kind,
            key=key,
            owner_id=self._id(owner),
            left_id=self._id(pair[0]),
            right_id=self._id(pair[1]),
            subject=text["subject"],
            section=text.get("section", ""),
            detail=text["detail"],
            opened_at=at,
            updated_at=at,
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def update(self, finding_id: int, detail: dict[str, Any], at: datetime) -> None:
        """Replace an open finding's detail (its values or dates moved)."""
        self.session.execute(
            update(FindingRow)
            .where(FindingRow.id == finding_id)
            .values(detail=detail, updated_at=at)
        )

    def resolve(self, finding_id: int, why: str, at: datetime) -> None:
        """Close a finding: ``agree``, ``unlinked`` or ``not-compared``."""
        self.session.execute(
            update(FindingRow)
            .where(FindingRow.id == finding_id, FindingRow.resolved_at.is_(None))
            .values(resolved_at=at, updated_at=at, resolution=why)
        )

    def current_version(self, name: str) -> Version | None:
        """The latest version of watch ``name`` (its URL and title name it in alerts)."""
        return self.session.scalar(
            select(Version)
            .where(Version.watch_id == self._id(name))
            .order_by(Version.seq.desc())
            .limit(1)
        )

    def add_events(
        self, version: Version, changes: Sequence[Change], check_id: int, at: datetime
    ) -> list[int]:
        """Store finding events as change events of ``version``'s watch; their ids."""
        rows = [
            ChangeRow(
                **change_to_dict(change),
                watch_id=version.watch_id,
                check_id=check_id,
                version_before_id=None,
                version_after_id=version.id,
                detected_at=at,
            )
            for change in changes
        ]
        self.session.add_all(rows)
        self.session.flush()
        return [r.id for r in rows]

    def add_alerts(self, owner: str, check_id: int, alerts: Sequence[NewAlert]) -> list[int]:
        """Queue ``alerts`` for ``owner``, caused by the check ``check_id``."""
        rows = outbox.add_rows(self.session, alerts, watch_id=self._id(owner), check_id=check_id)
        return [r.id for r in rows]


def _names(s: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {i: n for i, n in s.execute(select(Watch.id, Watch.name).where(Watch.id.in_(ids)))}


@contextmanager
def transaction(store: Store, watches: Sequence[str]) -> Iterator[FindingsTransaction]:
    """A transaction over the findings of ``watches``, their rows locked first.

    Watches not (yet) stored are left out: see :meth:`FindingsTransaction.has`.

    The lock is the transaction's first statement (a write), so on SQLite it
    waits for other writers instead of failing on a stale read.
    """
    names = sorted(set(watches))
    with store.session() as s:
        s.execute(
            update(Watch)
            .where(Watch.name.in_(names))
            .values(consecutive_failures=Watch.consecutive_failures)
            .execution_options(synchronize_session=False)
        )
        query = select(Watch.name, Watch.id).where(Watch.name.in_(names))
        yield FindingsTransaction(s, {n: i for n, i in s.execute(query)})


def _open_pairs_query() -> Any:
    """The names of the pairs with open findings involving watch ``:watch`` (built once)."""
    left, right, me = aliased(Watch), aliased(Watch), aliased(Watch)
    return (
        select(left.name, right.name)
        .select_from(FindingRow)
        .join(left, left.id == FindingRow.left_id)
        .join(right, right.id == FindingRow.right_id)
        .join(me, or_(me.id == FindingRow.left_id, me.id == FindingRow.right_id))
        .where(me.name == bindparam("watch"), FindingRow.resolved_at.is_(None))
    )


_OPEN_PAIRS = _open_pairs_query()


def open_pairs(store: Store, watch: str) -> set[tuple[str, str]]:
    """The pairs ``(left, right)`` with open findings that involve ``watch``, read
    without locking anything, in one query (none when ``watch`` is not stored)."""
    with store.session() as s:
        return {(a, b) for a, b in s.execute(_OPEN_PAIRS, {"watch": watch})}


def watches_with_open_findings(store: Store) -> frozenset[str]:
    """The names of the watches on either side of an open finding, in one query."""
    query = (
        select(Watch.name)
        .join(
            FindingRow,
            or_(Watch.id == FindingRow.left_id, Watch.id == FindingRow.right_id),
        )
        .where(FindingRow.resolved_at.is_(None))
        .distinct()
    )
    with store.session() as s:
        return frozenset(s.scalars(query))


def findings(
    store: Store, watch: str | None = None, *, include_resolved: bool = False
) -> list[StoredFinding]:
    """Findings (those involving ``watch`` only, when given): open ones first, oldest first;
    with ``include_resolved``, resolved ones after them, newest resolved first."""
    with store.session() as s:
        query = select(FindingRow)
        if watch is not None:
            me = s.scalar(select(Watch.id).where(Watch.name == watch))
            if me is None:
                raise UnknownWatchError(f"no watch named {watch!r} in the database")
            query = query.where(
                or_(FindingRow.owner_id == me, FindingRow.left_id == me, FindingRow.right_id == me)
            )
        if not include_resolved:
            query = query.where(FindingRow.resolved_at.is_(None))
        rows = list(s.scalars(query.order_by(FindingRow.id)))
        names = _names(s, {i for r in rows for i in (r.owner_id, r.left_id, r.right_id)})
    found = [_stored(r, names) for r in rows]
    still = [f for f in found if f.open]
    closed = [f for f in found if not f.open]
    closed.sort(key=lambda f: f.resolved_at or f.updated_at, reverse=True)
    return still + closed
