"""SQLAlchemy models of the versioned store.

Nothing here is ever updated in place except the small per-watch cursor
(``watches.last_body_sha``, validators, failure count): versions, facts,
checks and changes are append-only, so any past state can be audited.

* ``blobs``: every distinct body (and every distinct clean text) once,
  content-addressed by SHA-256 and compressed, most of them as a delta
  against the previous version's blob (:mod:`store.snapshots`,
  :mod:`store.blobs`);
* ``versions``: one row per distinct content of a watch (what the page says),
  with the HTTP status and the response headers it came with, chained by hash
  to the previous version of its watch (:mod:`store.chain`);
* ``checks``: one row per fetch attempt, failed ones included;
* the facts of each version: one JSON document per version, stored as a
  blob like the bodies (``versions.facts_sha``), so an identical fact set is
  stored once and a version's facts are read in one lookup;
* ``changes``: the fact-level change events between consecutive versions.

``origin`` on checks and changes says whether a row comes from a check of
the live page (``check``) or from a backfill out of a web archive
(``backfill``, never alerted).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use UTC-aware datetimes")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with a stable constraint naming convention."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class Watch(Base):
    """A watched URL; ``parent_id`` is set for documents followed from a page."""

    __tablename__ = "watches"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    url: Mapped[str] = mapped_column(Text)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("watches.id"))
    created_at: Mapped[datetime]
    last_body_sha: Mapped[str | None] = mapped_column(String(64))
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)


class Blob(Base):
    """One distinct byte string, stored once and compressed.

    ``base_sha`` names the blob this one is a delta against (``None``: a
    full snapshot); ``depth`` counts the deltas from the nearest snapshot, so
    reading a blob decodes ``depth + 1`` frames.
    """

    __tablename__ = "blobs"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]
    base_sha: Mapped[str | None] = mapped_column(String(64))
    depth: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Version(Base):
    """One distinct content of a watch; ``seq`` counts 1, 2, ... per watch."""

    __tablename__ = "versions"
    __table_args__ = (UniqueConstraint("watch_id", "seq"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    watch_id: Mapped[int] = mapped_column(ForeignKey("watches.id"), index=True)
    seq: Mapped[int]
    created_at: Mapped[datetime]
    body_sha: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"))
    text_sha: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"))
    facts_sha: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"))
    url: Mapped[str] = mapped_column(Text)
    content_type: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[int] = mapped_column(Integer, default=200)
    headers: Mapped[list[Any] | None] = mapped_column(JSON)
    chain_prev: Mapped[str | None] = mapped_column(String(64))
    chain_sha: Mapped[str] = mapped_column(String(64))


class Check(Base):
    """One attempt to fetch a watch, whatever its outcome."""

    __tablename__ = "checks"
    __table_args__ = (Index("ix_checks_watch_started", "watch_id", "started_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    watch_id: Mapped[int] = mapped_column(ForeignKey("watches.id"))
    started_at: Mapped[datetime]
    duration: Mapped[float] = mapped_column(Float)
    status: Mapped[int | None]
    outcome: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(40))
    error: Mapped[str | None] = mapped_column(Text)
    body_sha: Mapped[str | None] = mapped_column(String(64))
    version_id: Mapped[int | None] = mapped_column(ForeignKey("versions.id"))
    origin: Mapped[str] = mapped_column(String(10), default="check", server_default="check")
    worker: Mapped[str | None] = mapped_column(String(200))


class ChangeRow(Base):
    """One fact-level change event between two consecutive versions of a watch."""

    __tablename__ = "changes"
    __table_args__ = (Index("ix_changes_watch_detected", "watch_id", "detected_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    watch_id: Mapped[int] = mapped_column(ForeignKey("watches.id"))
    check_id: Mapped[int] = mapped_column(ForeignKey("checks.id"))
    version_before_id: Mapped[int | None] = mapped_column(ForeignKey("versions.id"))
    version_after_id: Mapped[int] = mapped_column(ForeignKey("versions.id"))
    detected_at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(20))
    change: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str] = mapped_column(Text)
    section: Mapped[str] = mapped_column(Text, default="")
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    added: Mapped[list[Any]] = mapped_column(JSON, default=list)
    removed: Mapped[list[Any]] = mapped_column(JSON, default=list)
    evidence_before: Mapped[str | None] = mapped_column(Text)
    evidence_after: Mapped[str | None] = mapped_column(Text)
    period_before: Mapped[str | None] = mapped_column(String(40))
    period_after: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(String(40))
    fact_id: Mapped[str | None] = mapped_column(String(32))
    origin: Mapped[str] = mapped_column(String(10), default="check", server_default="check")
