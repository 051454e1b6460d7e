"""Alembic environment: runs on the engine handed over by store.db."""

from __future__ import annotations

from alembic import context

import store.outbox_models
import store.scheduler_models  # noqa: F401 - registers the scheduler tables
from store.models import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    engine = config.attributes["engine"]
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        context.run_migrations()


run()
