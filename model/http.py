"""HTTP rules shared by fetching pages and delivering alerts."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

_HTTP_URL = re.compile(r"^https?://[^/\s]+", re.IGNORECASE)


def retry_after_seconds(value: str | None, now: datetime, cap: float) -> float | None:
    """Seconds a ``Retry-After`` header asks for, capped at ``cap``; ``None`` if unusable.

    The header is a number of seconds or an HTTP date; HTTP dates are always
    GMT, so one written without a zone is read as UTC.
    """
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), cap)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, min((moment - now).total_seconds(), cap))


def http_url(value: str) -> str:
    """``value`` if it is an absolute http(s) URL with a host (a pydantic validator)."""
    if not _HTTP_URL.match(value):
        raise ValueError("must be an http:// or https:// URL")
    return value


def host_of(url: str) -> str:
    """The host a URL points at, lower-cased (the unit of per-host limits)."""
    return (urlsplit(url).hostname or "").lower()
