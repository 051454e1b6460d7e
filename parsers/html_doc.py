"""Turn an HTML page into a :class:`Document`: main content only, split by headings."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Literal
from urllib.parse import urljoin, urlsplit

from lxml import etree
from lxml import html as lxml_html

from model.errors import EmptyContentError, ParseError, SelectorError
from parsers.dates import parse_date_text
from parsers.entries import FoundCollection, date_at, find_collections
from parsers.model import Block, Cell, Collection, Document, Link, Section, Table
from parsers.region import choose_region
from parsers.tables import column_labels, in_head, is_data_table, is_header_row, own_rows, row_cells
from parsers.text import normalise_space

_DROP_TAGS = frozenset(
    [
        "nav",
        "aside",
        "script",
        "style",
        "noscript",
        "template",
        "form",
        "input",
        "button",
        "select",
        "textarea",
        "iframe",
        "svg",
        "canvas",
        "object",
        "embed",
        "dialog",
        "link",
        "meta",
        "head",
    ]
)
_DROP_CLASSES = frozenset(
    [
        "wb-inv",
        "hidden",
        "visually-hidden",
        "visuallyhidden",
        "screen-reader-text",
        "element-invisible",
        "sr-only",
        "govuk-visually-hidden",
        "pagedetails",
        "wb-share",
        "toc",
        "breadcrumb",
        "gem-c-contents-list",
        "gc-pg-hlpfl",
        "mwsinpagenav",
        "ecl-u-sr-only",
        "usa-sr-only",
    ]
)
_DROP_ROLES = frozenset({"navigation", "banner", "contentinfo", "search", "complementary"})
_TOC_TITLES = re.compile(
    r"^(on this page|contents|table of contents|in this section|sur cette page|contenu"
    r"|table des matières|dans cette section)\s*:?$",
    re.IGNORECASE,
)
_MODIFIED_TEXT = re.compile(
    r"^(?:date modified|date de modification|last updated|dernière mise à jour|updated)"
    r"\s*:\s*(.+)$",
    re.IGNORECASE,
)
_HEADINGS = {f"h{i}": i for i in range(1, 7)}
_BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "section",
        "article",
        "main",
        "blockquote",
        "dl",
        "dt",
        "dd",
        "table",
        "thead",
        "tbody",
        "tfoot",
        "caption",
        "figure",
        "figcaption",
        "pre",
        "address",
        "details",
        "summary",
        "hr",
        "header",
        "footer",
        "body",
        "html",
        "fieldset",
    ]
)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*>")
# the tree lxml.html builds, with lxml's own element classes (no per-element lookup in Python)
_HTML_PARSER = etree.HTMLParser()
_STRING = etree.XPath("string()", smart_strings=False)


def text_content(el: etree._Element) -> str:
    """The text of an element and its descendants (as ``HtmlElement.text_content``)."""
    return str(_STRING(el))


def drop_tree(el: etree._Element) -> None:
    """Remove ``el`` and its descendants, keeping its tail (as ``HtmlElement.drop_tree``)."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        previous = el.getprevious()
        if previous is None:
            parent.text = (parent.text or "") + el.tail
        else:
            previous.tail = (previous.tail or "") + el.tail
    parent.remove(el)


def parse_html(text: str, *, url: str = "", select: str | None = None) -> Document:
    """Parse decoded HTML into a :class:`Document` (see :func:`parsers.parse_document`)."""
    root = _parse_tree(text)
    modified = find_modified(root)
    if select:
        container, region = _select(text, select), f"selector {select}"
        _prune(container)
    else:
        container, region = choose_region(root, _main_container(root), _prune)
    lang = _lang(root)
    builder = _Builder(find_collections(container), lang)
    builder.walk(container)
    title = _title(root, builder)
    built = builder.build(title)
    if not built.sections:
        raise EmptyContentError("the page's main content has no text")
    return Document(
        title=title,
        sections=built.sections,
        lang=lang,
        modified=builder.modified or modified,
        links=tuple(_links(container, url)),
        url=url,
        blocks=built.blocks,
        tables=built.tables,
        collections=built.collections,
        region=region,
    )


def _parse_tree(text: str) -> lxml_html.HtmlElement:
    text = _XML_DECL.sub("", text, count=1)
    if not text.strip():
        raise ParseError("the HTML body is empty")
    try:
        root = etree.fromstring(text, _HTML_PARSER)
    except (etree.ParserError, ValueError) as exc:
        raise ParseError(f"the HTML could not be parsed: {exc}") from exc
    if root is None:
        raise ParseError("the HTML could not be parsed: Document is empty")
    return root


