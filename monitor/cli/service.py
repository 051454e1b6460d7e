"""``factwatch run`` (the service) and ``factwatch status``."""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import click

from model.errors import ConfigError
from model.kinds import describe
from model.outcomes import Changed, Failed, Unchanged
from model.printable import printable
from model.timefmt import iso_or_none, utcnow
from monitor.cli.common import AppContext, emit_json, local_when, pass_app
from monitor.dispatch import Finished
from monitor.health import heartbeat_check
from monitor.metrics import Metrics
from monitor.scheduler import LastCheck, NextRun, Plan, failure_words, last_check
from monitor.service import Service
from monitor.settings import Settings, load_settings
from monitor.table import render_table
from monitor.web import WebServer, parse_address
from store import cluster, scheduling
from store.repo import Store, change_from_row

log = logging.getLogger("factwatch.check")
_RECORD_FIELDS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _RECORD_FIELDS}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": iso_or_none(datetime.fromtimestamp(record.created).astimezone(), ms=True),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **_extras(record),
        }
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """``time level logger: message key=value ...``."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        extras = " ".join(f"{k}={v}" for k, v in _extras(record).items() if v is not None)
        line = super().format(record)
        return printable(f"{line} {extras}" if extras else line)


def setup_logging(log_format: str, verbose: int) -> None:
    """Log to stderr in ``text`` or ``json``; INFO by default, DEBUG with -vv."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    logging.getLogger("factwatch").setLevel(logging.DEBUG if verbose >= 2 else logging.INFO)


def check_fields(done: Finished) -> dict[str, Any]:
    """The fields of the one log line a finished check writes."""
    outcome = done.outcome
    fields: dict[str, Any] = {
        "watch": done.job.watch.name,
        "parent": done.job.parent,
        "url": done.job.watch.url,
        "duration": round(done.duration, 3),
        "due": iso_or_none(done.job.due, ms=True),
        "started": iso_or_none(done.started_at, ms=True),
        "next_run": iso_or_none(done.next_run, ms=True),
        "retry": done.retry or None,
        "missed": done.missed or None,
    }
    if isinstance(outcome, Failed):
        fields.update(outcome="failed", reason=outcome.reason, error=outcome.message)
    elif isinstance(outcome, Unchanged):
        fields.update(outcome="unchanged", via=outcome.via)
    else:
        fields.update(
            outcome="baseline" if outcome.baseline else "changed",
            version=outcome.version,
            changes=len(outcome.changes),
        )
    return fields


def log_check(done: Finished) -> None:
    """Write the log line of a finished check."""
    fields = check_fields(done)
    level = logging.WARNING if fields["outcome"] == "failed" else logging.INFO
    words = [describe(c) for c in done.outcome.changes] if isinstance(done.outcome, Changed) else []
    log.log(
        level,
        "check %s: %s%s",
        fields["watch"],
        fields["outcome"],
        f" ({'; '.join(words)})" if words else "",
        extra=fields,
    )


def _reloader(app: AppContext) -> Settings:
    settings = load_settings(app.config).settings
    return settings.model_copy(update={"database": app.database}) if app.database else settings


def _start_web(address: str, service: Service, metrics: Metrics, store: Store) -> WebServer:
    from monitor.cli.web import check_exposure
    from monitor.health import Health, outbox_stats
    from monitor.webui.app import create_app

    host, port = parse_address(address)
    settings = service.settings
    try:  # the UI needs loopback or web.token; /healthz and /metrics are always served
        check_exposure(host, settings.web)
        ui = True
    except ConfigError as exc:
        logging.getLogger("factwatch.service").warning("web UI not served: %s", exc)
        ui = False
    health = Health(store, lambda: service.settings)
    app = create_app(store, lambda: service.settings, ui=ui, health=health, metrics=metrics)
    server = WebServer(app, host, port)

    def gauges() -> dict[str, float]:
        limits = service.settings.scheduler
        stats = outbox_stats(store, utcnow(), limits.alerts_stuck_after) or {}
        return {
            "alert_queue_depth": float(stats.get("pending", 0)),
            "alerts_stuck": float(stats.get("stuck", 0)),
            "scheduler_leader": 1.0 if service.state.leader else 0.0,
            "running_checks": float(len(service.scheduler.running)),
            **_queue_gauges(service),
        }

    metrics.add_gauges(gauges)
    if settings.queue is not None:
        metrics.add_labelled("worker_tasks", "worker", lambda: _worker_tasks(store, service))
    return server.start()


def _queue_gauges(service: Service) -> dict[str, float]:
    """``queue_depth`` with a queue (-1 when the broker is unreachable)."""
    if service.enqueuer is None:
        return {}
    depth = service.enqueuer.depth()
    return {"queue_depth": float(-1 if depth is None else depth)}


