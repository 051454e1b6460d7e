"""``factwatch worker``: a Celery worker that runs the checks ``factwatch run`` enqueues."""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Any

import click

from model.errors import ConfigError, FactwatchError, StoreError
from monitor.check import parse_analyser
from monitor.cli.common import AppContext
from monitor.cli.service import setup_logging
from monitor.cluster import SlotRunner
from monitor.queue import TASK, Enqueuer, celery_app
from monitor.settings import Settings, load_settings
from store.db import ensure_schema, open_engine
from store.repo import Store

log = logging.getLogger("factwatch.worker")
STORE_RETRY = 5.0


def _store(url: str, concurrency: int) -> Store:
    """The store with a connection pool sized for ``concurrency`` checks (each holds two
    lock connections while it runs, and opens sessions)."""
    if not url.startswith("postgresql"):
        return Store.open(url)
    engine = open_engine(url, pool_size=3 * concurrency + 2, max_overflow=concurrency + 4)
    ensure_schema(engine)
    return Store(engine)


def _reloaded(app: AppContext, current: Settings) -> Settings:
    """The configuration read again (the database and the queue stay as started)."""
    fresh = load_settings(app.config).settings
    return fresh.model_copy(update={"database": current.database, "queue": current.queue})


def _beat_forever(runner: SlotRunner, every: float, stop: threading.Event) -> None:
    while not stop.wait(every):
        try:
            runner.beat()
        except FactwatchError as exc:
            log.error("cannot record the worker's heartbeat: %s", exc)


@click.command()
@click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    default=None,
    help="Checks run at once by this worker (default: scheduler.concurrency).",
)
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="One log line per event, as text or JSON.",
)
@click.pass_context
def worker(ctx: click.Context, concurrency: int | None, log_format: str) -> None:
    """Run a queue worker: check the watches that `factwatch run` enqueues (needs queue:).

    Tasks are acknowledged when their check is recorded; a worker that dies
    mid-check leaves its task to another. SIGTERM/SIGINT stop it after the
    running checks (Celery's warm shutdown).
    """
    app: AppContext = ctx.obj
    setup_logging(log_format, ctx.parent.params.get("verbose", 0) if ctx.parent else 0)
    settings = app.settings
    if settings.queue is None:
        raise ConfigError("factwatch worker needs queue: {broker_url: ...} in the configuration")
    threads = concurrency or settings.scheduler.concurrency
    store = _store(settings.database, threads)
    enqueuer = Enqueuer(settings.queue)
    celery = celery_app(settings.queue)
    stop = threading.Event()
    with parse_analyser(settings.scheduler) as analyse:
        runner = SlotRunner(
            store,
            settings,
            analyse,
            lambda name, slot, parent, later: enqueuer.send(name, slot, parent, later),
            reload=lambda: _reloaded(app, settings),
        )
        _register(celery, runner)
        runner.beat()
        beat = threading.Thread(
            target=_beat_forever,
            args=(runner, settings.scheduler.heartbeat, stop),
            name="worker heartbeat",
            daemon=True,
        )
        beat.start()
        log.info("worker starting", extra={"worker": runner.name, "concurrency": threads})
        try:
            celery.Worker(
                pool="threads",
                concurrency=threads,
                queues=[settings.queue.name],
                loglevel="WARNING",
                hostname=f"factwatch@{runner.name}",
                without_mingle=True,
                without_gossip=True,
                without_heartbeat=True,
            ).start()
        finally:
            stop.set()
            runner.close()
            enqueuer.close()
            store.close()


def _register(celery: Any, runner: SlotRunner) -> None:
    """The check task, bound to ``runner``; a store outage sends it back for later."""

    @celery.task(name=TASK, bind=True, acks_late=True, reject_on_worker_lost=True)
    def check(task: Any, name: str, slot: str, parent: str | None = None) -> str:
        try:
            return runner.run(name, datetime.fromisoformat(slot), parent).status
        except StoreError as exc:
            log.error("store error, task retried: %s", exc, extra={"watch": name})
            raise task.retry(countdown=STORE_RETRY, max_retries=None) from exc
