"""What a pattern needs to match, tested cheaply before the pattern runs.

A pattern that scans a whole sentence is costly; a test of what every match of
it must contain (a month name, a word, a year with a given word right before
it) is cheap. :class:`Scan` finds a text's years once, and :meth:`Scan.holds`
tells whether a text holds what a :class:`Needs` asks for. A gate only skips
a pattern that could not match: when in doubt, it lets the pattern run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache

# a year as the date and period patterns use it: never right after or before another digit
YEAR = re.compile(r"(?<!\d)(?:1[89]|20)\d\d(?!\d)")
EN_MONTH = re.compile(
    r"(?:January|February|March|April|May|June|July|August|September|October|November"
    r"|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)"
)
# French month names, looked for in the lowercased text (see :func:`folds_plainly`)
FR_MONTH_LOWER = re.compile(
    r"janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[ûu]t|septembre|octobre|novembre"
    r"|d[ée]cembre"
)
_FR_MONTH = re.compile(f"(?i:{FR_MONTH_LOWER.pattern})")
# the only characters a case-insensitive regex matches to an ASCII letter that str.lower()
# does not lowercase to that letter (U+0130 is also the only one lower() lengthens)
_ODD_CASE = ("\u0130", "\u0131", "\u017f", "\u212a")


def folds_plainly(text: str) -> bool:
    """Whether ``(?i:word)`` can match ``text`` only where ``word`` is in ``text.lower()``."""
    return text.isascii() or not any(c in text for c in _ODD_CASE)


@dataclass(frozen=True, slots=True)
class Needs:
    """What every match of a pattern contains; an empty field asks for nothing.

    ``month``: "en" or "fr", a month name of that language; ``words``: one of
    these (case-sensitive); ``lower_words``: one of these, in any case;
    ``before_year``: a year whose preceding text ends with one of these words
    (in any case), with whitespace between them when ``spaced``, and followed
    by what ``after_year`` matches when it is set; ``contains``: regexes that
    each find something in the text (``lower_contains``: in the lowercased text).
    """

    month: str = ""
    words: tuple[str, ...] = ()
    lower_words: tuple[str, ...] = ()
    before_year: tuple[str, ...] = ()
    spaced: bool = False
    after_year: re.Pattern[str] | None = None
    contains: tuple[re.Pattern[str], ...] = ()
    lower_contains: tuple[re.Pattern[str], ...] = ()


class Scan:
    """One text, with what the gates look at: its years, its lowercase form, its months."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.years = [m.span() for m in YEAR.finditer(text)]
        self.plain = folds_plainly(text)

    @cached_property
    def lower(self) -> str:
        """The lowercased text."""
        return self.text.lower()

    @cached_property
    def months(self) -> dict[str, bool]:
        """Whether the text holds an English ("en") and a French ("fr") month name."""
        fr = FR_MONTH_LOWER.search(self.lower) if self.plain else _FR_MONTH.search(self.text)
        return {"en": EN_MONTH.search(self.text) is not None, "fr": fr is not None}

    def holds(self, needs: Needs) -> bool:
        """Whether the text holds everything ``needs`` asks for (True when unsure)."""
        if needs.month and not self.months[needs.month]:
            return False
        if needs.words and not any(w in self.text for w in needs.words):
            return False
        if needs.lower_words and self.plain and not any(w in self.lower for w in needs.lower_words):
            return False
        if any(p.search(self.text) is None for p in needs.contains):
            return False
        if self.plain and any(p.search(self.lower) is None for p in needs.lower_contains):
            return False
        return not (needs.before_year or needs.after_year) or self._year_with(needs)

    def _year_with(self, needs: Needs) -> bool:
        """A year with ``needs.before_year`` right before it and ``needs.after_year`` after it."""
        for start, end in self.years:
            head = len(self.text[:start].rstrip())
            if needs.spaced and head == start:
                continue
            if needs.after_year is not None and not needs.after_year.match(self.text, end):
                continue
            if not needs.before_year or not self.plain:
                return True
            if self.lower.endswith(needs.before_year, 0, head):
                return True
        return False


@lru_cache(maxsize=4096)
def scan_of(text: str) -> Scan:
    """The :class:`Scan` of ``text`` (memoised: cleared with the other caches)."""
    return Scan(text)
