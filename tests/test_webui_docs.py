"""docs/api.md is the API reference the application's OpenAPI document gives."""

from __future__ import annotations

from pathlib import Path

from monitor.webui.apidoc import openapi_document, render

ROOT = Path(__file__).resolve().parent.parent


def test_api_reference_is_generated_from_openapi() -> None:
    written = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    assert written == render(openapi_document()), (
        "docs/api.md is stale: python -m monitor.webui.apidoc > docs/api.md"
    )


def test_screenshots_shown_in_the_docs_exist() -> None:
    for page in ("README.md", "docs/web.md"):
        text = (ROOT / page).read_text(encoding="utf-8")
        for name in ("overview", "watch", "version", "diff", "fact"):
            assert f"screenshots/{name}.png" in text, (page, name)
            assert (ROOT / "docs" / "screenshots" / f"{name}.png").stat().st_size > 10_000
