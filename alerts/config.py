"""The options alert delivery reads: ``alerts:`` channels and ``delivery:``.

:mod:`monitor.settings` assembles these into the whole configuration; the
deliverer (:mod:`alerts.deliver`) needs only what :class:`DeliveryConfig`
names, so it never depends on the settings module.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from pydantic import Field, create_model, model_validator

from alerts.channels import CHANNEL_TYPES, ChannelOptions
from model.config import NAME_PATTERN, Duration, StrictModel


class _ChannelBase(StrictModel):
    """One alert channel (an item of ``alerts:``): a name and one channel key."""

    name: str = Field(pattern=NAME_PATTERN)

    @model_validator(mode="after")
    def _exactly_one(self) -> _ChannelBase:
        given = [t for t in CHANNEL_TYPES if getattr(self, t, None) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of {', '.join(CHANNEL_TYPES)} (got {len(given)})")
        return self

    @property
    def type(self) -> str:
        """The channel type: ``email``, ``slack`` or ``webhook``."""
        return next(t for t in CHANNEL_TYPES if getattr(self, t, None) is not None)

    @property
    def options(self) -> ChannelOptions:
        """The channel type's validated options."""
        options: ChannelOptions = getattr(self, self.type)
        return options


if TYPE_CHECKING:
    AlertChannelSettings = _ChannelBase
else:  # one optional key per registered channel type, validated by its options model
    AlertChannelSettings = create_model(
        "AlertChannelSettings",
        __base__=_ChannelBase,
        **{name: (t.options | None, None) for name, t in CHANNEL_TYPES.items()},
    )


class DeliverySettings(StrictModel):
    """How alerts are delivered (``delivery:``)."""

    max_attempts: int = Field(8, ge=1)
    backoff_base: Duration = Field(30.0, gt=0)
    backoff_cap: Duration = Field(3600.0, gt=0)
    lease: Duration = Field(120.0, gt=0)
    flush_timeout: Duration = Field(30.0, ge=0)
    batch_size: int = Field(50, ge=1)
    health_failures: int = Field(3, ge=0)


class DeliveryConfig(Protocol):
    """What the deliverer reads: the channels and the delivery policy."""

    @property
    def alerts(self) -> Sequence[AlertChannelSettings]: ...

    @property
    def delivery(self) -> DeliverySettings: ...
