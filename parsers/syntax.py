"""Finding phrases in a chunked sentence: a clause's subject, a verb's object, what follows.

Every function takes a :class:`~parsers.chunks.Parse` and chunk indexes and returns
chunk ranges ``(first, last)`` (``last`` excluded) of the same sentence, so that a
subject built from them is the sentence's own words, in order
(:func:`parsers.chunks.phrase`).
"""

from __future__ import annotations

from parsers.chunks import Parse, extended_np
from parsers.lexicon import words

Span = tuple[int, int]

_COMPLEMENT = frozenset({"of", "de", "d'", "du", "des"})
_RELATIVE = frozenset({"that", "which", "who", "qui"})
_SUBJECT_PRONOUNS = frozenset(
    {
        "i",
        "you",
        "we",
        "they",
        "he",
        "she",
        "it",
        "il",
        "elle",
        "ils",
        "elles",
        "nous",
        "vous",
        "on",
    }
)
_CLAUSE_START = frozenset({"", "PUNCT", "CONJ", "SUB", "ADV", "DATE", "TIME", "PERIOD", "AMT"})
_STOP_PUNCT = frozenset({".", ";", ":", "!", "?", "(", ")", "|", "–", "—"})
# chunks a phrase after a noun may run through ("cases | in | Northern Ireland")
_FOLLOWING = frozenset({"PREP", "NP", "VG", "ADV", "SUB", "PRON", "PERIOD"})


def np_start(parse: Parse, index: int) -> int:
    """The first chunk of the noun phrase ending at chunk ``index``, complements included.

    "the total number of cases": from "cases" back to "the total number".
    """
    start = index
    while True:
        before = start - 1
        if parse.kind(before) == "PREP" and parse.low(before) in _COMPLEMENT:
            if parse.kind(before - 1) != "NP":
                return start
            start = before - 1
        elif parse.kind(before) == "NP" and _contracted(parse, start):
            start = before
        else:
            return start


def _contracted(parse: Parse, index: int) -> bool:
    """A French noun phrase opened by "des"/"du" continues the one before ("total des décès")."""
    return parse.tokens.lows[parse.chunks[index].start] in ("des", "du")


def clause_subject(parse: Parse, verb: int) -> Span | None:
    """The subject of the verb group at chunk ``verb``: a noun phrase at the start of its
    clause, with what qualifies it up to the first finite verb ("the number of people
    staying in intensive care"); for a relative clause, the noun it qualifies."""
    j, crossed = verb - 1, False
    while j >= 0:
        kind = parse.kind(j)
        if kind == "SUB" and parse.low(j) in _RELATIVE and parse.kind(j - 1) == "NP":
            # "a total which rises": the noun it qualifies; "observers that attended the
            # session included": the noun with its relative clause
            return np_start(parse, j - 1), verb if crossed else j
        crossed = crossed or kind == "VG"
        if parse.low(j) == ")":
            j = skip_parenthesis(parse, j, -1) - 1  # "the Ministerial (A, B and C) launched"
            continue
        if kind == "PUNCT" and parse.low(j) in _STOP_PUNCT:
            return None
        if kind == "PRON" and parse.low(j) in _SUBJECT_PRONOUNS:
            return None  # "we provided": the subject is a pronoun
        if kind == "NP":
            start = _coordinated(parse, _dated_np(parse, np_start(parse, j)))
            if parse.kind(start - 1) in _CLAUSE_START or start == 0:
                return start, _subject_end(parse, start, verb)
            j = start
        j -= 1
    return None


def skip_parenthesis(parse: Parse, index: int, step: int) -> int:
    """From a parenthesis at chunk ``index``, the chunk of its match (``step`` 1: from "("
    forward; -1: from ")" back); ``index`` itself when it has none."""
    opening, closing = ("(", ")") if step > 0 else (")", "(")
    depth, j = 0, index
    while 0 <= j < len(parse.chunks):
        low = parse.low(j)
        depth += (low == opening) - (low == closing)
        if depth == 0:
            return j
        j += step
    return index


def _dated_np(parse: Parse, start: int) -> int:
    """ "the 2024 session": a year between a determiner and a noun is part of the noun phrase."""
    date, article = start - 1, start - 2
    if parse.kind(date) == "DATE" and article >= 0:
        chunk = parse.chunks[article]
        if parse.tokens.tags[chunk.end - 1] == "DET":
            return article
    return start


