"""What the store is given and gives back: plain frozen dataclasses.

A check produces a :class:`CheckResult` (what happened, the new version and
its facts, the change events, the links the page cites); the store writes it
in one transaction (:meth:`store.writes.Transaction.write_check`) and answers
with a :class:`SavedCheck`. Alert rows (:class:`NewAlert`) are added in the
same transaction, so they commit with the check or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from model.changes import Change
from model.facts import Fact

Origin = Literal["check", "backfill"]
"""Where a check came from: the live page (``check``) or a web archive (``backfill``)."""


@dataclass(frozen=True)
class NewVersion:
    """The content of a version about to be stored (``blocks`` as plain data).

    ``status`` and ``headers`` are the HTTP response's; the store keeps a
    bounded part of the headers (:func:`store.chain.keep_headers`), and
    ``None`` headers mean none were recorded. ``region`` says where the
    page's main content was read (kept with the facts).
    """

    body: bytes
    text: str
    url: str
    content_type: str
    title: str
    facts: Sequence[Fact]
    blocks: Sequence[dict[str, Any]] | None = None
    status: int = 200
    headers: Sequence[tuple[str, str]] | None = ()
    region: str = ""


@dataclass(frozen=True)
class CitedLink:
    """A document a page cites that a ``follow`` rule picked, and its child watch."""

    url: str
    text: str
    child: str


@dataclass(frozen=True)
class CheckResult:
    """Everything one check found, to be written atomically.

    ``outcome`` is ``unchanged``, ``changed`` or ``failed``; ``via`` says how an
    unchanged page was recognised (``304``, ``hash``, ``text``). ``links`` is
    set when the cited documents were (re)computed, with ``follow_sig`` the
    fingerprint of the rules that picked them. ``retry_after`` and
    ``fetch_seconds`` are for the dispatcher and not stored. ``origin`` is
    ``backfill`` for a capture imported from a web archive: stored and marked
    so on the check and its change events, and never alerted. ``slot`` (the
    planned run a queue worker checked) is claimed in the same transaction, so
    a slot is recorded once; ``worker`` (``host:pid``) ran the check.
    """

    watch: str
    url: str
    started_at: datetime
    duration: float
    outcome: str
    status: int | None = None
    reason: str | None = None
    error: str | None = None
    via: str | None = None
    body_sha: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    version: NewVersion | None = None
    changes: tuple[Change, ...] = ()
    baseline: bool = False
    links: tuple[CitedLink, ...] | None = None
    follow_sig: str | None = None
    retry_after: str | None = None
    fetch_seconds: float | None = None
    slot: datetime | None = None
    worker: str | None = None
    origin: Origin = "check"


@dataclass(frozen=True)
class SavedCheck:
    """Ids of what a check's write stored, and the watch's state after it."""

    check_id: int
    watch_id: int
    version_id: int | None
    version_seq: int | None
    change_ids: tuple[int, ...] = ()
    consecutive_failures: int = 0


@dataclass(frozen=True)
class WatchState:
    """What a check needs to know about a watch before fetching it."""

    watch_id: int
    last_body_sha: str | None
    etag: str | None
    last_modified: str | None
    version_id: int | None
    version_seq: int | None
    text_sha: str | None
    consecutive_failures: int = 0


@dataclass(frozen=True)
class NewAlert:
    """One alert message to queue for one channel."""

    channel: str
    kind: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class LastAlert:
    """The kind and payload of a watch's latest alert of some kinds."""

    kind: str
    payload: dict[str, Any]
