"""The web application: pages, JSON API, feeds, and the guard in front of them.

:func:`create_app` builds one FastAPI application for ``factwatch web`` and
``factwatch run --http`` (which adds ``/healthz`` and ``/metrics``). The
guard middleware applies the access rules of :mod:`monitor.webui.security`
to every route but ``/healthz``, and adds the security headers to every
response.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment
from starlette.exceptions import HTTPException as StarletteHTTPException

from model.errors import StoreError, UnknownWatchError
from monitor.health import Health
from monitor.metrics import CONTENT_TYPE, Metrics
from monitor.settings import Settings
from monitor.webui import views
from monitor.webui.security import (
    CSP,
    CSRF_COOKIE,
    CSRF_FIELD,
    HEADERS,
    SESSION_COOKIE,
    Csrf,
    Sessions,
    host_is_local,
    same_origin,
)
from store.audit import QueryError
from store.repo import Store

log = logging.getLogger("factwatch.web")
PUBLIC = frozenset({"/healthz", "/login"})  # and the stylesheet the login form uses
PUBLIC_PREFIX = "/static/"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_FORM = 16 * 1024
OPENAPI_PATH = "/api/v1/openapi.json"


@dataclass
class WebContext:
    """What every route needs: the store, the current settings, templates, CSRF."""

    store: Store
    settings: Callable[[], Settings]
    ui: bool = True
    csrf: Csrf = field(default_factory=Csrf.new)
    env: Environment = field(default_factory=views.make_env)


def context(request: Request) -> WebContext:
    """The :class:`WebContext` of the application serving ``request``."""
    found: WebContext = request.app.state.web
    return found


def _wants_json(request: Request) -> bool:
    path = request.url.path
    return path.startswith(("/api/", "/feeds/", "/metrics")) or request.method not in SAFE_METHODS


def secure(response: Response) -> Response:
    """Add the security headers a response lacks."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def _refuse(request: Request) -> Response:
    accept = request.headers.get("accept", "")
    if not _wants_json(request) and "text/html" in accept:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse("/login" + views.query(next=target), 303)
    return JSONResponse(
        {"detail": "authentication required: send Authorization: Bearer <web.token>"},
        401,
        headers={"WWW-Authenticate": 'Bearer realm="factwatch"'},
    )


def _authenticate(request: Request, settings: Settings, ui: bool) -> Response | None:
    """Set ``request.state.auth`` (open, bearer, cookie or None); a refusal, or None."""
    request.state.auth = None
    token = settings.web.token
    if token is None:
        if ui and not host_is_local(request.headers.get("host")):
            return PlainTextResponse(
                "factwatch: this host name is not served; set web.token to serve the UI "
                "to other hosts\n",
                403,
            )
        request.state.auth = "open"
        return None
    sessions = Sessions(token.get_secret_value(), settings.web.session_ttl)
    request.state.sessions = sessions
    if sessions.bearer_ok(request.headers.get("authorization")):
        request.state.auth = "bearer"
    elif sessions.valid(request.cookies.get(SESSION_COOKIE)):
        request.state.auth = "cookie"
    elif request.url.path not in PUBLIC and not request.url.path.startswith(PUBLIC_PREFIX):
        return _refuse(request)
    return None


def _cross_site(request: Request) -> bool:
    """A state-changing request from another site (a browser's ``Origin`` says so)."""
    if request.method in SAFE_METHODS or request.state.auth == "bearer":
        return False
    return not same_origin(request.headers.get("origin"), request.headers.get("host"))


