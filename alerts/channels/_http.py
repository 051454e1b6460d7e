"""One HTTP POST with the status mapping shared by the Slack and webhook channels.

The POST goes through the connection gate (:mod:`model.netgate`): a target
that resolves to a non-public address is refused unless the channel sets
``allow_private_networks: true``, and the connection goes to the very
address that was checked. The channel's ``timeout`` bounds the whole
attempt, and at most :data:`MAX_REPLY` bytes of the reply are read (enough
to log why it failed); the rest is never downloaded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from model import budget
from model.errors import BlockedTargetError, DeliveryError, PermanentDeliveryError
from model.http import retry_after_seconds
from model.netgate import Gate
from model.timefmt import utcnow

if TYPE_CHECKING:
    import httpx

RETRY_AFTER_CAP = 3600.0
MAX_REPLY = 4096
MAX_DETAIL = 200
CHANNEL_SETTING = "allow_private_networks on the channel"


def check_status(status: int, reply: bytes, retry_after: str | None = None) -> None:
    """Return on 2xx; raise the matching delivery error otherwise."""
    if 200 <= status < 300:
        return
    text = reply.decode("utf-8", "replace")[:MAX_DETAIL].strip()
    detail = f"HTTP {status}: {text}"
    if status == 429:
        wait = retry_after_seconds(retry_after, utcnow(), RETRY_AFTER_CAP)
        raise DeliveryError(detail, retry_after=wait)
    if status >= 500 or status == 408:
        raise DeliveryError(detail)
    raise PermanentDeliveryError(detail)


def read_capped(response: httpx.Response, cap: int = MAX_REPLY) -> bytes:
    """At most ``cap`` bytes of the reply's body."""
    data = b""
    for chunk in response.iter_bytes():
        data += chunk
        if len(data) >= cap:
            return data[:cap]
    return data


def post(
    url: str, body: bytes, headers: dict[str, str], timeout: float, allow_private: bool = False
) -> None:
    """POST ``body``; return only when the server answered 2xx."""
    import httpx  # loaded on the first delivery, not with the configuration

    from model.netgate import gated_transport

    transport = gated_transport(Gate(allow_private, CHANNEL_SETTING))
    try:
        with (
            budget.within(timeout),
            httpx.Client(timeout=timeout, transport=transport, trust_env=False) as client,
            client.stream("POST", url, content=body, headers=headers) as response,
        ):
            status, retry_after = response.status_code, response.headers.get("Retry-After")
            reply = b"" if 200 <= status < 300 else read_capped(response)
    except BlockedTargetError as exc:
        raise PermanentDeliveryError(str(exc)) from None
    except httpx.TimeoutException as exc:
        raise DeliveryError(f"timeout after {timeout:g}s ({type(exc).__name__})") from None
    except httpx.HTTPError as exc:
        raise DeliveryError(f"connection failed: {exc}") from None
    check_status(status, reply, retry_after)
