"""Collections: repeated sibling elements whose items are a date plus a title.

News and teaser lists, "Updates to this page" and change histories,
press-release lists and feeds share one shape: a run of sibling elements
with the same tag and class, each short, each holding a date of its own (a
``<time>``, an element whose whole text is a date, or a date that opens the
item before a separator) and a title (a link, a heading or the rest of the
text). :func:`find_collections` finds them in the main content before it is
read into blocks. A run counts as a collection when at least
:data:`DATED_SHARE` of its items are such entries and either their dates run
newest first or most of them are links; an ascending schedule of plain
dated lines ("10 October: consultation closes") stays prose, so its dates
stay date facts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise
from math import ceil

from lxml import etree

from parsers.dates import MONTHS_EN, MONTHS_FR, find_dates, parse_date_text
from parsers.model import Entry
from parsers.text import normalise_space

MIN_ENTRIES = 2
DATED_SHARE = 0.8
ENTRY_MAX_CHARS = 400
DATE_MAX_CHARS = 40
TITLE_MAX_CHARS = 200
# an item's raw text (indentation included) longer than this cannot be an entry
RAW_MAX_CHARS = 4 * ENTRY_MAX_CHARS

_STRING = etree.XPath("string()", smart_strings=False)
_DIGIT = re.compile(r"\d")
# elements whose children are phrases, not items (comments and the like have no str tag)
_INLINE = frozenset(
    [
        "p",
        "a",
        "span",
        "strong",
        "em",
        "b",
        "i",
        "small",
        "time",
        "abbr",
        "sup",
        "sub",
        "label",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "option",
        "script",
        "style",
    ]
)
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_SEPARATOR = re.compile(r"^\s*(?:[:|–—-]|\s{2,})")
_TIMESTAMP = re.compile(r"(?:19|20)\d\d-\d\d-\d\d(?:[T ][\d:.]+(?:Z|[+-]\d\d:?\d\d)?)?")
_NUMERIC = re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-]((?:19|20)\d\d)\.?")
_MONTH_NAMES = "|".join(sorted({*MONTHS_EN, *MONTHS_FR}, key=len, reverse=True))
_YEARLESS = re.compile(
    rf"^(?:(?P<d1>1er|[0-3]?\d)(?:st|nd|rd|th)?\s+(?P<m1>{_MONTH_NAMES})\.?"
    rf"|(?P<m2>{_MONTH_NAMES})\.?\s+(?P<d2>[0-3]?\d)(?:st|nd|rd|th)?)\b",
    re.IGNORECASE,
)
_TIME_OR_DAY = re.compile(
    r"\b(?:\d{1,2}[:h.]\d{2}|\d{1,2}\s?(?:am|pm|a\.m\.|p\.m\.)|at|à|le|on"
    r"|monday|tuesday|wednesday|thursday|friday|saturday|sunday"
    r"|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class FoundEntry:
    """One item of a candidate collection: its date, title and whether it is a link."""

    date: str | None
    title: str
    linked: bool


@dataclass(frozen=True)
class FoundCollection:
    """A collection found in the tree: the item elements, their entries, whether they are links."""

    elements: tuple[etree._Element, ...]
    entries: tuple[Entry, ...]
    linked: bool = False


def find_collections(container: etree._Element) -> list[FoundCollection]:
    """Every collection of dated entries under ``container``, outermost first, in order."""
    found: list[FoundCollection] = []
    claimed: set[etree._Element] = set()
    for parent in container.iter():
        if len(parent) < MIN_ENTRIES or parent.tag in _INLINE or parent in claimed:
            continue
        for group in _sibling_groups(parent):
            collection = _collection(group)
            if collection is not None:
                found.append(collection)
                for element in group:
                    claimed.update(element.iter())
    return found


def _sibling_groups(parent: etree._Element) -> Iterator[list[etree._Element]]:
    """Children of ``parent`` with the same tag and first class, groups of two or more."""
    groups: dict[tuple[str, str], list[etree._Element]] = {}
    for child in parent:
        if isinstance(child.tag, str):
            classes = child.get("class")
            first_class = classes.split(None, 1)[0] if classes and classes.strip() else ""
            groups.setdefault((child.tag, first_class), []).append(child)
    return (g for g in groups.values() if len(g) >= MIN_ENTRIES)


def _collection(group: Sequence[etree._Element]) -> FoundCollection | None:
    need = max(MIN_ENTRIES, ceil(DATED_SHARE * len(group)))
    found, misses = [], 0
    for element in group:
        entry = entry_of(element)
        if entry is not None:
            found.append(entry)
            continue
        misses += 1
        if len(group) - misses < need:
            return None  # too many items are not entries already
    linked = sum(e.linked for e in found) >= DATED_SHARE * len(found)
    if not (linked or newest_first([e.date for e in found])):
        return None
    entries = tuple(Entry(e.date, e.title) for e in found)
    return FoundCollection(tuple(group), entries, linked)


def newest_first(dates: Sequence[str | None]) -> bool:
    """True when the dates (ISO, or ``--MM-DD`` without a year) never increase."""
    keys = [d[2:] if d.startswith("--") else d for d in dates if d]
    yearless = sum(1 for d in dates if d and d.startswith("--"))
    if len(keys) < 2 or 0 < yearless < len(keys):
        return False
    return all(a >= b for a, b in pairwise(keys))


def entry_of(element: etree._Element) -> FoundEntry | None:
    """The entry an item element holds (a date of its own and a title), or None."""
    raw = str(_STRING(element))
    if len(raw) > RAW_MAX_CHARS or not _DIGIT.search(raw):
        return None
    text = normalise_space(raw)
    if not text or len(text) > ENTRY_MAX_CHARS:
        return None
    dated = _own_date(element) or _leading_date(text) or _date_beside_link(element, text)
    if dated is None:
        return None
    date, date_text = dated
    title, linked = _title(element, text, date_text)
    if sum(c.isalpha() for c in title) < 2:
        return None
    return FoundEntry(date, title[:TITLE_MAX_CHARS], linked)


def _own_date(element: etree._Element) -> tuple[str, str] | None:
    """The one date the item states in an element of its own (``<time>``, or a short element
    whose text is a date); None when it has none, or several (then it holds entries itself)."""
    found: tuple[str, str] | None = None
    for node in element.iterdescendants():
        if not isinstance(node.tag, str):
            continue
        text = normalise_space(str(_STRING(node)))
        if node.tag == "time":
            iso = parse_date_text(node.get("datetime") or "") or date_only(text)
        elif text and len(text) <= DATE_MAX_CHARS and not len(node):
            iso = date_only(text)
        else:
            continue
        if iso and found is not None and found[0] != iso:
            return None
        if iso and found is None:
            found = (iso, text)
    return found


def _leading_date(text: str) -> tuple[str, str] | None:
    """A date that opens the text, followed by a separator ("19 March 2020: Figures updated")."""
    dates = find_dates(text[: DATE_MAX_CHARS + 10])
    if dates and dates[0].start == 0 and _SEPARATOR.match(text[dates[0].end :]):
        return dates[0].iso, text[: dates[0].end]
    return None


def _date_beside_link(element: etree._Element, text: str) -> tuple[str, str] | None:
    """A link and a date as plain text beside it ("<a>Title</a> 12/03/2020")."""
    labels = [normalise_space(str(_STRING(a))) for a in element.iter("a")]
    labels = [label for label in labels if label]
    if len(labels) != 1:
        return None
    rest = normalise_space(text.replace(labels[0], " ", 1)).strip(" -–—|,")
    iso = date_only(rest)
    return (iso, rest) if iso else None


def date_only(text: str) -> str | None:
    """The date ``text`` states when it states nothing else (a time or weekday may go with it).

    Gives ISO 8601 ("2020-03-27"), or ``--MM-DD`` when the text gives no year.
    """
    text = text.strip(" .,;")
    if not text or len(text) > DATE_MAX_CHARS:
        return None
    if _TIMESTAMP.fullmatch(text):
        return parse_date_text(text)
    numeric = _NUMERIC.match(text)
    if numeric:
        iso = _numeric_iso(*numeric.groups())
        return iso if iso and _rest_is_time(text[numeric.end() :]) else None
    dates = find_dates(text)
    if dates:
        first = dates[0]
        rest = text[: first.start] + " " + text[first.end :]
        return first.iso if _rest_is_time(rest) else None
    return _yearless(text)


def date_at(text: str) -> tuple[str, int] | None:
    """A date (with its year) opening ``text``: its ISO value and where it ends."""
    numeric = _NUMERIC.match(text)
    if numeric:
        iso = _numeric_iso(*numeric.groups())
        return (iso, numeric.end()) if iso else None
    dates = find_dates(text[: DATE_MAX_CHARS + 10])
    if dates and dates[0].start == 0:
        return dates[0].iso, dates[0].end
    return None


def _numeric_iso(day: str, month: str, year: str) -> str | None:
    d, m = int(day), int(month)
    if m > 12 and d <= 12:
        d, m = m, d  # month first (US style)
    if not (1 <= d <= 31 and 1 <= m <= 12):
        return None
    return f"{year}-{m:02d}-{d:02d}"


def _yearless(text: str) -> str | None:
    m = _YEARLESS.match(_strip_weekday(text))
    if not m:
        return None
    day = m.group("d1") or m.group("d2")
    name = (m.group("m1") or m.group("m2")).lower()
    month = MONTHS_FR.get(name) or {k.lower(): v for k, v in MONTHS_EN.items()}.get(name)
    d = 1 if day == "1er" else int(day)
    if month is None or not 1 <= d <= 31:
        return None
    return f"--{month:02d}-{d:02d}" if _rest_is_time(_strip_weekday(text)[m.end() :]) else None


def _strip_weekday(text: str) -> str:
    return re.sub(
        r"^(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|lundi|mardi|mercredi"
        r"|jeudi|vendredi|samedi|dimanche),?\s+",
        "",
        text,
        flags=re.IGNORECASE,
    )


def _rest_is_time(rest: str) -> bool:
    """What remains beside a date is only a time of day, a weekday or punctuation."""
    left = _TIME_OR_DAY.sub(" ", rest)
    return not re.search(r"[^\W\d_]{2,}|\d", left)


def _title(element: etree._Element, text: str, date_text: str) -> tuple[str, bool]:
    """The entry's title: its first link's text, else its heading, else its text less the date."""
    for link in element.iter("a"):
        label = normalise_space(str(_STRING(link)))
        if label and label != date_text and sum(c.isalpha() for c in label) >= 2:
            return label, True
    if element.tag == "a" and element.get("href"):
        return _without(text, date_text), True
    for heading in element.iter(*_HEADINGS):
        label = normalise_space(str(_STRING(heading)))
        if label:
            return label, False
    return _without(text, date_text), False


def _without(text: str, date_text: str) -> str:
    rest = text.replace(date_text, " ", 1) if date_text else text
    return normalise_space(rest).strip(" :|–—-")
