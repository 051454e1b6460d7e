"""The API reference in markdown, generated from the OpenAPI document.

``python -m monitor.webui.apidoc > docs/api.md`` writes ``docs/api.md``;
a test fails when the file and the application disagree.
"""

from __future__ import annotations

import sys
from typing import Any

HEADER = """# JSON API reference

Generated from `/api/v1/openapi.json` by `python -m monitor.webui.apidoc`; do not edit.
See [the web UI page](web.md) for authentication, pagination and examples.
"""


def _type(schema: dict[str, Any], components: dict[str, Any]) -> str:
    if "$ref" in schema:
        return f"`{schema['$ref'].rsplit('/', 1)[-1]}`"
    if "anyOf" in schema:
        return " or ".join(_type(s, components) for s in schema["anyOf"])
    if schema.get("type") == "array":
        return f"array of {_type(schema.get('items', {}), components)}"
    if "enum" in schema:
        return " \\| ".join(f"`{v}`" for v in schema["enum"])
    kind = str(schema.get("type", "any"))
    return "object" if kind == "object" else kind


def _limits(schema: dict[str, Any]) -> str:
    parts = []
    for key, word in (("minimum", ">="), ("maximum", "<="), ("maxLength", "length <=")):
        for option in [schema, *schema.get("anyOf", [])]:
            if key in option:
                parts.append(f"{word} {option[key]}")
    if "default" in schema and schema["default"] is not None:
        parts.append(f"default `{schema['default']}`")
    if "pattern" in schema:
        parts.append(f"pattern `{schema['pattern']}`")
    return ", ".join(parts)


def _parameters(op: dict[str, Any], components: dict[str, Any]) -> list[str]:
    params = op.get("parameters", [])
    if not params:
        return []
    lines = ["| parameter | in | type | meaning |", "| --- | --- | --- | --- |"]
    for p in params:
        schema = p.get("schema", {})
        meaning = p.get("description") or schema.get("description") or ""
        extra = _limits(schema)
        required = " (required)" if p.get("required") else ""
        kind = _type(schema, components)
        note = f"{meaning}{'; ' if meaning and extra else ''}{extra}"
        lines.append(f"| `{p['name']}` | {p['in']}{required} | {kind} | {note} |")
    return [*lines, ""]


def _responses(op: dict[str, Any], components: dict[str, Any]) -> list[str]:
    lines = ["| status | body |", "| --- | --- |"]
    for status, response in op.get("responses", {}).items():
        content = response.get("content", {})
        bodies = [
            f"{media}: {_type(c.get('schema', {}), components)}" for media, c in content.items()
        ]
        described = response.get("description", "")
        lines.append(f"| {status} | {described}{' — ' if bodies else ''}{'; '.join(bodies)} |")
    return [*lines, ""]


def _model(name: str, schema: dict[str, Any], components: dict[str, Any]) -> list[str]:
    lines = [f"### `{name}`", "", schema.get("description", "").strip(), ""]
    properties = schema.get("properties", {})
    if properties:
        required = set(schema.get("required", []))
        lines += ["| field | type | required |", "| --- | --- | --- |"]
        for field, spec in properties.items():
            kind = _type(spec, components)
            lines.append(f"| `{field}` | {kind} | {'yes' if field in required else 'no'} |")
        lines.append("")
    return lines


def render(openapi: dict[str, Any]) -> str:
    """The markdown reference of ``openapi``."""
    components = openapi.get("components", {}).get("schemas", {})
    lines = [HEADER, openapi.get("info", {}).get("description", "").strip(), "", "## Endpoints", ""]
    for path, methods in openapi.get("paths", {}).items():
        for method, op in methods.items():
            lines += [f"### `{method.upper()} {path}`", "", op.get("description", "").strip(), ""]
            lines += _parameters(op, components)
            lines += _responses(op, components)
    lines += ["## Schemas", ""]
    for name in sorted(components):
        lines += _model(name, components[name], components)
    text = "\n".join(lines)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.strip() + "\n"


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document of the application (built over an empty in-memory database)."""
    from monitor.settings import Settings
    from monitor.webui.app import create_app
    from store.repo import Store

    store = Store.open("sqlite:///:memory:", migrate=False)
    try:
        document: dict[str, Any] = create_app(store, Settings).openapi()
        return document
    finally:
        store.close()


def main() -> int:
    """Print the reference."""
    sys.stdout.write(render(openapi_document()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
