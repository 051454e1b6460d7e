"""The one timestamp format of factwatch's JSON and logs: RFC 3339 in UTC with ``Z``."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


def iso(moment: datetime, *, ms: bool = False) -> str:
    """``2026-11-30T12:20:45Z`` (``ms``: ``...45.123Z``); a naive time is taken as UTC."""
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    text = aware.isoformat(timespec="milliseconds" if ms else "seconds")
    return text.replace("+00:00", "Z")


def iso_or_none(moment: datetime | None, *, ms: bool = False) -> str | None:
    """:func:`iso`, or ``None`` for no time."""
    return None if moment is None else iso(moment, ms=ms)
