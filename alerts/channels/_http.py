"""One HTTP POST with the status mapping shared by the Slack and webhook channels."""

from __future__ import annotations

from typing import TYPE_CHECKING

from model.errors import DeliveryError, PermanentDeliveryError
from model.http import retry_after_seconds
from model.timefmt import utcnow

if TYPE_CHECKING:
    import httpx

RETRY_AFTER_CAP = 3600.0


def check_status(response: httpx.Response) -> None:
    """Return on 2xx; raise the matching delivery error otherwise."""
    status = response.status_code
    if 200 <= status < 300:
        return
    detail = f"HTTP {status}: {response.text[:200].strip()}"
    if status == 429:
        wait = retry_after_seconds(response.headers.get("Retry-After"), utcnow(), RETRY_AFTER_CAP)
        raise DeliveryError(detail, retry_after=wait)
    if status >= 500 or status == 408:
        raise DeliveryError(detail)
    raise PermanentDeliveryError(detail)


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> None:
    """POST ``body``; return only when the server answered 2xx."""
    import httpx  # loaded on the first delivery, not with the configuration

    try:
        with httpx.Client(timeout=timeout, follow_redirects=False) as client:
            response = client.post(url, content=body, headers=headers)
    except httpx.TimeoutException as exc:
        raise DeliveryError(f"timeout after {timeout:g}s ({type(exc).__name__})") from None
    except httpx.HTTPError as exc:
        raise DeliveryError(f"connection failed: {exc}") from None
    check_status(response)
