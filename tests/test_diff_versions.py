"""Two versions of a page in, the events a person would write out: parsed, extracted,
aligned and diffed for real, with the expected events as data."""

from __future__ import annotations

import pytest

from alerts.diff import diff_documents
from model.changes import Change
from model.kinds import alert_kind, describe
from parsers import extract_facts, parse_document


def _page(*blocks: str) -> bytes:
    return f"<html><body><main><h1>Cases</h1>{''.join(blocks)}</main></body></html>".encode()


def _table(caption: str, rows: int, start: int = 1) -> str:
    body = "".join(
        f"<tr><th>Board {i}</th><td>{i * 3}</td><td>{i * 7}</td></tr>"
        for i in range(start, start + rows)
    )
    head = "<thead><tr><th>Board</th><th>Cases</th><th>Deaths</th></tr></thead>"
    return f"<table><caption>{caption}</caption>{head}<tbody>{body}</tbody></table>"


PROSE = (
    "<p>NCMEC received 29.4 million reports.</p>",
    "<p>The G7 Working Group has the following members:</p>"
    "<ul><li>Canada</li><li>France</li><li>Japan</li></ul>",
    "<p>Applications close on 5 March 2022.</p>",
)
NEWS = "<h2>Latest news</h2><ul>{}</ul>"
ITEM = (
    '<li><a href="/n{0}">Update {0}</a> <time datetime="2020-03-{0:02d}">{0} March 2020</time></li>'
)

PAIRS: dict[str, tuple[bytes, bytes, list[str]]] = {
    "table-withdrawn-is-one-event": (
        _page(*PROSE, "<h2>By board</h2>", _table("Cases by board", 7)),
        _page(*PROSE, "<h2>By board</h2>"),
        ["table removed: Table 'Cases by board' withdrawn (7 rows, 14 figures)"],
    ),
    "table-added-is-one-event": (
        _page(*PROSE),
        _page(*PROSE, "<h2>By board</h2>", _table("Cases by board", 5)),
        ["table added: New table 'Cases by board' (5 rows, 10 figures)"],
    ),
    "moved-paragraph-says-nothing": (
        _page(*PROSE),
        _page(PROSE[2], PROSE[0], PROSE[1]),
        [],
    ),
    "reworded-sentence-one-number": (
        _page(*PROSE),
        _page("<p>Last year NCMEC received 32 million reports in all.</p>", *PROSE[1:]),
        ["figure changed"],
    ),
    "member-added": (
        _page(*PROSE),
        _page(
            PROSE[0],
            "<p>The G7 Working Group has the following members:</p>"
            "<ul><li>Canada</li><li>France</li><li>Italy</li><li>Japan</li></ul>",
            PROSE[2],
        ),
        ["membership changed"],
    ),
    "news-list-grows-records-one-silent-collection-event": (
        _page(*PROSE, NEWS.format("".join(ITEM.format(d) for d in (9, 8, 7)))),
        _page(*PROSE, NEWS.format("".join(ITEM.format(d) for d in (11, 10, 9, 8, 7)))),
        ["collection changed (silent)"],
    ),
}


def _summary(change: Change) -> str:
    silent = " (silent)" if alert_kind(change) in ("collection", "page-modified") else ""
    words = describe(change)
    if change.kind == "table":
        return f"{change.kind} {change.change}: {words}"
    return f"{change.kind} {change.change}{silent}"


@pytest.mark.parametrize(("before", "after", "expected"), PAIRS.values(), ids=PAIRS.keys())
def test_the_events_of_a_version_pair(before: bytes, after: bytes, expected: list[str]) -> None:
    old, new = parse_document(before), parse_document(after)
    changes = diff_documents(old, extract_facts(old), new, extract_facts(new))
    assert [_summary(c) for c in changes] == expected


@pytest.mark.parametrize(("before", "after", "expected"), PAIRS.values(), ids=PAIRS.keys())
def test_no_event_cancels_another(before: bytes, after: bytes, expected: list[str]) -> None:
    old, new = parse_document(before), parse_document(after)
    changes = diff_documents(old, extract_facts(old), new, extract_facts(new))
    removed = {(c.kind, repr(c.before)) for c in changes if c.change == "removed"}
    added = {(c.kind, repr(c.after)) for c in changes if c.change == "added"}
    assert not removed & added
