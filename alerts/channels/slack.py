"""The ``slack`` channel: a Block Kit message to an incoming webhook.

At most one message per second goes to one webhook URL (Slack's limit); a
429 answer's ``Retry-After`` sets the next attempt.
"""

from __future__ import annotations

import json

from pydantic import Field, SecretStr, field_validator

from alerts import render
from alerts.channels import IDEMPOTENCY_HEADER, ChannelOptions, Outgoing, register
from alerts.channels._http import post
from model.http import http_url


class SlackOptions(ChannelOptions):
    """Options of a ``slack:`` channel."""

    webhook_url: SecretStr
    timeout: float = Field(10.0, gt=0)

    @field_validator("webhook_url")
    @classmethod
    def _http_url(cls, value: SecretStr) -> SecretStr:
        http_url(value.get_secret_value())
        return value

    def pace_key(self) -> str | None:
        """One rate limit per webhook URL."""
        return self.webhook_url.get_secret_value()


@register("slack", SlackOptions, min_interval=1.0)
def send_slack(options: SlackOptions, message: Outgoing) -> None:
    """POST the alert to the webhook; return only on a 2xx answer."""
    body = render.slack_message(render.content(message.kind, message.payload))
    headers = {"Content-Type": "application/json", IDEMPOTENCY_HEADER: message.key}
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    post(
        options.webhook_url.get_secret_value(),
        data,
        headers,
        options.timeout,
        options.allow_private_networks,
    )
