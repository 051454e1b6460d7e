"""The report: derived numbers, targets, a markdown table and ``latest.json``.

``latest.json`` keeps one run per (backend, N), so a run at N=10,000 next
to one at N=1,000 gives the growth table.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench import corpus

FLOOR_OF = {"pass-1": "floor-parse", "pass-2": "floor-fetch", "pass-3": "floor-mix"}
LABELS = {
    "floor-fetch": "floor: fetch only",
    "floor-parse": "floor: fetch + parse + hash",
    "floor-mix": "floor: pass 3 mix",
    "pass-1": "pass 1: all new",
    "pass-2": "pass 2: unchanged",
    "pass-3": "pass 3: 10% facts, 10% noise",
}
RATIO_GOALS = {"pass-1": 0.8, "pass-2": 0.8, "pass-3": 0.7}
MB = 1024 * 1024


def expected(n: int) -> dict[str, dict[str, int]]:
    """What each pass must find: new versions and change events."""
    facts = corpus.expected_events(n)
    return {
        "pass-1": {"versions": n, "events": 0},
        "pass-2": {"versions": 0, "events": 0},
        "pass-3": {"versions": facts, "events": facts},
    }


def _derive(name: str, phase: dict[str, Any], phases: dict[str, Any]) -> dict[str, Any]:
    out = dict(phase)
    out["pages_per_s"] = phase["pages"] / phase["wall"] if phase["wall"] else 0.0
    out["server_cpu_share"] = phase.get("server_cpu", 0.0) / phase["wall"] if phase["wall"] else 0
    floor = FLOOR_OF.get(name)
    if floor:
        floor_rate = phases[floor]["pages"] / phases[floor]["wall"]
        out["floor"] = floor
        out["ratio_to_floor"] = out["pages_per_s"] / floor_rate
    return out


def _versions_added(phases: dict[str, Any]) -> None:
    previous_versions, previous_bytes = 0, 0
    for name in ("pass-1", "pass-2", "pass-3"):
        phase = phases[name]
        phase["new_versions"] = phase["versions"] - previous_versions
        phase["db_growth"] = phase["db_bytes"] - previous_bytes
        phase["bytes_per_version"] = (
            phase["db_bytes"] / phase["versions"] if phase["versions"] else 0
        )
        previous_versions, previous_bytes = phase["versions"], phase["db_bytes"]


def targets(n: int, raw_bytes: int, phases: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target of the issue: what was measured against what is aimed at."""
    rows = [
        {"target": f"{name} >= {goal}x {FLOOR_OF[name]}", "value": phases[name]["ratio_to_floor"],
         "goal": goal, "met": phases[name]["ratio_to_floor"] >= goal}
        for name, goal in RATIO_GOALS.items()
    ]  # fmt: skip
    rss_goal = 150 if n <= 1000 else 300
    peak = max(phases[p]["peak_rss_mb"] for p in FLOOR_OF)
    rows.append({"target": f"peak RSS <= {rss_goal} MB", "value": peak, "goal": rss_goal,
                 "met": peak <= rss_goal})  # fmt: skip
    share = phases["pass-3"]["db_bytes"] / raw_bytes
    rows.append({"target": "database after 3 passes <= 0.25x raw bytes of one pass",
                 "value": share, "goal": 0.25, "met": share <= 0.25})  # fmt: skip
    want = expected(n)
    for name in FLOOR_OF:
        ok = (phases[name]["new_versions"], phases[name]["events"]) == (
            want[name]["versions"], want[name]["events"])  # fmt: skip
        ok = ok and phases[name]["noise_events"] == 0 and not phases[name]["failures"]
        rows.append({"target": f"{name}: versions and events as planned", "value": ok,
                     "goal": True, "met": ok})  # fmt: skip
    return rows