def _coordinated(parse: Parse, start: int) -> int:
    """The start of "A and B" when the noun phrase at ``start`` is B."""
    while parse.kind(start - 1) == "CONJ" and parse.kind(start - 2) == "NP":
        start = np_start(parse, start - 2)
    return start


def _subject_end(parse: Parse, start: int, verb: int) -> int:
    """Where a subject ends: at the first finite verb group after it (or at ``verb``)."""
    for j in range(start + 1, verb):
        if parse.kind(j) == "VG" and finite(parse, j):
            return j
        if parse.kind(j) in ("PUNCT", "AMT", "DATE"):
            return j
    return verb


def finite(parse: Parse, index: int) -> bool:
    """A verb group with an auxiliary or a conjugated verb (not a bare participle)."""
    chunk = parse.chunks[index]
    return any(parse.tokens.tags[t] in ("AUX", "VERB") for t in range(chunk.start, chunk.end))


def following(parse: Parse, index: int, limit: int = 8) -> int:
    """The end of the phrase that runs on from chunk ``index``: prepositions, noun phrases,
    verb groups, up to punctuation, another amount or date, a coordinated clause, or
    ``limit`` words (a preposition keeps its noun phrase). Returns the chunk index where
    it stops."""
    end, count, n = index, 0, len(parse.chunks)
    while end < n and parse.kind(end) in _FOLLOWING:
        chunk = parse.chunks[end]
        count += chunk.end - chunk.start
        if count > limit and not _inside_name(parse, index, end):
            break
        end += 1
    return end


def _inside_name(parse: Parse, index: int, end: int) -> bool:
    """Chunk ``end`` completes what is before it: a preposition's noun phrase, or a proper
    name that runs on over "for", "of", "on" ("National Center | for | Missing & ...")."""
    if end == index + 1 and parse.kind(index) == "PREP":
        return True
    if parse.kind(end) == "PREP":
        return _proper(parse, end - 1) and _proper(parse, end + 1)
    return parse.kind(end - 1) == "PREP" and _proper(parse, end - 2) and _proper(parse, end)


def _proper(parse: Parse, index: int) -> bool:
    if parse.kind(index) != "NP":
        return False
    return parse.tokens.tags[parse.chunks[index].head] == "PROPN"


def object_before(parse: Parse, index: int) -> Span | None:
    """The object of a verb ending right before chunk ``index``: "bringing [the total
    number of cases in Northern Ireland] to 148"."""
    j = index - 1
    while j >= 0 and parse.kind(j) in ("NP", "PREP", "ADV"):
        j -= 1
    if j < 0 or parse.kind(j) != "VG" or j + 1 >= index or parse.kind(j + 1) != "NP":
        return None
    return j + 1, index


def noun_phrase_after(parse: Parse, index: int) -> Span | None:
    """The noun phrase at chunk ``index`` with its complements and one prepositional phrase."""
    if parse.kind(index) != "NP":
        return None
    first, end = extended_np(parse, index)
    if parse.kind(end) == "PREP" and parse.kind(end + 1) == "NP":
        end = extended_np(parse, end + 1)[1]
    return first, end


def is_word_of(parse: Parse, index: int, lang: str, name: str) -> bool:
    """Whether chunk ``index``'s words are an entry of the word list ``name``."""
    return parse.low(index).replace("’", "'") in words(lang, name)


def name_np(parse: Parse, index: int) -> Span:
    """A noun phrase with its complements and, when it is a name, the rest of the name
    over "for", "on", "to" ("Global Taskforce | on | Child Sexual Abuse Online")."""
    first, end = extended_np(parse, index)
    titled = False
    while True:
        if parse.kind(end) == "PREP" and _proper(parse, end - 1) and _proper(parse, end + 1):
            end, titled = extended_np(parse, end + 1)[1], True
        elif titled and parse.low(end) in _NAME_AND and _bare_proper(parse, end + 1):
            end += 2  # "... on Gender-Based Online Harassment and Abuse"
        else:
            return first, end


_NAME_AND = frozenset({"and", "et", "&"})


def _bare_proper(parse: Parse, index: int) -> bool:
    """A capitalised noun phrase without a determiner (it continues a name)."""
    if not _proper(parse, index):
        return False
    return parse.tokens.tags[parse.chunks[index].start] != "DET"
