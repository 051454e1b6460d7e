"""Who may use the web UI: token, login form, CSRF, Host check, exposure rules.

The routes are enumerated from the application itself, so a route added
later is covered: every one refuses a request without the token, except
``/healthz`` (and the login form and stylesheet, which hold no data).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from fastapi.routing import APIRoute
from pydantic import SecretStr
from starlette.routing import Mount

from model.errors import ConfigError
from monitor.cli import cli
from monitor.cli.web import check_exposure
from monitor.health import Health
from monitor.metrics import Metrics
from monitor.settings import Settings, WebSettings
from monitor.webui.app import create_app
from monitor.webui.security import SESSION_COOKIE, Sessions, safe_next
from store import audit
from store.repo import Store
from tests.server import LocalServer, local_server
from tests.webui_support import EVIL, SEED, TOKEN, Site, build_history, serving

AUTH = {"Authorization": f"Bearer {TOKEN}"}


@dataclass
class Guarded:
    store: Store
    settings: Settings
    site: Site
    fact: str


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Guarded]:
    url = f"sqlite:///{tmp_path_factory.mktemp('guarded')}/factwatch.db"
    store = Store.open(url)
    with local_server() as pages:
        settings = build_history(store, pages)
        web = settings.web.model_copy(update={"token": SecretStr(TOKEN)})
        settings = settings.model_copy(update={"web": web})
        latest = audit.version_detail(store, SEED)
        assert latest is not None
        fact = audit.facts_of(store, latest.version)[0].id
        options = {"health": Health(store, lambda: settings), "metrics": Metrics()}
        with serving(store, settings, **options) as site:
            yield Guarded(store, settings, site, fact)
    store.close()


def _concrete(path: str, fact: str) -> str:
    values = {"name": EVIL, "seq": "1", "fid": fact, "alert_id": "1"}
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: values[m.group(1)], path)


def _routes(guarded: Guarded) -> list[tuple[str, str]]:
    app = create_app(
        guarded.store,
        lambda: guarded.settings,
        health=Health(guarded.store, lambda: guarded.settings),
        metrics=Metrics(),
    )
    found: list[tuple[str, str]] = []
    for route in _walk(app.routes):
        if isinstance(route, Mount):
            found.append(("GET", route.path + "/style.css"))
        else:
            for method in sorted(route.methods or {"GET"}):
                if method != "HEAD":
                    found.append((method, _concrete(route.path, guarded.fact)))
    return found


def _walk(routes: list[Any]) -> Iterator[Any]:
    """Every route of an application, through included routers (whatever FastAPI's version)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _walk(inner.routes)
        elif isinstance(route, Mount | APIRoute) or hasattr(route, "methods"):
            yield route


def test_every_route_refuses_without_the_token(guarded: Guarded) -> None:
    routes = _routes(guarded)
    paths = {p for _, p in routes}
    assert {"/healthz", "/metrics", "/api/v1/openapi.json", "/", f"/watches/{EVIL}/check"} <= paths
    assert len(routes) >= 25
    client = guarded.site.client
    for method, path in routes:
        response = client.request(method, guarded.site.url + path)
        if path == "/healthz":
            assert response.status_code in (200, 503), path  # served to anyone
        elif path == "/login" or path.startswith("/static/"):
            assert response.status_code in (200, 403), (method, path)  # form or CSRF refusal
            assert EVIL not in response.text and SEED not in response.text
        else:
            assert response.status_code == 401, (method, path, response.status_code)
            assert response.headers["www-authenticate"].startswith("Bearer")
            assert EVIL not in response.text and "companies" not in response.text
    wrong = {"Authorization": "Bearer " + TOKEN[:-1] + "x"}
    assert client.get(guarded.site.url + "/api/v1/watches", headers=wrong).status_code == 401
    unknown = client.get(guarded.site.url + "/no/such/page")
    assert unknown.status_code == 401  # nothing is told, not even what exists


def test_every_read_route_answers_with_the_bearer_token(guarded: Guarded) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    for method, path in _routes(guarded):
        if method != "GET":
            continue
        response = guarded.site.client.get(guarded.site.url + path, headers=auth)
        assert response.status_code in (200, 303, 503), (path, response.status_code)


def test_a_browser_is_sent_to_the_login_form(guarded: Guarded) -> None:
    response = guarded.site.get(f"/watches/{EVIL}?x=1", headers={"Accept": "text/html"})
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fwatches%2Fevil%3Fx%3D1"


def _login(site: Site, token: str, next_path: str = "/") -> httpx.Response:
    form = site.get("/login")
    assert form.status_code == 200 and "csrf_token" in form.text
    csrf = re.search(r'name="csrf_token" value="([0-9a-f]+)"', form.text)
    assert csrf is not None
    return site.client.post(
        site.url + "/login",
        data={"csrf_token": csrf.group(1), "token": token, "next": next_path},
        follow_redirects=False,
    )


def test_login_form_sets_an_httponly_session_cookie(guarded: Guarded) -> None:
    with httpx.Client(trust_env=False) as client:
        site = Site(guarded.site.url, client)
        bad = _login(site, "not-the-token-at-all")
        assert bad.status_code == 401 and "That is not the token" in bad.text
        assert SESSION_COOKIE not in client.cookies
        good = _login(site, TOKEN, f"/watches/{SEED}")
        assert good.status_code == 303 and good.headers["location"] == f"/watches/{SEED}"
        cookie = good.headers["set-cookie"]
        assert cookie.startswith(f"{SESSION_COOKIE}=") and "HttpOnly" in cookie
        assert "SameSite=lax" in cookie and TOKEN not in cookie
        page = site.get(f"/watches/{SEED}")
        assert page.status_code == 200 and "Log out" in page.text
        csrf = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
        assert csrf is not None
        out = client.post(
            site.url + "/logout", data={"csrf_token": csrf.group(1)}, follow_redirects=False
        )
        assert out.status_code == 303 and 'factwatch_session=""' in out.headers["set-cookie"]
        assert site.get(f"/watches/{SEED}").status_code == 401


def test_login_needs_its_csrf_token_and_never_redirects_away(guarded: Guarded) -> None:
    with httpx.Client(trust_env=False) as client:
        site = Site(guarded.site.url, client)
        site.get("/login")
        forged = client.post(site.url + "/login", data={"token": TOKEN}, follow_redirects=False)
        assert forged.status_code == 403 and SESSION_COOKIE not in client.cookies
        away = _login(site, TOKEN, "//evil.invalid/steal")
        assert away.headers["location"] == "/"
    for target, expected in [
        ("/changes?kind=date", "/changes?kind=date"),
        ("https://evil.invalid/", "/"),
        ("//evil.invalid", "/"),
        ("/\\evil.invalid", "/"),
        ("/x\r\nSet-Cookie: a=b", "/"),
        (None, "/"),
    ]:
        assert safe_next(target) == expected


def test_sessions_end_with_their_lifetime_or_a_new_token() -> None:
    sessions = Sessions(TOKEN, ttl=60)
    value = sessions.issue(now=1000)
    assert sessions.valid(value, now=1059) and not sessions.valid(value, now=1061)
    assert not Sessions(TOKEN + "2", ttl=60).valid(value, now=1000)
    expiry, _, mac = value.partition(".")
    assert not sessions.valid(f"{int(expiry) + 3600}.{mac}", now=1000)  # a forged expiry
    assert not sessions.valid("garbage") and not sessions.valid(None)
    assert sessions.bearer_ok(f"Bearer {TOKEN}") and sessions.bearer_ok(f"bearer  {TOKEN}")
    assert not sessions.bearer_ok(f"Basic {TOKEN}") and not sessions.bearer_ok(None)
    assert Sessions(TOKEN, ttl=60).issue(now=time.time()) != Sessions(TOKEN, ttl=61).issue(
        now=time.time()
    )


def test_bearer_clients_post_without_csrf(guarded: Guarded) -> None:
    before = len(guarded.store.checks(EVIL))
    response = guarded.site.client.post(
        f"{guarded.site.url}/watches/{EVIL}/check",
        headers={"Authorization": f"Bearer {TOKEN}", "Origin": "http://evil.invalid"},
        follow_redirects=False,
    )
    assert response.status_code == 303 and len(guarded.store.checks(EVIL)) == before + 1


def test_without_token_only_loopback_host_names_are_served(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    store = Store.open(f"sqlite:///{tmp_path_factory.mktemp('open')}/factwatch.db")
    settings = Settings(database=str(store.engine.url))
    try:
        with serving(store, settings) as site:
            assert site.get("/").status_code == 200
            for host in ("localhost:8080", "127.0.0.1", "[::1]:80", "127.0.0.2:1"):
                assert site.get("/", headers={"Host": host}).status_code == 200, host
            for host in ("evil.example", "evil.example:8080", "127.0.0.1.evil.example", ""):
                rebound = site.get("/", headers={"Host": host})
                assert rebound.status_code in (400, 403), host  # DNS rebinding is refused
    finally:
        store.close()


@pytest.mark.parametrize(
    ("host", "token", "allowed"),
    [
        ("127.0.0.1", None, True),
        ("::1", None, True),
        ("localhost", None, True),
        ("0.0.0.0", None, False),
        ("192.0.2.10", None, False),
        ("factwatch.example.org", None, False),
        ("0.0.0.0", TOKEN, True),
    ],
)
def test_exposure_rule(host: str, token: str | None, allowed: bool) -> None:
    web = WebSettings(token=SecretStr(token) if token else None)
    if allowed:
        check_exposure(host, web)
    else:
        with pytest.raises(ConfigError, match=r"set web\.token"):
            check_exposure(host, web)


def test_web_command_refuses_a_public_address_without_token(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    url = f"sqlite:///{tmp_path_factory.mktemp('cli')}/factwatch.db"
    result = CliRunner().invoke(cli, ["--database", url, "web", "--http", "0.0.0.0:0"], env={})
    assert result.exit_code == 2
    assert "0.0.0.0 is not a loopback address; set web.token" in result.stderr


def test_short_tokens_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 16 characters"):
        WebSettings(token=SecretStr("short"))


def test_without_the_ui_only_health_and_metrics_are_served(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    store = Store.open(f"sqlite:///{tmp_path_factory.mktemp('noui')}/factwatch.db")
    settings = Settings(database=str(store.engine.url))
    options = {"ui": False, "health": Health(store, lambda: settings), "metrics": Metrics()}
    try:
        with serving(store, settings, **options) as site:
            public = {"Host": "factwatch.example.org"}  # as a monitoring system would call it
            assert site.get("/healthz", headers=public).status_code in (200, 503)
            assert site.get("/metrics", headers=public).status_code == 200
            for path in ("/", "/api/v1/watches", "/api/v1/openapi.json", "/feeds/changes.atom"):
                assert site.get(path, headers=public).status_code == 404, path
    finally:
        store.close()


def test_the_command_line_does_not_load_the_web_stack() -> None:
    code = (
        "import sys\n"
        "from monitor.cli import cli\n"
        "try:\n    cli(['--help'], prog_name='factwatch')\nexcept SystemExit:\n    pass\n"
        "loaded = [m for m in ('fastapi', 'uvicorn', 'jinja2', 'starlette') if m in sys.modules]\n"
        "print('LOADED', loaded)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "LOADED []" in out.stdout


def test_run_serves_health_metrics_and_the_ui_from_one_server(
    server: LocalServer, tmp_path: Path
) -> None:
    import yaml

    from tests.service_support import running, wait_for, write_config

    server.route(
        "/a", "<html><body><main><p>In 2021, 19 companies signed.</p></main></body></html>"
    )
    database = f"sqlite:///{tmp_path}/service.db"
    config = write_config(
        tmp_path / "factwatch.yaml",
        database,
        [{"name": "a", "url": server.url("/a"), "every": "1h"}],
    )
    data = yaml.safe_load(config.read_text())
    data["web"] = {"token": TOKEN}
    config.write_text(yaml.safe_dump(data))
    with running(config, tmp_path / "run.log", "--http", "127.0.0.1:0") as run:
        line = wait_for(
            "the http line", lambda: [ln for ln in run.text().splitlines() if '"http"' in ln]
        )
        base = "http://" + json.loads(line[0])["http"]

        def checked() -> bool:
            items = httpx.get(base + "/api/v1/watches", headers=AUTH).json()["items"]
            return bool(items) and items[0]["versions"] == 1

        wait_for("the first version", checked)
        watches = httpx.get(base + "/api/v1/watches", headers=AUTH).json()["items"]
        health = httpx.get(base + "/healthz")
        metrics_open = httpx.get(base + "/metrics")
        metrics = httpx.get(base + "/metrics", headers=AUTH)
        page = httpx.get(base + "/", headers=AUTH)
        refused = httpx.get(base + "/api/v1/watches")
    assert [w["name"] for w in watches] == ["a"] and watches[0]["versions"] == 1
    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert metrics_open.status_code == 401 and "factwatch_checks_total" in metrics.text
    assert page.status_code == 200 and ">a</a>" in page.text
    assert refused.status_code == 401
