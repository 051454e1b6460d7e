"""Helpers shared by the extractors: masks, reference periods, fact construction."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from model.facts import Fact
from parsers.dates import find_dates
from parsers.gates import Needs, Scan, scan_of
from parsers.model import Document
from parsers.numbers import trie_regex
from parsers.text import Sentence

# every alternative starts with a digit, "+", "(" or "#": the lookahead skips other positions
MASK = re.compile(
    r"(?=[\d(+#])(?:(?<![\d-])(?:\+?1[-. ])?\(?\d{3}\)?[-. ]\d{3}[-. ]\d{4}(?!\d)"
    r"|(?<!\w)1-8\d\d-[\w-]+"
    r"|(?<!\w)\d{1,2}(?::|h)\d{2}(?!\w)"
    r"|(?<!\w)\d{1,2}\s?(?:a\.m\.|p\.m\.|am|pm)(?!\w)"
    r"|#\d+"
    r"|(?<![\w.])\d+(?:\.\d+){2,}(?![\w.])"
    r"|(?<!\w)(?:19|20)\d\d\s?[-–/]\s?(?:\d{4}|\d{2})(?!\w))"
)
# a reference word, then its number: "section 12", "Article 3", "Bill C-63", "n° 4"
_REFERENCE = re.compile(r"([\w°º.]+)\s+[A-Z]?-?\d[\w.()–-]*(?:\s*(?:and|to|et|à|,)\s*\d[\w.()]*)*")
_REFERENCE_WORDS = frozenset(
    [
        "section",
        "sections",
        "article",
        "articles",
        "paragraph",
        "paragraphs",
        "subsection",
        "subsections",
        "chapter",
        "chapters",
        "part",
        "parts",
        "schedule",
        "schedules",
        "annex",
        "appendix",
        "bill",
        "item",
        "items",
        "clause",
        "clauses",
        "rule",
        "rules",
        "regulation",
        "regulations",
        "resolution",
        "resolutions",
        "table",
        "tables",
        "figure",
        "figures",
        "page",
        "pages",
        "step",
        "steps",
        "phase",
        "phases",
        "level",
        "levels",
        "tier",
        "tiers",
        "category",
        "categories",
        "no.",
        "number",
        "n°",
        "nº",
        "alinéa",
        "alinéas",
        "paragraphe",
        "paragraphes",
        "chapitre",
        "chapitres",
        "partie",
        "parties",
        "annexe",
        "annexes",
        "règlement",
        "règlements",
        "résolution",
        "résolutions",
        "tableau",
        "tableaux",
        "loi",
        "étape",
        "étapes",
        "niveau",
        "niveaux",
        "version",
        "v.",
    ]
)
# a reference word right before a number: a sentence without one has no reference to mask
# (searched in the lowercased text: a case-sensitive prefix tree scans fastest)
_REFERENCE_HINT = re.compile(trie_regex(sorted(_REFERENCE_WORDS)) + r"\s+[a-z]?-?\d")

_PERIODS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), fmt)
    for p, fmt in (
        (
            r"(?i:\b(?:in|during|for|over)\s+(?:the\s+)?(?:fiscal\s+year\s+|FY\s*))?"
            r"\b(?:in|during|for)\s+((?:19|20)\d\d\s?[-–/]\s?(?:\d{4}|\d{2}))\b",
            "{0}",
        ),
        (
            r"(?i:\b(?:en|au cours de|pendant|pour)\s+(?:l['’]exercice\s+)?)"
            r"((?:19|20)\d\d\s?[-–/]\s?(?:\d{4}|\d{2}))\b",
            "{0}",
        ),
        (
            r"(?i:\b(?:over|in|during|for|within)\s+the\s+)((?:last|past|previous|next|first)"
            r"\s+(?:\w+\s+)?(?:years?|months?|weeks?|days?|decades?))\b",
            "{0}",
        ),
        (
            r"(?i:\b(?:au cours des|pendant les|ces|durant les|dans les)\s+)((?:\w+\s+)?"
            r"(?:dernières|derniers|prochaines|prochains)\s+(?:années|ans|mois|semaines|jours))",
            "{0}",
        ),
        (r"\b(?:in|during)\s+((?:19|20)\d\d)\b", "{0}"),
        (r"\b(?:en|pendant)\s+((?:19|20)\d\d)\b", "{0}"),
        (
            r"(?i:\b(since|as of|depuis|à partir de))\s+((?:[A-Z][a-z]+\s+)?(?:19|20)\d\d)\b",
            "{0} {1}",
        ),
        (r"(?i:\b(?:each|per|every|a)\s+(year|month|week|day)\b)", "per {0}"),
        (r"(?i:\bannually\b)", "per year"),
        (r"(?i:\b(?:par|chaque)\s+(an|année|mois|semaine|jour)\b)", "par {0}"),
    )
)


_DIGIT = re.compile(r"\d")
# every period phrase holds a digit or one of these words (in any case)
_PERIOD_WORDS = (
    *("last", "past", "previous", "next", "first", "derni", "prochain", "annually", "each"),
    *("per ", "every", "par ", "chaque", "a year", "a month", "a week", "a day"),
)
_PERIOD_HINT = re.compile(r"\d|" + "|".join(_PERIOD_WORDS), re.I)
# a fiscal year's second half right after its first year: "2021-22", "2021 / 2022"
_FISCAL_TAIL = re.compile(r"\s?[-–/]\s?\d\d")
# what every match of each of _PERIODS contains (see parsers.gates)
PERIOD_GATES: tuple[Needs, ...] = (
    Needs(before_year=("in", "during", "for"), spaced=True, after_year=_FISCAL_TAIL),
    Needs(
        before_year=("en", "au cours de", "pendant", "pour", "exercice"),
        spaced=True,
        after_year=_FISCAL_TAIL,
    ),
    Needs(lower_words=("last", "past", "previous", "next", "first")),
    Needs(lower_words=("derni", "prochain")),
    Needs(before_year=("in", "during"), spaced=True),
    Needs(before_year=("en", "pendant"), spaced=True),
    Needs(lower_words=("since", "as of", "depuis", "à partir de"), before_year=("",), spaced=True),
    Needs(lower_words=("year", "month", "week", "day")),
    Needs(lower_words=("annually",)),
    Needs(lower_words=("par", "chaque")),
)


def periods_may_match(text: str) -> list[bool]:
    """For each of _PERIODS, whether ``text`` holds what a match needs (a year, or a word)."""
    scan = Scan(text)
    return [scan.holds(needs) for needs in PERIOD_GATES]


def find_period(text: str) -> tuple[str | None, list[tuple[int, int]]]:
    """The reference period the sentence states, and the spans of every period phrase."""
    period, spans = _find_period(text)
    return period, list(spans)


@lru_cache(maxsize=4096)
def _find_period(text: str) -> tuple[str | None, tuple[tuple[int, int], ...]]:
    period: str | None = None
    spans: list[tuple[int, int]] = []
    scan = scan_of(text)
    if not _may_state_period(scan):
        return None, ()
    for (pattern, fmt), needs in zip(_PERIODS, PERIOD_GATES, strict=True):
        if not scan.holds(needs):
            continue
        for m in pattern.finditer(text):
            spans.append(m.span())
            if period is None:
                period = fmt.format(*(g.lower() if g.isalpha() else g for g in m.groups()))
    return period, tuple(spans)


def _may_state_period(scan: Scan) -> bool:
    """A digit or a period word: what every period phrase holds."""
    if not scan.plain:
        return _PERIOD_HINT.search(scan.text) is not None
    return _DIGIT.search(scan.text) is not None or any(w in scan.lower for w in _PERIOD_WORDS)


def masked(text: str) -> str:
    """``text`` with dates, phone numbers, times and references blanked (same length)."""
    if not _DIGIT.search(text):
        return text
    chars = list(text)
    spans = [m.span() for m in MASK.finditer(text)]
    if _REFERENCE_HINT.search(text.lower()):
        spans += [
            m.span() for m in _REFERENCE.finditer(text) if m.group(1).lower() in _REFERENCE_WORDS
        ]
    spans += [(d.start, d.end) for d in find_dates(text)]
    spans += find_period(text)[1]
    for start, end in spans:
        chars[start:end] = "·" * (end - start)
    return "".join(chars)


def dollar_currency(doc: Document) -> str:
    """Which dollar a bare "$" means on this page."""
    host = urlsplit(doc.url).hostname or ""
    if host.endswith((".gov", ".mil")):
        return "USD"
    if host.endswith(("canada.ca", "gc.ca")) or doc.lang == "fr":
        return "CAD"
    head = doc.title + " " + " ".join(b.text for s in doc.sections[:3] for b in s.blocks[:3])
    return "CAD" if "Canad" in head else "USD"


def make_fact(
    kind: str,
    subject: str,
    value: dict[str, Any],
    where: Sentence,
    order: tuple[int, ...],
    period: str | None = None,
    evidence: str | None = None,
    rule: str = "",
) -> Fact:
    """A fact found in ``where`` by ``rule``; ``order`` sorts facts in document order.

    The evidence is the sentence that states the fact (see :func:`sentence_evidence`)
    unless ``evidence`` is given.
    """
    return Fact(
        kind=kind,
        subject=subject,
        value=value,
        evidence=sentence_evidence(where) if evidence is None else evidence,
        section=where.section.heading,
        period=period,
        rule=rule,
        extra={"order": order},
        block=where.block.index,
    )


def sentence_evidence(where: Sentence) -> str:
    """The words that state a fact: the sentence, or the whole item of a list."""
    return where.block.text if where.block.kind == "item" else where.text


def list_evidence(lead_in: str, items: list[str]) -> str:
    """A bulleted list as evidence: its lead-in sentence, then the items joined by "; "."""
    return f"{lead_in} {'; '.join(item.rstrip(' ;,.') for item in items)}"
