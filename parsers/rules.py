"""User-defined extraction rules: a regex with a named ``value`` group."""

from __future__ import annotations

import re
from dataclasses import dataclass

from model.kinds import rule_kinds


@dataclass(frozen=True)
class PatternRule:
    """A watch's own rule: ``regex`` has a ``(?P<value>...)`` group (and may have ``subject``).

    ``kind`` is membership, figure or date; ``subject`` names the fact when the
    regex has no ``subject`` group (default: the rule's name).
    """

    name: str
    kind: str
    regex: str
    subject: str | None = None

    def __post_init__(self) -> None:
        self.compiled()

    def compiled(self) -> re.Pattern[str]:
        """The compiled regex; raises ValueError with a clear message when it is unusable."""
        if self.kind not in rule_kinds():
            kinds = ", ".join(rule_kinds())
            raise ValueError(f"rule {self.name!r}: kind must be one of {kinds}, not {self.kind!r}")
        return _compile(self.name, self.regex)


def _compile(name: str, regex: str) -> re.Pattern[str]:
    try:
        pattern = re.compile(regex)
    except re.error as exc:
        raise ValueError(f"rule {name!r}: the regex does not compile: {exc}") from exc
    if "value" not in pattern.groupindex:
        raise ValueError(f"rule {name!r}: the regex needs a named group (?P<value>...)")
    return pattern
