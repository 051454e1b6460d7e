"""SQLAlchemy model of the alert outbox (``alert_outbox``).

One row is one message to one channel: written in the same transaction as the
check whose changes (or health transition) cause it, then claimed, sent and
marked by the deliverer (:mod:`alerts.outbox`). ``key`` is the row's stable
idempotency key: the email Message-ID and the webhook idempotency header are
derived from it, so a resend after a crash carries the same id.

``status`` is ``pending`` (waiting or retrying), ``sent`` or ``dead``. A
deliverer claims a row by writing ``claim_token`` and a lease
(``claimed_until``); an expired lease may be claimed again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from store.models import Base


class OutboxRow(Base):
    """One alert message waiting for, or done with, delivery to one channel."""

    __tablename__ = "alert_outbox"
    __table_args__ = (Index("ix_alert_outbox_due", "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    channel: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    watch_id: Mapped[int | None] = mapped_column(ForeignKey("watches.id"), index=True)
    check_id: Mapped[int | None] = mapped_column(ForeignKey("checks.id"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime]
    claim_token: Mapped[str | None] = mapped_column(String(40))
    claimed_until: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
