"""Following the documents a page cites (a watch's ``follow:`` rules).

A rule picks links of the page's main content by CSS selector (``css``), by a
regular expression on the link text (``link_text``) or on the absolute URL
(``url``); every key of a rule must match, and the page's links are the union
of what its rules pick. Each picked document becomes a child watch named
``<parent>/<slug>`` that is checked on the parent's schedule. A link the page
starts or stops citing is a change event of kind ``link`` on the parent.

Links to refused targets (see :mod:`monitor.netguard`) are dropped here, and
the fetcher checks every redirect hop of a child again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urldefrag, urljoin, urlsplit

from bs4 import BeautifulSoup

from model.changes import Change
from model.errors import BlockedTargetError
from monitor.netguard import check_url
from monitor.settings import FollowSettings, WatchSettings
from parsers import rules as user_regex
from parsers.model import Document, Link
from store import scheduling
from store.records import CitedLink
from store.repo import Store

log = logging.getLogger("factwatch.follow")
SLUG_MAX = 60
HTML_TYPES = ("text/html", "application/xhtml+xml")


def rules_sig(rules: Sequence[FollowSettings]) -> str:
    """A fingerprint of ``rules``: when it changes, the links are picked again."""
    data = json.dumps([r.model_dump() for r in rules], sort_keys=True)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def clean_url(url: str) -> str | None:
    """``url`` without its fragment, or ``None`` if it is not http(s)."""
    bare, _ = urldefrag(url.strip())
    return bare if urlsplit(bare).scheme.lower() in ("http", "https") else None


def css_links(body: bytes, base_url: str, selector: str) -> list[Link]:
    """The links inside (or being) the elements ``selector`` picks in an HTML body."""
    soup = BeautifulSoup(body, "lxml")
    base = soup.find("base", href=True)
    root = urljoin(base_url, str(base["href"])) if base else base_url
    out: list[Link] = []
    for element in soup.select(selector):
        anchors = [element] if element.name == "a" else element.select("a[href]")
        for a in anchors:
            if a.get("href"):
                out.append(Link(urljoin(root, str(a["href"])), " ".join(a.get_text().split())))
    return out


def rule_matches(rule: FollowSettings, link: Link) -> bool:
    """Whether ``link`` passes the ``link_text`` and ``url`` patterns of ``rule``."""
    if rule.link_text is not None and not user_regex.search(rule.link_text, link.text):
        return False
    return rule.url is None or user_regex.search(rule.url, link.url)


def _rule_links(
    rule: FollowSettings, doc: Document, body: bytes, content_type: str, base_url: str
) -> list[Link]:
    if rule.css is None:
        candidates = list(doc.links)
    elif content_type in HTML_TYPES:
        candidates = css_links(body, base_url, rule.css)
    else:
        candidates = []
    return [link for link in candidates if rule_matches(rule, link)][: rule.limit]


def allowed(url: str, allow_private: bool) -> bool:
    """Whether the private-network rule lets factwatch fetch ``url``."""
    try:
        check_url(url, allow_private=allow_private)
    except BlockedTargetError as exc:
        log.warning("not following %s: %s", url, exc)
        return False
    return True


def slug(url: str) -> str:
    """A short readable name for a document: the last segment of its path."""
    path = urlsplit(url).path.rstrip("/")
    last = path.rsplit("/", 1)[-1].rsplit(".", 1)[0] if path else urlsplit(url).hostname or ""
    text = re.sub(r"[^a-z0-9]+", "-", last.lower()).strip("-")[:SLUG_MAX].strip("-")
    return text or "document"


def child_names(parent: str, urls: Sequence[str], known: Mapping[str, str]) -> dict[str, str]:
    """Stable child watch names for ``urls``: known ones kept, clashes get a hash suffix."""
    names = {u: known[u] for u in urls if u in known}
    taken = set(names.values())
    for url in urls:
        if url in names:
            continue
        name = f"{parent}/{slug(url)}"
        if name in taken:
            name = f"{name}-{hashlib.sha1(url.encode('utf-8')).hexdigest()[:6]}"
        names[url] = name
        taken.add(name)
    return names


def pick(
    watch: WatchSettings,
    doc: Document,
    body: bytes,
    *,
    content_type: str,
    base_url: str,
    allow_private: bool,
    known: Mapping[str, str],
) -> tuple[CitedLink, ...]:
    """The documents ``watch``'s rules pick from a page, deduplicated, in page order."""
    texts: dict[str, str] = {}
    own = clean_url(base_url)
    for rule in watch.follow:
        for link in _rule_links(rule, doc, body, content_type, base_url):
            url = clean_url(link.url)
            if url and url != own and url not in texts and allowed(url, allow_private):
                texts[url] = link.text
    names = child_names(watch.name, list(texts), known)
    return tuple(CitedLink(url, text, names[url]) for url, text in texts.items())


def link_changes(before: Iterable[CitedLink], after: Iterable[CitedLink]) -> list[Change]:
    """``link`` change events: the documents a page started and stopped citing."""
    old = {p.url: p for p in before}
    new = {p.url: p for p in after}
    added = [
        Change(
            kind="link",
            change="added",
            subject=p.text or p.url,
            after={"url": p.url, "text": p.text},
        )
        for url, p in new.items()
        if url not in old
    ]
    removed = [
        Change(
            kind="link",
            change="removed",
            subject=p.text or p.url,
            before={"url": p.url, "text": p.text},
        )
        for url, p in old.items()
        if url not in new
    ]
    return added + removed


def child_watch(name: str, url: str) -> WatchSettings:
    """The settings a followed document is checked with (defaults; no own rules).

    Child names contain ``/`` so that they never clash with configured names;
    that is why the name pattern of configured watches is not applied here.
    """
    return WatchSettings.model_construct(name=name, url=url)


@dataclass(frozen=True)
class Cited:
    """What the store holds about the links a watch's page cites."""

    sig: str | None
    links: tuple[CitedLink, ...]
    rules: str

    @property
    def stale(self) -> bool:
        """True when the links were picked with other rules (or never)."""
        return self.sig != self.rules

    def known(self) -> dict[str, str]:
        """Child names already given, by URL."""
        return {p.url: p.child for p in self.links}

    def same_links(self, picked: Sequence[CitedLink]) -> bool:
        """Whether ``picked`` cites the same documents as stored."""
        return {p.url for p in picked} == {p.url for p in self.links}


def cited(store: Store, watch: WatchSettings) -> Cited | None:
    """The stored links of ``watch`` (``None`` when it follows nothing)."""
    if not watch.follow:
        return None
    sig, rows = scheduling.followed(store, watch.name)
    return Cited(sig, tuple(rows), rules_sig(watch.follow))


def children(store: Store, watch: WatchSettings) -> list[WatchSettings]:
    """The child watches of ``watch``: the documents its page cites now."""
    if not watch.follow:
        return []
    _, rows = scheduling.followed(store, watch.name)
    return [child_watch(r.child, r.url) for r in rows]
