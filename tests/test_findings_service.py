"""Findings in the service: alerts only when asked, events, the command line, pairing changes."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from alerts.render import content
from model.errors import ConfigError
from model.outcomes import Failed
from monitor.cli import cli
from monitor.dispatch import check_once
from monitor.settings import parse_settings
from store import outbox
from store.findings import findings
from store.repo import Store
from tests.findings_cases import LEFT, CheckTime, case, right_path, run, settings_for
from tests.server import LocalServer

SEED = case("seed-page-vs-five-country-statement")
CHILD = f"{LEFT}/five-country-2022"
SENTENCE = (
    "19 (page, since 2023-06-09) vs 16 (Five Country Ministerial statement, 2022-03-24):"
    " the page is newer"
)


def _events(store: Store, kind: str) -> list[dict[str, Any]]:
    rows = outbox.rows(store)
    return [e for r in rows for e in r.payload.get("events", []) if e["kind"] == kind]


def test_a_finding_alerts_only_when_the_page_lists_its_kind(
    store: Store, server: LocalServer
) -> None:
    list(run(SEED, store, server, alert=("hook",)))
    assert len(findings(store)) == 1
    assert _events(store, "discrepancy") == []  # recorded, not alerted by default


def test_listed_in_alert_on_a_finding_is_one_alert_in_plain_words(
    store: Store, server: LocalServer
) -> None:
    list(run(SEED, store, server, alert=("hook",), alert_on=("figure", "discrepancy")))
    [event] = _events(store, "discrepancy")
    assert (event["watch"], event["change"]) == (LEFT, "added")
    [row] = [r for r in outbox.rows(store) if r.payload["events"][0]["kind"] == "discrepancy"]
    [item] = content(row.kind, row.payload).items
    assert item.text.endswith(SENTENCE)


def test_findings_are_change_events_of_the_page(store: Store, server: LocalServer) -> None:
    list(run(SEED, store, server))
    [(row, watch)] = [(c, w) for c, w in store.changes() if c.kind == "discrepancy"]
    assert (watch.name, row.change) == (LEFT, "added")
    assert row.after is not None and row.after["sides"][1]["watch"] == CHILD


def test_a_failed_check_leaves_findings_as_they_were(store: Store, server: LocalServer) -> None:
    [first] = run(SEED, store, server)
    server.route(right_path(SEED), "gone", status=500)
    settings = settings_for(SEED, store, server)
    outcomes = check_once(store, settings, settings.watches, clock=CheckTime(first.at))
    assert isinstance(outcomes[-1], Failed)
    assert [f.id for f in findings(store)] == [f.id for f in first.open]


def test_findings_of_statements_no_longer_compared_are_resolved(
    store: Store, server: LocalServer
) -> None:
    [first] = run(SEED, store, server)
    settings = settings_for(SEED, store, server, compare_statements=False)
    later = datetime(2026, 12, 2, 6, tzinfo=first.at.tzinfo)
    check_once(store, settings, settings.watches, clock=CheckTime(later))
    assert findings(store) == []
    [closed] = findings(store, include_resolved=True)
    assert (closed.resolution, closed.resolved_at) == ("not-compared", later)


# -- the command line --------------------------------------------------------------------


def _cli(tmp_path: Path, store: Store, *args: str) -> Result:
    config = tmp_path / "cli.yaml"
    config.write_text(f"database: {store.engine.url.render_as_string(hide_password=False)}\n")
    return CliRunner().invoke(cli, ["--config", str(config), "findings", *args])


def test_findings_lists_open_findings_with_when_each_appeared(
    tmp_path: Path, store: Store, server: LocalServer
) -> None:
    list(run(SEED, store, server))
    table = _cli(tmp_path, store)
    assert table.exit_code == 0, table.output
    assert "discrepancy" in table.stdout and "2026-12-01 06:00:00Z" in table.stdout
    assert SENTENCE in " ".join(table.stdout.split())
    [data] = json.loads(_cli(tmp_path, store, CHILD, "--json").stdout)
    assert data["status"] == "open" and data["opened_at"] == "2026-12-01T06:00:00Z"
    assert [s["value"]["amount"] for s in data["sides"]] == [19, 16]
    assert (
        data["sides"][1]["evidence"]
        == "Since then, sixteen companies have endorsed the Principles."
    )
    assert data["link"]["why"] == "companies, endorsed, Principles"
    explained = _cli(tmp_path, store, "--explain").stdout
    assert "a total of 19 companies have endorsed the Principles" in explained
    assert "page - left-page, since 2023-06-09 (its Date modified):" in explained
    assert "linked by: companies, endorsed, Principles (confidence 1.0)" in explained


def test_findings_shows_when_a_finding_was_resolved(
    tmp_path: Path, store: Store, server: LocalServer
) -> None:
    list(run(case("statement-revised-until-it-agrees"), store, server))
    assert _cli(tmp_path, store).stdout.strip() == "No open findings."
    listed = _cli(tmp_path, store, "--all", "--kind", "discrepancy").stdout
    assert "2026-12-08 06:00:00Z (agree)" in listed
    [data] = json.loads(_cli(tmp_path, store, "--all", "--json").stdout)
    assert (data["status"], data["resolution"]) == ("resolved", "agree")
    assert data["resolved_at"] == "2026-12-08T06:00:00Z"


def test_findings_of_an_unknown_watch_is_a_usage_error(
    tmp_path: Path, store: Store, server: LocalServer
) -> None:
    result = _cli(tmp_path, store, "no-such-watch")
    assert result.exit_code == 2
    assert "no watch named 'no-such-watch'" in result.output


# -- configuration -------------------------------------------------------------------------

PAIR = """
watches:
  - name: en
    url: https://example.org/en
  - name: fr
    url: https://example.org/fr
    translation_of: {other}
    parity_window: 10d
"""


def test_translation_of_pairs_two_configured_watches() -> None:
    settings = parse_settings(PAIR.format(other="en"), env={})
    french = settings.watch("fr")
    assert french is not None and french.parity_window == 10 * 86400
    assert [w.name for w in settings.translations("en")] == ["fr"]
    english = settings.watch("en")
    assert english is not None and english.compare_statements and english.parity_window == 7 * 86400


@pytest.mark.parametrize("other", ["de", "fr"], ids=["unknown", "itself"])
def test_translation_of_must_name_another_configured_watch(other: str) -> None:
    with pytest.raises(ConfigError, match="translation_of"):
        parse_settings(PAIR.format(other=other), env={})
