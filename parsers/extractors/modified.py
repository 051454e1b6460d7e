"""The page's own modification date ("Date modified: 2023-06-09")."""

from __future__ import annotations

from collections.abc import Iterator

from model.facts import Fact
from parsers.analysis import Analysis
from parsers.registry import extractor


@extractor("page-modified", "date")
def page_modified(analysis: Analysis) -> Iterator[Fact]:
    """One date fact, subject "page modified", when the page states its modification date."""
    doc = analysis.doc
    if doc.modified:
        yield Fact(
            kind="date",
            subject="page modified",
            value={"date": doc.modified},
            evidence=f"Date modified: {doc.modified}",
            section="",
            rule="page-modified",
            extra={"order": (len(doc.sections), 0, 0, 0)},
        )
