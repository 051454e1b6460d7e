"""The JSON API against its own OpenAPI document, with schemathesis.

Generated requests (valid and invalid) go to a real server over the history
the pipeline made; no answer may be a server error, and every answer must
match the schema: status codes, content types, headers and bodies. The
server asks for the token, so schemathesis also checks that requests
without it are refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from pydantic import SecretStr

from store.repo import Store
from tests.server import local_server
from tests.webui_support import TOKEN, build_history, serving

AUTH = {"Authorization": f"Bearer {TOKEN}"}
# A string can fit the schema and still not be a cursor or a date: those get a
# documented 400, which this heuristic check would count as a rejected valid request.
LENIENT = [schemathesis.checks.positive_data_acceptance]


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    folder: Path = tmp_path_factory.mktemp("openapi")
    store = Store.open(f"sqlite:///{folder}/factwatch.db")
    with local_server() as pages:
        history = build_history(store, pages)
        web = history.web.model_copy(update={"token": SecretStr(TOKEN)})
        with serving(store, history.model_copy(update={"web": web})) as site:
            yield schemathesis.openapi.from_url(f"{site.url}/api/v1/openapi.json", headers=AUTH)
    store.close()


def _operations(api_schema: Any) -> dict[str, Any]:
    found = {}
    for result in api_schema.get_all_operations():
        operation = result.ok()
        found[f"{operation.method.upper()} {operation.path}"] = operation
    return found


OPERATIONS = [
    "GET /api/v1/watches",
    "GET /api/v1/watches/{name}",
    "GET /api/v1/watches/{name}/facts",
    "GET /api/v1/watches/{name}/facts.csv",
    "GET /api/v1/watches/{name}/fact-history",
    "GET /api/v1/watches/{name}/versions",
    "GET /api/v1/watches/{name}/versions/{seq}",
    "GET /api/v1/watches/{name}/diff",
    "GET /api/v1/changes",
    "GET /api/v1/facts/{fid}",
]


@pytest.mark.parametrize("name", OPERATIONS)
def test_api_conforms_to_its_schema(api_schema: Any, name: str) -> None:
    operation = _operations(api_schema)[name]

    @given(case=operation.as_strategy())
    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def check(case: Any) -> None:
        case.call_and_validate(headers=AUTH, excluded_checks=LENIENT)

    check()


def test_the_document_describes_every_endpoint(api_schema: Any) -> None:
    assert sorted(_operations(api_schema)) == sorted(OPERATIONS)
    assert api_schema.raw_schema["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
