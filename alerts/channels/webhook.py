"""The ``webhook`` channel: the alert as JSON, signed with HMAC-SHA256.

The body is ``{"id", "kind", "watch", "title", "url", "detected_at",
"events": [...]}`` where ``events`` are the ``factwatch changes --json``
objects (empty for health and test messages, which carry their fields
instead). Headers: ``X-Factwatch-Signature: sha256=<hex HMAC-SHA256 of the
body with the secret>`` and ``X-Factwatch-Idempotency-Key`` (also the body's
``id``), the same on every attempt of one alert.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from pydantic import Field, SecretStr, field_validator

from alerts.channels import IDEMPOTENCY_HEADER, ChannelOptions, Outgoing, register
from alerts.channels._http import post
from model.http import http_url

SIGNATURE_HEADER = "X-Factwatch-Signature"


class WebhookOptions(ChannelOptions):
    """Options of a ``webhook:`` channel."""

    url: str
    secret: SecretStr
    timeout: float = Field(10.0, gt=0)
    headers: dict[str, str] = Field(default_factory=dict)

    _http_url = field_validator("url")(http_url)

    @field_validator("secret")
    @classmethod
    def _not_empty(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value():
            raise ValueError("the signing secret must not be empty")
        return value


def signature(secret: str, body: bytes) -> str:
    """The signature header value: ``sha256=`` and the hex HMAC of ``body``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def webhook_body(message: Outgoing) -> dict[str, Any]:
    """The JSON document POSTed for ``message``."""
    payload = dict(message.payload)
    events = payload.pop("events", [])
    return {"id": message.key, "kind": message.kind, **payload, "events": events}


@register("webhook", WebhookOptions)
def send_webhook(options: WebhookOptions, message: Outgoing) -> None:
    """POST the signed JSON; return only on a 2xx answer."""
    body = json.dumps(webhook_body(message), ensure_ascii=False, sort_keys=True).encode("utf-8")
    headers = {
        **options.headers,
        "Content-Type": "application/json",
        IDEMPOTENCY_HEADER: message.key,
        SIGNATURE_HEADER: signature(options.secret.get_secret_value(), body),
    }
    post(options.url, body, headers, options.timeout, options.allow_private_networks)
