"""A small chunker: a sentence's tokens grouped into noun phrases, verb groups and the rest.

:func:`parse_sentence` tokenises a sentence once (:mod:`parsers.tokens`), marks what
must stay whole (dates, amounts, times, references, period phrases) and groups the
other tokens left to right:

* ``NP``: a noun phrase, ``DET? (modifier)* head`` ("the total number", "an approved
  COVID-19 vaccine trial", "nouveaux cas"), with French adjectives and participles
  after the head ("personnes infectées");
* ``VG``: a verb group, auxiliaries, adverbs and negation up to the last verb form
  ("have now been confirmed", "s'élève", "a été pris", "will be added");
* ``DATE``, ``AMT`` (an amount with its qualifier, currency and scale), ``TIME``,
  ``REF``, ``PERIOD``: the marked spans;
* one token each for the rest: ``PREP``, ``CONJ``, ``SUB``, ``ADV``, ``PRON``, ``NUM``,
  ``PUNCT``.

Every extractor reads the same :class:`Parse` of a sentence: the figures look for
the noun phrase an amount counts or measures, the dates for the verb group a date
belongs to, the memberships for the group a list of names belongs to.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from parsers.dates import MONTHS_EN, MONTHS_FR, DateMatch, find_dates
from parsers.lexicon import words
from parsers.numbers import Amount, may_hold_number, scan_amounts
from parsers.spans import blank_spans, masked
from parsers.tokens import Tokens, tokenize

_VERBAL = frozenset({"AUX", "VERB", "PART", "GER"})
_NOMINAL = frozenset({"NOUN", "PROPN"})
_NEGATION = frozenset({"not", "ne", "n'", "pas", "plus", "never", "jamais"})
_REFLEXIVE = frozenset({"se", "s'"})
_COMPLEMENT = frozenset({"of", "de", "d'", "du", "des"})
# single-token chunks keep their tag as their kind; a lone determiner stands for a noun
_SINGLE = {"DET": "PRON", "NOUN": "NP", "PROPN": "NP"}


@dataclass(frozen=True, slots=True)
class Chunk:
    """Tokens ``start`` to ``end - 1`` of a sentence, of one ``kind``, with its ``head`` token."""

    kind: str
    start: int
    end: int
    head: int


@dataclass(frozen=True, slots=True)
class Parse:
    """A sentence's tokens and chunks, and the amounts and dates found in it."""

    tokens: Tokens
    chunks: tuple[Chunk, ...]
    owner: tuple[int, ...]
    amounts: tuple[Amount, ...]
    dates: tuple[DateMatch, ...]
    kinds: tuple[str, ...] = ()
    lows: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """The sentence."""
        return self.tokens.text

    def chunk_of(self, token: int) -> int:
        """The index of the chunk that holds token ``token``."""
        return self.owner[token]

    def chunk_at(self, offset: int) -> int:
        """The index of the chunk that holds the character at ``offset`` (or the next one)."""
        token = self.tokens.at(offset)
        if token and self.tokens.ends[token - 1] > offset:
            token -= 1
        return self.owner[token] if token < len(self.owner) else len(self.chunks)

    def kind(self, index: int) -> str:
        """The kind of chunk ``index`` ("" outside the sentence)."""
        return self.kinds[index] if 0 <= index < len(self.kinds) else ""

    def low(self, index: int) -> str:
        """The lowercase words of chunk ``index`` ("" outside the sentence)."""
        return self.lows[index] if 0 <= index < len(self.lows) else ""


@lru_cache(maxsize=4096)
def parse_sentence(text: str, lang: str, dollar: str = "CAD") -> Parse:
    """Tokenise and chunk one sentence (memoised: cleared with the other caches)."""
    tokens = tokenize(text, lang)
    hidden = masked(text)
    amounts = tuple(scan_amounts(hidden, lang, dollar)) if may_hold_number(hidden) else ()
    amounts = tuple(a for a in amounts if not _in_a_name(tokens, a))
    marks = [
        (*_core(tokens, s, e), kind) if kind == "DATE" else (s, e, kind)
        for s, e, kind in blank_spans(text)
    ]
    marks += [(a.start, a.end, "AMT") for a in amounts]
    chunks = _chunk(tokens, _marked(tokens, marks))
    owner = [0] * len(tokens)
    for index, chunk in enumerate(chunks):
        for token in range(chunk.start, chunk.end):
            owner[token] = index
    kinds = tuple(c.kind for c in chunks)
    lows = tuple(" ".join(tokens.lows[c.start : c.end]) for c in chunks)
    return Parse(tokens, chunks, tuple(owner), amounts, tuple(find_dates(text)), kinds, lows)


