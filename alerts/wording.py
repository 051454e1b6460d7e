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


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")  # fmt: skip
PAGE_MODIFIED = "page-modified"
_PAGE_MODIFIED_SUBJECTS = frozenset({"date modified", "page modified", "date de modification"})


def date_words(iso_date: str) -> str:
    """ "2020-03" -> "March 2020"; "2020-03-05" -> "March 5, 2020"; anything else as is."""
    parts = iso_date.split("-")
    if len(parts) < 2 or not all(p.isdigit() for p in parts) or not 1 <= int(parts[1]) <= 12:
        return iso_date
    month = _MONTHS[int(parts[1]) - 1]
    if len(parts) == 2:
        return f"{month} {parts[0]}"
    return f"{month} {int(parts[2])}, {parts[0]}"


def format_value(kind: str, value: dict[str, Any] | None, *, human_dates: bool = False) -> str:
    """A fact value in words: members joined, "over 11 million notifications", a date.

    Dates are ISO 8601 ("2020-03") unless ``human_dates`` asks for "March 2020".
    """
    if value is None:
        return "-"
    if kind == "membership":
        return ", ".join(value.get("members", []))
    if kind == "figure":
        return _figure_words(value)
    if kind == "date":
        show = date_words if human_dates else str
        start, end = str(value.get("date")), value.get("date_end")
        return f"{show(start)} to {show(str(end))}" if end else show(start)
    return ", ".join(f"{k}: {v}" for k, v in value.items())


def alert_kind(change: Change) -> str:
    """The ``alert_on`` kind of a change: its fact kind, or ``page-modified``.

    The page's own "Date modified" stamp moves with every edit, so it has a
    kind of its own that alerts only when a watch asks for it.
    """
    if change.kind == "date" and change.subject.strip().casefold() in _PAGE_MODIFIED_SUBJECTS:
        return PAGE_MODIFIED
    return change.kind


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


def describe(change: Change, *, human_dates: bool = False) -> str:
    """One plain sentence for a change event.

    ``human_dates`` writes dates as "March 2020" (alerts) instead of ISO 8601.
    """
    if change.kind == "membership":
        return _membership(change)
    if change.kind in ("extraction", "link"):
        return change.subject
    before = format_value(change.kind, change.before, human_dates=human_dates)
    after = format_value(change.kind, change.after, human_dates=human_dates)
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
