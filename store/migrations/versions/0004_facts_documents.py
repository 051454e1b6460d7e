"""Facts as one compressed document per version

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30

Each version's facts move from rows of the ``facts`` table to one canonical
JSON document stored as a content-addressed blob (``versions.facts_sha``):
a version's facts are written and read in one step, an identical fact set is
stored once, and the database shrinks by the per-row overhead. Downgrading
expands the documents back into rows.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

FIELDS = ("kind", "subject", "section", "value", "evidence", "period", "rule")
facts = sa.table(
    "facts",
    sa.column("id", sa.Integer),
    sa.column("version_id", sa.Integer),
    sa.column("position", sa.Integer),
    *(sa.column(name, sa.JSON if name == "value" else sa.Text) for name in FIELDS),
)
versions = sa.table("versions", sa.column("id", sa.Integer), sa.column("facts_sha", sa.String))
blobs = sa.table(
    "blobs",
    sa.column("sha256", sa.String),
    sa.column("size", sa.Integer),
    sa.column("data", sa.LargeBinary),
    sa.column("created_at", sa.DateTime),
)


def _document(rows: list[dict[str, Any]]) -> bytes:
    body = {"format": 1, "facts": [{k: row[k] for k in FIELDS} for row in rows]}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _put(conn: sa.Connection, data: bytes) -> str:
    sha = hashlib.sha256(data).hexdigest()
    if conn.execute(sa.select(blobs.c.sha256).where(blobs.c.sha256 == sha)).first() is None:
        now = datetime.now(UTC).replace(tzinfo=None)
        conn.execute(
            blobs.insert().values(
                sha256=sha, size=len(data), data=zlib.compress(data, 6), created_at=now
            )
        )
    return sha


def upgrade() -> None:
    with op.batch_alter_table("versions") as batch:
        batch.add_column(sa.Column("facts_sha", sa.String(length=64), nullable=True))
    conn = op.get_bind()
    ids = [row[0] for row in conn.execute(sa.select(versions.c.id))]
    for version_id in ids:
        query = sa.select(facts).where(facts.c.version_id == version_id).order_by(facts.c.position)
        rows = [dict(r._mapping) for r in conn.execute(query)]
        sha = _put(conn, _document(rows))
        conn.execute(versions.update().where(versions.c.id == version_id).values(facts_sha=sha))
    with op.batch_alter_table("versions") as batch:
        batch.alter_column("facts_sha", existing_type=sa.String(length=64), nullable=False)
        batch.create_foreign_key(
            op.f("fk_versions_facts_sha_blobs"), "blobs", ["facts_sha"], ["sha256"]
        )
    op.drop_index(op.f("ix_facts_version_id"), table_name="facts")
    op.drop_table("facts")


def downgrade() -> None:
    op.create_table(
        "facts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("section", sa.Text(), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("period", sa.String(length=40), nullable=True),
        sa.Column("rule", sa.String(length=60), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"], ["versions.id"], name=op.f("fk_facts_version_id_versions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_facts")),
    )
    op.create_index(op.f("ix_facts_version_id"), "facts", ["version_id"], unique=False)
    conn = op.get_bind()
    pairs = conn.execute(sa.select(versions.c.id, versions.c.facts_sha)).all()
    for version_id, sha in pairs:
        data = conn.execute(sa.select(blobs.c.data).where(blobs.c.sha256 == sha)).scalar_one()
        rows = json.loads(zlib.decompress(data))["facts"]
        if rows:
            conn.execute(
                facts.insert(),
                [{"version_id": version_id, "position": i, **row} for i, row in enumerate(rows)],
            )
    with op.batch_alter_table("versions") as batch:
        batch.drop_constraint(op.f("fk_versions_facts_sha_blobs"), type_="foreignkey")
        batch.drop_column("facts_sha")