def _select(text: str, selector: str) -> lxml_html.HtmlElement:
    from bs4 import BeautifulSoup
    from soupsieve import SelectorSyntaxError

    soup = BeautifulSoup(_XML_DECL.sub("", text, count=1), "lxml")
    try:
        found = soup.select(selector)
    except SelectorSyntaxError as exc:
        raise SelectorError(f"invalid CSS selector {selector!r}: {exc}") from exc
    if not found:
        raise SelectorError(f"the CSS selector {selector!r} matches nothing on the page")
    return lxml_html.fragment_fromstring("".join(map(str, found)), create_parent="div")


def _main_container(root: lxml_html.HtmlElement) -> lxml_html.HtmlElement:
    for path in ("//main", "//*[@role='main']", "//*[@id='wb-cont']", "//article", "//body"):
        for element in root.xpath(path):
            if _hidden(element):
                continue
            if element.tag in _HEADINGS and element.getparent() is not None:
                return element.getparent()
            return element
    return root


def _hidden(el: lxml_html.HtmlElement) -> bool:
    if el.get("hidden") is not None or el.get("aria-hidden", "").lower() == "true":
        return True
    style = el.get("style", "").replace(" ", "").lower()
    return "display:none" in style or "visibility:hidden" in style


def _should_drop(el: lxml_html.HtmlElement) -> bool:
    tag = el.tag
    if tag in _DROP_TAGS or _hidden(el):
        return True
    if tag in ("header", "footer") and not el.xpath(".//h1"):
        return True
    if tag == "sup" and _is_note_reference(el):
        return True
    classes = set(el.get("class", "").lower().split())
    if classes & _DROP_CLASSES or el.get("id") == "wb-dtmd":
        return True
    if el.get("role") in _DROP_ROLES:
        return True
    return tag in ("ul", "ol") and _is_fragment_list(el)


def _is_note_reference(el: lxml_html.HtmlElement) -> bool:
    """A footnote marker: a superscript that is a short link to a note on the same page."""
    links = el.findall(".//a")
    if not links or not all(a.get("href", "").startswith("#") for a in links):
        return False
    return len(normalise_space(text_content(el))) <= 40


def _is_fragment_list(el: lxml_html.HtmlElement) -> bool:
    """A list whose every item is a same-page anchor link: a table of contents."""
    items = [li for li in el if li.tag == "li"]
    if not items:
        return False
    for li in items:
        anchors = li.findall("a")
        if not anchors or not all(a.get("href", "").startswith("#") for a in anchors):
            return False
    return True


_DROP_CANDIDATE_TAGS = tuple(sorted(_DROP_TAGS | {"header", "footer", "ul", "ol", "sup"}))
# elements with an attribute :func:`_should_drop` reads (lxml finds them without Python calls)
_WITH_DROP_ATTRIBUTES = etree.XPath(
    "descendant::*[@class or @style or @role or @hidden or @aria-hidden or @id='wb-dtmd']"
)


def _drop_candidates(container: lxml_html.HtmlElement) -> list[lxml_html.HtmlElement]:
    """The descendants :func:`_should_drop` may drop: a superset, each once."""
    found = {el: None for el in container.iter(*_DROP_CANDIDATE_TAGS) if el is not container}
    found.update(dict.fromkeys(_WITH_DROP_ATTRIBUTES(container)))
    return list(found)


def _prune(container: lxml_html.HtmlElement) -> None:
    doomed = [el for el in _drop_candidates(container) if _should_drop(el)]
    doomed += _toc_headings(container)
    for el in doomed:
        if el.getparent() is not None:
            drop_tree(el)
    for el in list(container.iter(etree.Comment, etree.ProcessingInstruction)):
        if el.getparent() is not None:
            drop_tree(el)


def _toc_headings(container: lxml_html.HtmlElement) -> list[lxml_html.HtmlElement]:
    found = []
    for tag in _HEADINGS:
        for heading in container.iter(tag):
            if _TOC_TITLES.match(normalise_space(text_content(heading))):
                found.append(heading)
                nxt = heading.getnext()
                if nxt is not None and nxt.tag in ("ul", "ol", "nav"):
                    found.append(nxt)
    return found


def _is_element(el: object) -> bool:
    return isinstance(getattr(el, "tag", None), str)


