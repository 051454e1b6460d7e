"""Atom feeds: one entry per check that found changes.

``/feeds/changes.atom`` covers every watch, ``/feeds/watches/{name}.atom``
one. The XML is built with ElementTree (text is escaped, never markup) and
characters XML 1.0 cannot hold are dropped, so hostile page text yields a
valid feed that shows it as text.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from fastapi import APIRouter, Request, Response

from model.changes import Change
from model.kinds import describe, tally
from monitor.webui.app import context
from monitor.webui.views import iso, watch_url
from store import audit
from store.audit import CheckChanges

router = APIRouter(include_in_schema=False)
ATOM = "http://www.w3.org/2005/Atom"
MEDIA = "application/atom+xml; charset=utf-8"
ENTRIES = 50
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 forbids (controls, lone surrogates)."""
    return _NOT_XML.sub("", text)


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", {k: xml_text(v) for k, v in attrs.items()})
    if text is not None:
        element.text = xml_text(text)
    return element


def _event_lines(change: Change) -> list[str]:
    lines = [f"- {describe(change)}"]
    if change.evidence_before and change.evidence_before != change.evidence_after:
        lines.append(f"  was: {change.evidence_before}")
    if change.evidence_after:
        lines.append(f"  now: {change.evidence_after}")
    return lines


def _entry(feed: ET.Element, base: str, item: CheckChanges) -> None:
    entry = _add(feed, "entry")
    query = f"?from={item.version_before}&to={item.version_after}" if item.version_before else ""
    link = (
        base + watch_url(item.watch, "diff") + query
        if query
        else base + watch_url(item.watch, "versions", str(item.version_after))
    )
    count = len(item.events)
    _add(entry, "id", f"{base}/changes?check={item.check_id}")
    _add(entry, "title", f"{item.watch}: {count} change{'s' if count != 1 else ''}")
    _add(entry, "updated", iso(item.detected_at))
    _add(entry, "link", href=link, rel="alternate", type="text/html")
    lines = [line for e in item.events for line in _event_lines(e.change)]
    lines.append(f"Page: {item.url}")
    summary = lines[0][2:] if count == 1 else tally(e.change for e in item.events)
    _add(entry, "summary", summary)
    _add(entry, "content", "\n".join(lines), type="text")


def atom(request: Request, title: str, items: list[CheckChanges]) -> Response:
    """The Atom document for ``items`` (newest first)."""
    base = str(request.base_url).rstrip("/")
    self_url = base + request.url.path
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _add(feed, "id", self_url)
    _add(feed, "title", title)
    updated = items[0].detected_at if items else datetime.now(UTC)
    _add(feed, "updated", iso(updated))
    _add(feed, "link", href=self_url, rel="self", type="application/atom+xml")
    _add(feed, "link", href=base + "/changes", rel="alternate", type="text/html")
    _add(_add(feed, "author"), "name", "factwatch")
    _add(feed, "generator", "factwatch")
    for item in items:
        _entry(feed, base, item)
    body = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return Response(body, media_type=MEDIA)


@router.get("/feeds/changes.atom")
def all_changes(request: Request) -> Response:
    """Changes of every watch, one entry per check that found some."""
    items = audit.checks_with_changes(context(request).store, limit=ENTRIES)
    return atom(request, "factwatch: fact changes", items)


@router.get("/feeds/watches/{name:path}.atom")
def watch_changes(request: Request, name: str) -> Response:
    """Changes of one watch, one entry per check that found some."""
    store = context(request).store
    status = audit.watch_status(store, name)
    items = audit.checks_with_changes(store, watch=status.name, limit=ENTRIES)
    return atom(request, f"factwatch: {status.name}", items)
