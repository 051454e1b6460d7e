"""Cluster: check slots, host gates, workers

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30

Checks run by queue workers: one row per watch and slot recorded (unique),
the next allowed request per host, the workers seen, and which worker ran
each check.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "check_slots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("watch_id", sa.Integer(), nullable=False),
        sa.Column("slot", sa.DateTime(), nullable=False),
        sa.Column("check_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["watch_id"], ["watches.id"], name=op.f("fk_check_slots_watch_id_watches")
        ),
        sa.ForeignKeyConstraint(
            ["check_id"], ["checks.id"], name=op.f("fk_check_slots_check_id_checks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_slots")),
    )
    with op.batch_alter_table("check_slots", schema=None) as batch_op:
        batch_op.create_index("ix_check_slots_watch_slot", ["watch_id", "slot"], unique=True)
    op.create_table(
        "host_gates",
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("ready_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("host", name=op.f("pk_host_gates")),
    )
    op.create_table(
        "workers",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("host", sa.String(length=200), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.Column("last_task_at", sa.DateTime(), nullable=True),
        sa.Column("last_watch", sa.String(length=200), nullable=True),
        sa.Column("tasks", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_workers")),
    )
    with op.batch_alter_table("checks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("worker", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("checks", schema=None) as batch_op:
        batch_op.drop_column("worker")
    op.drop_table("workers")
    op.drop_table("host_gates")
    with op.batch_alter_table("check_slots", schema=None) as batch_op:
        batch_op.drop_index("ix_check_slots_watch_slot")
    op.drop_table("check_slots")
