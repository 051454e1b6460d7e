"""One tokenisation per sentence: words, numbers and punctuation, each with a coarse tag.

Tags come from the closed-class word lists of :mod:`parsers.lexicon` first
(determiners, prepositions, auxiliaries...), then from capitalisation (PROPN),
digits and number words (NUM) and word endings (PART for "-ed" / "-é", GER for
"-ing" / "-ant", ADV for "-ly" / "-ment"); anything else is a NOUN. The tags are
coarse on purpose: they only have to tell a noun phrase from a verb group.

Tags: ADV AUX CONJ DET GER NOUN NUM PART PREP PRON PROPN PUNCT SUB VERB.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache

from parsers.lexicon import tag_table, words
from parsers.numbers import NUMBER_WORDS, SCALES

# French elided words ("l'", "d'", "qu'", "jusqu'") are tokens of their own
_ELISION = r"(?<![\w'’])(?i:jusqu|lorsqu|puisqu|quoiqu|qu|[cdjlmnst])['’](?=\w)"
_ABBREVIATION = r"(?:[A-Za-z]\.){2,}"
_NUMBER = r"\d+(?:[.,]\d+)*(?:st|nd|rd|th|er|e)?(?!\w)"
_WORD = r"\w+(?:['’\-&/.]\w+)*"
TOKEN_EN = re.compile(rf"{_ABBREVIATION}|{_NUMBER}|{_WORD}|[^\w\s]")
TOKEN_FR = re.compile(rf"{_ELISION}|{_ABBREVIATION}|{_NUMBER}|{_WORD}|[^\w\s]")

_FR_ADVERB_ENDINGS = (
    *("amment", "emment", "ément", "iquement", "ellement", "ivement", "eusement"),
    *("ablement", "ièrement", "alement", "ment"),
)
_FR_PARTICIPLE_ENDINGS = ("é", "ée", "és", "ées")
# future, conditional and imperfect endings: "recevra", "seraient", "comptait"
_FR_VERB_ENDINGS = ("era", "eront", "ira", "iront", "rait", "raient", "ait", "aient", "ra", "ront")
_SINGLE_NUMBER_WORDS = frozenset(w for w in [*NUMBER_WORDS, *SCALES] if " " not in w and len(w) > 2)
_SINGLE_NUMBER_WORDS -= {"une"}
# English words after which a lowercase word is a verb: "will fine", "able to fine"
_EN_VERB_CONTEXT = frozenset({"will", "would", "can", "could", "may", "might", "must", "shall"})
_EN_VERB_CONTEXT |= {"should", "able to", "order to", "unable to"}


@dataclass(frozen=True, slots=True)
class Tokens:
    """A sentence's tokens: their text, offsets, lowercase form and tag, in parallel tuples."""

    text: str
    lang: str
    words: tuple[str, ...]
    lows: tuple[str, ...]
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    tags: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.words)

    def at(self, offset: int) -> int:
        """The index of the first token that starts at or after ``offset``."""
        return bisect_left(self.starts, offset)

    def covering(self, start: int, end: int) -> range:
        """The indexes of the tokens that overlap the characters ``start:end``."""
        first = bisect_left(self.ends, start + 1)
        last = bisect_left(self.starts, end)
        return range(first, last)

    def slice(self, i: int, j: int) -> str:
        """The sentence's own text from token ``i`` to token ``j - 1`` (spacing kept)."""
        if i >= j:
            return ""
        return self.text[self.starts[i] : self.ends[j - 1]]


@lru_cache(maxsize=4096)
def tokenize(text: str, lang: str) -> Tokens:
    """The tagged tokens of one sentence (memoised: cleared with the other caches)."""
    pattern = TOKEN_FR if lang == "fr" else TOKEN_EN
    matches = list(pattern.finditer(text))
    texts = tuple(m.group(0) for m in matches)
    lows = tuple(w.lower().replace("’", "'") for w in texts)
    tags = [_word_tag(w, i == 0, lang) for i, w in enumerate(texts)]
    if lang != "fr":
        _verbs_in_context(lows, tags)
        _opening_verb(texts, tags)
    else:
        _nouns_after_prepositions(tags)
    if "&" in text or any(c in lows for c in words(lang, "name_connectors")):
        _name_connectors(texts, lows, tags, lang)
    starts = tuple(m.start() for m in matches)
    ends = tuple(m.end() for m in matches)
    return Tokens(text, lang, texts, lows, starts, ends, tuple(tags))


