"""The public JSON shape of one stored change event (``factwatch changes --json``).

The same objects go into alert payloads (the webhook posts them as they are)
and, later, the JSON API; :func:`event_json` is their one writer and
:func:`model.changes.change_from_dict` reads them back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from model.changes import Change, change_to_dict
from model.kinds import describe
from model.timefmt import iso


@dataclass(frozen=True)
class EventMeta:
    """Where and when a stored change event happened."""

    id: int
    watch: str
    url: str
    detected_at: datetime
    version_before: int | None
    version_after: int


def event_json(change: Change, meta: EventMeta) -> dict[str, Any]:
    """The ``factwatch changes --json`` object of one event."""
    return {
        "id": meta.id,
        "watch": meta.watch,
        "url": meta.url,
        "detected_at": iso(meta.detected_at),
        **change_to_dict(change),
        "summary": describe(change),
        "version_before": meta.version_before,
        "version_after": meta.version_after,
    }
