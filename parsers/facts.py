"""Run every registered extractor (and a watch's own rules) over a document."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from typing import Any

import parsers.extractors  # noqa: F401  (registers the built-in extractors)
from model.facts import Fact
from model.kinds import kind_of
from parsers.analysis import Analysis, analyse
from parsers.dates import find_dates, parse_date_text
from parsers.extractors.common import dollar_currency, find_period, sentence_evidence
from parsers.extractors.memberships import split_names
from parsers.model import Document
from parsers.numbers import find_amounts
from parsers.registry import EXTRACTORS
from parsers.rules import PatternRule


def extract_facts(doc: Document, patterns: Sequence[PatternRule] = ()) -> list[Fact]:
    """All facts of ``doc``, in document order; pure and deterministic.

    Runs every extractor of :data:`parsers.registry.EXTRACTORS`, then ``patterns``.
    Identical facts are merged, memberships of one group in one section are
    united, and subjects are made unique within (kind, section).
    """
    analysis = analyse(doc)
    found: list[Fact] = []
    for spec in EXTRACTORS.values():
        found.extend(spec.run(analysis))
    for rule in patterns:
        found.extend(_pattern_facts(analysis, rule))
    found.sort(key=lambda f: f.extra.get("order", ()))
    return [_without_order(f) for f in unique_subjects(merge(found))]


def merge(facts: Iterable[Fact]) -> list[Fact]:
    """Drop repeated facts; unite statements of one subject in a section when the kind can
    (memberships of one group: see :meth:`model.kinds.Kind.unite`; the group is its
    canonical name, ``extra["group"]``, when the extractor recorded it)."""
    out: list[Fact] = []
    index: dict[tuple[str, str, str], int] = {}
    stated: set[str] = set()
    for fact in facts:
        key = (fact.kind, fact.section, fact.extra.get("group", fact.subject))
        statement = repr((key, sorted(fact.value.items()), fact.period))
        if statement in stated:
            continue
        stated.add(statement)
        first = index.get(key)
        united = None if first is None else kind_of(fact.kind).unite(out[first].value, fact.value)
        if first is None:
            index[key] = len(out)
            out.append(fact)
        elif united is not None:
            out[first] = replace(out[first], value=united)
        else:
            out.append(fact)
    return out


def unique_subjects(facts: list[Fact]) -> list[Fact]:
    """Give facts sharing (kind, section, subject) distinct subjects: period first, then a rank."""
    seen: dict[tuple[str, str, str], int] = {}
    out = []
    for fact in facts:
        key = (fact.kind, fact.section, fact.subject)
        count = seen.get(key, 0)
        seen[key] = count + 1
        if count:
            subject = fact.subject
            if fact.period and fact.period not in subject:
                subject = f"{subject} ({fact.period})"
            if (fact.kind, fact.section, subject) in seen:
                subject = f"{fact.subject} ({count + 1})"
            seen[(fact.kind, fact.section, subject)] = 1
            fact = replace(fact, subject=subject, extra={**fact.extra, "occurrence": count + 1})
        out.append(fact)
    return out


def _without_order(fact: Fact) -> Fact:
    fact.extra.pop("order", None)
    return fact


def _pattern_facts(analysis: Analysis, rule: PatternRule) -> Iterator[Fact]:
    doc, pattern = analysis.doc, rule.compiled()
    acronyms = analysis.acronyms
    for item in analysis.sentences:
        sentence = item.sentence
        for m in pattern.finditer(sentence.text):
            value = _rule_value(rule.kind, m.group("value"), doc, acronyms)
            if value is None:
                continue
            groups = m.groupdict()
            subject = (groups.get("subject") or rule.subject or rule.name).strip()
            period = find_period(sentence.text)[0] if kind_of(rule.kind).has_period else None
            yield Fact(
                kind=rule.kind,
                subject=re.sub(r"\s+", " ", subject),
                value=value,
                evidence=sentence_evidence(sentence),
                section=sentence.section.heading,
                period=period,
                rule=rule.name,
                extra={"order": sentence.order(m.start())},
                block=sentence.block.index,
            )


RuleValue = Callable[[str, Document, dict[str, str]], dict[str, Any] | None]
RULE_VALUES: dict[str, RuleValue] = {}


def rule_value(kind: str) -> Callable[[RuleValue], RuleValue]:
    """Register how a user rule's ``value`` group reads as a value of ``kind``."""

    def register(fn: RuleValue) -> RuleValue:
        RULE_VALUES[kind] = fn
        return fn

    return register


def _rule_value(
    kind: str, raw: str, doc: Document, acronyms: dict[str, str]
) -> dict[str, Any] | None:
    return RULE_VALUES[kind](raw, doc, acronyms)


@rule_value("membership")
def _members_value(raw: str, _doc: Document, acronyms: dict[str, str]) -> dict[str, Any] | None:
    members = split_names(raw, acronyms)
    return {"members": sorted(set(members))} if members else None


@rule_value("date")
def _date_value(raw: str, _doc: Document, _acronyms: dict[str, str]) -> dict[str, Any] | None:
    dates = find_dates(raw)
    if dates:
        out = {"date": dates[0].iso}
        return out | ({"date_end": dates[0].iso_end} if dates[0].iso_end else {})
    iso = parse_date_text(raw)
    return {"date": iso} if iso else None


@rule_value("figure")
def _figure_value(raw: str, doc: Document, _acronyms: dict[str, str]) -> dict[str, Any] | None:
    amounts = find_amounts(raw, doc.lang, dollar_currency(doc))
    if not amounts:
        return None
    a = amounts[0]
    unit = raw[a.end :].strip(" .,;")
    value: dict[str, Any] = {"amount": a.amount, "qualifier": a.qualifier, "unit": unit}
    for key, present in (("currency", a.currency), ("percent", a.percent)):
        if present:
            value[key] = present
    return value


def clear_caches() -> None:
    """Forget memoised per-sentence work (for benchmarks that re-parse the same page)."""
    from parsers.analysis import features
    from parsers.chunks import parse_sentence
    from parsers.dates import _find_dates
    from parsers.entities import _canonical, _name_key
    from parsers.gates import scan_of
    from parsers.spans import _blank_spans, _find_period
    from parsers.text import _split
    from parsers.tokens import _word_tag, tokenize

    for cached in (
        *(_find_dates, _find_period, _blank_spans, _split, _name_key, _canonical, features),
        *(scan_of, tokenize, _word_tag, parse_sentence),
    ):
        cached.cache_clear()
