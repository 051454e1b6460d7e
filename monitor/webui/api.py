"""The JSON API under ``/api/v1/``, described by OpenAPI at ``/api/v1/openapi.json``.

List endpoints paginate with a cursor: each answer has ``next_cursor``
(``null`` on the last page); pass it back as ``?cursor=`` for the next page.
Change events keep the ``factwatch changes --json`` shape, plus ``fact_id``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException, Path, Query, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from alerts.diff import diff_stored
from model.changes import change_to_dict
from model.kinds import describe, format_value
from monitor import export
from monitor.webui.app import context
from monitor.webui.params import change_kind, parse_when
from monitor.webui.views import iso
from store import audit
from store.audit import (
    MAX_ID,
    MAX_PAGE,
    ChangeEvent,
    ChangeFilter,
    CheckInfo,
    VersionInfo,
    WatchFilter,
    WatchStatus,
)

DESCRIPTION = """The history factwatch keeps: watches and their status, versions, facts
(as of any date), change events and one fact's history.

Authentication: when `web.token` is set, send `Authorization: Bearer <token>`.
Lists paginate with a cursor: pass `next_cursor` back as `?cursor=`.
"""


class Problem(BaseModel):
    """An error: what was wrong."""

    detail: str


class CheckOut(BaseModel):
    """One check attempt."""

    at: str
    outcome: str = Field(description="baseline, changed, unchanged or failed")
    reason: str | None
    error: str | None
    http_status: int | None
    duration: float


class ChangeOut(BaseModel):
    """A change event: the ``factwatch changes --json`` shape plus ``fact_id``."""

    id: int
    watch: str
    url: str
    detected_at: str
    kind: str
    change: str
    subject: str
    section: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    added: list[str]
    removed: list[str]
    evidence_before: str | None
    evidence_after: str | None
    period_before: str | None
    period_after: str | None
    note: str | None
    summary: str
    version_before: int | None
    version_after: int
    fact_id: str | None


class WatchOut(BaseModel):
    """A watch and its status."""

    name: str
    url: str
    parent: str | None
    created_at: str
    consecutive_failures: int
    last_check: CheckOut | None
    next_run_at: str | None
    last_change: ChangeOut | None
    versions: int
    last_version_at: str | None


class WatchList(BaseModel):
    """A page of watches."""

    items: list[WatchOut]
    next_cursor: str | None


class WatchDetail(WatchOut):
    """A watch, its status and the documents it follows."""

    children: list[WatchOut]


class FactOut(BaseModel):
    """One fact of a version."""

    id: str
    kind: str
    subject: str
    section: str
    value: dict[str, Any]
    value_text: str
    evidence: str
    period: str | None
    rule: str


class VersionOut(BaseModel):
    """One stored version; ``valid_to`` is when the next one replaced it."""

    watch: str
    version: int
    stored_at: str
    valid_to: str | None
    url: str
    title: str
    content_type: str
    body_sha256: str
    text_sha256: str
    facts_sha256: str


class FactsOut(BaseModel):
    """The facts of one version."""

    version: VersionOut
    facts: list[FactOut]


class VersionList(BaseModel):
    """A page of versions, newest first."""

    items: list[VersionOut]
    next_cursor: str | None


class VersionDetailOut(VersionOut):
    """A version with its text, the check that stored it and its neighbours."""

    body_size: int | None
    text_size: int | None
    check: CheckOut | None
    previous: int | None
    next: int | None
    latest: int
    text: str


class DiffChange(BaseModel):
    """A fact change between two versions."""

    kind: str
    change: str
    subject: str
    section: str
    summary: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    fact_id: str | None


class DiffOut(BaseModel):
    """The fact changes and the unified text diff between two versions."""

    model_config = ConfigDict(populate_by_name=True)

    watch: str
    from_version: int = Field(alias="from")
    to: int
    changes: list[DiffChange]
    text_diff: list[str]


class ChangeList(BaseModel):
    """A page of change events."""

    items: list[ChangeOut]
    next_cursor: str | None


class FactRowOut(BaseModel):
    """One state of a fact: its value from ``valid_from`` until ``valid_to``."""

    fact_id: str
    watch: str
    kind: str
    subject: str
    section: str
    value: dict[str, Any]
    value_text: str
    qualifier: str | None
    unit: str | None
    period: str | None
    version: int
    valid_from: str
    valid_to: str | None
    version_to: int | None
    evidence: str


class FactHistoryOut(BaseModel):
    """One fact's states across versions, oldest first."""

    fact_id: str
    watch: str
    kind: str
    subject: str
    rows: list[FactRowOut]


