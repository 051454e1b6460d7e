"""The findings cases (``tests/corpus/findings/cases.yaml``): load, select facts, run, score.

A case is run through the real pipeline: its pages are served on 127.0.0.1,
checked by the dispatcher at the step's time (a :class:`ManualClock` set to
it), stored, linked and judged. Links are scored against the case's truth on
the pages as first served; findings against each step's expectations.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from alerts.linking import link_facts
from model.clock import ManualClock
from model.facts import Fact
from monitor.dispatch import check_once
from monitor.settings import (
    FetchSettings,
    FollowSettings,
    SchedulerSettings,
    Settings,
    WatchSettings,
)
from parsers import parse_document
from parsers.facts import extract_facts
from store.findings import StoredFinding, findings
from store.repo import Store
from tests.server import LocalServer

CASES_DIR = Path(__file__).parent / "corpus" / "findings"
CASES: list[dict[str, Any]] = yaml.safe_load((CASES_DIR / "cases.yaml").read_text("utf-8"))
LEFT, RIGHT = "left-page", "right-page"
LEFT_PATH, RIGHT_PATH = "/left.html", "/right.html"


def case(name: str) -> dict[str, Any]:
    """The case called ``name``."""
    return next(c for c in CASES if c["name"] == name)


def page(case: dict[str, Any], side: str) -> str:
    """A case's page as first served."""
    return (CASES_DIR / case[side]).read_text("utf-8")


def facts_of(html: str) -> list[Fact]:
    """The facts factwatch extracts from a page."""
    doc = parse_document(html.encode("utf-8"), content_type="text/html", url="https://example.org/")
    return extract_facts(doc)


# -- selecting facts -------------------------------------------------------------------


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def matches(fact: Fact, selector: dict[str, Any]) -> bool:
    """Whether ``fact`` is the one ``selector`` describes (see the cases file)."""
    checks = {
        "kind": lambda v: fact.kind == v,
        "amount": lambda v: fact.value.get("amount") == v,
        "date": lambda v: fact.value.get("date") == v,
        "member": lambda v: v in fact.value.get("members", ()),
        "subject": lambda v: _fold(v) in _fold(fact.subject),
        "evidence": lambda v: _fold(v) in _fold(fact.evidence),
    }
    return all(checks[key](value) for key, value in selector.items())


def select(facts: Iterable[Fact], selector: dict[str, Any]) -> Fact:
    """The one fact ``selector`` picks (fails when it picks none or several)."""
    found = [f for f in facts if matches(f, selector)]
    assert len(found) == 1, f"{selector} picks {len(found)} facts: {[f.subject for f in found]}"
    return found[0]


def side_fact(finding: StoredFinding, index: int) -> Fact:
    """One side of a finding as a fact, for selectors."""
    side = finding.detail["sides"][index]
    return Fact(finding.detail["fact_kind"], side["subject"], side["value"], side["evidence"])


# -- scoring ----------------------------------------------------------------------------


@dataclass
class Score:
    """True and false positives, false negatives."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    misses: list[str] = field(default_factory=list)
    extras: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def add(self, other: Score) -> None:
        self.tp, self.fp, self.fn = self.tp + other.tp, self.fp + other.fp, self.fn + other.fn
        self.misses += other.misses
        self.extras += other.extras


def score_links(case: dict[str, Any]) -> Score:
    """Links found against the case's truth."""
    left, right = facts_of(page(case, "left")), facts_of(page(case, "right"))
    truth = {(id(select(left, a)), id(select(right, b))) for a, b in case.get("links", ())}
    twins = case["relation"] == "translation"
    found = {(id(link.left), id(link.right)) for link in link_facts(left, right, twins=twins)}
    named = {id(f): f.subject for f in (*left, *right)}
    score = Score(len(truth & found), len(found - truth), len(truth - found))
    score.misses = sorted(f"{named[a]} / {named[b]}" for a, b in truth - found)
    score.extras = sorted(f"{named[a]} / {named[b]}" for a, b in found - truth)
    return score


def linked(
    case: dict[str, Any], left_selector: dict[str, Any], right_selector: dict[str, Any]
) -> bool:
    """Whether factwatch links the two facts the selectors pick on the case's pages."""
    left, right = facts_of(page(case, "left")), facts_of(page(case, "right"))
    a, b = select(left, left_selector), select(right, right_selector)
    twins = case["relation"] == "translation"
    return any(k.left is a and k.right is b for k in link_facts(left, right, twins=twins))


def score_findings(expected: Sequence[dict[str, Any]], found: Sequence[StoredFinding]) -> Score:
    """Findings (open after a step, or resolved by it) against what the step expects."""
    score = Score()
    unmatched = list(found)
    for want in expected:
        hit = next((f for f in unmatched if _is(f, want)), None)
        if hit is None:
            score.fn += 1
            score.misses.append(str(want))
        else:
            score.tp += 1
            unmatched.remove(hit)
    score.fp = len(unmatched)
    score.extras = [f"{f.kind}: {f.subject} {f.detail['sides'][0]['value']}" for f in unmatched]
    return score


