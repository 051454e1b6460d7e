"""Collections of dated entries (news lists, change logs, feeds): one fact per collection.

The entries of a collection are not date or figure facts (the sentence
extractors skip their blocks): what changes in a news list or a change log
is which entries it holds. The fact's value lists them as the page shows
them (newest first, usually), so a diff can say "3 entries added to 'Page
history'; newest: 19 March 2020, 'Figures updated'".
"""

from __future__ import annotations

from collections.abc import Iterator

from model.facts import Fact
from parsers.analysis import Analysis
from parsers.extractors.placing import Place, place_of
from parsers.model import Collection
from parsers.registry import extractor

EVIDENCE_ENTRIES = 3


@extractor("collections", "collection")
def collections(analysis: Analysis) -> Iterator[Fact]:
    """One ``collection`` fact per collection of the document, subject its name."""
    for collection in analysis.doc.collections:
        yield collection_fact(collection, place_of(analysis, collection.blocks[0]))


def collection_fact(collection: Collection, place: Place) -> Fact:
    """The fact a collection states: its entries (date and title), in page order."""
    first = collection.blocks[0]
    entries = [{"date": e.date, "title": e.title} for e in collection.entries]
    shown = "; ".join(_entry_words(e.date, e.title) for e in collection.entries[:EVIDENCE_ENTRIES])
    more = len(collection.entries) - EVIDENCE_ENTRIES
    listed = f"{shown}; and {more} more" if more > 0 else shown
    evidence = f"{collection.name}: {listed}"
    return Fact(
        kind="collection",
        subject=collection.name,
        value={"entries": entries},
        evidence=evidence,
        section=place.heading,
        rule="collections",
        extra={"order": place.order()},
        block=first,
    )


def _entry_words(date: str | None, title: str) -> str:
    return f"{date}: {title}" if date else title