class FactRowsOut(BaseModel):
    """Every fact's states across a watch's versions (the export, as JSON)."""

    watch: str
    rows: list[FactRowOut]


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "Bad cursor, filter or date"},
    401: {"model": Problem, "description": "The token is missing or wrong"},
    404: {"model": Problem, "description": "No such watch, version or fact"},
}
router = APIRouter(prefix="/api/v1", tags=["history"], responses=ERRORS)
SEQ = Path(ge=1, le=MAX_ID, description="Version number (1, 2, ...)", examples=[1])
NAME = Path(
    max_length=400,
    description="Watch name (followed documents: parent/slug)",
    examples=["ps-international-efforts"],
)
LIMIT = Query(None, ge=1, le=MAX_PAGE, description="Items per page (default web.page_size)")
CURSOR = Query(None, max_length=400, description="next_cursor of the previous page")


def _limit(request: Request, limit: int | None) -> int:
    return limit or context(request).settings().web.page_size


def check_out(check: CheckInfo | None) -> CheckOut | None:
    """A check for the API."""
    if check is None:
        return None
    return CheckOut(
        at=iso(check.started_at),
        outcome=check.outcome,
        reason=check.reason,
        error=check.error,
        http_status=check.status,
        duration=round(check.duration, 3),
    )


def change_out(event: ChangeEvent) -> ChangeOut:
    """A change event for the API."""
    c = event.change
    return ChangeOut(
        **change_to_dict(c)
        | {
            "id": event.id,
            "watch": event.watch,
            "url": event.url,
            "detected_at": iso(event.detected_at),
            "summary": describe(c),
            "version_before": event.version_before,
            "version_after": event.version_after,
            "fact_id": event.fact_id,
        }
    )


def watch_out(w: WatchStatus) -> dict[str, Any]:
    """A watch's fields for :class:`WatchOut`."""
    return {
        "name": w.name,
        "url": w.url,
        "parent": w.parent,
        "created_at": iso(w.created_at),
        "consecutive_failures": w.consecutive_failures,
        "last_check": check_out(w.last_check),
        "next_run_at": iso(w.next_run_at) or None,
        "last_change": change_out(w.last_change) if w.last_change else None,
        "versions": w.versions,
        "last_version_at": iso(w.last_version_at) or None,
    }


def version_out(v: VersionInfo) -> dict[str, Any]:
    """A version's fields for :class:`VersionOut`."""
    return {
        "watch": v.watch,
        "version": v.seq,
        "stored_at": iso(v.created_at),
        "valid_to": iso(v.valid_to) or None,
        "url": v.url,
        "title": v.title,
        "content_type": v.content_type,
        "body_sha256": v.body_sha,
        "text_sha256": v.text_sha,
        "facts_sha256": v.facts_sha,
    }


@router.get("/watches", response_model=WatchList)
def list_watches(
    request: Request,
    q: str | None = Query(None, max_length=200, description="Part of the watch name"),
    status: WatchFilter = Query("all", description="ok, failing, never (checked) or all"),
    cursor: str | None = CURSOR,
    limit: int | None = LIMIT,
) -> WatchList:
    """Every watch with its status (last check, next run, failures, last change), by name."""
    page = audit.watch_page(
        context(request).store, q=q, status=status, cursor=cursor, limit=_limit(request, limit)
    )
    return WatchList(
        items=[WatchOut(**watch_out(w)) for w in page.items], next_cursor=page.next_cursor
    )


