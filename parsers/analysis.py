"""One pass over a document: its sentences, each with the features the extractors test.

:func:`analyse` splits every block into sentences once and computes, once per
sentence, what the extractors' pre-checks need (lowercase text, digits or
number words, a year, membership cues). Every extractor receives the same
:class:`Analysis`, skips the sentences its features rule out, and memoises
its per-sentence results by text for the document (:meth:`Analysis.once`),
so a sentence repeated on a page is analysed once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any, TypeVar

from parsers.chunks import Parse, parse_sentence
from parsers.gates import scan_of
from parsers.lexicon import LANGS, entries
from parsers.model import Document, iter_prose
from parsers.numbers import may_hold_number, trie_regex
from parsers.text import Sentence, split_sentences

T = TypeVar("T")

_YEAR = re.compile(r"(?:1[89]|20)\d\d")
_DIGIT = re.compile(r"\d")
# two capitalised words (the first not opening the sentence) around a list separator:
# every list of member names holds one ("Australia, Canada", "the UK or the USA")
_NAME_LIST = re.compile(
    r"(?<=[\s(])[A-ZÀ-Ý][\w.&'’-]*[^.;:!?]{0,80}?(?:,|\s(?:and|or|et|ou|&))\s+"
    r"(?:(?:the|l['’]|le|la|les|du|de la|des)\s*)?[A-ZÀ-Ý]"
)


@lru_cache(maxsize=1)
def _cues() -> re.Pattern[str]:
    """:func:`membership_cues` as one prefix-tree regex (one scan of a sentence)."""
    return re.compile(trie_regex(list(membership_cues())))


@lru_cache(maxsize=1)
def membership_cues() -> tuple[str, ...]:
    """Words that announce members without a list of names ("member", "joined", "regroupe"):
    the longest word of each entry of the member_nouns, join_verbs and membership_verbs lists."""
    cues: set[str] = set()
    for lang in LANGS:
        for name in ("member_nouns", "join_verbs", "membership_verbs"):
            for entry in entries(lang, name):
                cues.add(max(entry.replace("'", " ").split(), key=len))
    return tuple(sorted(cues - {"are", "were", "sont", "étaient"}))


@dataclass(frozen=True, slots=True)
class Features:
    """What one sentence contains, as far as the extractors' pre-checks care.

    ``number``: a digit or a word that can start a number word; ``year``: four
    digits that read as a year (no year period without one); ``date``: a year,
    or a digit and a month name (no date without either); ``membership``: a
    list cue (comma, "and", "et", parenthesis) or a word that introduces
    members ("members include", "composed of", "joined").
    """

    lower: str
    number: bool
    year: bool
    date: bool
    membership: bool


@lru_cache(maxsize=4096)
def features(text: str) -> Features:
    """The pre-check features of one sentence (memoised: cleared with the other caches)."""
    lower = text.lower()
    cue = _NAME_LIST.search(text) is not None
    year = _YEAR.search(text) is not None
    date = year or (_DIGIT.search(text) is not None and any(scan_of(text).months.values()))
    return Features(
        lower=lower,
        number=may_hold_number(text, lower),
        year=year,
        date=date,
        membership=cue or _cues().search(lower) is not None,
    )


@dataclass(frozen=True, slots=True)
class Analysed:
    """A sentence of the document and its features."""

    sentence: Sentence
    features: Features

    @property
    def text(self) -> str:
        """The sentence's text."""
        return self.sentence.text


@dataclass
class Analysis:
    """A document split into analysed sentences, shared by every extractor."""

    doc: Document
    sentences: tuple[Analysed, ...]
    _memo: dict[Hashable, object] = field(default_factory=dict, repr=False)

    def once(self, key: Hashable, compute: Callable[..., T], *args: Any) -> T:
        """``compute(*args)`` the first time ``key`` is asked for in this document, then its result.

        ``key`` must name everything the result depends on besides the document.
        """
        if key in self._memo:
            return self._memo[key]  # type: ignore[return-value]
        value = self._memo[key] = compute(*args)
        return value

    def parse(self, item: Analysed) -> Parse:
        """The tokens and chunks of a sentence (one analysis per sentence, shared by every
        extractor: see :func:`parsers.chunks.parse_sentence`)."""
        return parse_sentence(item.text, self.doc.lang, self.dollar)

    @cached_property
    def dollar(self) -> str:
        """Which dollar a bare "$" means on this page."""
        from parsers.extractors.common import dollar_currency

        return dollar_currency(self.doc)

    @cached_property
    def acronyms(self) -> dict[str, str]:
        """The acronyms the page defines (see :func:`parsers.entities.document_acronyms`)."""
        from parsers.entities import document_acronyms

        return document_acronyms(self.doc)


def analyse(doc: Document) -> Analysis:
    """Split ``doc`` into sentences once and compute each sentence's features."""
    out: list[Analysed] = []
    # prose only: table rows and collection entries are read by their own extractors
    for sec_index, b_index, section, block in iter_prose(doc):
        for s_index, text in enumerate(split_sentences(block.text)):
            sentence = Sentence(text, section, block, b_index, s_index, sec_index)
            out.append(Analysed(sentence, features(text)))
    return Analysis(doc, tuple(out))