_UPDATE_LABELS = (
    r"(?:last updated|updated|last modified|page updated|date modified|modified"
    r"|dernière mise à jour|mis à jour(?: le)?|mise à jour(?: le)?|date de modification)"
)
_STAMP_LABEL = re.compile(rf"^{_UPDATE_LABELS}\s*:?$", re.IGNORECASE)
_LABEL_AT = re.compile(
    rf"\s*(?P<label>{_UPDATE_LABELS}|first published|published|publié(?: le)?)\s*:?\s*",
    re.IGNORECASE,
)
_UPDATE = re.compile(_UPDATE_LABELS, re.IGNORECASE)
# a stamp line is labels and dates only, and at most a short tail ("+ show all updates")
STAMP_TAIL_CHARS = 30
STAMP_MAX_CHARS = 120


def stamp_date(text: str, after_label: bool = False) -> str | None:
    """The page's modification date when ``text`` only states its dates.

    "Last updated 26 August 2022 — See all updates", "Published 5 April 2023 Last
    updated 27 October 2023 + show all updates", or (``after_label``, the text
    following a bare "Last updated" label) "26 August 2022".
    """
    if len(text) > STAMP_MAX_CHARS:
        return None
    pos, modified = 0, None
    if after_label:
        found = date_at(text)
        if found is None:
            return None
        modified, pos = found
    while (label := _LABEL_AT.match(text, pos)) is not None:
        found = date_at(text[label.end() :])
        if found is None:
            return None
        if _UPDATE.fullmatch(label.group("label")):
            modified = found[0]
        pos = label.end() + found[1]
    return modified if modified and len(text) - pos <= STAMP_TAIL_CHARS else None


Heading = tuple[int, str, bool]  # level, text, inside a collection entry
Event = Heading | Block


@dataclass(frozen=True)
class _TableInfo:
    group: int
    caption: str
    columns: tuple[str, ...]
    rows: tuple[int, ...]  # event positions
    header_rows: int


@dataclass(frozen=True)
class Built:
    """What a walk of the main content gives: sections, flat blocks, tables and collections."""

    sections: tuple[Section, ...]
    blocks: tuple[Block, ...]
    tables: tuple[Table, ...]
    collections: tuple[Collection, ...]


