"""A date or period pattern skipped for a sentence would have found nothing in it."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from parsers import parse_document
from parsers.dates import PATTERNS, dates_may_match
from parsers.extractors.common import _PERIODS, periods_may_match
from parsers.text import iter_sentences

PAGES = Path(__file__).parent / "corpus" / "pages"
EXTRA = [
    "From March to June 2022, 12 meetings.",
    "Du 8 au 10 MARS 2023, la RÉUNION de 2023 a eu lieu.",
    "Over THE LAST THREE YEARS, funding grew; 40 PAR AN; Annually, 2 per month.",
    "Between 2019 and 2021 the 2021 summit met; de 2019 à 2021.",
    "In the paſt two years: 2022-03-24, DURING 2021-22.",
    "Since January 2020 and as of 2021, in the year 2019, from mid- 2018 to the END OF 2017.",
    "D’ici 2030, jusqu’en2025, à partir de 2019, au cours de l'exercice 2021-2022, fin 2020.",
    "In FY 2021–22 and for 2020 / 21, in 12023, during 2024x; pendant 2019, EN 2018.",
    "İn 2021, ſince 2020, la réunİon de 2022 a eu lieu en Mars 2023.",
    "From Wednesday, March 24, 2021, to Thursday, April 2, 2022; Dec. 8th through 10th, 2023.",
    "From 8th to 10th December 2023, then 24 March, 2024 and March, of 2025 and Sept.  2026.",
    "Le 1ER MARS 2023, du 8 au 10 mars 2023, du 8 mars 2023 au 2 avril 2024, en JUIN 2024.",
]


def _sentences(page: Path) -> list[str]:
    texts = [s.text for s in iter_sentences(parse_document(page.read_bytes()))]
    return texts + [t.upper() for t in texts] + [t.lower() for t in texts]


CASES = {p.stem: _sentences(p) for p in sorted(PAGES.glob("*.html"))} | {"edge cases": EXTRA}


def _skipped_but_matching(
    patterns: tuple[tuple[re.Pattern[str], str], ...],
    texts: list[str],
    may_match: Callable[[str], list[bool]],
) -> list[tuple[str, str]]:
    found = []
    for text in texts:
        for (pattern, _label), may in zip(patterns, may_match(text), strict=True):
            if not may and pattern.search(text):
                found.append((pattern.pattern[:40], text))
    return found


@pytest.mark.parametrize("texts", CASES.values(), ids=list(CASES))
def test_skipped_date_patterns_match_nothing(texts: list[str]) -> None:
    assert _skipped_but_matching(PATTERNS, texts, dates_may_match) == []


@pytest.mark.parametrize("texts", CASES.values(), ids=list(CASES))
def test_skipped_period_patterns_match_nothing(texts: list[str]) -> None:
    assert _skipped_but_matching(_PERIODS, texts, periods_may_match) == []


@pytest.mark.parametrize(
    ("text", "runs"),
    [("Canada joined in 2020.", False), ("It happened on 2020-03-24.", True)],
    ids=["no hyphen: the ISO pattern is skipped", "a hyphen: the ISO pattern runs"],
)
def test_the_iso_pattern_runs_only_on_text_with_a_hyphen(text: str, runs: bool) -> None:
    kinds = [kind for (_p, kind) in PATTERNS]
    assert dates_may_match(text)[kinds.index("iso")] is runs