def _in_a_name(tokens: Tokens, amount: Amount) -> bool:
    """ "the Five Eyes", "Groupe des cinq pays", "one of the": a number word that is part
    of a name or picks from a group, not an amount."""
    first = tokens.at(amount.start)
    if not amount.is_word or first >= len(tokens):
        return False
    before = tokens.lows[first - 1] if first else ""
    return tokens.tags[first] == "PROPN" or before in ("of", "des")


def _core(tokens: Tokens, start: int, end: int) -> tuple[int, int]:
    """A date's own words: its span without the words that lead into it ("in", "by",
    "since", "du", "réunion annuelle de"), which stay words of the sentence."""
    for t in tokens.covering(start, end):
        low = tokens.lows[t]
        if low[:1].isdigit() or low.rstrip(".") in _CALENDAR_WORDS:
            return max(start, tokens.starts[t]), end
    return start, end


_CALENDAR_WORDS = frozenset(
    [
        *(m.lower() for m in MONTHS_EN),
        *MONTHS_FR,
        *words("en", "weekdays"),
        *words("fr", "weekdays"),
    ]
)


def _marked(tokens: Tokens, marks: list[tuple[int, int, str]]) -> list[tuple[int, str] | None]:
    """For each token, the (span number, kind) of the first mark that covers it."""
    out: list[tuple[int, str] | None] = [None] * len(tokens)
    for number, (start, end, kind) in enumerate(marks):
        for token in tokens.covering(start, end):
            if out[token] is None:
                out[token] = (number, kind)
    return out


def _chunk(tokens: Tokens, marked: list[tuple[int, str] | None]) -> tuple[Chunk, ...]:
    out: list[Chunk] = []
    i, n = 0, len(tokens)
    while i < n:
        mark = marked[i]
        if mark is not None:
            j = i + 1
            while j < n and marked[j] == mark:
                j += 1
            out.append(Chunk(mark[1], i, j, j - 1))
        else:
            out.append(_chunk_at(tokens, marked, i))
        i = out[-1].end
    return tuple(out)


def _chunk_at(tokens: Tokens, marked: list[tuple[int, str] | None], i: int) -> Chunk:
    tag = tokens.tags[i]
    if _starts_verb_group(tokens, i):
        return _verb_group(tokens, marked, i)
    if tag in _NOMINAL or (tag in ("DET", "PART", "GER") and _np_follows(tokens, marked, i)):
        return _noun_phrase(tokens, marked, i)
    kind = _SINGLE.get(tag, tag)
    return Chunk(kind, i, i + 1, i)


def _starts_verb_group(tokens: Tokens, i: int) -> bool:
    tag, low = tokens.tags[i], tokens.lows[i]
    if tag in ("AUX", "VERB"):
        return True
    if low in _REFLEXIVE or low in _NEGATION:
        return _next_tag(tokens, i) in _VERBAL
    if tag in ("PART", "GER"):
        return not _is_premodifier(tokens, i)
    return False


def _is_premodifier(tokens: Tokens, i: int) -> bool:
    """An English participle before a noun and after no possible subject ("an approved trial")."""
    if tokens.lang == "fr" and tokens.tags[i] == "PART":
        return False
    before = tokens.tags[i - 1] if i else "PUNCT"
    if before == "PUNCT" and tokens.words[i - 1] == "," and i > 1:
        before = tokens.tags[i - 2]  # "Canada, joined by the UK, announced new sanctions"
    j = i + 1
    while j < len(tokens) and tokens.tags[j] in ("ADV", "PART", "GER"):
        j += 1
    return j < len(tokens) and tokens.tags[j] in _NOMINAL and before not in _SUBJECT_OR_VERB


_SUBJECT_OR_VERB = frozenset({"NOUN", "PROPN", "PRON", "SUB", "AUX", "VERB"})


def _next_tag(tokens: Tokens, i: int) -> str:
    return tokens.tags[i + 1] if i + 1 < len(tokens) else ""


