"""``factwatch eval``: extraction precision and recall on a labelled corpus."""

from __future__ import annotations

from pathlib import Path

import click
import yaml

from alerts.diff import diff_documents
from monitor.cli.common import emit_json
from parsers.evaluate import (
    EvalReport,
    evaluate_corpus,
    format_misses,
    format_table,
    report_json,
)

DEFAULT_CORPUS = Path("tests") / "corpus"


def load_report(corpus: Path) -> EvalReport:
    """Score the extractors on ``corpus``; a directory that is not a corpus is a usage error."""
    if not (corpus / "pages").is_dir():
        raise click.UsageError(f"{corpus} is not a corpus: it has no pages/ directory")
    try:
        return evaluate_corpus(corpus, diff_documents)
    except (OSError, ValueError, KeyError, yaml.YAMLError) as exc:
        raise click.UsageError(f"the corpus at {corpus} cannot be read: {exc}") from exc


@click.command("eval")
@click.argument(
    "corpus_dir",
    required=False,
    default=str(DEFAULT_CORPUS),
    type=click.Path(exists=True, file_okay=False, path_type=Path),
)
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
@click.option(
    "--show-misses", is_flag=True, help="Also list the facts and events missed and the extra ones."
)
def evaluate(corpus_dir: Path, as_json: bool, show_misses: bool) -> None:
    """Precision and recall of fact extraction on a labelled corpus (default: tests/corpus).

    CORPUS_DIR holds pages/ (each page next to a YAML file of its expected facts)
    and pairs.yaml (before/after edits with the change events they should raise).
    """
    report = load_report(corpus_dir)
    if as_json:
        emit_json(report_json(report))
        return
    click.echo(format_table(report))
    misses = format_misses(report) if show_misses else ""
    if misses:
        click.echo(misses)
