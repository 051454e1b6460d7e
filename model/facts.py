"""What a page states: a :class:`Fact`, with where it was found and why.

A fact's ``value`` uses the public JSON shapes of ``factwatch facts --json``;
each fact kind (see :mod:`model.kinds`) declares its own:

* membership: ``{"members": ["Canada", ...]}`` (sorted, canonical names)
* figure: ``{"amount": 29400000, "qualifier": "over" | None, "unit": "reports"}``
* date: ``{"date": "2022-03"}`` (ISO 8601 at the precision the text gives)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Fact:
    """One fact stated by a page, with where it was found and why.

    ``subject`` names what the fact is about: the group for a membership,
    the counted unit (and what it counts) for a figure, the event for a date
    ("Principles launched", "page modified"). ``period`` is the reference
    period a figure or date is stated for ("2021"), when the sentence gives
    one. ``rule`` is the name of the extractor that found it.
    """

    kind: str
    subject: str
    value: dict[str, Any]
    evidence: str = ""
    section: str = ""
    period: str | None = None
    rule: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def to_json(self) -> dict[str, Any]:
        """The fact in the public JSON shape (``facts --json``)."""
        out: dict[str, Any] = {"kind": self.kind, "subject": self.subject}
        out.update(self.value)
        out["evidence"] = self.evidence
        out["section"] = self.section
        out["period"] = self.period
        return out
