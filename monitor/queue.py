"""The Celery side of factwatch: the app, the task's name, enqueuing, the queue's depth.

With ``queue:`` configured, ``factwatch run`` plans as always but hands each
due check to the broker as a task carrying the watch's name, its slot (the
planned run time) and its parent for a followed document; ``factwatch
worker`` processes run them (:mod:`monitor.cluster`). Tasks are acknowledged
late and rejected back to the queue when a worker is lost, and each worker
takes one task at a time per thread, so a worker that dies mid-check hands
its task to another.
"""

from __future__ import annotations

import logging
from datetime import datetime

from celery import Celery
from kombu import Connection, Queue

from monitor.settings import QueueSettings

log = logging.getLogger("factwatch.queue")
TASK = "factwatch.check"
CONNECT_TIMEOUT = 5.0


def celery_app(queue: QueueSettings) -> Celery:
    """A Celery app on ``queue.broker_url``, its tasks on the queue ``queue.name``."""
    app = Celery("factwatch", broker=queue.broker_url, set_as_current=False)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        # after a reconnection, take tasks at the full rate at once: Celery's gradual
        # restoration of a reduced prefetch could leave a worker taking none (a task
        # taken twice is harmless: its slot is recorded once)
        worker_enable_prefetch_count_reduction=False,
        task_default_queue=queue.name,
        task_queues=[Queue(queue.name, routing_key=queue.name, durable=True)],
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,
        broker_connection_timeout=CONNECT_TIMEOUT,
        worker_hijack_root_logger=False,
        worker_enable_remote_control=False,
        worker_send_task_events=False,
        task_publish_retry_policy={"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5},
    )
    return app


class Enqueuer:
    """Sends check tasks to the queue (the scheduler's side)."""

    def __init__(self, queue: QueueSettings) -> None:
        self.queue = queue
        self.app = celery_app(queue)

    def send(
        self,
        name: str,
        slot: datetime,
        parent: str | None = None,
        countdown: float | None = None,
    ) -> None:
        """Enqueue the check of watch ``name`` for ``slot`` (raises when the broker is down)."""
        self.app.send_task(
            TASK,
            args=[name, slot.isoformat(), parent],
            queue=self.queue.name,
            routing_key=self.queue.name,
            countdown=countdown,
        )

    def depth(self) -> int | None:
        """The number of tasks waiting in the queue (``None`` when the broker is unreachable)."""
        return queue_depth(self.queue)

    def close(self) -> None:
        """Release the broker connections."""
        self.app.close()


def queue_depth(queue: QueueSettings) -> int | None:
    """Tasks waiting in ``queue`` (not those a worker holds), or ``None`` if unreachable."""
    try:
        with Connection(queue.broker_url, connect_timeout=CONNECT_TIMEOUT) as conn:
            conn.ensure_connection(max_retries=1)
            channel = conn.default_channel
            declared = Queue(queue.name, routing_key=queue.name, durable=True)(channel)
            declared.declare()
            _name, count, _consumers = channel.queue_declare(queue=queue.name, passive=True)
            return int(count)
    except Exception as exc:  # an unreachable broker is a reading, not a failure
        log.debug("cannot read the queue depth: %s", exc)
        return None
