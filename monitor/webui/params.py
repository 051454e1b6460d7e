"""Query parameters shared by the pages and the API: times and kinds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from store.audit import QueryError

CHANGE_KINDS = ("membership", "figure", "date", "link", "extraction")


def parse_when(value: str | None, *, end: bool = False) -> datetime | None:
    """ISO 8601 (``2026-12-01``, ``2026-12-01T06:00``, ``...Z``); naive means UTC.

    With ``end`` the time is inclusive to the precision given (``2026-12-01``
    is the whole day), as ``--at`` reads it on the command line.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise QueryError(f"{value!r} is not an ISO 8601 date or time (e.g. 2026-12-01)") from None
    try:
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except OverflowError:
        raise QueryError(f"{value!r} is out of range") from None
    if not end:
        return moment
    try:
        return moment + _precision(text) - timedelta(microseconds=1)
    except OverflowError:
        return moment


def _precision(text: str) -> timedelta:
    clock = text.partition("T")[2] or text.partition(" ")[2]
    if not clock:
        return timedelta(days=1)
    clock = clock.rstrip("Zz").split("+")[0].split("-")[0]
    if "." in clock:
        return timedelta(microseconds=1)
    return timedelta(minutes=1) if clock.count(":") == 1 else timedelta(seconds=1)


def change_kind(value: str | None) -> str | None:
    """A change kind filter (``None`` for all); :class:`QueryError` for an unknown kind."""
    if not value:
        return None
    if value not in CHANGE_KINDS:
        raise QueryError(f"unknown kind {value!r}: one of {', '.join(CHANGE_KINDS)}")
    return value