def _verb_group(tokens: Tokens, marked: list[tuple[int, str] | None], i: int) -> Chunk:
    last, j, n = i, i, len(tokens)
    while j < n and marked[j] is None:
        tag, low = tokens.tags[j], tokens.lows[j]
        if tag == "AUX" and tokens.tags[last] in ("PART", "GER", "VERB"):
            break  # "tests completed | is": a participle, then the main verb
        if tag in _VERBAL:
            last = j
        elif not (tag == "ADV" or low in _NEGATION or low in _REFLEXIVE):
            break
        j += 1
    return Chunk("VG", i, last + 1, last)


def _np_follows(tokens: Tokens, marked: list[tuple[int, str] | None], i: int) -> bool:
    """A determiner or a participle that opens a noun phrase ("the ...", "confirmed cases")."""
    j = i + 1
    while j < len(tokens) and marked[j] is None and tokens.tags[j] in ("PART", "GER", "ADV", "NUM"):
        j += 1
    return j < len(tokens) and marked[j] is None and tokens.tags[j] in _NOMINAL


def _noun_phrase(tokens: Tokens, marked: list[tuple[int, str] | None], i: int) -> Chunk:
    j, head, n = i, -1, len(tokens)
    french = tokens.lang == "fr"
    if tokens.tags[i] == "DET":
        j += 1
    while j < n and marked[j] is None:
        tag = tokens.tags[j]
        if tag in _NOMINAL:
            head = j if head < 0 or not french else head  # French heads come first
        elif not _modifier(tokens, j):
            break
        j += 1
    if head < 0:
        return Chunk(_SINGLE.get(tokens.tags[i], tokens.tags[i]), i, i + 1, i)
    end = j if french else head + 1
    return Chunk("NP", i, end, head)


def _modifier(tokens: Tokens, j: int) -> bool:
    """A word inside a noun phrase that is not its head: a French participle after the noun,
    an English participle or adverb before one ("qualifying worldwide revenue")."""
    tag = tokens.tags[j]
    if tag == "PART" and tokens.lang == "fr":
        return True
    if tag == "NUM":
        return _next_tag(tokens, j) in _NOMINAL
    if tag in ("PART", "GER"):
        return _is_premodifier(tokens, j)
    return tag == "ADV" and tokens.lang != "fr" and _is_premodifier(tokens, j)


def extended_np(parse: Parse, index: int) -> tuple[int, int]:
    """Chunk ``index`` (a noun phrase) with its "of"/"de" complements: chunk indexes ``[a, b)``.

    "the total number | of | cases", "total | des décès": the measure and what it measures.
    """
    end = index + 1
    while True:
        complement = parse.kind(end) == "PREP" and parse.low(end) in _COMPLEMENT
        if complement and parse.kind(end + 1) == "NP":
            end += 2
        elif parse.kind(end) == "NP" and parse.tokens.lows[parse.chunks[end].start] in _CONTRACTED:
            end += 1
        else:
            return index, end


_CONTRACTED = frozenset({"des", "du"})


def phrase(parse: Parse, first: int, last: int) -> str:
    """The sentence's own words of chunks ``first`` to ``last - 1``, in order: without a
    leading determiner, a trailing function word, or the adverbs of a verb group ("have
    now been confirmed" reads "have been confirmed"), so that rewording an adverb leaves a
    subject as it was. Each run of kept words keeps the sentence's spacing."""
    if first >= last:
        return ""
    tokens = parse.tokens
    i, j = parse.chunks[first].start, parse.chunks[last - 1].end
    while i < j and tokens.tags[i] in ("DET", "PUNCT"):
        i += 1
    while j > i and tokens.tags[j - 1] in _TRAILING:
        j -= 1
    runs: list[str] = []
    run_start = i
    for t in range(i, j):
        if tokens.tags[t] == "ADV" and parse.chunks[parse.owner[t]].kind == "VG":
            runs.append(tokens.slice(run_start, t))
            run_start = t + 1
    runs.append(tokens.slice(run_start, j))
    return " ".join(r for r in runs if r)


# words a phrase does not end with: function words, and an auxiliary left alone ("victims were")
_TRAILING = frozenset({"DET", "PREP", "CONJ", "SUB", "PUNCT", "PRON", "AUX", "ADV"})
