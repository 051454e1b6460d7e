"""Findings on pages we wrote: the links and findings a careful reader expects, as data.

See ``tests/corpus/findings/cases.yaml``: the seed page against a statement
saying "sixteen companies", its French twin, an English/French pair where the
French follows eight days late, and pairs that must not be linked. Each case
runs through the real pipeline (local server, dispatcher, store) at the
step's explicit times, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import Any

import pytest

from model.changes import Change
from model.kinds import describe
from store.repo import Store
from tests.findings_cases import CASES, Score, linked, run, score_findings, score_links
from tests.server import LocalServer

LINK_PRECISION, LINK_RECALL = 0.9, 0.85
IDS = [c["name"] for c in CASES]


def _sentence(finding: Any) -> str:
    return describe(Change(finding.kind, "added", finding.subject, after=finding.detail))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_pairs_that_must_not_be_linked_are_not(case: dict[str, Any]) -> None:
    for left, right in case.get("not_linked", ()):
        assert not linked(case, left, right), f"{left} and {right} were linked"


def test_link_precision_and_recall_over_all_cases() -> None:
    total = Score()
    for case in CASES:
        if "links" in case:  # a case that lists no truth is not about links
            total.add(score_links(case))
    assert total.precision >= LINK_PRECISION, total.extras
    assert total.recall >= LINK_RECALL, total.misses


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_findings_open_and_resolve_as_expected(
    case: dict[str, Any], store: Store, server: LocalServer
) -> None:
    for result in run(case, store, server):
        step = result.step
        opened = score_findings(step.get("open", ()), result.open)
        assert (opened.fn, opened.fp) == (0, 0), (step["at"], opened.misses, opened.extras)
        closed = score_findings(step.get("resolved", ()), result.resolved)
        assert (closed.fn, closed.fp) == (0, 0), (step["at"], closed.misses, closed.extras)
        sentences = [_sentence(f) for f in result.open]
        for want in step.get("open", ()):
            if "says" in want:
                assert any(want["says"] in s for s in sentences), (want["says"], sentences)
