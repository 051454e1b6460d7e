"""SQLAlchemy models of the scheduler's state (migration ``0003``).

* ``scheduler_lease``: one row per database; the running scheduler holds it
  and renews it (its heartbeat), a second one waits until it expires;
* ``watch_schedule``: per watch, the next planned run, any ``Retry-After``
  a server asked for (the rhythm itself comes from the last recorded check)
  and the fingerprint of the ``follow`` rules its links were picked with;
* ``misfires``: one row each time a run was due while nothing ran it (the
  service was down or saturated); the runs it missed were coalesced into one;
* ``followed_links``: the documents a page cites that a ``follow`` rule
  picked, each with the child watch that tracks it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from store.models import Base

LEASE_NAME = "scheduler"


class SchedulerLease(Base):
    """Who schedules on this database, and until when (``expires_at``)."""

    __tablename__ = "scheduler_lease"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(200))
    acquired_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]


class WatchSchedule(Base):
    """The scheduler's plan for one watch."""

    __tablename__ = "watch_schedule"
    watch_id: Mapped[int] = mapped_column(ForeignKey("watches.id"), primary_key=True)
    next_run_at: Mapped[datetime | None]
    retry_after_until: Mapped[datetime | None]
    follow_sig: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime]


class Misfire(Base):
    """A run that was due at ``due_at`` but started late; ``missed`` runs coalesced."""

    __tablename__ = "misfires"
    id: Mapped[int] = mapped_column(primary_key=True)
    watch_id: Mapped[int] = mapped_column(ForeignKey("watches.id"), index=True)
    due_at: Mapped[datetime]
    detected_at: Mapped[datetime]
    missed: Mapped[int] = mapped_column(Integer, default=1)


class FollowedLink(Base):
    """A link a watched page cites and a ``follow`` rule picked (``active`` while cited)."""

    __tablename__ = "followed_links"
    __table_args__ = (Index("ix_followed_links_parent_url", "parent_id", "url", unique=True),)
    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int] = mapped_column(ForeignKey("watches.id"))
    url: Mapped[str] = mapped_column(String(2000))
    text: Mapped[str] = mapped_column(Text, default="")
    child_name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