@lru_cache(maxsize=16384)
def _word_tag(word: str, first: bool, lang: str) -> str:
    """:func:`tag_of` memoised by word (a page repeats its words)."""
    return tag_of(word, word.lower().replace("’", "'"), 0 if first else 1, lang)


def _name_connectors(
    texts: tuple[str, ...], lows: tuple[str, ...], tags: list[str], lang: str
) -> None:
    """ "Missing & Exploited Children", "Eltville am Rhein": a connector of the name_connectors
    list between two capitalised words belongs to the name."""
    connectors = words(lang, "name_connectors")
    for i in range(1, len(texts) - 1):
        if lows[i] in connectors and texts[i - 1][:1].isupper() and texts[i + 1][:1].isupper():
            tags[i] = "PROPN"


def _verbs_in_context(lows: tuple[str, ...], tags: list[str]) -> None:
    """Retag as VERB a noun-tagged English word where only a verb can stand: after a modal or
    "able to" ("will fine"), and a present form in "-s" after a relative pronoun ("which
    counts"), a personal pronoun ("it includes") or a name and an adverb ("Canada also
    participates")."""
    for i in range(1, len(lows)):
        if tags[i] != "NOUN":
            continue
        before = lows[i - 1] if lows[i - 1] != "to" or i < 2 else f"{lows[i - 2]} to"
        if before in _EN_VERB_CONTEXT or (_present_form(lows[i]) and _subject_before(tags, i)):
            tags[i] = "VERB"
        elif before in _SUBJECT_PRONOUNS and tags[i - 1] == "PRON":
            tags[i] = "VERB"  # "you arrive", "we expect"


def _nouns_after_prepositions(tags: list[str]) -> None:
    """A French word in "-é(e)(s)" right after a preposition is a noun ("de données")."""
    for i in range(1, len(tags)):
        if tags[i] == "PART" and tags[i - 1] == "PREP":
            tags[i] = "NOUN"


def _opening_verb(texts: tuple[str, ...], tags: list[str]) -> None:
    """A list item that continues a lead-in opens with a lowercase verb and its object
    ("convene a technology roundtable", "take a test")."""
    if (
        len(texts) > 1
        and tags[0] == "NOUN"
        and texts[0][:1].islower()
        and tags[1] in ("DET", "NUM")
    ):
        tags[0] = "VERB"


def _present_form(low: str) -> bool:
    return low.endswith("s") and not low.endswith(("ss", "us", "is")) and len(low) > 3


_SUBJECT_PRONOUNS = frozenset({"i", "you", "we", "they", "he", "she", "it"})


def _subject_before(tags: list[str], i: int) -> bool:
    """A relative or personal pronoun right before, or a name and an adverb."""
    if tags[i - 1] in ("SUB", "PRON"):
        return True
    return tags[i - 1] == "ADV" and i > 1 and tags[i - 2] in ("PROPN", "PRON")


def tag_of(word: str, low: str, index: int, lang: str) -> str:
    """The coarse tag of one word at position ``index`` of its sentence."""
    first = word[0]
    if not first.isalnum():
        return "PUNCT"
    if first.isdigit():
        return "NUM"
    if low in _SINGLE_NUMBER_WORDS:
        return "NUM" if first.islower() or index == 0 else "PROPN"  # "the Five Eyes"
    if first.isupper() and (index > 0 or (word.isupper() and len(word) > 1)):
        return "PROPN"
    listed = tag_table(lang).get(low)
    if listed is not None:
        return listed
    by_ending = _by_ending(low, lang)
    if first.isupper() and by_ending == "NOUN":
        return "PROPN"  # a sentence's first word: a name unless its ending says otherwise
    return by_ending


def _by_ending(low: str, lang: str) -> str:
    if low in words(lang, "suffix_exceptions"):
        return "NOUN"
    if lang == "fr":
        if low.endswith(_FR_PARTICIPLE_ENDINGS) and len(low) > 3:
            return "PART"
        if low.endswith("ant") and len(low) > 5:
            return "GER"
        if low.endswith(_FR_VERB_ENDINGS) and len(low) > 5:
            return "VERB"
        if low.endswith(_FR_ADVERB_ENDINGS[:-1]) and len(low) > 7:
            return "ADV"
        return "NOUN"
    if low.endswith("ed") and len(low) > 3:
        return "PART"
    if low.endswith("ing") and len(low) > 5:
        return "GER"
    if low.endswith("ly") and len(low) > 4:
        return "ADV"
    return "NOUN"
