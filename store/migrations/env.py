"""Alembic environment: runs on the engine handed over by store.db."""

from __future__ import annotations

from alembic import context

import store.cluster_models
import store.findings_models
import store.outbox_models
import store.scheduler_models  # noqa: F401 - registers the scheduler tables
from store.models import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    """Migrate on the handed-over engine.

    On SQLite, foreign keys are off while migrating: a batch migration copies
    a table and drops the old one, which other tables still reference.
    """
    engine = config.attributes["engine"]
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            context.configure(
                connection=connection, target_metadata=target_metadata, render_as_batch=sqlite
            )
            with context.begin_transaction():
                context.run_migrations()
            connection.commit()
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


run()
