"""Template rendering: the Jinja2 environment (autoescaped) and its filters.

Page text is untrusted: it only ever reaches a template as data, which
Jinja2 escapes (``autoescape=True``); no template marks data ``|safe`` and
nothing renders page text as a template, so ``{{ 7*7 }}`` stays text. Links
to watched pages are emitted only for ``http``/``https`` URLs.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from model.changes import Change
from model.kinds import describe, format_value
from store.audit import ChangeEvent

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
KINDS = ("membership", "figure", "date", "link", "extraction")


def when(moment: datetime | None) -> str:
    """``2026-11-30 02:44:16Z``, or ``-``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ") if moment else "-"


def iso(moment: datetime | None) -> str:
    """``2026-11-30T02:44:16Z`` (for ``<time datetime>``), or ``""``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else ""


def ago(moment: datetime | None, now: datetime | None = None) -> str:
    """``3 min ago``, ``in 2 h``: a rough distance from now."""
    if moment is None:
        return ""
    seconds = ((now or datetime.now(UTC)) - moment).total_seconds()
    future, seconds = seconds < 0, abs(seconds)
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min"), (1, "s")):
        if seconds >= size or unit == "s":
            text = f"{int(seconds // size)} {unit}"
            return f"in {text}" if future else f"{text} ago"
    return ""


def safe_href(url: str | None) -> str | None:
    """``url`` when it is an http(s) URL, else ``None`` (no ``javascript:`` links)."""
    if not url:
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in ("http", "https") else None


def watch_url(name: str, *rest: str) -> str:
    """The path of a watch's page (names of followed documents hold a ``/``)."""
    return "/".join(["/watches", quote(name, safe="/"), *rest])


def query(**params: Any) -> str:
    """A query string of the non-empty ``params`` (``?a=1&b=2``), or ``""``."""
    kept = {k: v for k, v in params.items() if v not in (None, "")}
    return "?" + urlencode(kept) if kept else ""


def change_words(change: Change) -> str:
    """A change event in one plain sentence."""
    return describe(change)


def event_words(event: ChangeEvent) -> str:
    """A stored change event in one plain sentence."""
    return describe(event.change)


@dataclass(frozen=True)
class DiffRow:
    """One row of a side-by-side text diff (``tag``: equal, replace, delete, insert, skip)."""

    tag: str
    left_no: int | None
    left: str
    right_no: int | None
    right: str


def side_by_side(old: str, new: str, context: int = 3) -> list[DiffRow]:
    """The lines of two texts side by side, changes with ``context`` lines around them."""
    a, b = old.splitlines(), new.splitlines()
    rows: list[DiffRow] = []
    groups = difflib.SequenceMatcher(None, a, b, autojunk=False).get_grouped_opcodes(context)
    for n, group in enumerate(groups):
        if n:
            rows.append(DiffRow("skip", None, "", None, ""))
        for tag, i1, i2, j1, j2 in group:
            for k in range(max(i2 - i1, j2 - j1)):
                left = i1 + k if i1 + k < i2 else None
                right = j1 + k if j1 + k < j2 else None
                rows.append(
                    DiffRow(
                        tag,
                        None if left is None else left + 1,
                        a[left] if left is not None else "",
                        None if right is None else right + 1,
                        b[right] if right is not None else "",
                    )
                )
    return rows


def make_env() -> Environment:
    """The Jinja2 environment of the UI: autoescaped, strict about undefined names."""
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        when=when,
        iso=iso,
        ago=ago,
        safe_href=safe_href,
        words=change_words,
        event_words=event_words,
        fact_value=lambda fact: format_value(fact.kind, fact.value),
        value_words=format_value,
    )
    env.globals.update(watch_url=watch_url, query=query, kinds=KINDS)
    return env
