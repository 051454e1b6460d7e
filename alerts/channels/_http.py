"""One HTTP POST with the status mapping shared by the Slack and webhook channels."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from monitor.errors import DeliveryError, PermanentDeliveryError

RETRY_AFTER_CAP = 3600.0


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), RETRY_AFTER_CAP)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    seconds = (moment - (now or datetime.now(UTC))).total_seconds()
    return min(max(seconds, 0.0), RETRY_AFTER_CAP)


def check_status(response: httpx.Response) -> None:
    """Return on 2xx; raise the matching delivery error otherwise."""
    status = response.status_code
    if 200 <= status < 300:
        return
    detail = f"HTTP {status}: {response.text[:200].strip()}"
    if status == 429:
        raise DeliveryError(detail, retry_after=retry_after(response.headers.get("Retry-After")))
    if status >= 500 or status == 408:
        raise DeliveryError(detail)
    raise PermanentDeliveryError(detail)


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> None:
    """POST ``body``; return only when the server answered 2xx."""
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False) as client:
            response = client.post(url, content=body, headers=headers)
    except httpx.TimeoutException as exc:
        raise DeliveryError(f"timeout after {timeout:g}s ({type(exc).__name__})") from None
    except httpx.HTTPError as exc:
        raise DeliveryError(f"connection failed: {exc}") from None
    check_status(response)