def _worker_tasks(store: Store, service: Service) -> dict[str, float]:
    """Tasks run by each worker seen within ``queue.workers_seen``."""
    queue = service.settings.queue
    if queue is None:
        return {}
    since = utcnow() - timedelta(seconds=queue.workers_seen)
    return {w.name: float(w.tasks) for w in cluster.workers_seen(store, since)}


@click.command()
@click.option(
    "--http",
    "http",
    metavar="HOST:PORT",
    help="Serve /healthz, /metrics and the web UI on HOST:PORT (e.g. 127.0.0.1:8080).",
)
@click.option(
    "--watch-config",
    is_flag=True,
    help="Reload the configuration when its file changes (SIGHUP always reloads).",
)
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="One log line per check, as text or JSON.",
)
@click.pass_context
def run(ctx: click.Context, http: str | None, watch_config: bool, log_format: str) -> None:
    """Run the service: check every watch on its schedule until stopped.

    Only one service schedules per database; a second one waits and takes over
    when the first stops or dies. SIGTERM/SIGINT stop it gracefully, SIGHUP
    reloads the configuration.
    """
    app: AppContext = ctx.obj
    setup_logging(log_format, ctx.parent.params.get("verbose", 0) if ctx.parent else 0)
    metrics = Metrics()
    service = Service(
        app.store,
        app.settings,
        lambda: _reloader(app),
        app.loaded.path,
        watch_config,
        metrics,
        log_check,
    )
    server = _start_web(http, service, metrics, app.store) if http else None
    if server:
        host, port = server.address
        logging.getLogger("factwatch.service").info(
            "serving /healthz, /metrics and the web UI", extra={"http": f"{host}:{port}"}
        )
    service.install_signals()
    try:
        service.run()
    finally:
        if server:
            server.stop()


# -- status ----------------------------------------------------------------


def _next_runs(
    app: AppContext, parents: dict[str, str | None], last: dict[str, LastCheck]
) -> dict[str, NextRun | None]:
    """The next run of each watch: as planned by the service, else from its last check;
    a retry after a transient failure says so."""
    planned = {n: r.next_run_at for n, r in scheduling.schedules(app.store).items()}
    out: dict[str, NextRun | None] = {}
    now = utcnow()
    for watch in app.settings.watches:
        computed = Plan(watch, app.settings.scheduler).next_run(last.get(watch.name), now)
        stored = planned.get(watch.name)
        out[watch.name] = replace(computed, at=stored) if stored else computed
    for name, parent in parents.items():
        if parent is not None:
            stored, above = planned.get(name), out.get(parent)
            out[name] = NextRun(stored) if stored else NextRun(above.at) if above else None
    return out


def _last_checks(rows: dict[str, Any], checks: dict[str, Any]) -> dict[str, LastCheck]:
    """The last check of each watch as the plan sees it (with its failures in a row)."""
    return {
        name: last_check(check, rows[name].consecutive_failures or 0)
        for name, check in checks.items()
    }


def _last_by_name(store: Store, stored: list[Any]) -> dict[str, Any]:
    names = {w.id: w.name for w in stored}
    return {names[wid]: c for wid, c in store.last_checks().items()}


def status_data(app: AppContext) -> dict[str, Any]:
    """Everything ``status`` shows, as the ``--json`` shape."""
    store = app.store
    stored = store.watches()
    by_id = {w.id: w.name for w in stored}
    parents = {w.name: by_id.get(w.parent_id) if w.parent_id else None for w in stored}
    configured = [w.name for w in app.settings.watches]
    for name in configured:
        parents.setdefault(name, None)
    rows = {w.name: w for w in stored}
    last = _last_by_name(store, stored)
    nexts = _next_runs(app, parents, _last_checks(rows, last))
    changes = {by_id[k]: v for k, v in scheduling.last_changes(store).items()}
    misfires = scheduling.misfire_counts(store)
    watches = [
        _watch_json(
            name,
            app,
            rows.get(name),
            parents[name],
            last.get(name),
            nexts.get(name),
            changes.get(name),
            misfires.get(name, 0),
        )
        for name in _ordered(parents, configured)
    ]
    data: dict[str, Any] = {"scheduler": _scheduler_json(app), "watches": watches}
    if app.settings.queue is not None:
        data["queue"] = queue_json(app.store, app.settings)
    return data


def queue_json(store: Store, settings: Settings) -> dict[str, Any]:
    """The queue's depth (``None`` when the broker is unreachable) and the workers seen
    within ``queue.workers_seen``."""
    from monitor.queue import queue_depth

    assert settings.queue is not None
    since = utcnow() - timedelta(seconds=settings.queue.workers_seen)
    return {
        "depth": queue_depth(settings.queue),
        "workers": [
            {
                "name": w.name,
                "host": w.host,
                "pid": w.pid,
                "started_at": iso_or_none(w.started_at, ms=True),
                "seen_at": iso_or_none(w.seen_at, ms=True),
                "last_task_at": iso_or_none(w.last_task_at, ms=True),
                "last_watch": w.last_watch,
                "tasks": w.tasks,
                "failed": w.failed,
            }
            for w in cluster.workers_seen(store, since)
        ],
    }


