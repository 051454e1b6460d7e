"""Alert content: one email (subject, plain text, HTML), Slack blocks, webhook JSON.

Everything a page says is untrusted. It is HTML-escaped in the email's HTML
part, Slack-escaped (``&``, ``<``, ``>``; ``@here``/``@channel`` defused) in
Slack text, and stripped of line breaks and control characters in email
headers; the plain-text part holds no control characters
(:func:`model.printable.printable`). No user templates are rendered, so
``{{ 7*7 }}`` in a page stays that text.

An outbox payload (see :mod:`alerts.outbox`) is one of three kinds:
``changes`` (the events of one check), ``watch-failing`` / ``watch-recovered``
(watch health) and ``test``. :func:`content` turns any of them into a
:class:`Content`, which every channel renders.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from model.changes import change_from_dict
from model.kinds import describe
from model.printable import printable

CHANGES, FAILING, RECOVERED, TEST = "changes", "watch-failing", "watch-recovered", "test"
MAX_ITEMS = 20
MAX_EVIDENCE = 600
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")
_MENTION = re.compile(r"@(here|channel|everyone)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Item:
    """One line of an alert: a sentence and, for changes, the evidence."""

    text: str
    before: str | None = None
    after: str | None = None


@dataclass(frozen=True)
class Content:
    """What an alert says, before any channel's formatting."""

    kind: str
    title: str
    headline: str
    url: str | None
    detected_at: str
    items: tuple[Item, ...]
    more: int = 0


def _clip(text: str | None) -> str | None:
    if not text:
        return None
    return text if len(text) <= MAX_EVIDENCE else text[: MAX_EVIDENCE - 1] + "…"


def _change_items(events: list[dict[str, Any]]) -> tuple[Item, ...]:
    items = []
    for event in events[:MAX_ITEMS]:
        change = change_from_dict(event)
        before = _clip(change.evidence_before)
        after = _clip(change.evidence_after)
        if before == after:
            before = None
        items.append(Item(describe(change, human_dates=True), before, after))
    return tuple(items)


def plural(count: int, word: str) -> str:
    """``1 change``, ``3 changes``."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def content(kind: str, payload: dict[str, Any]) -> Content:
    """The :class:`Content` of an outbox payload of ``kind``."""
    title = str(payload.get("title") or payload.get("watch") or "factwatch")
    url, at = payload.get("url"), str(payload.get("detected_at", ""))
    if kind == CHANGES:
        events = list(payload.get("events", []))
        more = max(0, len(events) - MAX_ITEMS)
        return Content(
            kind, title, plural(len(events), "change"), url, at, _change_items(events), more
        )
    if kind == FAILING:
        failures, reason = payload.get("failures"), payload.get("reason") or "error"
        item = Item(f"The last {failures} checks failed ({reason}): {payload.get('error') or ''}")
        return Content(kind, title, "watch failing", url, at, (item,))
    if kind == RECOVERED:
        since = f" (failing since {payload['since']})" if payload.get("since") else ""
        item = Item(f"The watch works again{since}.")
        return Content(kind, title, "watch recovered", url, at, (item,))
    item = Item(f"Test message for channel {payload.get('channel')}: delivery works.")
    return Content(kind, "factwatch", "test message", None, at, (item,))


# -- escaping ------------------------------------------------------------------


def header_text(text: str, limit: int = 200) -> str:
    """One line fit for an email header: no CR/LF or control characters."""
    line = " ".join(_CONTROL.sub(" ", text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def slack_escape(text: str) -> str:
    """Slack mrkdwn-safe text: ``& < >`` escaped, ``@here``-style pings defused."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MENTION.sub(lambda m: "@\u200b" + m.group(1), escaped)


# -- email -----------------------------------------------------------------------


def email_subject(c: Content) -> str:
    """``[factwatch] <page title>: 3 changes`` on one line."""
    return header_text(f"[factwatch] {c.title}: {c.headline}")


def email_text(c: Content) -> str:
    """The plain-text part."""
    lines = [f"{c.title}: {c.headline}"]
    if c.url:
        lines.append(c.url)
    lines += [f"Detected {c.detected_at}", ""]
    for n, item in enumerate(c.items, 1):
        lines.append(f"{n}. {item.text}")
        if item.before:
            lines.append(f"   Before: {item.before}")
        if item.after:
            lines.append(f"   After:  {item.after}")
        lines.append("")
    if c.more:
        lines += [f"... and {plural(c.more, 'more change')} (factwatch changes).", ""]
    lines.append("-- \nfactwatch")
    return printable("\n".join(lines)) + "\n"


def _html_item(item: Item) -> str:
    parts = [f"<li><p>{html.escape(item.text)}</p>"]
    for label, text in (("Before", item.before), ("After", item.after)):
        if text:
            parts.append(f"<p><b>{label}:</b> <q>{html.escape(text)}</q></p>")
    return "".join(parts) + "</li>"


def email_html(c: Content) -> str:
    """The HTML part; every text from the page is escaped."""
    link = ""
    if c.url:
        href = html.escape(c.url, quote=True)
        link = f'<p><a href="{href}">{html.escape(c.url)}</a></p>'
    items = "".join(_html_item(i) for i in c.items)
    more = f"<p>... and {plural(c.more, 'more change')}.</p>" if c.more else ""
    return (
        "<!DOCTYPE html><html><body>"
        f"<h2>{html.escape(c.title)}: {html.escape(c.headline)}</h2>{link}"
        f"<p>Detected {html.escape(c.detected_at)}</p><ol>{items}</ol>{more}"
        "<p>factwatch</p></body></html>"
    )


# -- Slack -----------------------------------------------------------------------


def _slack_item(item: Item) -> dict[str, Any]:
    text = f"• {slack_escape(item.text)}"
    for label, quote in (("Before", item.before), ("After", item.after)):
        if quote:
            text += f"\n> _{label}:_ {slack_escape(quote)}"
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:2900]}}


def slack_message(c: Content) -> dict[str, Any]:
    """The Slack incoming-webhook JSON: fallback ``text`` plus Block Kit ``blocks``."""
    title = slack_escape(header_text(f"{c.title}: {c.headline}", 150))
    context = f"Detected {slack_escape(c.detected_at)}"
    if c.url:
        href = slack_escape(c.url).replace("|", "%7C")
        context = f"<{href}|{slack_escape(header_text(c.url, 120))}> · {context}"
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{title}*"}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": context}]},
        *(_slack_item(i) for i in c.items),
    ]
    if c.more:
        more = f"... and {plural(c.more, 'more change')}."
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": more}]})
    return {"text": f"[factwatch] {title}", "blocks": blocks, "unfurl_links": False}
