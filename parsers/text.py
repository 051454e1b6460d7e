"""Text helpers shared by the parsers and the extractors."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from parsers.model import Block, Document, Section

_ZERO_WIDTH_CHARS = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_ZERO_WIDTH = dict.fromkeys(map(ord, _ZERO_WIDTH_CHARS), None)
_SPACE_BEFORE_PUNCT = re.compile(r" (?=[,.;!?)](?:\s|$))")

# the leading lookahead only skips positions that cannot match (fast scan, same matches)
_SENTENCE_END = re.compile(r"(?=[\s\"”»’)])(?<=[.!?])[\"”»’)]?\s+(?=[\"“«(]?[A-ZÀ-Ý0-9])")
_ABBREV_END = re.compile(
    r"(?:\b(?:[A-Z]\.){2,}|\b(?:Mr|Mrs|Ms|Dr|St|No|Nos|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct"
    r"|Nov|Dec|Inc|Ltd|Co|Corp|Hon|Gov|Sen|Rep|vs|approx|M|Mme|art|p|pp|e\.g|i\.e)\.)$"
)

# an abbreviation ending a piece is at most this long ("approx." or "A.B." and a space)
_ABBREV_LONGEST = 9


def normalise_space(text: str) -> str:
    """Collapse whitespace runs (NBSP included) and strip zero-width characters."""
    # translate looks every character up: only worth it when there is one to drop
    if not text.isascii() and any(c in text for c in _ZERO_WIDTH_CHARS):
        text = text.translate(_ZERO_WIDTH)
    text = " ".join(text.split())
    return _SPACE_BEFORE_PUNCT.sub("", text) if " " in text else text


def split_sentences(text: str) -> list[str]:
    """Split a block's text into sentences, keeping abbreviations such as "U.S." whole."""
    return list(_split(text))


@lru_cache(maxsize=4096)
def _split(text: str) -> tuple[str, ...]:
    pieces = _SENTENCE_END.split(text)
    out: list[str] = []
    for piece in pieces:
        if out and _ABBREV_END.search(out[-1], max(0, len(out[-1]) - _ABBREV_LONGEST)):
            out[-1] = f"{out[-1]} {piece}"
        elif piece.strip():
            out.append(piece.strip())
    return tuple(out)


@dataclass(frozen=True)
class Sentence:
    """One sentence with where it sits in the document."""

    text: str
    section: Section
    block: Block
    block_index: int
    index: int
    section_index: int = 0

    def order(self, offset: int = 0) -> tuple[int, ...]:
        """A sort key placing facts of this sentence in document order."""
        return (self.section_index, self.block_index, self.index, offset)


def iter_sentences(doc: Document) -> Iterator[Sentence]:
    """Every sentence of the document, in document order."""
    for sec_index, section in enumerate(doc.sections):
        for b_index, block in enumerate(section.blocks):
            for s_index, sentence in enumerate(split_sentences(block.text)):
                yield Sentence(sentence, section, block, b_index, s_index, sec_index)


def detect_lang(text: str) -> str:
    """Guess "en" or "fr" from common function words."""
    words = re.findall(r"[a-zàâçéèêëîïôûùüÿœ']+", text[:5000].lower())
    fr = sum(w in _FR_WORDS for w in words)
    en = sum(w in _EN_WORDS for w in words)
    return "fr" if fr > en else "en"


_FR_WORDS = frozenset(
    [
        "le",
        "la",
        "les",
        "des",
        "et",
        "est",
        "pour",
        "dans",
        "une",
        "du",
        "au",
        "aux",
        "sur",
        "avec",
        "qui",
        "que",
        "ont",
    ]
)
_EN_WORDS = frozenset(
    [
        "the",
        "and",
        "of",
        "to",
        "is",
        "for",
        "in",
        "with",
        "that",
        "on",
        "are",
        "was",
        "by",
        "from",
        "have",
    ]
)