def build(
    *,
    n: int,
    backend: str,
    concurrency: int,
    processes: int,
    raw_bytes: int,
    phases: dict[str, dict[str, Any]],
    extraction: dict[str, Any],
    machine: dict[str, Any],
    deltas: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The full result of one run (what ``latest.json`` stores)."""
    derived = {name: _derive(name, phase, phases) for name, phase in phases.items()}
    _versions_added(derived)
    rows = targets(n, raw_bytes, derived) + (delta_targets(deltas) if deltas else [])
    return {
        "n": n,
        "backend": backend,
        "concurrency": concurrency,
        "processes": processes,
        "raw_bytes": raw_bytes,
        "machine": machine,
        "phases": derived,
        "expected": expected(n),
        "extraction": extraction,
        "deltas": deltas,
        "targets": rows,
    }


DELTA_GOAL = 0.05
READ_GOAL_MS = 10.0


def delta_targets(deltas: dict[str, Any]) -> list[dict[str, Any]]:
    """The targets of history as deltas: bytes per new version, time to read one."""
    rows = []
    for name, label in (("corpus", "generated corpus"), ("real", "real pages")):
        found = deltas.get(name, {})
        if "ratio" in found:
            rows.append({"target": f"bytes per new version <= {DELTA_GOAL:.0%} of a full "
                         f"compressed snapshot ({label})", "value": found["ratio"],
                         "goal": DELTA_GOAL, "met": found["ratio"] <= DELTA_GOAL})  # fmt: skip
    read = deltas["read"]
    rows.append({"target": f"reading a version < {READ_GOAL_MS:.0f} ms (slowest of a chain of "
                 f"{read['versions']})", "value": read["max_ms"], "goal": READ_GOAL_MS,
                 "met": read["max_ms"] < READ_GOAL_MS})  # fmt: skip
    return rows


def _row(name: str, p: dict[str, Any]) -> str:
    is_pass = name.startswith("pass")
    cells = [
        LABELS[name],
        f"{p['wall']:.2f}",
        f"{p['pages_per_s']:.0f}",
        f"{p['cpu']:.2f}",
        f"{p['peak_rss_mb']:.0f}" if is_pass else "",
        f"{p['db_bytes'] / MB:.1f}" if is_pass else "",
        f"{p['bytes_per_version'] / 1024:.1f}" if is_pass else "",
        f"{p['new_versions']}" if is_pass else "",
        f"{p['events']}" if is_pass else "",
        f"{p['ratio_to_floor']:.2f}x" if is_pass else "",
        f"{100 * p['server_cpu_share']:.0f}%",
    ]
    return "| " + " | ".join(cells) + " |"


HEADER = (
    "| phase | wall s | pages/s | CPU s | peak RSS MB | DB MB | KB/version | new versions "
    "| events | vs floor | server CPU |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
)
ORDER = ("floor-fetch", "floor-parse", "pass-1", "pass-2", "floor-mix", "pass-3")


def markdown(result: dict[str, Any]) -> str:
    """The run as a markdown table, its targets and the extraction time."""
    m = result["machine"]
    lines = [
        f"N={result['n']} pages ({result['raw_bytes'] / MB:.1f} MB per pass), "
        f"{result['backend']}, concurrency {result['concurrency']}, floor processes "
        f"{result['processes']}; {m['cpus']} CPUs, {m['memory_gb']} GB, Python {m['python']}",
        "",
        HEADER,
        *(_row(name, result["phases"][name]) for name in ORDER),
        "",
        f"Expected: pass 3 has {result['expected']['pass-3']['events']} events, "
        f"{result['expected']['pass-3']['versions']} new versions; noise pages give none.",
        "",
        "| target | measured | met |",
        "|---|---:|:---:|",
    ]
    for t in result["targets"]:
        value = t["value"] if isinstance(t["value"], bool) else f"{t['value']:.2f}"
        lines.append(f"| {t['target']} | {value} | {'yes' if t['met'] else 'no'} |")
    lines += ["", *_deltas(result.get("deltas"))]
    return "\n".join([*lines, _extraction(result["extraction"])])


def _deltas(deltas: dict[str, Any] | None) -> list[str]:
    if not deltas:
        return []
    lines = []
    for name, label in (("corpus", "Generated corpus"), ("real", "Real pages")):
        d = deltas.get(name, {})
        if "ratio" not in d:
            lines.append(f"{label}: {d.get('skipped', 'not measured')}.")
            continue
        lines.append(
            f"{label}, {d['pairs']} edited pages: a new version costs "
            f"{d['delta_per_version']:.0f} bytes as a delta, {d['full_per_version']:.0f} as a "
            f"full compressed snapshot ({100 * d['ratio']:.1f}%; worst "
            f"{100 * d['worst_ratio']:.1f}%, {d['worst']}); with a snapshot every "
            f"{d['snapshot_every']}, {100 * d['amortised_ratio']:.1f}% on average."
        )
    r = deltas["read"]
    lines.append(
        f"Reading a version (row, body, text, facts) in a chain of {r['versions']} with a "
        f"snapshot every {r['snapshot_every']}: median {r['median_ms']:.2f} ms, slowest "
        f"{r['max_ms']:.2f} ms, at most {r['max_steps']} frames decoded."
    )
    return [*lines, ""]


def _extraction(e: dict[str, Any]) -> str:
    if "error" in e:
        return f"Extraction timing failed: {e['error']}"
    return (
        f"Extraction, one core, {e['page_bytes'] / 1000:.0f} KB page ({e['facts']} facts): "
        f"median {1000 * e['median']:.1f} ms, p95 {1000 * e['p95']:.1f} ms."
    )


def save(result: dict[str, Any], path: Path) -> None:
    """Merge ``result`` into ``path``, keyed by backend and N."""
    runs: dict[str, Any] = {}
    if path.exists():
        runs = json.loads(path.read_text(encoding="utf-8")).get("runs", {})
    runs[f"{result['backend']}-{result['n']}"] = result
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"runs": runs}, indent=2, sort_keys=True) + "\n", encoding="utf-8")
