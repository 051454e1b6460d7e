"""Blobs can be stored as deltas against another blob

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-14

``base_sha`` names the blob a delta is compressed against (``NULL``: a full
snapshot), ``depth`` the number of deltas from the nearest snapshot. The
blobs already stored are full zlib snapshots: ``NULL`` and ``0``, and they
are read as before. Nothing is rewritten.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("blobs") as batch:
        batch.add_column(sa.Column("base_sha", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("depth", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("blobs") as batch:
        batch.drop_column("depth")
        batch.drop_column("base_sha")
