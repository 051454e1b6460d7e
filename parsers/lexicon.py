"""English and French word lists, read from the data files under ``parsers/data/<lang>/``.

Each file holds one entry per line (lowercase, ``#`` starts a comment); an entry may
hold several words ("no later than"). :func:`words` gives a list as a set,
:func:`phrases` its entries as word tuples (longest first, to match greedily), and
:func:`tag_table` the closed-class tag of each single word, which
:mod:`parsers.tokens` uses to tag a sentence.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

LANGS = ("en", "fr")

# tag -> the list whose words carry it; earlier lists win when a word is in two
TAG_LISTS: tuple[tuple[str, str], ...] = (
    ("AUX", "auxiliaries"),
    ("SUB", "subordinators"),
    ("DET", "determiners"),
    ("CONJ", "conjunctions"),
    ("PREP", "prepositions"),
    ("PRON", "pronouns"),
    ("ADV", "adverbs"),
    ("VERB", "verbs"),
    ("PART", "participles"),
)


def _lang(lang: str) -> str:
    return lang if lang in LANGS else "en"


@cache
def entries(lang: str, name: str) -> tuple[str, ...]:
    """The entries of list ``name`` for ``lang`` (English when the language has no lists)."""
    path = resources.files("parsers") / "data" / _lang(lang) / f"{name}.txt"
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        entry = " ".join(line.split("#", 1)[0].split()).replace("’", "'")
        if entry:
            out.append(entry)
    return tuple(out)


@cache
def words(lang: str, name: str) -> frozenset[str]:
    """The entries of list ``name`` as a set (curly apostrophes read as straight ones)."""
    return frozenset(entries(lang, name))


@cache
def phrases(lang: str, name: str) -> tuple[tuple[str, ...], ...]:
    """The entries of list ``name`` split into words, longest first."""
    split = {tuple(e.replace("'", "' ").split()) for e in entries(lang, name)}
    return tuple(sorted(split, key=lambda p: (-len(p), p)))


@cache
def tag_table(lang: str) -> dict[str, str]:
    """The closed-class tag of every single-word entry of the tagged lists."""
    table: dict[str, str] = {}
    for tag, name in TAG_LISTS:
        for entry in entries(lang, name):
            if " " not in entry:
                table.setdefault(entry, tag)
    return table
