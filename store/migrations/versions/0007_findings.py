"""Findings: where two sources disagree

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-10

One row per finding (a ``discrepancy`` between a page and a statement it
cites, a ``parity`` gap between two languages of a page), open until the
sources agree again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("left_id", sa.Integer(), nullable=False),
        sa.Column("right_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("section", sa.Text(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("resolution", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["watches.id"], name=op.f("fk_findings_owner_id_watches")
        ),
        sa.ForeignKeyConstraint(
            ["left_id"], ["watches.id"], name=op.f("fk_findings_left_id_watches")
        ),
        sa.ForeignKeyConstraint(
            ["right_id"], ["watches.id"], name=op.f("fk_findings_right_id_watches")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_findings")),
    )
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.create_index("ix_findings_pair", ["left_id", "right_id", "resolved_at"])
        batch_op.create_index("ix_findings_owner", ["owner_id", "opened_at"])


def downgrade() -> None:
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.drop_index("ix_findings_owner")
        batch_op.drop_index("ix_findings_pair")
    op.drop_table("findings")
