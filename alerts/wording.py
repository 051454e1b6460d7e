"""Plain words and the public JSON shape for change events.

:func:`describe` turns a :class:`~alerts.diff.Change` into the sentence a
person reads at a glance ("G7 ...: European Union removed (8 -> 7 members)");
:func:`event_json` gives the ``changes --json`` contract shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from alerts.diff import Change

_SCALES = ((1_000_000_000, "billion"), (1_000_000, "million"))


def format_amount(amount: float | int) -> str:
    """29400000 -> "29.4 million"; 1000 -> "1,000"."""
    for size, word in _SCALES:
        if abs(amount) >= size:
            scaled = f"{amount / size:.3f}".rstrip("0").rstrip(".")
            return f"{scaled} {word}"
    if float(amount).is_integer():
        return f"{int(amount):,}"
    return f"{amount:,}"


def format_value(kind: str, value: dict[str, Any] | None) -> str:
    """A fact value in words: members joined, "over 11 million notifications", a date."""
    if value is None:
        return "-"
    if kind == "membership":
        return ", ".join(value.get("members", []))
    if kind == "figure":
        return _figure_words(value)
    if kind == "date":
        end = value.get("date_end")
        return f"{value.get('date')} to {end}" if end else str(value.get("date"))
    return ", ".join(f"{k}: {v}" for k, v in value.items())


def _figure_words(value: dict[str, Any]) -> str:
    amount = value.get("amount")
    text = format_amount(amount) if isinstance(amount, int | float) else str(amount)
    if value.get("amount_max") is not None:
        text = f"{text} to {format_amount(value['amount_max'])}"
    if value.get("percent"):
        text += "%"
    if value.get("currency"):
        text = f"{value['currency']} {text}"
    if value.get("qualifier"):
        text = f"{value['qualifier']} {text}"
    return text


def _membership(change: Change) -> str:
    before = len((change.before or {}).get("members", []))
    after = len((change.after or {}).get("members", []))
    parts = []
    if change.added:
        parts.append(f"{', '.join(change.added)} added")
    if change.removed:
        parts.append(f"{', '.join(change.removed)} removed")
    if change.change == "added":
        return f"{change.subject}: new group with {after} members ({', '.join(change.added)})"
    if change.change == "removed":
        return f"{change.subject}: no longer listed (had {before} members)"
    return f"{change.subject}: {'; '.join(parts)} ({before} -> {after} members)"


def _period_words(change: Change) -> str:
    if change.note == "new-period":
        return f" (new figure for {change.period_after}; was for {change.period_before})"
    if change.note == "correction":
        return f" (correction for {change.period_after})"
    return ""


def describe(change: Change) -> str:
    """One plain sentence for a change event."""
    if change.kind == "membership":
        return _membership(change)
    if change.kind in ("extraction", "link"):
        return change.subject
    before = format_value(change.kind, change.before)
    after = format_value(change.kind, change.after)
    if change.change == "added":
        return f"{change.subject}: {after} (new)"
    if change.change == "removed":
        return f"{change.subject}: {before} (no longer stated)"
    return f"{change.subject}: {before} -> {after}{_period_words(change)}"


@dataclass(frozen=True)
class EventMeta:
    """Where and when a stored change event happened."""

    id: int
    watch: str
    url: str
    detected_at: datetime
    version_before: int | None
    version_after: int


def iso(moment: datetime) -> str:
    """UTC ISO 8601 with a ``Z``, to the second."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def event_json(change: Change, meta: EventMeta) -> dict[str, Any]:
    """The ``factwatch changes --json`` object of one event."""
    return {
        "id": meta.id,
        "watch": meta.watch,
        "url": meta.url,
        "detected_at": iso(meta.detected_at),
        "kind": change.kind,
        "change": change.change,
        "subject": change.subject,
        "section": change.section,
        "before": change.before,
        "after": change.after,
        "added": list(change.added),
        "removed": list(change.removed),
        "evidence_before": change.evidence_before,
        "evidence_after": change.evidence_after,
        "period_before": change.period_before,
        "period_after": change.period_after,
        "note": change.note,
        "summary": describe(change),
        "version_before": meta.version_before,
        "version_after": meta.version_after,
    }
