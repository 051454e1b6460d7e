"""What every configuration model shares: strict, frozen pydantic models and the name rule.

The one settings module (:mod:`monitor.settings`) loads the configuration;
packages below it declare the options they read as models built on
:class:`StrictModel`, and it assembles them.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict

NAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,79}$"
"""Names of watches and alert channels: lower case, digits, ``.``, ``_`` and ``-``."""


class StrictModel(BaseModel):
    """A configuration model: unknown keys are errors, values never change."""

    model_config = ConfigDict(extra="forbid", frozen=True)


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m|h|d|w)?\s*$", re.IGNORECASE)
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(value: object) -> float:
    """Seconds from ``"6h"``, ``"30m"``, ``"0.5s"``, ``"250ms"``, ``"2d"`` or a number."""
    if isinstance(value, bool):
        raise ValueError("a duration like 30m, 6h or 0.5s")
    if isinstance(value, int | float):
        return float(value)
    match = _DURATION.match(str(value))
    if not match:
        raise ValueError(f"{value!r} is not a duration (e.g. 30m, 6h, 0.5s, 1d)")
    return float(match.group(1)) * _UNITS[(match.group(2) or "s").lower()]


Duration = Annotated[float, BeforeValidator(parse_duration)]
"""A number of seconds, written as a number or as ``30m``, ``6h``, ``0.5s``, ``1d``."""
