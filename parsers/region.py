"""Which region of an HTML page is its main content, with a fallback when the markup misleads.

The page's own landmark (``<main>``, ``role=main``, ``#wb-cont``, ``<article>``,
else ``<body>``) is chosen first. Some templates put only the title in that
landmark and the text in a sibling (``<main><h1>..</h1></main><div
class="body-content">..</div>``). So the text of the chosen container is
compared with the page's densest text region: the element whose own
paragraphs hold the most text (paragraphs inside navigation, headers,
footers and asides left out). When the container is nearly empty
(:data:`NEARLY_EMPTY` characters) or holds less than :data:`SHARE` of that
region's text, and the region lies outside it, the region is used instead:
their nearest common ancestor when it adds little else (the title and the
text together), else the region alone. The choice is described for
``Document.region`` ("main", or "div.body-content (fallback: main held 23
characters of text, the densest region 1,840)").
"""

from __future__ import annotations

from collections.abc import Callable

from lxml import etree

NEARLY_EMPTY = 200
SHARE = 0.4
COMMON_ANCESTOR_SLACK = 1.3

_STRING = etree.XPath("string()", smart_strings=False)
_PARAGRAPHS = etree.XPath(
    "//p[not(ancestor::nav or ancestor::header or ancestor::footer or ancestor::aside"
    " or ancestor::*[@role='navigation' or @role='banner' or @role='contentinfo'])]"
)


def choose_region(
    root: etree._Element,
    container: etree._Element,
    prune: Callable[[etree._Element], None],
) -> tuple[etree._Element, str]:
    """The element to read as main content (pruned with ``prune``) and how it was chosen."""
    prune(container)
    own = _length(container)
    if own >= NEARLY_EMPTY and _holds_most_paragraphs(root, container):
        return container, describe(container)
    dense, mass = densest_region(root)
    if dense is None or _contains(container, dense) or container is root:
        return container, describe(container)
    if own >= NEARLY_EMPTY and own >= SHARE * mass:
        return container, describe(container)
    prune(dense)
    chosen = _widen(container, dense, own + _length(dense))
    if chosen is not dense:
        prune(chosen)
    why = f"fallback: {describe(container)} held {own:,} characters of text, "
    why += f"the densest region {mass:,}"
    return chosen, f"{describe(chosen)} ({why})"


_COUNT_ALL = etree.XPath("count(//p)")
_COUNT_IN = etree.XPath("count(.//p)")


def _holds_most_paragraphs(root: etree._Element, container: etree._Element) -> bool:
    """A cheap test that spares the density search: the container has most of the paragraphs."""
    total = float(_COUNT_ALL(root))
    return total == 0 or float(_COUNT_IN(container)) >= SHARE * total


def densest_region(root: etree._Element) -> tuple[etree._Element | None, int]:
    """The element whose child paragraphs hold the most text, and how much."""
    mass: dict[etree._Element, int] = {}
    for p in _PARAGRAPHS(root):
        parent = p.getparent()
        if parent is not None:
            mass[parent] = mass.get(parent, 0) + len(" ".join(str(_STRING(p)).split()))
    if not mass:
        return None, 0
    best = max(mass, key=mass.__getitem__)
    return best, mass[best]


def _widen(container: etree._Element, dense: etree._Element, wanted: int) -> etree._Element:
    """The nearest common ancestor of both when it holds little else, else ``dense``."""
    ancestors = set(container.iterancestors())
    for candidate in dense.iterancestors():
        if candidate in ancestors:
            if candidate.tag not in ("body", "html") and _length(candidate) <= (
                COMMON_ANCESTOR_SLACK * wanted
            ):
                return candidate
            break
    return dense


def _contains(outer: etree._Element, inner: etree._Element) -> bool:
    return outer is inner or any(a is outer for a in inner.iterancestors())


def _length(element: etree._Element) -> int:
    return len(" ".join(str(_STRING(element)).split()))


def describe(element: etree._Element) -> str:
    """A short CSS-like name of an element: ``main``, ``div#content``, ``div.body-content``."""
    tag = element.tag if isinstance(element.tag, str) else "?"
    if element.get("id"):
        return f"{tag}#{element.get('id')}"
    classes = (element.get("class") or "").split()
    return f"{tag}.{classes[0]}" if classes else tag
