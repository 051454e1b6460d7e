"""MkDocs hook: the site's navigation, from the pages present under ``docs/``.

Pages are placed by :data:`SECTIONS` (a page named there but absent is skipped);
any other page goes under "More", titled by its first heading, so a new page
appears in the navigation without a change here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

SECTIONS: list[tuple[str, list[str]]] = [
    ("Home", ["index.md"]),
    ("Getting started", ["getting-started.md"]),
    ("Reference", ["configuration.md", "cli.md"]),
    ("Using factwatch", ["alerts.md", "service.md", "web.md", "audit.md"]),
    ("Security", ["security.md"]),
    ("Inside", ["how-it-works.md", "extraction.md", "structure.md", "architecture.md"]),
    ("Performance", ["performance.md"]),
]


def title(path: Path) -> str:
    """The page's first heading, else its file name."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return path.stem


def navigation(docs: Path) -> list[Any]:
    """The navigation of the pages in ``docs``: the known sections, then the rest."""
    present = {p.name for p in docs.glob("*.md")}
    nav: list[Any] = []
    for section, pages in SECTIONS:
        found = [p for p in pages if p in present]
        if len(found) == 1 and len(pages) == 1:
            nav.append({section: found[0]})
        elif found:
            nav.append({section: [{title(docs / p): p} for p in found]})
    listed = {p for _, pages in SECTIONS for p in pages}
    rest = sorted(present - listed)
    if rest:
        nav.append({"More": [{title(docs / p): p} for p in rest]})
    return nav


def on_config(config: Any, **_: Any) -> Any:
    """Set ``nav`` from the pages present."""
    config["nav"] = navigation(Path(config["docs_dir"]))
    return config
