"""One fact-level change event, and its one (de)serialisation.

:class:`Change` is the diff engine's output and what the store keeps per
event; :func:`change_to_dict` and :func:`change_from_dict` are the only
mapping between it and the dictionaries of the store's rows, the alert
payloads and the JSON output.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Change:
    """One fact-level change event (the shape behind ``changes --json``).

    ``note`` qualifies a change: ``new-period`` (a figure for another
    reference period), ``correction`` (same period, other value),
    ``qualifier`` (only "over"/"nearly"/... changed), ``structure`` (an
    extraction event), ``flap`` (undoes a recent change: A -> B -> A).
    ``fact_id`` is the identity of the fact the event is about
    (:attr:`model.facts.Fact.id`), when it is about one fact.
    """

    kind: str
    change: str
    subject: str
    section: str = ""
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    evidence_before: str | None = None
    evidence_after: str | None = None
    period_before: str | None = None
    period_after: str | None = None
    note: str | None = None
    fact_id: str | None = None


CHANGE_FIELDS: tuple[str, ...] = tuple(Change.__dataclass_fields__)
_LISTS = ("added", "removed")


def change_to_dict(change: Change) -> dict[str, Any]:
    """The change as a plain dictionary (lists for ``added``/``removed``)."""
    out = {name: getattr(change, name) for name in CHANGE_FIELDS}
    for name in _LISTS:
        out[name] = list(out[name])
    return out


def change_from_dict(data: Mapping[str, Any]) -> Change:
    """The change a dictionary (a stored row's columns, a JSON event) holds.

    Unknown keys are ignored, so a ``changes --json`` event reads back as is.
    """
    fields: dict[str, Any] = {name: data.get(name) for name in CHANGE_FIELDS}
    fields["section"] = fields["section"] or ""
    for name in _LISTS:
        fields[name] = tuple(fields[name] or ())
    return Change(**fields)
