"""Link the facts of two sources that speak of the same thing.

Two sources (a page and a statement it cites, a page and its translation)
state facts of their own; a :class:`Link` pairs one fact of each that speak
of the same thing: same kind, compatible units, subjects whose words mean
the same after normalisation. The words of a subject (and of a figure's unit
and period) become *terms*:

* names of countries and organisations, in English or French, become their
  canonical name (the parsers' name data: "États-Unis" is "United States");
* words and phrases of the bilingual lexicon (``lexicon.yaml``) become their
  meaning ("entreprises" and "companies" are both ``company``);
* number words become numbers ("cinq" is 5); function words are dropped; any
  other word stands for itself, without accents or a plural "s".

A pair's confidence comes from the terms both share (see :func:`score`);
each link keeps the words that matched, which is why it was made. Facts are
linked one to one, the most confident pairs first.

Everything here is data in, data out: facts in, links out.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import yaml

from model.changes import Change
from model.facts import Fact
from model.kinds import kind_of
from parsers.entities import alias_table, name_key
from parsers.numbers import NUMBER_WORDS

THRESHOLD = 0.6
"""The least confidence a link between a page and a statement it cites needs."""
TWINS_THRESHOLD = 0.5
"""The least confidence a link between a page and its translation needs (they state the
same facts, so a weaker match is enough)."""
ONLY_ONE = 0.6
"""The confidence of a link made because each side states one fact of its kind and unit."""
RICH_UNIT = 0.8
"""The confidence of a link whose units share two or more terms and whose subjects add none."""
MAX_NAME_WORDS = 8
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


@dataclass(frozen=True)
class Match:
    """One term both facts share, and the words each used for it."""

    term: str
    left: str
    right: str
    unit: bool = False

    def to_json(self) -> dict[str, Any]:
        """The match as plain data."""
        return {"term": self.term, "left": self.left, "right": self.right, "unit": self.unit}


@dataclass(frozen=True)
class Link:
    """Two facts, one of each source, that speak of the same thing.

    ``rule`` says how the link was made: ``words`` (their subjects share
    terms), ``unit`` (their units share several terms), ``only-one`` (each
    source states one fact of this kind and unit; language pairs only).
    """

    left: Fact
    right: Fact
    confidence: float
    rule: str
    matched: tuple[Match, ...]

    @property
    def why(self) -> str:
        """The matched words in one line: ``companies = entreprises, endorsed = adhéré``."""
        return ", ".join(
            m.left if m.left == m.right else f"{m.left} = {m.right}" for m in self.matched
        )

    def to_json(self) -> dict[str, Any]:
        """The link's reasons as plain data (the facts themselves are not included)."""
        return {
            "confidence": self.confidence,
            "rule": self.rule,
            "why": self.why,
            "matched": [m.to_json() for m in self.matched],
        }


# -- terms ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Lexicon:
    """The bilingual lexicon: words and phrases to meanings, which meanings are actions,
    and the words to drop."""

    words: dict[str, str]
    phrases: dict[tuple[str, ...], str]
    actions: frozenset[str]
    stopwords: frozenset[str]

    @property
    def longest_phrase(self) -> int:
        return max((len(p) for p in self.phrases), default=1)


