"""SQLAlchemy model of the findings (migration ``0006``).

``findings``: one row per finding, from the check that opened it until the
one that resolved it. A finding compares two watches (``left_id``: the page,
or the original language; ``right_id``: the statement it cites, or the
translation) and belongs to ``owner_id``, whose alert policy it follows.
``key`` identifies the two linked facts; ``detail`` is the finding's public
JSON (both values, evidence sentences, sources and dates). Each opening,
change and resolution is also a change event of kind ``discrepancy`` or
``parity`` in ``changes``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from store.models import Base


class FindingRow(Base):
    """A disagreement between two watches' facts: open while ``resolved_at`` is null."""

    __tablename__ = "findings"
    __table_args__ = (
        Index("ix_findings_pair", "left_id", "right_id", "resolved_at"),
        Index("ix_findings_owner", "owner_id", "opened_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(200))
    owner_id: Mapped[int] = mapped_column(ForeignKey("watches.id"))
    left_id: Mapped[int] = mapped_column(ForeignKey("watches.id"))
    right_id: Mapped[int] = mapped_column(ForeignKey("watches.id"))
    subject: Mapped[str] = mapped_column(Text)
    section: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
    opened_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    resolution: Mapped[str | None] = mapped_column(String(20))
