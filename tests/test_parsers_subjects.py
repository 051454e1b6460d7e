"""Every subject is the evidence's own words, in order; French subjects are French phrases.

Runs over every page of the labelled corpus and, when it is there, every version of the
real pages next to the repository (``../shared/real-pages``, third-party pages that are
not copied here).
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

from parsers import Fact, extract_facts, parse_document
from parsers.lexicon import words

CORPUS = Path(__file__).parent / "corpus" / "pages"
REAL_PAGES = Path(__file__).resolve().parents[1].parent / "shared" / "real-pages"
_TYPES = {".html": "text/html", ".pdf": "application/pdf"}
# French elided words ("l'", "d'", "qu'") are words of their own, as in the page's analysis
_WORD = re.compile(r"(?<!\w)(?:jusqu|lorsqu|puisqu|qu|[cdjlmnst])'(?=\w)|\w+(?:'\w+)*")
# subjects that are fixed names of a fact, not phrases of the page
_FIXED_RULES = frozenset({"page-modified"})
_ENGLISH_GLUE = (
    words("en", "determiners")
    | words("en", "prepositions")
    | words("en", "conjunctions")
    | words("en", "subordinators")
    | words("en", "auxiliaries")
) - (
    words("fr", "determiners")
    | words("fr", "prepositions")
    | words("fr", "conjunctions")
    | words("fr", "subordinators")
    | words("fr", "auxiliaries")
    | words("fr", "adverbs")
    | words("fr", "pronouns")
)


def _words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFC", text).replace("’", "'").casefold()
    return _WORD.findall(folded)


def in_order(subject: str, evidence: str) -> bool:
    """Every word of ``subject`` is a word of ``evidence``, in the same order."""
    have = iter(_words(evidence))
    return all(any(word == got for got in have) for word in _words(subject))


def own_subject(fact: Fact) -> str:
    """The subject without the rank or period that tells apart facts sharing it."""
    if fact.extra.get("occurrence"):
        return re.sub(r"\s\([^()]*\)$", "", fact.subject)
    return fact.subject


def english_glue(subject: str) -> list[str]:
    """English function words of a subject outside capitalised names ("Center for Missing")."""
    tokens = subject.split()
    out = []
    for i, token in enumerate(tokens):
        low = token.strip(",.;:()").casefold().replace("’", "'")
        inside_name = 0 < i < len(tokens) - 1 and tokens[i - 1][:1].isupper()
        inside_name = inside_name and tokens[i + 1][:1].isupper()
        if low in _ENGLISH_GLUE and not inside_name:
            out.append(low)
    return out


def problems(body: bytes, content_type: str) -> list[str]:
    doc = parse_document(body, content_type=content_type, url="https://example.org/page")
    found = []
    for fact in extract_facts(doc):
        if fact.rule in _FIXED_RULES:
            continue
        subject = own_subject(fact)
        if not subject.strip():
            found.append(f"empty subject: {fact.kind} {fact.value}")
        elif not in_order(subject, fact.evidence):
            found.append(f"{fact.kind} {subject!r} not in {fact.evidence[:160]!r}")
        elif doc.lang == "fr" and english_glue(subject):
            found.append(f"{fact.kind} {subject!r}: English words {english_glue(subject)}")
    return found


def _corpus_pages() -> list[Path]:
    return sorted(p for p in CORPUS.iterdir() if p.suffix in _TYPES)


@pytest.mark.parametrize("page", _corpus_pages(), ids=lambda p: p.stem)
def test_corpus_subjects_are_evidence_words_in_order(page: Path) -> None:
    assert problems(page.read_bytes(), _TYPES[page.suffix]) == []


def _real_versions() -> list[Path]:
    if not REAL_PAGES.is_dir():
        return []
    return sorted(REAL_PAGES.glob("*/*.html"))


@pytest.mark.skipif(
    not REAL_PAGES.is_dir(), reason=f"the real pages are not next to the repository ({REAL_PAGES})"
)
@pytest.mark.parametrize("version", _real_versions(), ids=lambda p: f"{p.parent.name}-{p.stem}")
def test_real_page_subjects_are_evidence_words_in_order(version: Path) -> None:
    assert problems(version.read_bytes(), "text/html") == []


CHECKS = [
    ("cases have been confirmed", "A total of 149 cases have now been confirmed.", True),
    ("nombre de personnes", "le nombre d’hospitalisations et de personnes", True),
    ("millions d'avis", "11 millions d’avis", True),
    ("avis", "11 millions d'avis", True),
    ("confirmed cases", "149 cases have been confirmed", False),
    ("Parties that launched X", "Canada and Australia launched X.", False),
    ("ttended", "observers that attended", False),
]


@pytest.mark.parametrize(("subject", "evidence", "ok"), CHECKS, ids=[c[0] for c in CHECKS])
def test_the_check_itself(subject: str, evidence: str, ok: bool) -> None:
    assert in_order(subject, evidence) is ok


def test_english_glue_outside_names_is_found() -> None:
    assert english_glue("signalements that were made") == ["that", "were"]
    assert english_glue("signalements au National Center for Missing & Exploited Children") == []
