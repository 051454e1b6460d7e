"""Gated regexes find exactly what the plain patterns find, only faster."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from parsers import parse_document
from parsers.dates import PATTERNS
from parsers.extractors.common import _PERIODS
from parsers.fastre import first_char_gate, gated
from parsers.text import iter_sentences

PAGES = Path(__file__).parent / "corpus" / "pages"

GATES = {
    # pattern -> the lookahead computed for it (None: any character may start a match)
    r"\d{3}-\d{4}": r"(?=[\d])",
    r"(?:from\s+)?\d+": r"(?=[\df])",
    r"(?i:march|april)\s\d": r"(?=(?i:[am]))",
    r"(?<!\w)[A-Z][a-z]+": r"(?=[A-Z])",
    r"\s+(?:and|et)\s+": r"(?=[\s])",
    r"x?": None,
    r".y": None,
    r"[^a]b": None,
}


@pytest.mark.parametrize(("pattern", "gate"), GATES.items(), ids=list(GATES))
def test_first_char_gate(pattern: str, gate: str | None) -> None:
    assert first_char_gate(pattern) == gate


def _sentences() -> list[str]:
    out = []
    for page in sorted(PAGES.glob("*.html")):
        doc = parse_document(page.read_bytes())
        out += [s.text for s in iter_sentences(doc)]
    return [*out, "(?i) x", "Since 2019, 12 March to 14 April 2020", "le 1er mars 2021"]


SENTENCES = _sentences()
PLAIN = {f"date-{i}-{kind}": p for i, (p, kind) in enumerate(PATTERNS)}
PLAIN |= {f"period-{i}": p for i, (p, _fmt) in enumerate(_PERIODS)}


@pytest.mark.parametrize("compiled", PLAIN.values(), ids=list(PLAIN))
def test_gated_pattern_finds_the_same_matches(compiled: re.Pattern[str]) -> None:
    plain = re.compile(_without_gate(compiled.pattern), compiled.flags)
    assert plain.pattern != compiled.pattern
    for text in SENTENCES:
        want = [m.span() for m in plain.finditer(text)]
        assert [m.span() for m in compiled.finditer(text)] == want, text


def _without_gate(pattern: str) -> str:
    """The source a gated pattern was made from (the gate's classes escape every parenthesis)."""
    gate_end = pattern.index(")(?:")
    return pattern[gate_end + 4 : -1]


def test_gated_keeps_global_flags_first() -> None:
    pattern = gated(r"(?i)members\s+include")
    assert pattern.pattern.startswith("(?i)(?=")
    assert pattern.search("MEMBERS include Canada") is not None
