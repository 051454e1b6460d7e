"""Versions keep their HTTP status and headers and are chained by hash; rows keep their origin

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30

Each version gets its response's ``status``, the response ``headers`` it
keeps, and a place in its watch's hash chain (``chain_prev``, ``chain_sha``;
see ``store.chain``). Checks and change events get an ``origin``: ``check``
for the live page, ``backfill`` for a capture imported from a web archive.

Existing versions are chained here, in their order: every version of every
watch is covered by ``factwatch verify``. They were all stored from ``200``
answers (no other status made a version), so their status is 200; their
headers were never recorded and stay ``NULL``, which the chain commits to as
``null``. The chain of these versions attests to their state at the time of
this migration, not before.

The chain document is written out here rather than imported, so that this
migration keeps computing chain format 1 whatever the code does later.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

versions = sa.table(
    "versions",
    sa.column("id", sa.Integer),
    sa.column("watch_id", sa.Integer),
    sa.column("seq", sa.Integer),
    sa.column("created_at", sa.DateTime),
    sa.column("body_sha", sa.String),
    sa.column("url", sa.Text),
    sa.column("status", sa.Integer),
    sa.column("chain_prev", sa.String),
    sa.column("chain_sha", sa.String),
)


def _time(moment: datetime) -> str:
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return aware.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _chain(prev: str | None, body_sha: str, url: str, moment: datetime) -> str:
    document = {
        "body": body_sha,
        "headers": None,
        "prev": prev,
        "status": 200,
        "time": _time(moment),
        "url": url,
        "v": 1,
    }
    data = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def _chain_existing(conn: sa.Connection) -> None:
    query = sa.select(
        versions.c.id, versions.c.watch_id, versions.c.body_sha, versions.c.url,
        versions.c.created_at,
    ).order_by(versions.c.watch_id, versions.c.seq)  # fmt: skip
    prev: dict[int, str] = {}
    for version_id, watch_id, body_sha, url, created_at in conn.execute(query).all():
        before = prev.get(watch_id)
        sha = _chain(before, body_sha, url, created_at)
        conn.execute(
            versions.update()
            .where(versions.c.id == version_id)
            .values(status=200, chain_prev=before, chain_sha=sha)
        )
        prev[watch_id] = sha


def upgrade() -> None:
    with op.batch_alter_table("versions") as batch:
        batch.add_column(sa.Column("status", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("headers", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("chain_prev", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("chain_sha", sa.String(length=64), nullable=True))
    _chain_existing(op.get_bind())
    with op.batch_alter_table("versions") as batch:
        batch.alter_column("status", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("chain_sha", existing_type=sa.String(length=64), nullable=False)
    for table in ("checks", "changes"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("origin", sa.String(length=10), server_default="check", nullable=False)
            )


def downgrade() -> None:
    for table in ("changes", "checks"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("origin")
    with op.batch_alter_table("versions") as batch:
        batch.drop_column("chain_sha")
        batch.drop_column("chain_prev")
        batch.drop_column("headers")
        batch.drop_column("status")