def _is(finding: StoredFinding, want: dict[str, Any]) -> bool:
    return (
        finding.kind == want["kind"]
        and matches(side_fact(finding, 0), want["left"])
        and matches(side_fact(finding, 1), want["right"])
        and (want.get("why") is None or finding.resolution == want["why"])
    )


# -- running ----------------------------------------------------------------------------


def settings_for(case: dict[str, Any], store: Store, server: LocalServer, **watch: Any) -> Settings:
    """The configuration a case runs with (``watch``: more keys for the left watch)."""
    fetch = FetchSettings(allow_private_networks=True, connect_timeout=2, read_timeout=5)
    if case["relation"] == "statement":
        rule = FollowSettings(url=re.escape(case["link"]) + "$")
        watches = (WatchSettings(name=LEFT, url=server.url(LEFT_PATH), follow=(rule,), **watch),)
    else:
        watches = (
            WatchSettings(name=LEFT, url=server.url(LEFT_PATH), **watch),
            WatchSettings(name=RIGHT, url=server.url(RIGHT_PATH), translation_of=LEFT),
        )
    return Settings(
        database=str(store.engine.url),
        fetch=fetch,
        scheduler=SchedulerSettings(politeness_delay=0, parse_processes=0),
        watches=watches,
        **_channels(watch),
    )


def _channels(watch: dict[str, Any]) -> dict[str, Any]:
    if not watch.get("alert"):
        return {}
    return {
        "alerts": (
            {"name": watch["alert"][0], "webhook": {"url": "http://127.0.0.1:9/", "secret": "s"}},
        )
    }


def right_path(case: dict[str, Any]) -> str:
    """Where the right page is served: the path the left page cites, or its own."""
    return str(case.get("link") or RIGHT_PATH)


class CheckTime(ManualClock):
    """Time standing still at a step's check time; waits pass in (short) real time.

    :func:`~monitor.dispatch.check_once` waits once more after its last check
    finished; a plain :class:`ManualClock` would wait for a wake-up that never
    comes.
    """

    def wait(self, event: threading.Event, timeout: float) -> bool:
        return event.wait(min(max(timeout, 0.0), 0.05))


@dataclass
class StepResult:
    """What the store holds after one step of a case."""

    step: dict[str, Any]
    at: datetime
    open: list[StoredFinding]
    resolved: list[StoredFinding]


def run(
    case: dict[str, Any], store: Store, server: LocalServer, **watch: Any
) -> Iterator[StepResult]:
    """Run a case's steps: edit, serve, check at the step's time; the findings after each."""
    texts = {"left": page(case, "left"), "right": page(case, "right")}
    settings = settings_for(case, store, server, **watch)
    closed: set[int] = set()
    for step in case["steps"]:
        for side, edits in (step.get("edit") or {}).items():
            for old, new in edits:
                assert old in texts[side], f"{case['name']}: {old!r} not in the {side} page"
                texts[side] = texts[side].replace(old, new)
        server.route(LEFT_PATH, texts["left"])
        server.route(right_path(case), texts["right"])
        at = datetime.fromisoformat(step["at"].replace("Z", "+00:00"))
        check_once(store, settings, settings.watches, clock=CheckTime(at))
        every = findings(store, include_resolved=True)
        resolved = [f for f in every if not f.open and f.id not in closed]
        closed |= {f.id for f in resolved}
        yield StepResult(step, at, [f for f in every if f.open], resolved)


def main() -> None:
    """Print the precision and recall of links and findings on every case (SQLite)."""
    import tempfile

    from tests.server import local_server

    links, found = Score(), Score()
    print(f"{'case':50} {'links P':>8} {'links R':>8} {'finds P':>8} {'finds R':>8}")
    with tempfile.TemporaryDirectory() as folder, local_server() as server:
        for number, one in enumerate(CASES):
            store = Store.open(f"sqlite:///{folder}/case{number}.db")
            linked_score = score_links(one) if "links" in one else Score()
            finding_score = Score()
            for result in run(one, store, server):
                finding_score.add(score_findings(result.step.get("open", ()), result.open))
                finding_score.add(score_findings(result.step.get("resolved", ()), result.resolved))
            store.close()
            links.add(linked_score)
            found.add(finding_score)
            print(
                f"{one['name']:50} {linked_score.precision:8.2f} {linked_score.recall:8.2f}"
                f" {finding_score.precision:8.2f} {finding_score.recall:8.2f}"
            )
    print(
        f"{'all cases':50} {links.precision:8.2f} {links.recall:8.2f} {found.precision:8.2f} {found.recall:8.2f}"
    )
    print(
        f"links: {links.tp} right, {links.fp} wrong ({'; '.join(links.extras)}), {links.fn} missed ({'; '.join(links.misses)})"
    )
    print(f"findings: {found.tp} right, {found.fp} wrong, {found.fn} missed")


if __name__ == "__main__":
    main()
