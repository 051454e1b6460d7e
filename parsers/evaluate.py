"""Measure extraction against the labelled corpus: precision and recall per fact kind.

A corpus directory holds ``pages/`` (each page next to a YAML file of its
expected facts) and ``pairs.yaml`` (before/after edits of those pages with the
change events they should raise). A fact is found when kind and value match
(the expected value's keys only) and the subject is close enough; events match
on kind, change and subject.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

import yaml

from model.changes import Change
from model.facts import Fact
from model.kinds import fact_kinds
from parsers.facts import extract_facts
from parsers.model import Document

SUBJECT_MATCH = 0.34
_CONTENT_TYPES = {".html": "text/html", ".pdf": "application/pdf", ".txt": "text/plain"}
_STOP = frozenset(
    [
        "the",
        "a",
        "an",
        "of",
        "to",
        "by",
        "for",
        "in",
        "on",
        "at",
        "le",
        "la",
        "les",
        "l",
        "de",
        "du",
        "des",
        "d",
        "à",
        "au",
        "aux",
    ]
)


@dataclass
class Score:
    """Counts for one row of the report."""

    expected: int = 0
    found: int = 0
    matched: int = 0

    @property
    def precision(self) -> float:
        """Share of what was found that was expected."""
        return self.matched / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        """Share of what was expected that was found."""
        return self.matched / self.expected if self.expected else 1.0


@dataclass
class EvalReport:
    """Scores per fact kind and for change events, with what was missed or extra."""

    facts: dict[str, Score] = field(default_factory=dict)
    events: Score = field(default_factory=Score)
    pages: int = 0
    pairs: int = 0
    missed: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)

    @property
    def overall(self) -> Score:
        """All fact kinds together."""
        total = Score()
        for score in self.facts.values():
            total.expected += score.expected
            total.found += score.found
            total.matched += score.matched
        return total


DiffFn = Callable[[Document, Sequence[Fact], Document, Sequence[Fact]], Sequence[Change]]
"""The diff engine: the document and facts of the version before, then after."""


def evaluate_corpus(path: str | Path, diff: DiffFn | None = None) -> EvalReport:
    """Score the extractors on the corpus at ``path``, and ``diff`` on its before/after pairs.

    The diff engine sits above the parsers, so the caller passes it in; without
    it the pairs are not scored.
    """
    root = Path(path)
    report = EvalReport(facts={kind: Score() for kind in fact_kinds()})
    for label in sorted((root / "pages").glob("*.yaml")):
        spec = yaml.safe_load(label.read_text(encoding="utf-8"))
        facts = _facts_of(_body_file(label), spec)
        _score_facts(report, label.stem, spec["facts"], facts)
        report.pages += 1
    pairs = root / "pairs.yaml"
    if diff is not None and pairs.exists():
        for pair in yaml.safe_load(pairs.read_text(encoding="utf-8")):
            _score_pair(report, root, pair, diff)
            report.pairs += 1
    return report


def _body_file(label: Path) -> Path:
    for suffix in _CONTENT_TYPES:
        candidate = label.with_suffix(suffix)
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"no page next to {label.name}")


def _facts_of(page: Path, spec: dict[str, Any], edits: Sequence[Sequence[str]] = ()) -> list[Fact]:
    return extract_facts(_document(page, spec, edits))


def _document(page: Path, spec: dict[str, Any], edits: Sequence[Sequence[str]] = ()) -> Document:
    from parsers import parse_document

    body = page.read_bytes()
    for old, new in edits:
        if old.encode() not in body:
            raise ValueError(f"{page.name}: edit text not found: {old!r}")
        body = body.replace(old.encode(), new.encode())
    content_type = spec.get("content_type") or _CONTENT_TYPES[page.suffix]
    return parse_document(body, content_type=content_type, url=spec.get("url", ""))


def _score_facts(
    report: EvalReport, page: str, expected: list[dict[str, Any]], found: list[Fact]
) -> None:
    for kind in fact_kinds():
        want = [e for e in expected if e["kind"] == kind]
        got = [f for f in found if f.kind == kind]
        pairs = match(want, got, lambda e, f: value_matches(e["value"], f.value), _subject)
        score = report.facts[kind]
        score.expected += len(want)
        score.found += len(got)
        score.matched += len(pairs)
        used_e = {id(e) for e, _ in pairs}
        used_f = {id(f) for _, f in pairs}
        report.missed += [
            f"{page}: {kind} {e['subject']!r} {e['value']}" for e in want if id(e) not in used_e
        ]
        report.extra += [
            f"{page}: {kind} {f.subject!r} {f.value}" for f in got if id(f) not in used_f
        ]


def _subject(expected: dict[str, Any], found: Any) -> float:
    return subject_similarity(expected["subject"], found.subject)


def match(
    expected: Sequence[dict[str, Any]],
    found: Sequence[Any],
    same: Any,
    similarity: Any,
) -> list[tuple[dict[str, Any], Any]]:
    """One-to-one pairs (best subject similarity first) of items that ``same`` accepts."""
    candidates = [
        (similarity(e, f), i, j)
        for i, e in enumerate(expected)
        for j, f in enumerate(found)
        if same(e, f)
    ]
    pairs, used_e, used_f = [], set(), set()
    for score, i, j in sorted(candidates, key=lambda c: (-c[0], c[1], c[2])):
        if score >= SUBJECT_MATCH and i not in used_e and j not in used_f:
            used_e.add(i)
            used_f.add(j)
            pairs.append((expected[i], found[j]))
    return pairs


def value_matches(expected: dict[str, Any], actual: dict[str, Any] | None) -> bool:
    """Every key the label gives has the same value (member lists compared as sets)."""
    if actual is None:
        return False
    for key, want in expected.items():
        got = actual.get(key)
        if isinstance(want, list):
            if sorted(map(str, want)) != sorted(map(str, got or [])):
                return False
        elif key == "date" or isinstance(want, str):
            if str(want) != str(got):
                return False
        elif want != got:
            return False
    return True


def _tokens(text: str) -> set[str]:
    words = re.findall(r"\w+", text.casefold())
    return {re.sub(r"(?:es|s|ed|ée|ées|és|é)$", "", w) or w for w in words if w not in _STOP}


def subject_similarity(a: str, b: str) -> float:
    """How alike two subjects are (0..1): shared words, or characters for short ones."""
    ta, tb = _tokens(a), _tokens(b)
    overlap = len(ta & tb) / min(len(ta), len(tb)) if ta and tb else 0.0
    return max(overlap, SequenceMatcher(None, a.casefold(), b.casefold()).ratio())


def _score_pair(report: EvalReport, root: Path, pair: dict[str, Any], diff: DiffFn) -> None:
    page = root / "pages" / pair["page"]
    spec = yaml.safe_load(page.with_suffix(".yaml").read_text(encoding="utf-8"))
    old = _document(page, spec)
    new = _document(page, spec, pair.get("edits", ()))
    changes = diff(old, extract_facts(old), new, extract_facts(new))
    expected = pair.get("changes") or []
    pairs = match(
        expected, changes, _same_event, lambda e, c: subject_similarity(e["subject"], c.subject)
    )
    report.events.expected += len(expected)
    report.events.found += len(changes)
    report.events.matched += len(pairs)
    used = {id(c) for _, c in pairs}
    used_e = {id(e) for e, _ in pairs}
    name = pair["name"]
    report.missed += [f"{name}: event {e}" for e in expected if id(e) not in used_e]
    report.extra += [
        f"{name}: event {c.kind} {c.change} {c.subject!r} {c.before} -> {c.after}"
        for c in changes
        if id(c) not in used
    ]


def _same_event(expected: dict[str, Any], change: Any) -> bool:
    if (expected["kind"], expected["change"]) != (change.kind, change.change):
        return False
    for side in ("before", "after"):
        if side in expected and not value_matches(expected[side], getattr(change, side)):
            return False
    return True


ROW_NAMES: tuple[str, ...] = (*fact_kinds(), "all facts", "change events")


def report_rows(report: EvalReport) -> list[tuple[str, Score]]:
    """The rows of the report in display order: each fact kind, all facts, change events."""
    scores = {**report.facts, "all facts": report.overall, "change events": report.events}
    return [(name, scores[name]) for name in ROW_NAMES]


def report_json(report: EvalReport) -> dict[str, Any]:
    """The report as plain data for scripts (scores rounded to 4 places)."""
    rows = {
        name: {
            "expected": s.expected,
            "found": s.found,
            "matched": s.matched,
            "precision": round(s.precision, 4),
            "recall": round(s.recall, 4),
        }
        for name, s in report_rows(report)
    }
    return {
        "pages": report.pages,
        "pairs": report.pairs,
        "scores": rows,
        "missed": list(report.missed),
        "extra": list(report.extra),
    }


def format_table(report: EvalReport) -> str:
    """The corpus size, then precision and recall per row as a markdown table."""
    lines = [
        f"corpus: {report.pages} pages, {report.pairs} before/after pairs",
        "",
        f"| {'what':<14} | expected | found | matched | precision | recall |",
        f"|{'-' * 16}|---------:|------:|--------:|----------:|-------:|",
    ]
    for name, s in report_rows(report):
        lines.append(
            f"| {name:<14} | {s.expected:>8} | {s.found:>5} | {s.matched:>7} "
            f"| {s.precision:>9.2f} | {s.recall:>6.2f} |"
        )
    return "\n".join(lines)


def format_misses(report: EvalReport) -> str:
    """What was expected but not found, then what was found but not expected."""
    return "\n".join(_listing("missed", report.missed) + _listing("extra", report.extra))


def format_report(report: EvalReport) -> str:
    """The report as a readable table, then what was missed and what was extra."""
    misses = format_misses(report)
    return f"{format_table(report)}\n{misses}" if misses else format_table(report)


def _listing(title: str, items: Iterable[str]) -> list[str]:
    items = list(items)
    return ["", f"{title} ({len(items)}):", *(f"  - {item}" for item in items)] if items else []