@router.get(
    "/watches/{name:path}/facts.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def facts_csv(
    request: Request,
    name: str = NAME,
    since: str | None = Query(None, description="Only versions stored at or after (ISO 8601)"),
) -> StreamingResponse:
    """One row per fact per version where it took a new value (spreadsheet-safe CSV)."""
    rows = audit.fact_rows(context(request).store, name, parse_when(since))
    filename = f"{name.replace('/', '_')}-facts.csv"
    return StreamingResponse(
        iter(export.csv_lines(rows)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/watches/{name:path}/fact-history", response_model=FactRowsOut)
def fact_rows(
    request: Request,
    name: str = NAME,
    since: str | None = Query(None, description="Only versions stored at or after (ISO 8601)"),
) -> FactRowsOut:
    """The same rows as ``facts.csv``, as JSON (``factwatch export --format json``)."""
    rows = audit.fact_rows(context(request).store, name, parse_when(since))
    return FactRowsOut(watch=name, rows=[FactRowOut(**export.row_json(r)) for r in rows])


@router.get("/watches/{name:path}/facts", response_model=FactsOut)
def facts(
    request: Request,
    name: str = NAME,
    at: str | None = Query(None, description="The facts in force at this date or time"),
    version: int | None = Query(None, ge=1, le=MAX_ID, description="A version number"),
) -> FactsOut:
    """The facts of the latest version, of the one in force ``at`` a time, or of ``version``."""
    store = context(request).store
    when = parse_when(at, end=True)
    if when is not None:
        found = audit.version_at(store, name, when)
    else:
        detail = audit.version_detail(store, name, version)
        found = detail.version if detail else None
    if found is None:
        raise HTTPException(404, f"watch {name!r} has no such version")
    items = [
        FactOut(
            id=f.id,
            kind=f.fact.kind,
            subject=f.fact.subject,
            section=f.fact.section,
            value=dict(f.fact.value),
            value_text=format_value(f.fact.kind, f.fact.value),
            evidence=f.fact.evidence,
            period=f.fact.period,
            rule=f.fact.rule,
        )
        for f in audit.facts_of(store, found)
    ]
    return FactsOut(version=VersionOut(**version_out(found)), facts=items)


@router.get("/watches/{name:path}/versions/{seq}", response_model=VersionDetailOut)
def version(request: Request, name: str = NAME, seq: int = SEQ) -> VersionDetailOut:
    """One version: metadata, hashes, the check that stored it, and its clean text."""
    store = context(request).store
    detail = audit.version_detail(store, name, seq)
    if detail is None:
        raise HTTPException(404, f"watch {name!r} has no version {seq}")
    return VersionDetailOut(
        **version_out(detail.version),
        body_size=detail.body_size,
        text_size=detail.text_size,
        check=check_out(detail.check),
        previous=detail.previous,
        next=detail.next,
        latest=detail.latest,
        text=store.blob(detail.version.text_sha).decode("utf-8", "replace"),
    )


@router.get("/watches/{name:path}/versions", response_model=VersionList)
def versions(
    request: Request, name: str = NAME, cursor: str | None = CURSOR, limit: int | None = LIMIT
) -> VersionList:
    """The versions of a watch, newest first."""
    page = audit.versions_page(
        context(request).store, name, cursor=cursor, limit=_limit(request, limit)
    )
    return VersionList(
        items=[VersionOut(**version_out(v)) for v in page.items], next_cursor=page.next_cursor
    )


@router.get("/watches/{name:path}/diff", response_model=DiffOut)
def diff(
    request: Request,
    name: str = NAME,
    from_seq: int | None = Query(None, alias="from", ge=1, le=MAX_ID),
    to: int | None = Query(None, ge=1, le=MAX_ID),
) -> DiffOut:
    """Fact changes between two versions (default: the latest and the one before)."""
    store = context(request).store
    new = audit.version_detail(store, name, to)
    old_seq = from_seq if from_seq is not None else max((new.version.seq if new else 1) - 1, 1)
    old = audit.version_detail(store, name, old_seq) if new else None
    if new is None or old is None:
        raise HTTPException(404, f"watch {name!r} has no such version")
    watch_id = audit.watch_status(store, name).id
    events = diff_stored(store, old.version.id, new.version.id)
    old_text = store.blob(old.version.text_sha).decode("utf-8", "replace")
    new_text = store.blob(new.version.text_sha).decode("utf-8", "replace")
    return DiffOut(
        watch=name,
        from_version=old.version.seq,
        to=new.version.seq,
        changes=[
            DiffChange(
                kind=c.kind,
                change=c.change,
                subject=c.subject,
                section=c.section,
                summary=describe(c),
                before=c.before,
                after=c.after,
                fact_id=audit.change_fact_id(watch_id, c),
            )
            for c in events
        ],
        text_diff=_unified(old_text, new_text, old.version.seq, new.version.seq),
    )


def _unified(old: str, new: str, a: int, b: int) -> list[str]:
    import difflib

    lines = difflib.unified_diff(old.splitlines(), new.splitlines(), f"v{a}", f"v{b}", lineterm="")
    return list(lines)


@router.get("/watches/{name:path}", response_model=WatchDetail)
def watch(request: Request, name: str = NAME) -> WatchDetail:
    """One watch, its status and the documents it follows."""
    store = context(request).store
    status = audit.watch_status(store, name)
    kids = [WatchOut(**watch_out(k)) for k in audit.children(store, name)]
    return WatchDetail(**watch_out(status), children=kids)


@router.get("/changes", response_model=ChangeList)
def changes(
    request: Request,
    watch: str | None = Query(None, max_length=200, description="Only this watch"),
    kind: str | None = Query(
        None, description="membership, figure, date, link or extraction", max_length=20
    ),
    since: str | None = Query(None, description="Detected at or after (ISO 8601)"),
    until: str | None = Query(None, description="Detected at or before (ISO 8601)"),
    order: str = Query("asc", pattern="^(asc|desc)$", description="asc: oldest first"),
    cursor: str | None = CURSOR,
    limit: int | None = LIMIT,
) -> ChangeList:
    """Change events, oldest first (``order=desc``: newest first), filtered."""
    filters = ChangeFilter(
        watch=watch,
        kind=change_kind(kind),
        since=parse_when(since),
        until=parse_when(until, end=True),
    )
    page = audit.changes_page(
        context(request).store,
        filters,
        cursor=cursor,
        limit=_limit(request, limit),
        newest_first=order == "desc",
    )
    return ChangeList(items=[change_out(e) for e in page.items], next_cursor=page.next_cursor)


@router.get("/facts/{fid}", response_model=FactHistoryOut)
def fact(request: Request, fid: str = Path(max_length=40)) -> FactHistoryOut:
    """One fact's values across the versions of its watch, oldest first."""
    history = audit.fact_history(context(request).store, fid)
    if history is None:
        raise HTTPException(404, f"no fact with id {fid!r}")
    latest = history.latest
    return FactHistoryOut(
        fact_id=fid,
        watch=latest.watch,
        kind=latest.kind,
        subject=latest.subject,
        rows=[FactRowOut(**export.row_json(r)) for r in history.rows],
    )


def document_security(app: FastAPI) -> None:
    """Declare the bearer token in the OpenAPI document."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        schema.setdefault("components", {})["securitySchemes"] = {
            "bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "web.token (needed unless the server is on loopback without one)",
            }
        }
        schema["security"] = [{"bearer": []}]
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
