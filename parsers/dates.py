"""Find dates in English and French text and give them as ISO 8601 strings."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from parsers.gates import EN_MONTH, FR_MONTH_LOWER, Needs, Scan, scan_of

MONTHS_EN: dict[str, int] = {
    name: i + 1
    for i, names in enumerate(
        (
            "January Jan",
            "February Feb",
            "March Mar",
            "April Apr",
            "May",
            "June Jun",
            "July Jul",
            "August Aug",
            "September Sept Sep",
            "October Oct",
            "November Nov",
            "December Dec",
        )
    )
    for name in names.split()
}
MONTHS_FR: dict[str, int] = {
    name: i + 1
    for i, names in enumerate(
        (
            "janvier",
            "février fevrier",
            "mars",
            "avril",
            "mai",
            "juin",
            "juillet",
            "août aout",
            "septembre",
            "octobre",
            "novembre",
            "décembre decembre",
        )
    )
    for name in names.split()
}

_M_EN = (
    r"(?P<{g}>(?:January|February|March|April|May|June|July|August|September|October|November"
    r"|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?)"
)
_M_FR = (
    r"(?P<{g}>(?i:janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[ûu]t|septembre|octobre"
    r"|novembre|d[ée]cembre))"
)
_D = r"(?P<{g}>[0-3]?\d)(?:st|nd|rd|th)?"
_D_FR = r"(?P<{g}>1er|[0-3]?\d)"
_Y = r"(?P<{g}>(?:1[89]|20)\d\d)(?![\d-])"
_WEEKDAY = (
    r"(?:(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday),?\s+"
    r"|(?i:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)\s+)?"
)
_TO = r"\s*(?:to|through|until|-|–|—|and)\s*"


def _p(template: str) -> re.Pattern[str]:
    parts = {
        "M": _M_EN.format(g="m"),
        "M2": _M_EN.format(g="m2"),
        "FM": _M_FR.format(g="m"),
        "FM2": _M_FR.format(g="m2"),
        "D": _D.format(g="d"),
        "D2": _D.format(g="d2"),
        "FD": _D_FR.format(g="d"),
        "FD2": _D_FR.format(g="d2"),
        "Y": _Y.format(g="y"),
        "Y2": _Y.format(g="y2"),
        "W": _WEEKDAY,
        "TO": _TO,
    }
    return re.compile(r"(?<![\w-])" + template.format(**parts))


_YEAR_CONTEXT_EN = (
    r"(?:in|since|by|from|during|until|till|before|after|throughout|early|late|mid-?|spring"
    r"|summer|fall|autumn|winter|end of|start of|beginning of)"
)
_YEAR_CONTEXT_FR = (
    r"(?:en|depuis|dès|d['’]ici|avant|après|pendant|jusqu['’]en|au cours de|à partir de"
    r"|fin|début|mi-|courant)"
)
_EVENT_NOUNS = (
    r"(?:(?:yearly|annual|ministerial|leaders['’]?|general|plenary|virtual)\s+)?"
    r"(?:meeting|summit|conference|session|forum|election|census|ministerial|gathering)"
)

# (pattern, kind) in priority order; earlier patterns win overlapping spans
PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (_p(r"(?:from\s+)?{W}{M}\s+{D},?(?:\s+(?P<y0>\d{{4}}),?)?{TO}{M2}\s+{D2},?\s+{Y}"), "range"),
    (_p(r"(?:from\s+)?{W}{M}\s+{D}{TO}{D2},?\s+{Y}"), "range"),
    (_p(r"(?:from\s+)?{D}{TO}{D2}\s+{M}\s+{Y}"), "range"),
    (_p(r"(?:from\s+)?{W}{D}\s+{M}(?:\s+(?P<y0>\d{{4}}))?{TO}{W}{D2}\s+{M2},?\s+{Y}"), "range"),
    (_p(r"du\s+{W}{FD}\s+{FM}(?:\s+(?P<y0>\d{{4}}))?\s+au\s+{W}{FD2}\s+{FM2}\s+{Y}"), "range"),
    (_p(r"du\s+{FD}\s+au\s+{FD2}\s+{FM}\s+{Y}"), "range"),
    (
        _p(r"(?i:entre)\s+le\s+{FD}\s+{FM}\s+(?P<y0>\d{{4}})\s+et\s+le\s+{FD2}\s+{FM2}\s+{Y}"),
        "range",
    ),
    (_p(r"{W}{M}\s+{D},?\s+{Y}"), "day"),
    (_p(r"{W}{D}\s+{M},?\s+{Y}"), "day"),
    (_p(r"(?:le\s+)?{W}{FD}\s+{FM}\s+{Y}"), "day"),
    (_p(r"(?P<y>(?:1[89]|20)\d\d)-(?P<mm>[01]\d)-(?P<dd>[0-3]\d)(?!\d)"), "iso"),
    (_p(r"(?:from\s+){M}{TO}{M2}\s+{Y}"), "month-range"),
    (_p(r"{M},?\s+(?:of\s+)?{Y}"), "month"),
    (_p(r"(?:en\s+|de\s+)?{FM}\s+{Y}"), "month"),
    (_p(r"(?:from|between)\s+{Y}\s*(?:to|and|-|–)\s*{Y2}"), "year-range"),
    (_p(r"(?:de|entre)\s+{Y}\s*(?:à|et|-|–)\s*{Y2}"), "year-range"),
    (_p(r"(?i:" + _YEAR_CONTEXT_EN + r")\s+(?:the\s+year\s+)?{Y}(?!\s*[-–/]\s*\d)"), "year"),
    (_p(r"(?i:" + _YEAR_CONTEXT_FR + r")\s*{Y}(?!\s*[-–/]\s*\d)"), "year"),
    (_p(r"{Y}\s+(?=" + _EVENT_NOUNS + r"\b)"), "year"),
    (_p(r"(?i:réunion|sommet|conférence|rencontre)(?:\s+\w+)?\s+de\s+{Y}"), "year"),
    # a day of the year, no year given: "23 March", "May 30th", "le 29 octobre"
    (_p(r"{W}{D}\s+{M}{TO}{W}{D2}\s+{M2}(?![\w-])"), "md-range"),
    (_p(r"{W}{M}\s+{D}{TO}{M2}\s+{D2}(?![\w-])"), "md-range"),
    (
        _p(r"(?:du|entre le)\s+{W}{FD}\s+{FM}\s+(?:au|et le)\s+{W}{FD2}\s+{FM2}(?![\w-])"),
        "md-range",
    ),
    (_p(r"{W}{M}\s+{D}(?![\w,.]\d|[\w-])"), "md"),
    (_p(r"{W}{D}\s+{M}(?![\w-])"), "md"),
    (_p(r"{W}{FD}\s+{FM}(?![\w-])"), "md"),
)


@dataclass(frozen=True)
class DateMatch:
    """A date found in text: its span and ISO value (``end`` for a range).

    A day without a year is ``--MM-DD`` (ISO 8601's truncated form).
    """

    start: int
    end: int
    iso: str
    iso_end: str | None = None


def find_dates(text: str) -> list[DateMatch]:
    """All dates in ``text``, in order, without overlaps."""
    return list(_find_dates(text))


_EVENT_WORDS = (
    *("meeting", "summit", "conference", "session", "forum"),
    *("election", "census", "ministerial", "gathering"),
)
_YEAR_AFTER_EN = (
    *("in", "since", "by", "from", "during", "until", "till", "before", "after"),
    *("throughout", "early", "late", "mid", "mid-", "spring", "summer", "fall", "autumn"),
    *("winter", "end of", "start of", "beginning of", "year"),
)
_YEAR_AFTER_FR = (
    *("en", "depuis", "dès", "d'ici", "d’ici", "avant", "après", "pendant", "au cours de"),
    *("à partir de", "fin", "début", "mi-", "courant"),
)
# pieces of the patterns that start with a month name or a digit: a regex that starts so
# skips the other positions fast, unlike the whole patterns (they start with a lookbehind)
_YEAR_DIGITS = r"(?:1[89]|20)\d\d"
_MONTH_DAY = re.compile(EN_MONTH.pattern + r"\.?\s+\d")  # March 24
_TWO_MONTH_DAYS = re.compile(f"{_MONTH_DAY.pattern}[\\s\\S]*{_MONTH_DAY.pattern}")
_DAY_MONTH = re.compile(r"\d(?:st|nd|rd|th)?\s+" + EN_MONTH.pattern)  # 24 March
_DAY_TO_DAY = re.compile(r"\d(?:st|nd|rd|th)?" + _TO + r"\d")  # 8 to 10
_MONTH_YEAR = re.compile(EN_MONTH.pattern + r"\.?,?\s+(?:of\s+)?" + _YEAR_DIGITS)  # March 2022
_FR_DAY_MONTH_YEAR = re.compile(  # 24 mars 2022
    r"(?:1er|\d)\s+(?:" + FR_MONTH_LOWER.pattern + r")\s+" + _YEAR_DIGITS
)
_FR_DAY_MONTH = re.compile(r"(?:1er|\d)\s+(?:" + FR_MONTH_LOWER.pattern + ")")  # 29 octobre
_FR_MONTH_YEAR = re.compile("(?:" + FR_MONTH_LOWER.pattern + r")\s+" + _YEAR_DIGITS)
# what every match of each of PATTERNS contains besides a year (see parsers.gates)
GATES: tuple[Needs, ...] = (
    Needs(month="en", contains=(_TWO_MONTH_DAYS,)),  # range: March 24 to April 2, 2022
    Needs(month="en", contains=(_MONTH_DAY, _DAY_TO_DAY)),  # range: December 8 to 10, 2023
    Needs(month="en", contains=(_DAY_MONTH, _DAY_TO_DAY)),  # range: 8 to 10 December 2023
    Needs(month="en", contains=(_DAY_MONTH,)),  # range: 23 September to 27 September 2022
    Needs(month="fr", words=("du",)),  # range: du 8 mars au 2 avril 2023
    Needs(month="fr", words=("du",)),  # range: du 8 au 10 mars 2023
    Needs(month="fr", lower_words=("entre",)),  # range: entre le 1er avril 2022 et le 31 mars 2023
    Needs(month="en", contains=(_MONTH_DAY,)),  # day: March 24, 2022
    Needs(month="en", contains=(_DAY_MONTH,)),  # day: 24 March 2022
    Needs(month="fr", lower_contains=(_FR_DAY_MONTH_YEAR,)),  # day: le 24 mars 2022
    Needs(words=("-",)),  # iso: 2022-03-24
    # month-range: from March to June 2022
    Needs(month="en", words=("from",), contains=(_MONTH_YEAR,)),
    Needs(month="en", contains=(_MONTH_YEAR,)),  # month: March 2022
    Needs(month="fr", lower_contains=(_FR_MONTH_YEAR,)),  # month: mars 2022
    Needs(words=("from", "between")),  # year-range
    Needs(words=("de", "entre")),  # year-range (French)
    Needs(before_year=_YEAR_AFTER_EN, spaced=True),  # year in context: in 2021
    Needs(before_year=_YEAR_AFTER_FR),  # year in context (French): en 2021
    Needs(words=_EVENT_WORDS),  # year of an event: 2023 meeting
    Needs(lower_words=("réunion", "sommet", "conférence", "rencontre")),  # réunion de 2023
    Needs(month="en", contains=(_DAY_MONTH,)),  # 8 March to 2 April
    Needs(month="en", contains=(_MONTH_DAY,)),  # March 8 to April 2
    Needs(month="fr", words=("du", "entre"), lower_contains=(_FR_DAY_MONTH,)),
    Needs(month="en", contains=(_MONTH_DAY,)),  # May 30th
    Needs(month="en", contains=(_DAY_MONTH,)),  # 23 March
    Needs(month="fr", lower_contains=(_FR_DAY_MONTH,)),  # le 29 octobre
)


def dates_may_match(text: str) -> list[bool]:
    """For each of PATTERNS, whether ``text`` holds what a match needs (a month, a word)."""
    scan = Scan(text)
    return [scan.holds(needs) for needs in GATES]


@lru_cache(maxsize=4096)
def _find_dates(text: str) -> tuple[DateMatch, ...]:
    scan = scan_of(text)
    if not scan.years and not (_DIGIT.search(text) and (scan.months["en"] or scan.months["fr"])):
        return ()
    found: list[DateMatch] = []
    taken: list[tuple[int, int]] = []
    for (pattern, kind), needs in zip(PATTERNS, GATES, strict=True):
        if (kind not in _YEARLESS and not scan.years) or not scan.holds(needs):
            continue
        for match in pattern.finditer(text):
            span = match.span()
            if any(span[0] < e and s < span[1] for s, e in taken):
                continue
            value = _to_iso(match, kind)
            if value is not None:
                taken.append(span)
                end = span[0] + len(match.group(0).rstrip())
                found.append(DateMatch(span[0], end, *value))
    return tuple(sorted(found, key=lambda d: d.start))


_YEARLESS = frozenset({"md", "md-range"})
_DIGIT = re.compile(r"\d")


def _month(name: str | None) -> int | None:
    if not name:
        return None
    name = name.rstrip(".")
    return MONTHS_EN.get(name) or MONTHS_FR.get(name.lower())


def _iso(year: str, month: int | None = None, day: str | None = None) -> str | None:
    if month is None:
        return year
    if day is None:
        return f"{year}-{month:02d}"
    d = 1 if day == "1er" else int(day)
    if not 1 <= d <= 31 or not 1 <= month <= 12:
        return None
    return f"{year}-{month:02d}-{d:02d}"


def _to_iso(m: re.Match[str], kind: str) -> tuple[str, str | None] | None:
    g = m.groupdict()
    if kind == "iso":
        value = _iso(g["y"], int(g["mm"]), g["dd"])
        return (value, None) if value else None
    if kind in ("year", "year-range"):
        return g["y"], g.get("y2")
    if kind == "month":
        return _iso(g["y"], _month(g["m"])) or "", None
    if kind == "month-range":
        return _iso(g["y"], _month(g["m"])) or "", _iso(g["y"], _month(g["m2"]))
    year = "-" if kind in _YEARLESS else g.get("y0") or g["y"]
    start = _iso(year, _month(g["m"]), g["d"])
    if kind in ("day", "md"):
        return (start, None) if start else None
    end = _iso("-" if kind in _YEARLESS else g["y"], _month(g.get("m2") or g["m"]), g["d2"])
    return (start, end) if start and end else None


def parse_date_text(text: str) -> str | None:
    """The first date in ``text`` as ISO ("2023-06-09"), accepting ISO timestamps too."""
    text = text.strip()
    iso = re.match(r"((?:1[89]|20)\d\d)-([01]\d)-([0-3]\d)", text)
    if iso:
        return "-".join(iso.groups())
    dates = find_dates(text)
    return dates[0].iso if dates else None