def fold(word: str) -> str:
    """A word without case or accents: "Entreprises" -> "entreprises", "réunion" -> "reunion"."""
    decomposed = unicodedata.normalize("NFKD", word.casefold().replace("’", "'"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@cache
def lexicon() -> Lexicon:
    """The lexicon shipped with factwatch (``alerts/lexicon.yaml``)."""
    text = resources.files("alerts").joinpath("lexicon.yaml").read_text(encoding="utf-8")
    return lexicon_from(yaml.safe_load(text))


SECTIONS = ("things", "actions", "qualifiers")


def lexicon_from(data: dict[str, Any]) -> Lexicon:
    """A :class:`Lexicon` from its YAML form (see ``lexicon.yaml``).

    Raises ``ValueError`` for a form that is not text (YAML reads a bare
    ``on`` or ``no`` as a boolean: quote it).
    """
    words: dict[str, str] = {}
    phrases: dict[tuple[str, ...], str] = {}
    for section in SECTIONS:
        for concept, forms in (data.get(section) or {}).items():
            for form in forms:
                if not isinstance(form, str):
                    raise ValueError(f"lexicon: {concept}: {form!r} is not a word (quote it)")
                tokens = tuple(fold(t) for t in _TOKEN.findall(form))
                if len(tokens) == 1:
                    words[tokens[0]] = str(concept)
                elif tokens:
                    phrases[tokens] = str(concept)
    actions = frozenset(str(c) for c in (data.get("actions") or {}))
    stopwords = frozenset(fold(w) for w in str(data.get("stopwords") or "").split())
    return Lexicon(words, phrases, actions, stopwords)


@dataclass(frozen=True)
class Term:
    """A meaning found in a text, and the words that said it."""

    term: str
    words: str


def terms(text: str, lex: Lexicon | None = None) -> tuple[Term, ...]:
    """The terms of ``text`` in order, each once (see the module doc)."""
    return _terms(text, lex or lexicon())


@lru_cache(maxsize=8192)
def _terms(text: str, lex: Lexicon) -> tuple[Term, ...]:
    spans = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]
    found: dict[str, Term] = {}
    i = 0
    while i < len(spans):
        term, used = _term_at(text, spans, i, lex)
        if term is not None and term.term not in found:
            found[term.term] = term
        i += used
    return tuple(found.values())


def _term_at(
    text: str, spans: list[tuple[int, int, str]], i: int, lex: Lexicon
) -> tuple[Term | None, int]:
    """The term starting at token ``i`` (a name, a phrase, or one word) and tokens it used."""
    name = _name_at(text, spans, i)
    if name is not None:
        return name
    folded = [fold(s[2]) for s in spans[i : i + lex.longest_phrase]]
    for size in range(len(folded), 1, -1):
        concept = lex.phrases.get(tuple(folded[:size]))
        if concept is not None:
            return Term(concept, text[spans[i][0] : spans[i + size - 1][1]]), size
    return _word_term(spans[i][2], folded[0], lex), 1


def _name_at(text: str, spans: list[tuple[int, int, str]], i: int) -> tuple[Term, int] | None:
    """A known name (country, organisation) starting at token ``i``, longest first."""
    if not spans[i][2][:1].isupper() and not spans[i][2][:1].isdigit():
        return None
    table = alias_table()
    for size in range(min(MAX_NAME_WORDS, len(spans) - i), 0, -1):
        raw = text[spans[i][0] : spans[i + size - 1][1]]
        canonical = table.get(name_key(raw))
        if canonical is not None and (size > 1 or len(raw) > 1):
            return Term(f"={canonical}", raw), size
    return None


def _word_term(word: str, folded: str, lex: Lexicon) -> Term | None:
    if folded in lex.stopwords or (len(folded) < 2 and not folded.isdigit()):
        return None
    if folded in NUMBER_WORDS:
        return Term(str(NUMBER_WORDS[folded]), word)
    concept = lex.words.get(folded)
    if concept is None and len(folded) > 3 and folded[-1] in "sx" and folded[-2] != "s":
        concept = lex.words.get(folded[:-1])
        folded = folded[:-1]
    return Term(concept or folded, word)


# -- one pair ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    """What a fact is about, as terms: its subject and unit, its unit, its period."""

    fact: Fact
    all: tuple[Term, ...]
    unit: frozenset[str]
    period: frozenset[str]
    actions: frozenset[str]
    rank: float

    def words(self, term: str) -> str:
        return next((t.words for t in self.all if t.term == term), term)


def profile(fact: Fact, rank: float = 0.0, lex: Lexicon | None = None) -> Profile:
    """The terms of a fact (``rank`` is its place among the facts of its kind, 0 to 1)."""
    lex = lex or lexicon()
    unit = str(fact.value.get("unit") or "")
    found = {t.term: t for t in (*terms(fact.subject, lex), *terms(unit, lex))}
    return Profile(
        fact,
        tuple(found.values()),
        frozenset(t.term for t in terms(unit, lex)),
        frozenset(t.term for t in terms(fact.period or "", lex)),
        frozenset(found) & lex.actions,
        rank,
    )


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    """How much two sets of terms share: containment and Dice, weighed 0.6 / 0.4."""
    shared = len(a & b)
    if not shared:
        return 0.0
    return 0.6 * shared / min(len(a), len(b)) + 0.4 * 2 * shared / (len(a) + len(b))


def comparable(a: Profile, b: Profile) -> bool:
    """Same kind, compatible units (sharing a term, or one without unit), same period."""
    if a.fact.kind != b.fact.kind:
        return False
    if a.unit and b.unit and not a.unit & b.unit:
        return False
    return not (a.period and b.period and a.period != b.period)


def score(a: Profile, b: Profile) -> tuple[float, str]:
    """The confidence that two comparable facts speak of the same thing, and the rule.

    The terms their units share say *what* is counted; the other terms (the
    qualifiers: "endorsed the Principles", "removed content") must then
    agree. Facts whose subjects do different things ("removed", "endorsed")
    are about different things: rule ``actions-differ``, score 0. When one
    side has no qualifier, words alone cannot tell, and the score is 0 (see
    :data:`ONLY_ONE` for language pairs).
    """
    if a.actions and b.actions and not a.actions & b.actions:
        return 0.0, "actions-differ"
    if kind_of(a.fact.kind).aggregate and bool(a.actions) != bool(b.actions):
        # a named group ("the G7 Working Group") is not the parties that did something
        # ("launched the Principles"), whatever words their names share
        return 0.0, "actions-differ"
    head = a.unit & b.unit
    rest_a = frozenset(t.term for t in a.all) - head
    rest_b = frozenset(t.term for t in b.all) - head
    if rest_a and rest_b:
        return _overlap(rest_a, rest_b), "words"
    if not rest_a and not rest_b and len(head) > 1:
        return RICH_UNIT, "unit"
    return 0.0, "none"


def matches(a: Profile, b: Profile) -> tuple[Match, ...]:
    """The terms two facts share, with the words each used (unit terms first)."""
    head = a.unit & b.unit
    shared = [t.term for t in a.all if t.term in {u.term for u in b.all}]
    ordered = [t for t in shared if t in head] + [t for t in shared if t not in head]
    return tuple(Match(t, a.words(t), b.words(t), t in head) for t in ordered)


# -- two sources -------------------------------------------------------------------------


PUBLISHED = frozenset({"publish"})
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def is_modified_stamp(fact: Fact) -> bool:
    """Whether a fact is the page's own "Date modified" stamp (it alerts as another kind)."""
    change = Change(kind=fact.kind, change="changed", subject=fact.subject)
    return kind_of(fact.kind).alert_kind(change) != fact.kind


def is_dateline(fact: Fact) -> bool:
    """Whether a fact is the document's own publication date: a day, said "published" /
    "publié", or standing alone on its line (a dateline: "March 24, 2022 — Ottawa")."""
    day = str(fact.value.get("date") or "")
    if not _DAY.match(day) or fact.value.get("date_end"):
        return False
    if frozenset(t.term for t in terms(fact.subject)) == PUBLISHED:
        return True
    return _alone_on_its_line(fact.evidence)


_DATE_WORDS = re.compile(
    r"\b(?:\d{1,4}(?:st|nd|rd|th|er)?|january|february|march|april|may|june|july|august|"
    r"september|october|november|december|janvier|février|mars|avril|mai|juin|juillet|"
    r"août|septembre|octobre|novembre|décembre|le)\b",
    re.IGNORECASE,
)
_PLACE = re.compile(r"^(?:[A-ZÀ-Ý][\w'’.-]*[\s,]*)*$")


def _alone_on_its_line(evidence: str) -> bool:
    """A line holding a date and at most a place name: no statement, only when and where."""
    line = evidence.rsplit(": ", 1)[-1]
    rest = _DATE_WORDS.sub(" ", line)
    rest = re.sub(r"[—–\-,.]", " ", rest).strip()
    return len(rest.split()) <= 4 and bool(_PLACE.match(rest))


def is_stamp(fact: Fact) -> bool:
    """Whether a fact dates its source (modified, published) rather than states something."""
    return is_modified_stamp(fact) or is_dateline(fact)


def linkable(facts: Iterable[Fact]) -> list[Fact]:
    """The facts compared across sources: kinds that are, stamps excepted."""
    return [
        f for f in facts if kind_of(f.kind).fact and kind_of(f.kind).compared and not is_stamp(f)
    ]


def _profiles(facts: Sequence[Fact], lex: Lexicon | None) -> list[Profile]:
    by_kind: dict[str, list[Fact]] = {}
    for fact in facts:
        by_kind.setdefault(fact.kind, []).append(fact)
    out = []
    for fact in facts:
        same = by_kind[fact.kind]
        rank = same.index(fact) / max(len(same) - 1, 1)
        out.append(profile(fact, rank, lex))
    return out


def _only_one(a: Profile, b: Profile, left: list[Profile], right: list[Profile]) -> bool:
    """Each side states exactly one fact of this kind counting this (a language pair)."""
    head = a.unit & b.unit
    if not head:
        return False
    mine = [p for p in left if p.fact.kind == a.fact.kind and p.unit & head]
    theirs = [p for p in right if p.fact.kind == b.fact.kind and p.unit & head]
    return len(mine) == 1 and len(theirs) == 1


def _candidate(
    a: Profile, b: Profile, left: list[Profile], right: list[Profile], twins: bool
) -> tuple[float, str] | None:
    if not comparable(a, b):
        return None
    confidence, rule = score(a, b)
    if twins and rule == "none" and _only_one(a, b, left, right):
        confidence, rule = ONLY_ONE, "only-one"
    least = TWINS_THRESHOLD if twins else THRESHOLD
    return (round(confidence, 2), rule) if confidence >= least else None


def link_facts(
    left: Sequence[Fact],
    right: Sequence[Fact],
    *,
    twins: bool = False,
    lex: Lexicon | None = None,
) -> list[Link]:
    """Link the facts of two sources one to one, the most confident pairs first.

    ``twins`` says the sources are one page in two languages (they state the
    same facts, in the same order): a fact may then also be linked because it
    is the only one of its kind and unit on each side, and ties go to facts
    at the same place. Links come back in the left source's order.
    """
    lefts, rights = _profiles(linkable(left), lex), _profiles(linkable(right), lex)
    found = []
    for i, a in enumerate(lefts):
        for j, b in enumerate(rights):
            candidate = _candidate(a, b, lefts, rights, twins)
            if candidate is not None:
                found.append((-candidate[0], abs(a.rank - b.rank), i, j, candidate[1]))
    found.sort()
    taken_left: set[int] = set()
    taken_right: set[int] = set()
    links: dict[int, Link] = {}
    for negative, _distance, i, j, rule in found:
        if i in taken_left or j in taken_right:
            continue
        taken_left.add(i)
        taken_right.add(j)
        a, b = lefts[i], rights[j]
        links[i] = Link(a.fact, b.fact, -negative, rule, matches(a, b))
    return [links[i] for i in sorted(links)]
