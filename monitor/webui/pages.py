"""The server-rendered pages: overview, watch, version, diff, fact, changes, alerts, login."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from alerts.diff import diff_stored
from monitor.webui import actions, views
from monitor.webui.app import context, is_https, read_form, render
from monitor.webui.charts import step_chart
from monitor.webui.params import change_kind, parse_when
from monitor.webui.security import SESSION_COOKIE, STORED_CSP, safe_next
from store import audit, outbox, scheduling
from store.audit import ChangeFilter, IdentifiedFact, VersionDetail, WatchFilter
from store.findings import findings as stored_findings
from store.repo import Store

router = APIRouter(include_in_schema=False)
OUTBOX_STATUSES = ("pending", "sent", "dead")
SHOWN_MEDIA = {"text/html": "text/html", "text/plain": "text/plain"}


def _page_size(request: Request) -> int:
    return context(request).settings().web.page_size


def _sections(facts: Iterable[IdentifiedFact]) -> list[tuple[str, list[IdentifiedFact]]]:
    grouped: dict[str, list[IdentifiedFact]] = {}
    for item in facts:
        grouped.setdefault(item.fact.section, []).append(item)
    return list(grouped.items())


def _detail(store: Store, name: str, seq: int | None) -> VersionDetail:
    found = audit.version_detail(store, name, seq)
    if found is None:
        what = f"version {seq}" if seq is not None else "version"
        raise HTTPException(404, f"watch {name!r} has no {what} stored")
    return found


@router.get("/")
def overview(
    request: Request, q: str = "", status: WatchFilter = "all", cursor: str | None = None
) -> Response:
    """Every watch with its status, filterable by name and health."""
    web = context(request)
    page = audit.watch_page(
        web.store, q=q or None, status=status, cursor=cursor, limit=_page_size(request)
    )
    configured = {w.name for w in web.settings().watches}
    return render(
        request,
        "overview.html",
        page=page,
        counts=audit.watch_counts(web.store),
        q=q,
        status=status,
        cursor=cursor,
        configured=configured,
        now=datetime.now(UTC),
    )


@dataclass(frozen=True)
class Cited:
    """A document a page cites (or cited), with the child watch that tracks it."""

    url: str | None
    text: str
    child: audit.WatchStatus | None
    cited: bool


def _cited(store: Store, name: str, kids: list[audit.WatchStatus]) -> list[Cited]:
    _, links = scheduling.followed(store, name)
    by_name = {k.name: k for k in kids}
    out = [Cited(link.url, link.text, by_name.pop(link.child, None), True) for link in links]
    return out + [Cited(k.url, "", k, False) for k in by_name.values()]


@router.get("/watches/{name:path}/versions/{seq}/body")
def stored_body(request: Request, name: str, seq: int) -> Response:
    """The page as fetched, for a sandboxed frame: no script, nothing loaded, opaque origin."""
    web = context(request)
    detail = _detail(web.store, name, seq)
    media = detail.version.content_type.split(";")[0].strip().lower()
    shown = SHOWN_MEDIA.get(media)
    data = web.store.blob(detail.version.body_sha)
    filename = f"{name.replace('/', '_')}-v{seq}"
    headers = {
        "Content-Security-Policy": STORED_CSP,
        "X-Frame-Options": "SAMEORIGIN",
        "Content-Disposition": "inline" if shown else f'attachment; filename="{filename}"',
    }
    return Response(data, media_type=shown or "application/octet-stream", headers=headers)


def _in_force(store: Store, name: str, at: str) -> Response | None:
    """A redirect to the version of ``name`` in force at ``at`` (None without ``at``)."""
    when = parse_when(at, end=True)
    if when is None:
        return None
    found = audit.version_at(store, name, when)
    if found is None:
        raise HTTPException(404, f"watch {name!r} had no version yet at {at}")
    return RedirectResponse(views.watch_url(name, "versions", str(found.seq)), 303)


@router.get("/watches/{name:path}/versions/{seq}")
def version_page(request: Request, name: str, seq: int, at: str = "") -> Response:
    """The extracted text and facts of one version, its fetch metadata and hashes.

    ``?at=DATE`` opens the version in force then instead.
    """
    web = context(request)
    moved = _in_force(web.store, name, at)
    if moved is not None:
        return moved
    detail = _detail(web.store, name, seq)
    text = web.store.blob(detail.version.text_sha).decode("utf-8", "replace")
    facts = audit.facts_of(web.store, detail.version)
    return render(
        request,
        "version.html",
        name=name,
        detail=detail,
        v=detail.version,
        text=text,
        sections=_sections(facts),
        count=len(facts),
        html_body=detail.version.content_type.startswith("text/html"),
    )


@router.get("/watches/{name:path}/versions")
def versions_list(
    request: Request, name: str, at: str | None = None, cursor: str | None = None
) -> Response:
    """All versions of a watch; ``?at=DATE`` opens the version in force then."""
    web = context(request)
    moved = _in_force(web.store, name, at or "")
    if moved is not None:
        return moved
    page = audit.versions_page(web.store, name, cursor=cursor, limit=_page_size(request))
    return render(request, "versions.html", name=name, page=page, cursor=cursor)


@router.get("/watches/{name:path}/diff")
def diff_page(
    request: Request,
    name: str,
    from_seq: int | None = Query(None, alias="from"),
    to: int | None = None,
) -> Response:
    """The fact changes between two versions, and their texts side by side."""
    web = context(request)
    store = web.store
    new = _detail(store, name, to)
    old = _detail(store, name, from_seq if from_seq is not None else max(new.version.seq - 1, 1))
    status = audit.watch_status(store, name)
    events = diff_stored(store, old.version.id, new.version.id)
    changes = [(c, audit.change_fact_id(status.id, c)) for c in events]
    old_text = store.blob(old.version.text_sha).decode("utf-8", "replace")
    new_text = store.blob(new.version.text_sha).decode("utf-8", "replace")
    return render(
        request,
        "diff.html",
        name=name,
        old=old.version,
        new=new.version,
        changes=changes,
        rows=views.side_by_side(old_text, new_text),
        versions=audit.all_versions(store, name),
        html_bodies=all(v.version.content_type.startswith("text/html") for v in (old, new)),
    )


@router.post("/watches/{name:path}/check")
async def check_now(request: Request, name: str) -> Response:
    """Check the watch (or the page that follows it) now; back to its page."""
    await read_form(request)
    web = context(request)
    settings = web.settings()
    root = await run_in_threadpool(actions.configured_root, web.store, settings, name)
    if root is None:
        raise HTTPException(409, f"{name!r} is not in the configuration, so it cannot be checked")
    try:
        await run_in_threadpool(actions.check_now, web.store, settings, root)
    except actions.AlreadyChecking:
        raise HTTPException(409, f"{root!r} is being checked already") from None
    return RedirectResponse(views.watch_url(name) + "?checked=1", 303)


@router.get("/watches/{name:path}")
def watch_page(request: Request, name: str, checked: int = 0) -> Response:
    """A watch: current facts by section, its changes, versions and the documents it cites."""
    web = context(request)
    store, size = web.store, _page_size(request)
    status = audit.watch_status(store, name)
    latest = audit.version_detail(store, name)
    facts = audit.facts_of(store, latest.version) if latest else []
    kids = audit.children(store, name)
    return render(
        request,
        "watch.html",
        w=status,
        latest=latest,
        sections=_sections(facts),
        count=len(facts),
        changes=audit.watch_changes(store, name, limit=size),
        versions=audit.versions_page(store, name, limit=size),
        cited=_cited(store, name, kids),
        checks=store.checks(name, limit=5),
        findings=stored_findings(store, name),
        can_check=actions.configured_root(store, web.settings(), name) is not None,
        checked=bool(checked),
        now=datetime.now(UTC),
    )


@router.get("/facts/{fid}")
def fact_page(request: Request, fid: str) -> Response:
    """One fact's values across versions; a figure's also as a chart."""
    history = audit.fact_history(context(request).store, fid)
    if history is None:
        raise HTTPException(404, f"no fact with id {fid!r}")
    chart = None
    if history.latest.kind == "figure":
        states = [
            (r.valid_from, float(r.value["amount"]))
            for r in history.rows
            if isinstance(r.value.get("amount"), int | float)
        ]
        end = history.latest.valid_to or datetime.now(UTC)
        chart = step_chart(states, end)
    return render(request, "fact.html", h=history, fact=history.latest, chart=chart)


@router.get("/changes")
def changes_page(
    request: Request,
    watch: str = "",
    kind: str = "",
    since: str = "",
    until: str = "",
    cursor: str | None = None,
) -> Response:
    """Every change event, newest first; filter by watch, kind and date."""
    filters = ChangeFilter(
        watch=watch or None,
        kind=change_kind(kind),
        since=parse_when(since),
        until=parse_when(until, end=True),
    )
    page = audit.changes_page(
        context(request).store,
        filters,
        cursor=cursor,
        limit=_page_size(request),
        newest_first=True,
    )
    form = {"watch": watch, "kind": kind, "since": since, "until": until}
    return render(request, "changes.html", page=page, form=form, cursor=cursor)


@router.get("/alerts")
def alerts_page(request: Request, status: str = "", retried: str = "") -> Response:
    """The alert outbox, newest first; dead alerts can be retried."""
    if status and status not in OUTBOX_STATUSES:
        raise HTTPException(400, f"status must be one of {', '.join(OUTBOX_STATUSES)}")
    store = context(request).store
    return render(
        request,
        "alerts.html",
        rows=outbox.rows(store, status or None, limit=200),
        counts=outbox.counts(store),
        status=status,
        retried=retried,
    )


@router.post("/alerts/{alert_id}/retry")
async def retry_alert(request: Request, alert_id: int) -> Response:
    """Requeue one dead alert; the service (or the next check) sends it."""
    await read_form(request)
    done = await run_in_threadpool(actions.retry_alerts, context(request).store, [alert_id])
    if not done:
        raise HTTPException(409, f"alert {alert_id} is not dead, so there is nothing to retry")
    return RedirectResponse("/alerts" + views.query(retried=alert_id), 303)


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    """The login form (only when ``web.token`` is set)."""
    if request.state.auth is not None:
        return RedirectResponse(safe_next(next), 303)
    return render(request, "login.html", next=safe_next(next), failed=False)


@router.post("/login")
async def login(request: Request) -> Response:
    """Check the token; on success set the session cookie and go on."""
    form = await read_form(request)
    sessions = getattr(request.state, "sessions", None)
    target = safe_next(form.get("next"))
    if sessions is None:
        return RedirectResponse(target, 303)
    if not sessions.token_ok(form.get("token", "")):
        return render(request, "login.html", 401, next=target, failed=True)
    response = RedirectResponse(target, 303)
    response.set_cookie(
        SESSION_COOKIE,
        sessions.issue(),
        max_age=int(sessions.ttl),
        httponly=True,
        samesite="lax",
        secure=is_https(request),
    )
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    """End the session."""
    await read_form(request)
    response = RedirectResponse("/login", 303)
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="lax")
    return response
