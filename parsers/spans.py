"""Spans of a sentence that are never figures: times, phone numbers, references, periods.

:func:`masked` blanks them (same length) so that the amount pattern does not read
"4am", "613-555-0199", "section 12" or "in the last five years" as figures;
:func:`find_period` also gives the reference period a figure is stated for.
"""

from __future__ import annotations

import re
from functools import lru_cache

from parsers.dates import find_dates
from parsers.gates import Needs, Scan, scan_of
from parsers.lexicon import words
from parsers.numbers import trie_regex


def _time_of_day() -> re.Pattern[str]:
    """A time of day: an hour and a word of the times_of_day lists ("12 noon", "9:00am",
    "16 h", "14 h 30"), or hours and minutes ("12h30", "9:00")."""
    marks = sorted(words("en", "times_of_day") | words("fr", "times_of_day"), key=len, reverse=True)
    alternatives = "|".join(re.escape(m) for m in marks)
    return re.compile(
        r"(?<!\w)\d{1,2}\s?h\s?\d{2}(?!\w)"
        rf"|(?<!\w)\d{{1,2}}(?:[:.]\d{{2}})?\s?(?i:{alternatives})(?!\w)"
        r"|(?<!\w)\d{1,2}:\d{2}(?!\w)"
    )


TIME_OF_DAY = _time_of_day()
# every alternative starts with a digit, "+", "(" or "#": the lookahead skips other positions
MASK = re.compile(
    r"(?=[\d(+#])(?:(?<![\d-])(?:\+?1[-. ])?\(?\d{3}\)?[-. ]\d{3}[-. ]\d{4}(?!\d)"
    r"|(?<!\w)1-8\d\d-[\w-]+"
    r"|#\d+"
    r"|(?<![\w.])\d+(?:\.\d+){2,}(?![\w.])"
    r"|(?<!\w)(?:19|20)\d\d\s?[-–/]\s?(?:\d{4}|\d{2})(?!\w)"
    f"|{TIME_OF_DAY.pattern})"
)
# a reference word, then its number: "section 12", "Article 3", "Bill C-63", "n° 4"
_REFERENCE = re.compile(r"([\w°º.]+)\s+[A-Z]?-?\d[\w.()–-]*(?:\s*(?:and|to|et|à|,)\s*\d[\w.()]*)*")
_REFERENCE_WORDS = words("en", "reference_words") | words("fr", "reference_words")
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
            r"\s+(?:\w+\s+)?(?:years?|months?|weeks?|days?|hours?|decades?))\b",
            "{0}",
        ),
        (
            r"(?i:\b(?:au cours des|pendant les|ces|durant les|dans les)\s+)((?:\w+\s+)?"
            r"(?:dernières|derniers|prochaines|prochains)\s+(?:années|ans|mois|semaines|jours|heures))",
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
    """``text`` with dates, phone numbers, times, references and periods blanked (same length)."""
    spans = blank_spans(text)
    if not spans:
        return text
    chars = list(text)
    for start, end, _ in spans:
        chars[start:end] = "·" * (end - start)
    return "".join(chars)


def blank_spans(text: str) -> tuple[tuple[int, int, str], ...]:
    """The spans :func:`masked` blanks, each with its kind: DATE, PERIOD, TIME or REF."""
    return _blank_spans(text) if _DIGIT.search(text) else ()


@lru_cache(maxsize=4096)
def _blank_spans(text: str) -> tuple[tuple[int, int, str], ...]:
    spans = [(d.start, d.end, "DATE") for d in find_dates(text)]
    spans += [(m.start(), m.end(), "TIME") for m in MASK.finditer(text)]
    if _REFERENCE_HINT.search(text.lower()):
        spans += [
            (m.end(1), m.end(), "REF")
            for m in _REFERENCE.finditer(text)
            if m.group(1).lower() in _REFERENCE_WORDS
        ]
    spans += [(start, end, "PERIOD") for start, end in find_period(text)[1]]
    return tuple(spans)