class _Builder:
    """Collects headings and blocks while walking the main content."""

    def __init__(self, collections: Sequence[FoundCollection] = (), lang: str = "en") -> None:
        self.lang = lang
        self.events: list[Event] = []
        self.buffer: list[str] = []
        self.context: list[tuple[str, int]] = [("paragraph", -1)]
        self.lists: list[int] = []
        self.next_group = 0
        self.modified: str | None = None
        self.found = list(collections)
        self.entry_of = {el: n for n, c in enumerate(self.found) for el in c.elements}
        self.in_entry: list[int] = []
        self.members: dict[int, int] = {}  # event position -> collection number
        self.tables: list[_TableInfo] = []
        self.label_at = -1  # event position of a bare "Last updated" label

    def text(self, value: str | None) -> None:
        if value:
            self.buffer.append(value)

    def _append(self, event: Event) -> None:
        if self.in_entry:
            self.members[len(self.events)] = self.in_entry[-1]
        self.events.append(event)

    def flush(self) -> None:
        text = normalise_space("".join(self.buffer))
        self.buffer.clear()
        if not text:
            return
        date = _MODIFIED_TEXT.match(text)
        if date:
            self.modified = self.modified or parse_date_text(date.group(1))
            return
        role: Literal["", "collection", "stamp"] = "collection" if self.in_entry else ""
        if not role and len(text) <= STAMP_MAX_CHARS and self._stamp(text):
            role = "stamp"
        kind, group = self.context[-1]
        if not role and _STAMP_LABEL.match(text):
            self.label_at = len(self.events)
        self._append(Block(text, "item" if kind == "item" else "paragraph", group, role=role))

    def _stamp(self, text: str) -> bool:
        """A "Last updated" line, or the date right after a bare label: the page's own stamp."""
        follows_label = self.label_at == len(self.events) - 1 and self.label_at >= 0
        date = stamp_date(text) or (stamp_date(text, after_label=True) if follows_label else None)
        if date is None:
            return False
        self.modified = self.modified or date
        previous = self.events[self.label_at] if follows_label else None
        if isinstance(previous, Block):
            self.events[self.label_at] = replace(previous, role="stamp")
        return True

    def walk(self, el: lxml_html.HtmlElement) -> None:
        collection = self.entry_of.get(el) if self.entry_of else None
        if collection is None:
            self._walk(el)
            return
        self.flush()
        self.in_entry.append(collection)
        self._walk(el)
        self.flush()
        self.in_entry.pop()

    def _walk(self, el: lxml_html.HtmlElement) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in _HEADINGS:
            self.flush()
            heading = normalise_space(text_content(el))
            if heading:
                self._append((_HEADINGS[tag], heading, bool(self.in_entry)))
        elif tag == "table" and is_data_table(el):
            self.flush()
            self._table(el)
        elif tag == "tr":
            self.flush()
            cells = [normalise_space(text_content(c)) for c in el if c.tag in ("td", "th")]
            self.text(" | ".join(c for c in cells if c))
            self.flush()
        elif tag in ("ul", "ol"):
            self.flush()
            self.lists.append(self.next_group)
            self.next_group += 1
            self._children(el)
            self.lists.pop()
        elif tag == "li":
            self.flush()
            self.context.append(("item", self.lists[-1] if self.lists else -1))
            self._children(el)
            self.flush()
            self.context.pop()
        elif tag in _BLOCK_TAGS:
            self.flush()
            self._children(el)
            self.flush()
        else:
            self.text(" " if tag == "br" else None)
            self._children(el)

    def _children(self, el: lxml_html.HtmlElement) -> None:
        if el.text:
            self.buffer.append(el.text)
        walk = self.walk if self.entry_of else self._walk
        for child in el:
            walk(child)
            if child.tail:
                self.buffer.append(child.tail)

    def _table(self, el: lxml_html.HtmlElement) -> None:
        """One ``row`` block per row of a data table (its caption first, as a paragraph)."""
        group = self.next_group
        self.next_group += 1
        caption_el = el.find("caption")
        caption = normalise_space(text_content(caption_el)) if caption_el is not None else ""
        if caption:
            self.text(caption)
            self.flush()
        headers: list[tuple[Cell, ...]] = []
        rows: list[int] = []
        for tr in own_rows(el):
            cells = row_cells(tr, in_head(tr))
            if is_header_row(cells, in_head(tr), len(rows) > len(headers)):
                headers.append(cells)
            text = " | ".join(c.text for c in cells if c.text)
            if not text:
                continue
            entry = self.entry_of.get(tr)
            if entry is not None:
                self.members[len(self.events)] = entry
            in_collection = entry is not None or bool(self.in_entry)
            rows.append(len(self.events))
            role: Literal["", "collection"] = "collection" if in_collection else ""
            self._append(Block(text, "row", group, cells=cells, role=role))
        columns = column_labels(headers)
        self.tables.append(_TableInfo(group, caption, columns, tuple(rows), len(headers)))

    def build(self, title: str) -> Built:
        """Sections (the title heads the blocks before the first heading) and the flat blocks."""
        self.flush()
        flat: list[Block] = []
        at: dict[int, int] = {}  # event position -> block index
        sections: list[Section] = []
        stack: list[tuple[int, str]] = []
        path: tuple[str, ...] = ()  # the headings of ``stack``
        heading, level, blocks = title, 1, []
        for position, event in enumerate(self.events):
            at[position] = len(flat)
            if isinstance(event, Block):
                block = event.placed(len(flat), path)
                flat.append(block)
                blocks.append(block)
                continue
            if blocks:
                sections.append(Section(heading, tuple(blocks), level))
            level, heading, in_entry = event
            blocks = []
            role: Literal["", "collection"] = "collection" if in_entry else ""
            above = path
            if not in_entry:
                stack = [(lvl, h) for lvl, h in stack if lvl < level]
                above = tuple(h for _, h in stack)
                stack.append((level, heading))
                path = (*above, heading)
            flat.append(Block(heading, "heading", -1, len(flat), above, level, role=role))
        if blocks:
            sections.append(Section(heading, tuple(blocks), level))
        tables = tuple(_table_of(n, info, at, flat, title) for n, info in enumerate(self.tables))
        return Built(tuple(sections), tuple(flat), tables, self._collections(at, flat, title))

    def _collections(
        self, at: dict[int, int], flat: list[Block], title: str
    ) -> tuple[Collection, ...]:
        spans: dict[int, list[int]] = {}
        for position, number in self.members.items():
            spans.setdefault(number, []).append(at[position])
        out: list[Collection] = []
        for number, found in enumerate(self.found):
            indexes = tuple(sorted(spans.get(number, ())))
            if indexes:
                name = _name_before(flat, indexes[0], "", "")
                right_after = indexes[0] > 0 and flat[indexes[0] - 1].kind == "heading"
                if not name or (name == title and not right_after):
                    name = _collection_name(found, self.lang)  # the title names the page
                out.append(Collection(len(out), name, found.entries, indexes))
        return tuple(out)

    def first_h1(self) -> str | None:
        return next(
            (e[1] for e in self.events if isinstance(e, tuple) and e[0] == 1 and not e[2]), None
        )


