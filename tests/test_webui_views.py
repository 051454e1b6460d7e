"""The small pieces behind the pages: links, times, text diff, chart, XML text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from monitor.webui.charts import step_chart
from monitor.webui.feeds import xml_text
from monitor.webui.params import change_kind, parse_when
from monitor.webui.views import safe_href, side_by_side, watch_url
from store.audit import QueryError


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.canada.ca/en.html", "https://www.canada.ca/en.html"),
        ("http://127.0.0.1:8080/x", "http://127.0.0.1:8080/x"),
        ("javascript:alert(1)", None),
        (" JavaScript:alert(1)", None),
        ("data:text/html,<script>alert(1)</script>", None),
        ("vbscript:x", None),
        ("//evil.example/x", None),
        ("", None),
        (None, None),
    ],
)
def test_only_http_links(url: str | None, expected: str | None) -> None:
    assert safe_href(url) == expected


@pytest.mark.parametrize(
    ("text", "end", "expected"),
    [
        ("2026-12-01", False, datetime(2026, 12, 1, tzinfo=UTC)),
        ("2026-12-01", True, datetime(2026, 12, 2, tzinfo=UTC) - timedelta(microseconds=1)),
        (
            "2026-12-01T06:00",
            True,
            datetime(2026, 12, 1, 6, 1, tzinfo=UTC) - timedelta(microseconds=1),
        ),
        ("2026-12-01T06:00:03Z", False, datetime(2026, 12, 1, 6, 0, 3, tzinfo=UTC)),
        ("2026-12-01T08:00:00+02:00", False, datetime(2026, 12, 1, 6, 0, tzinfo=UTC)),
        ("", False, None),
        ("9999-12-31", True, datetime(9999, 12, 31, tzinfo=UTC)),
    ],
)
def test_times_read_like_the_command_line(text: str, end: bool, expected: datetime | None) -> None:
    assert parse_when(text, end=end) == expected


@pytest.mark.parametrize("text", ["yesterday", "2026-13-01", "0001-01-01T00:00+01:00", "\x00"])
def test_bad_times_are_query_errors(text: str) -> None:
    with pytest.raises(QueryError):
        parse_when(text)


def test_kinds() -> None:
    assert change_kind("figure") == "figure" and change_kind("") is None
    with pytest.raises(QueryError):
        change_kind("<script>")


def test_side_by_side_aligns_changed_lines_with_context() -> None:
    old = "\n".join(f"line {n}" for n in range(1, 21))
    new = old.replace("line 10", "line ten").replace("line 20", "") + "\nline 21"
    rows = side_by_side(old, new, context=1)
    changed = [r for r in rows if r.tag == "replace"]
    assert ("line 10", "line ten") in [(r.left, r.right) for r in changed]
    assert [r.tag for r in rows].count("skip") == 1  # lines 12-18 folded away
    assert rows[0].left_no == 9 and rows[0].right_no == 9
    assert side_by_side("same", "same") == []


def test_watch_urls_keep_the_slash_of_followed_documents() -> None:
    assert watch_url("page/statement-1", "versions", "2") == "/watches/page/statement-1/versions/2"


def test_step_chart_geometry() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    chart = step_chart(
        [(start, 19), (start + timedelta(days=1), 21), (start + timedelta(days=3), 25)],
        start + timedelta(days=4),
    )
    assert chart is not None and [p.label for p in chart.points] == ["19", "21", "25"]
    xs, ys = [p.x for p in chart.points], [p.y for p in chart.points]
    assert xs == sorted(xs) and ys == sorted(ys, reverse=True)  # later to the right, higher up
    assert chart.path.startswith("M ") and chart.path.count("V") == 2
    assert step_chart([], start) is None
    flat = step_chart([(start, 5), (start, 5)], start)
    assert flat is not None and flat.points[0].x < flat.points[1].x


def test_xml_text_drops_what_xml_cannot_hold() -> None:
    assert xml_text("a\x00b\x1bc\ud800d\tok\n") == "abcd\tok\n"