def _ordered(parents: dict[str, str | None], configured: list[str]) -> list[str]:
    """Configured watches in their order, other stored ones by name; each followed by
    the documents it follows (in linear time: 20,000 watches are common)."""
    children: dict[str | None, list[str]] = {}
    for name, parent in parents.items():
        children.setdefault(parent, []).append(name)
    known = set(configured)
    tops = configured + sorted(n for n in children.get(None, []) if n not in known)
    out: list[str] = []
    for top in tops:
        out.append(top)
        out.extend(sorted(children.get(top, [])))
    placed = set(out)
    return out + sorted(n for n in parents if n not in placed)


def _watch_json(
    name: str,
    app: AppContext,
    row: Any,
    parent: str | None,
    check: Any,
    next_run: NextRun | None,
    change: Any,
    misfires: int,
) -> dict[str, Any]:
    configured = app.settings.watch(name) or (app.settings.watch(parent) if parent else None)
    return {
        "name": name,
        "url": row.url if row is not None else (configured.url if configured else None),
        "parent": parent,
        "configured": configured is not None or parent is not None,
        "timezone": configured.timezone if configured else "UTC",
        "last_check": None
        if check is None
        else {
            "at": iso_or_none(check.started_at, ms=True),
            "outcome": check.outcome,
            "reason": check.reason,
            "status": check.status,
            "duration": round(check.duration, 3),
        },
        "next_run": iso_or_none(next_run.at if next_run else None, ms=True),
        "retry": {"attempt": next_run.retry, "reason": next_run.reason}
        if next_run and next_run.retry
        else None,
        "consecutive_failures": row.consecutive_failures if row is not None else 0,
        "misfires": misfires,
        "last_change": None
        if change is None
        else {
            "at": iso_or_none(change.detected_at, ms=True),
            "kind": change.kind,
            "change": change.change,
            "subject": change.subject,
            "description": describe(change_from_row(change)),
        },
    }


def _scheduler_json(app: AppContext) -> dict[str, Any]:
    verdict = heartbeat_check(app.store, app.settings, utcnow())
    lease = scheduling.lease_info(app.store)
    return {
        "running": verdict.ok,
        "holder": verdict.detail["holder"],
        "heartbeat_at": verdict.detail["heartbeat_at"],
        "heartbeat_age": verdict.detail["age"],
        "lease_expires_at": iso_or_none(lease.expires_at, ms=True) if lease else None,
    }


def _queue_words(queue: dict[str, Any]) -> str:
    depth = "unreachable" if queue["depth"] is None else f"{queue['depth']} waiting"
    workers = ", ".join(f"{w['name']} ({w['tasks']} tasks)" for w in queue["workers"])
    return f"queue: {depth}; workers: {workers or 'none seen'}"


def _check_words(check: dict[str, Any] | None) -> str:
    if check is None:
        return "never checked"
    words = failure_words(check["reason"], check["status"])
    reason = f" ({words})" if check["reason"] else ""
    return f"{check['outcome']}{reason}"


def _scheduler_words(data: dict[str, Any]) -> str:
    if data["heartbeat_at"] is None:
        return "scheduler: never ran on this database"
    age = f"{data['heartbeat_age']:.1f}s ago"
    if data["running"]:
        return f"scheduler: running ({data['holder']}), heartbeat {age}"
    if data["holder"] is None:
        return f"scheduler: stopped, last heartbeat {age}"
    return f"scheduler: NOT RUNNING, last heartbeat {age} ({data['holder']})"


def _stamp(value: str | None, zone: str) -> str:
    """An RFC 3339 time of the JSON shown in the watch's time zone, with its offset."""
    return local_when(datetime.fromisoformat(value), zone) if value else "-"


def _next_words(watch: dict[str, Any]) -> str:
    stamp = _stamp(watch["next_run"], watch["timezone"])
    retry = watch["retry"]
    return f"{stamp} (retry {retry['attempt']}: {retry['reason']})" if retry else stamp


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@pass_app
def status(app: AppContext, as_json: bool) -> None:
    """Show each watch's last check, next run and last change, and the scheduler's heartbeat."""
    data = status_data(app)
    if as_json:
        emit_json(data)
        return
    rows = [
        (
            w["name"],
            w["parent"] or "",
            _stamp(w["last_check"] and w["last_check"]["at"], w["timezone"]),
            _check_words(w["last_check"]),
            _next_words(w),
            w["consecutive_failures"],
            w["last_change"]["description"] if w["last_change"] else "-",
        )
        for w in data["watches"]
    ]
    headers = ["WATCH", "PARENT", "LAST CHECK", "OUTCOME", "NEXT RUN", "FAILS", "LAST CHANGE"]
    click.echo(render_table(headers, rows, max_cell=60))
    click.echo(_scheduler_words(data["scheduler"]))
    if "queue" in data:
        click.echo(_queue_words(data["queue"]))
