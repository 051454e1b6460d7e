"""SQLAlchemy models of the state a cluster of workers shares (migration ``0009``).

* ``check_slots``: one row per watch and slot (its planned run time) that a
  check was recorded for, written in the check's own transaction; the unique
  key makes a redelivered or duplicated task for a recorded slot do nothing;
* ``host_gates``: per host, when the next request may start (the politeness
  delay or a server's ``Retry-After``), for every worker;
* ``workers``: each worker process seen, with its last task and counts.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from store.models import Base


class CheckSlot(Base):
    """The check recorded for ``watch_id`` at its planned run time ``slot``."""

    __tablename__ = "check_slots"
    __table_args__ = (Index("ix_check_slots_watch_slot", "watch_id", "slot", unique=True),)
    id: Mapped[int] = mapped_column(primary_key=True)
    watch_id: Mapped[int] = mapped_column(ForeignKey("watches.id"))
    slot: Mapped[datetime]
    check_id: Mapped[int] = mapped_column(ForeignKey("checks.id"))
    recorded_at: Mapped[datetime]


class HostGate(Base):
    """When the next request to ``host`` may start, whichever worker makes it."""

    __tablename__ = "host_gates"
    host: Mapped[str] = mapped_column(String(255), primary_key=True)
    ready_at: Mapped[datetime]


class WorkerRow(Base):
    """A worker process (``host:pid``): when it was seen, its last task, its counts."""

    __tablename__ = "workers"
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    host: Mapped[str] = mapped_column(String(200))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime]
    seen_at: Mapped[datetime]
    last_task_at: Mapped[datetime | None]
    last_watch: Mapped[str | None] = mapped_column(String(200))
    tasks: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
