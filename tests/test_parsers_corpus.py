"""The labelled corpus: extraction precision and recall must not fall below the thresholds."""

from __future__ import annotations

from pathlib import Path

import pytest

from alerts.diff import diff_documents
from parsers.evaluate import EvalReport, evaluate_corpus, format_report
from tests.corpus.pdfmake import FIVE_COUNTRY_STATEMENT, make_pdf

CORPUS = Path(__file__).parent / "corpus"

# Floors from the measured scores (raise them as the extractors improve; never lower them
# to make a change pass). (precision, recall) per row of the report.
THRESHOLDS: dict[str, tuple[float, float]] = {
    "membership": (0.95, 0.95),
    "figure": (0.95, 0.92),
    "date": (0.90, 0.95),
    "all facts": (0.94, 0.94),
    "change events": (0.95, 0.95),
}


@pytest.fixture(scope="module")
def report() -> EvalReport:
    return evaluate_corpus(CORPUS, diff_documents)


def test_corpus_size(report: EvalReport) -> None:
    assert report.pages >= 14 and report.pairs >= 20


@pytest.mark.parametrize("row", list(THRESHOLDS))
def test_precision_and_recall(report: EvalReport, row: str) -> None:
    scores = {"all facts": report.overall, "change events": report.events, **report.facts}
    precision, recall = THRESHOLDS[row]
    score = scores[row]
    assert score.precision >= precision and score.recall >= recall, format_report(report)


def test_stored_pdf_is_the_generated_one() -> None:
    stored = (CORPUS / "pages" / "five-country-communique.pdf").read_bytes()
    title = "Five Country Ministerial 2023: Joint Communiqué"
    assert stored == make_pdf(FIVE_COUNTRY_STATEMENT, title=title)


def test_format_report_is_a_table(report: EvalReport) -> None:
    text = format_report(report)
    assert "| membership" in text and "| change events" in text and "precision" in text