def _table_of(
    number: int, info: _TableInfo, at: dict[int, int], flat: list[Block], title: str
) -> Table:
    rows = tuple(at[p] for p in info.rows)
    first = rows[0] if rows else len(flat)
    name = info.caption or _name_before(flat, first, title, "")
    return Table(number, name, info.columns, rows, info.header_rows, info.caption)


LABEL_MAX_CHARS = 120


_COLLECTION_NAMES = {
    "en": ("Page history", "Latest entries"),
    "fr": ("Historique de la page", "Dernières entrées"),
}


def _collection_name(found: FoundCollection, lang: str) -> str:
    """A collection under no heading of its own: named by its ``aria-label``, else by what it
    holds (change notes without links are a page history; linked entries are the latest)."""
    parent = found.elements[0].getparent()
    for element in (parent, *(parent.iterancestors() if parent is not None else ()))[:3]:
        label = normalise_space(element.get("aria-label") or "") if element is not None else ""
        if label:
            return label
    history, latest = _COLLECTION_NAMES.get(lang, _COLLECTION_NAMES["en"])
    return latest if found.linked else history


def _name_before(flat: list[Block], first: int, title: str, default: str) -> str:
    """What names the structure starting at block ``first``: a lead-in, a heading or the title."""
    previous = flat[first - 1] if first > 0 else None
    if (
        previous is not None
        and previous.kind == "paragraph"
        and previous.text.endswith(":")
        and len(previous.text) <= LABEL_MAX_CHARS
    ):
        return previous.text.rstrip(" :")
    if first < len(flat) and flat[first].path:
        return flat[first].path[-1]
    return title or default


def _title(root: lxml_html.HtmlElement, builder: _Builder) -> str:
    h1 = builder.first_h1()
    if h1:
        return h1
    for path in ("//meta[@name='dcterms.title']/@content", "//meta[@property='og:title']/@content"):
        values = root.xpath(path)
        if values and normalise_space(values[0]):
            return normalise_space(values[0])
    titles = root.xpath("//title")
    raw = normalise_space(text_content(titles[0])) if titles else ""
    return re.split(r"\s+[-|–]\s+", raw)[0] if raw else ""


def _lang(root: lxml_html.HtmlElement) -> str:
    lang = root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang") or ""
    lang = lang.lower()[:2]
    if lang in ("en", "fr"):
        return lang
    from parsers.text import detect_lang

    return detect_lang(normalise_space(text_content(root)))


def find_modified(root: lxml_html.HtmlElement) -> str | None:
    """The page's own modification date, from its template, metadata or JSON-LD."""
    for value in _modified_candidates(root):
        iso = parse_date_text(value)
        if iso:
            return iso
    return None


def _modified_candidates(root: lxml_html.HtmlElement) -> Iterator[str]:
    for el in root.xpath("//time[@property='dateModified'] | //*[@id='wb-dtmd']//time"):
        yield el.get("datetime") or text_content(el)
    for el in root.xpath("//*[@id='wb-dtmd'] | //dl[contains(@class,'datemod')]"):
        yield re.sub(r"^[^:]*:", "", normalise_space(text_content(el)))
    yield from root.xpath(
        "//meta[@name='dcterms.modified']/@content | //meta[@property='article:modified_time']"
        "/@content | //meta[@name='dcterms.Modified']/@content"
    )
    for script in root.xpath("//script[@type='application/ld+json']"):
        yield from _json_ld_modified(script.text or "")


def _json_ld_modified(raw: str) -> Iterator[str]:
    try:
        data = json.loads(raw)
    except ValueError:
        return
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if isinstance(item.get("dateModified"), str):
                yield item["dateModified"]
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _links(container: lxml_html.HtmlElement, base: str) -> Iterator[Link]:
    seen: set[tuple[str, str]] = set()
    for a in container.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith("#"):
            continue
        url = urljoin(base, href) if base else href
        if urlsplit(url).scheme not in ("http", "https", ""):
            continue
        key = (url, normalise_space(text_content(a)))
        if key not in seen:
            seen.add(key)
            yield Link(*key)
