"""What a page states: a :class:`Fact`, with where it was found and why.

A fact's ``value`` uses the public JSON shapes of ``factwatch facts --json``;
each fact kind (see :mod:`model.kinds`) declares its own:

* membership: ``{"members": ["Canada", ...]}`` (sorted, canonical names)
* figure: ``{"amount": 29400000, "qualifier": "over" | None, "unit": "reports"}``
* date: ``{"date": "2022-03"}`` (ISO 8601 at the precision the text gives)
* collection: ``{"entries": [{"date": "2020-03-19" | None, "title": "..."}, ...]}``
  (the entries of a news list or change log, as the page orders them)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Fact:
    """One fact stated by a page, with where it was found and why.

    ``subject`` names what the fact is about: the group for a membership,
    the counted unit (and what it counts) for a figure, the event for a date
    ("Principles launched", "page modified"), the heading of a collection.
    ``period`` is the reference period a figure or date is stated for
    ("2021"), when the sentence gives one. ``rule`` is the name of the
    extractor that found it. ``block`` is the index in the document's block
    sequence of the block that states it (for a fact spanning several blocks,
    a list or a table, the block it starts at); -1 when no block states it
    (the page's own modification date). ``id`` is the fact's identity across
    versions: a fact that the diff pairs with one of the previous version keeps
    that one's id, so its history can be followed. ``block`` and ``id`` place
    the fact, they are not part of what it says: facts equal but for them are equal.
    """

    kind: str
    subject: str
    value: dict[str, Any]
    evidence: str = ""
    section: str = ""
    period: str | None = None
    rule: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    block: int = field(default=-1, compare=False)
    id: str = field(default="", compare=False)

    def to_json(self) -> dict[str, Any]:
        """The fact in the public JSON shape (``facts --json``)."""
        out: dict[str, Any] = {"kind": self.kind, "subject": self.subject}
        out.update(self.value)
        out["evidence"] = self.evidence
        out["section"] = self.section
        out["period"] = self.period
        return out
