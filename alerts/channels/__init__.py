"""The alert channels: a registry of channel types, each with its options model.

A channel type registers itself with :func:`register`, naming its config key
(``email``, ``slack``, ``webhook``), the pydantic model that validates its
options, and a sender. A sender turns one :class:`Outgoing` message into one
delivery and returns only when the receiving server accepted it; otherwise it
raises :class:`~model.errors.DeliveryError` (retry later) or
:class:`~model.errors.PermanentDeliveryError` (retrying will not help).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict

IDEMPOTENCY_HEADER = "X-Factwatch-Idempotency-Key"


class ChannelOptions(BaseModel):
    """Base of every channel's options (unknown keys are errors).

    ``allow_private_networks`` lets the channel reach a target on a loopback,
    private or otherwise non-public address (an SMTP relay on this machine, a
    webhook on the internal network); by default such targets are refused,
    whatever ``fetch.allow_private_networks`` says.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    allow_private_networks: bool = False

    def pace_key(self) -> str | None:
        """Messages with the same key share the channel type's rate limit."""
        return None


@dataclass(frozen=True)
class Outgoing:
    """One message to deliver: an outbox row's content and its stable key."""

    key: str
    kind: str
    payload: dict[str, Any]
    created_at: datetime


OptionsT = TypeVar("OptionsT", bound=ChannelOptions)
Sender = Callable[[Any, Outgoing], None]


@dataclass(frozen=True)
class ChannelType:
    """A registered channel type."""

    name: str
    options: type[ChannelOptions]
    send: Sender
    min_interval: float = 0.0


CHANNEL_TYPES: dict[str, ChannelType] = {}


def register(
    name: str, options: type[OptionsT], *, min_interval: float = 0.0
) -> Callable[[Callable[[OptionsT, Outgoing], None]], Callable[[OptionsT, Outgoing], None]]:
    """Register the decorated function as the sender of channel type ``name``."""

    def decorate(
        send: Callable[[OptionsT, Outgoing], None],
    ) -> Callable[[OptionsT, Outgoing], None]:
        CHANNEL_TYPES[name] = ChannelType(name, options, send, min_interval)
        return send

    return decorate


def channel_type(name: str) -> ChannelType:
    """The registered channel type ``name`` (KeyError if unknown)."""
    return CHANNEL_TYPES[name]


# The built-in channel types register themselves on import.
for _module in ("email", "slack", "webhook"):
    importlib.import_module(f"alerts.channels.{_module}")
