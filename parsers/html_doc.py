"""Turn an HTML page into a :class:`Document`: main content only, split by headings."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from urllib.parse import urljoin, urlsplit

from lxml import etree
from lxml import html as lxml_html

from model.errors import EmptyContentError, ParseError, SelectorError
from parsers.dates import parse_date_text
from parsers.model import Block, Document, Link, Section
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
    container = _select(text, select) if select else _main_container(root)
    _prune(container)
    builder = _Builder()
    builder.walk(container)
    title = _title(root, builder)
    sections = builder.sections(title)
    if not sections:
        raise EmptyContentError("the page's main content has no text")
    lang = _lang(root)
    return Document(
        title=title,
        sections=sections,
        lang=lang,
        modified=modified or builder.modified,
        links=tuple(_links(container, url)),
        url=url,
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
    classes = set(el.get("class", "").split())
    if classes & _DROP_CLASSES or el.get("id") == "wb-dtmd":
        return True
    if el.get("role") in _DROP_ROLES:
        return True
    return tag in ("ul", "ol") and _is_fragment_list(el)


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


_DROP_CANDIDATE_TAGS = tuple(sorted(_DROP_TAGS | {"header", "footer", "ul", "ol"}))
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


class _Builder:
    """Collects headings and blocks while walking the main content."""

    def __init__(self) -> None:
        self.events: list[tuple[int, str] | Block] = []
        self.buffer: list[str] = []
        self.context: list[tuple[str, int]] = [("paragraph", -1)]
        self.lists: list[int] = []
        self.next_group = 0
        self.modified: str | None = None

    def text(self, value: str | None) -> None:
        if value:
            self.buffer.append(value)

    def flush(self) -> None:
        text = normalise_space("".join(self.buffer))
        self.buffer.clear()
        if not text:
            return
        date = _MODIFIED_TEXT.match(text)
        if date:
            self.modified = self.modified or parse_date_text(date.group(1))
            return
        kind, group = self.context[-1]
        self.events.append(Block(text, "item" if kind == "item" else "paragraph", group))

    def walk(self, el: lxml_html.HtmlElement) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in _HEADINGS:
            self.flush()
            heading = normalise_space(text_content(el))
            if heading:
                self.events.append((_HEADINGS[tag], heading))
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
        return

    def _children(self, el: lxml_html.HtmlElement) -> None:
        self.text(el.text)
        for child in el:
            self.walk(child)
            self.text(child.tail)

    def sections(self, title: str) -> tuple[Section, ...]:
        self.flush()
        out: list[Section] = []
        heading, level, blocks = title, 1, []
        for event in self.events:
            if isinstance(event, Block):
                blocks.append(event)
                continue
            if blocks:
                out.append(Section(heading, tuple(blocks), level))
            level, heading = event
            blocks = []
        if blocks:
            out.append(Section(heading, tuple(blocks), level))
        return tuple(out)

    def first_h1(self) -> str | None:
        return next((e[1] for e in self.events if isinstance(e, tuple) and e[0] == 1), None)


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
