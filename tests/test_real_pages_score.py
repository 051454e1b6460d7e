"""factwatch on real successive versions of official pages, scored against an analyst's labels.

The pages and the scorer live beside the repository (``../shared/real-pages``,
third-party pages that are not copied here); without them this test is skipped.
The thresholds are the measured scores less a small margin: a change to
extraction or diffing that loses recall or precision on real pages fails here.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REAL_PAGES = Path(__file__).resolve().parents[1].parent / "shared" / "real-pages"
SCORER = REAL_PAGES / "score.py"
MIN_RECALL = 0.95
MIN_PRECISION = 0.92

pytestmark = pytest.mark.skipif(
    not SCORER.exists(), reason=f"the real-pages corpus is not here ({REAL_PAGES})"
)


def _score() -> str:
    factwatch = Path(sys.executable).parent / "factwatch"
    done = subprocess.run(
        [sys.executable, str(SCORER), str(factwatch)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_real_pages_recall_precision_and_quiet_noise() -> None:
    out = _score()
    overall = re.search(r"real-pages: recall ([\d.]+) precision ([\d.]+) over (\d+) cases", out)
    quiet = re.search(r"noise-only pairs quiet: (\d+) of (\d+)", out)
    assert overall and quiet, out[-2000:]
    recall, precision = float(overall.group(1)), float(overall.group(2))
    assert recall >= MIN_RECALL, out
    assert precision >= MIN_PRECISION, out
    assert quiet.group(1) == quiet.group(2), "a noise-only pair raised an alert:\n" + out
