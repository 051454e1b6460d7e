"""Canonical names for countries, organisations and other named things."""

from __future__ import annotations

import gettext
import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache

import pycountry

from parsers.model import Document
from parsers.names import ALIASES, ARTICLES, COUNTRY_OVERRIDES, GROUP_WORDS
from parsers.text import normalise_space

_PAREN_TAIL = re.compile(r"\s*\(([^()]*)\)\s*$")
_ACRONYM_DEF = re.compile(r"\s\(([A-Z][A-Za-z0-9&.]{1,9})\)")


def name_key(text: str) -> str:
    """The lookup key of a name: case-folded, accents and dots dropped, no leading article,
    "St" read as "Saint"."""
    return _name_key(text)


@lru_cache(maxsize=4096)
def _name_key(text: str) -> str:
    text = normalise_space(text).replace("’", "'").strip(' ,;:."“”«»')
    text = strip_article(text)
    key = text.replace(".", "").casefold()
    if not key.isascii():  # "Groënland" and "Groenland" are one spelling
        key = "".join(c for c in unicodedata.normalize("NFKD", key) if not unicodedata.combining(c))
    return _SAINT.sub("saint", key)


_SAINT = re.compile(r"(?<![\w'])st(?= )")


def strip_article(text: str) -> str:
    """Drop one leading article ("The", "l'", "les ") from a name."""
    lowered = text.lower()
    if not lowered.startswith(ARTICLES):
        return text
    for article in ARTICLES:
        if lowered.startswith(article) and len(text) > len(article):
            return text[len(article) :].lstrip()
    return text


@lru_cache(maxsize=1)
def alias_table() -> dict[str, str]:
    """Every known spelling (key form) mapped to its canonical English name."""
    table: dict[str, str] = {}
    french = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"])
    for country in pycountry.countries:
        canonical = COUNTRY_OVERRIDES.get(country.name, getattr(country, "common_name", None))
        canonical = canonical or country.name
        for name in (country.name, getattr(country, "official_name", None), canonical):
            if name:
                table.setdefault(name_key(name), canonical)
                table.setdefault(name_key(french.gettext(name)), canonical)
    for canonical, aliases in ALIASES.items():
        for alias in (canonical, *aliases):
            table[name_key(alias)] = canonical
    return table


def is_known(name: str) -> bool:
    """True when the name is a known country or organisation."""
    return name_key(name) in alias_table()


def canonical_name(raw: str, acronyms: Mapping[str, str] | None = None) -> str:
    """The canonical form of a name: aliases resolved, articles and glosses dropped."""
    key, known, plain = _canonical(raw)
    if known is not None:
        return known
    if acronyms and key in acronyms:
        return acronyms[key]
    return plain


@lru_cache(maxsize=4096)
def _canonical(raw: str) -> tuple[str, str | None, str]:
    """A name's lookup key, its canonical name when known, and its cleaned form otherwise."""
    text = normalise_space(raw).strip(' ,;:."“”«»')
    paren = _PAREN_TAIL.search(text)
    if paren and paren.start() > 0:
        text = text[: paren.start()]
    key = name_key(text)
    known = alias_table().get(key)
    text = strip_article(text.strip(' ,;:."“”«»'))
    return key, known, text[:1].upper() + text[1:]


def document_acronyms(doc: Document) -> dict[str, str]:
    """Acronyms the page defines ("Long Name (LN)"), mapped to the long name's canonical form."""
    found: dict[str, str] = {}
    for section in doc.sections:
        for block in section.blocks:
            if "(" not in block.text:
                continue
            for match in _ACRONYM_DEF.finditer(block.text):
                words = " ".join(block.text[: match.start()].split()[-13:])
                long_name = _trim_long_name(words, match.group(1))
                if long_name:
                    found.setdefault(name_key(match.group(1)), canonical_name(long_name))
    return found


def _trim_long_name(words: str, acronym: str) -> str:
    """Keep the trailing capitalised run of ``words`` (the long name)."""
    tokens = words.split()
    start = len(tokens)
    for i in range(len(tokens) - 1, -1, -1):
        token = tokens[i].lstrip("l'’")
        if token[:1].isupper():
            start = i
        elif token.lower() not in _CONNECTORS:
            break
    long_name = " ".join(tokens[start:])
    return long_name if len(long_name) > len(acronym) else ""


def is_group_name(name: str) -> bool:
    """True when the name reads as a group others belong to (Working Group, Alliance...)."""
    words = {w.casefold().strip(".,") for w in name.split()}
    return bool(words & GROUP_WORDS) or name in {"G7", "G20", "Five Eyes"}


_CONNECTORS = frozenset(
    [
        "of",
        "on",
        "for",
        "and",
        "to",
        "the",
        "de",
        "du",
        "des",
        "la",
        "le",
        "les",
        "et",
        "am",
        "an",
        "der",
        "&",
    ]
)
