"""Helpers shared by the extractors: the page's dollar, fact construction, evidence."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from model.facts import Fact
from parsers.model import Document
from parsers.spans import _PERIODS, PERIOD_GATES, find_period, masked, periods_may_match
from parsers.text import Sentence

__all__ = [
    "PERIOD_GATES",
    "_PERIODS",
    "dollar_currency",
    "find_period",
    "list_evidence",
    "make_fact",
    "masked",
    "periods_may_match",
    "sentence_evidence",
]


def dollar_currency(doc: Document) -> str:
    """Which dollar a bare "$" means on this page."""
    host = urlsplit(doc.url).hostname or ""
    if host.endswith((".gov", ".mil")):
        return "USD"
    if host.endswith(("canada.ca", "gc.ca")) or doc.lang == "fr":
        return "CAD"
    head = doc.title + " " + " ".join(b.text for s in doc.sections[:3] for b in s.blocks[:3])
    return "CAD" if "Canad" in head else "USD"


def make_fact(
    kind: str,
    subject: str,
    value: dict[str, Any],
    where: Sentence,
    order: tuple[int, ...],
    period: str | None = None,
    evidence: str | None = None,
    rule: str = "",
) -> Fact:
    """A fact found in ``where`` by ``rule``; ``order`` sorts facts in document order.

    The evidence is the sentence that states the fact (see :func:`sentence_evidence`)
    unless ``evidence`` is given.
    """
    return Fact(
        kind=kind,
        subject=subject,
        value=value,
        evidence=sentence_evidence(where) if evidence is None else evidence,
        section=where.section.heading,
        period=period,
        rule=rule,
        extra={"order": order},
        block=where.block.index,
    )


def sentence_evidence(where: Sentence) -> str:
    """The words that state a fact: the sentence, or the whole item of a list."""
    return where.block.text if where.block.kind == "item" else where.text


def list_evidence(lead_in: str, items: list[str]) -> str:
    """A bulleted list as evidence: its lead-in sentence, then the items joined by "; "."""
    return f"{lead_in} {'; '.join(item.rstrip(' ;,.') for item in items)}"
