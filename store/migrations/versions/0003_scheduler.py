"""scheduler lease, watch schedule, misfires, followed links

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scheduler_lease",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=True),
        sa.Column("acquired_at", sa.DateTime(), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=True),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scheduler_lease")),
    )
    op.create_table(
        "watch_schedule",
        sa.Column("watch_id", sa.Integer(), nullable=False),
        sa.Column("next_run_at", sa.DateTime(), nullable=True),
        sa.Column("retry_after_until", sa.DateTime(), nullable=True),
        sa.Column("follow_sig", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["watch_id"], ["watches.id"], name=op.f("fk_watch_schedule_watch_id_watches")
        ),
        sa.PrimaryKeyConstraint("watch_id", name=op.f("pk_watch_schedule")),
    )
    op.create_table(
        "misfires",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("watch_id", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("detected_at", sa.DateTime(), nullable=False),
        sa.Column("missed", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["watch_id"], ["watches.id"], name=op.f("fk_misfires_watch_id_watches")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_misfires")),
    )
    with op.batch_alter_table("misfires", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_misfires_watch_id"), ["watch_id"], unique=False)
    op.create_table(
        "followed_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("child_name", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["watches.id"], name=op.f("fk_followed_links_parent_id_watches")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followed_links")),
    )
    with op.batch_alter_table("followed_links", schema=None) as batch_op:
        batch_op.create_index("ix_followed_links_parent_url", ["parent_id", "url"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("followed_links", schema=None) as batch_op:
        batch_op.drop_index("ix_followed_links_parent_url")
    op.drop_table("followed_links")
    with op.batch_alter_table("misfires", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_misfires_watch_id"))
    op.drop_table("misfires")
    op.drop_table("watch_schedule")
    op.drop_table("scheduler_lease")