async def guard(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """Access rules and security headers for every request (see :mod:`.security`)."""
    web = context(request)
    if request.url.path == "/healthz":
        return secure(await call_next(request))
    refused = _authenticate(request, web.settings(), web.ui)
    if refused is not None:
        return secure(refused)
    if _cross_site(request):
        return secure(PlainTextResponse("factwatch: cross-site request refused\n", 403))
    seed = request.cookies.get(CSRF_COOKIE)
    fresh = not seed or len(seed) > 64
    request.state.csrf_seed = Csrf.seed() if fresh else seed
    started = time.perf_counter()
    response = await call_next(request)
    response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
    if fresh and "text/html" in response.headers.get("content-type", ""):
        response.set_cookie(
            CSRF_COOKIE,
            request.state.csrf_seed,
            httponly=True,
            samesite="lax",
            secure=is_https(request),
        )
    return secure(response)


def is_https(request: Request) -> bool:
    """True when the browser talks HTTPS to us (directly or through a proxy)."""
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https"


def render(request: Request, template: str, code: int = 200, **data: Any) -> HTMLResponse:
    """A page from ``template`` with ``data`` (autoescaped)."""
    web = context(request)
    seed = getattr(request.state, "csrf_seed", None) or Csrf.seed()
    html = web.env.get_template(template).render(
        csrf_field=CSRF_FIELD,
        csrf_token=web.csrf.token(seed),
        auth=getattr(request.state, "auth", None),
        path=request.url.path,
        **data,
    )
    return HTMLResponse(html, code)


async def read_form(request: Request) -> dict[str, str]:
    """The fields of a posted form, after checking its CSRF token (403 if wrong)."""
    body = await request.body()
    if len(body) > MAX_FORM:
        raise HTTPException(413, "form too large")
    fields = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    if getattr(request.state, "auth", None) != "bearer":
        seed = request.cookies.get(CSRF_COOKIE)
        if not context(request).csrf.valid(seed, fields.get(CSRF_FIELD)):
            raise HTTPException(403, "the form's CSRF token is missing or stale: reload the page")
    return fields


def _error(request: Request, status: int, message: str) -> Response:
    if _wants_json(request):
        return secure(JSONResponse({"detail": message}, status))
    return secure(render(request, "error.html", status, status=status, message=message))


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(UnknownWatchError)
    async def _unknown(request: Request, exc: UnknownWatchError) -> Response:
        return _error(request, 404, str(exc))

    @app.exception_handler(QueryError)
    async def _bad_query(request: Request, exc: QueryError) -> Response:
        return _error(request, 400, str(exc))

    @app.exception_handler(StoreError)
    async def _store(request: Request, exc: StoreError) -> Response:
        log.error("database error serving %s: %s", request.url.path, exc)
        return _error(request, 503, "the database is unavailable")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/api/") and exc.status_code == 404 and not exc.detail:
            return _error(request, 404, "not found")
        return _error(request, exc.status_code, str(exc.detail))

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> Response:
        log.error("error serving %s", request.url.path, exc_info=exc)
        return _error(request, 500, "internal error (logged on the server)")

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        if request.url.path.startswith("/api/"):
            return secure(JSONResponse({"detail": _plain(exc.errors())}, 422))
        return _error(request, 400, "; ".join(_words(e) for e in exc.errors()))


def _plain(errors: Any) -> list[dict[str, Any]]:
    return [{"loc": list(e.get("loc", ())), "msg": str(e.get("msg", ""))} for e in errors]


def _words(error: Any) -> str:
    where = ".".join(str(p) for p in error.get("loc", ())[1:])
    return f"{where}: {error.get('msg', 'invalid')}"


def _package_version() -> str:
    try:
        return version("factwatch")
    except PackageNotFoundError:
        return "0"


def _health_routes(app: FastAPI, health: Health | None, metrics: Metrics | None) -> None:
    if health is not None:

        @app.get("/healthz", include_in_schema=False)
        def healthz() -> Response:
            ok, body = health.report()
            return JSONResponse(body, 200 if ok else 503)

    if metrics is not None:

        @app.get("/metrics", include_in_schema=False)
        def prometheus() -> Response:
            return Response(metrics.render(), media_type=CONTENT_TYPE)


def create_app(
    store: Store,
    settings: Callable[[], Settings],
    *,
    ui: bool = True,
    health: Health | None = None,
    metrics: Metrics | None = None,
) -> FastAPI:
    """The web application over ``store``; ``settings`` returns the current settings.

    ``ui`` serves the pages, the API and the feeds; ``health`` and ``metrics``
    add ``/healthz`` and ``/metrics`` (``factwatch run --http``).
    """
    from monitor.webui import api, feeds, pages

    app = FastAPI(
        title="factwatch",
        version=_package_version(),
        description=api.DESCRIPTION,
        openapi_url=OPENAPI_PATH if ui else None,
        docs_url=None,
        redoc_url=None,
    )
    app.state.web = WebContext(store, settings, ui)
    _health_routes(app, health, metrics)
    if ui:
        app.include_router(api.router)
        app.include_router(feeds.router)
        app.include_router(pages.router)
        app.mount("/static", StaticFiles(directory=views.STATIC), name="static")
        api.document_security(app)
    app.middleware("http")(guard)
    _handlers(app)
    return app
