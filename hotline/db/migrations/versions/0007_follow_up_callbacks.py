"""follow-up callbacks

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import hotline.db.types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


DEFAULT_POLICY = {
    "id": 1,
    "complaint_delay_minutes": 60,
    "repair_delay_minutes": 120,
    "visit_delay_minutes": 120,
    "consultation_delay_minutes": 60,
    "due_hours": 72,
    "quiet_start": "21:00",
    "quiet_end": "08:00",
    "max_attempts": 3,
    "consultation_sample_permille": 100,
    "automated_calls": False,
}


def upgrade() -> None:
    op.create_table(
        "callback_policy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_delay_minutes", sa.Integer(), nullable=False),
        sa.Column("repair_delay_minutes", sa.Integer(), nullable=False),
        sa.Column("visit_delay_minutes", sa.Integer(), nullable=False),
        sa.Column("consultation_delay_minutes", sa.Integer(), nullable=False),
        sa.Column("due_hours", sa.Integer(), nullable=False),
        sa.Column("quiet_start", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
        sa.Column("quiet_end", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("consultation_sample_permille", sa.Integer(), nullable=False),
        sa.Column("automated_calls", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "callback_task",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("event_at", hotline.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("not_before", hotline.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_by", hotline.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("offered_at", hotline.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("dialling_since", hotline.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("dial_action_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("survey", sa.JSON(), nullable=True),
        sa.Column("survey_score", sa.Integer(), nullable=True),
        sa.Column("created_at", hotline.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hotline.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", hotline.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["assignee_id"],
            ["user_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["ticket.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ticket_id", "kind", "event_at"),
    )
    with op.batch_alter_table("callback_task", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_callback_task_assignee_id"), ["assignee_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_callback_task_due_by"), ["due_by"], unique=False)
        batch_op.create_index(
            "ix_callback_task_status_not_before", ["status", "not_before"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_callback_task_ticket_id"), ["ticket_id"], unique=False)

    op.create_table(
        "callback_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("at", hotline.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("call_linkedid", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["callback_task.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("callback_attempt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_callback_attempt_task_id"), ["task_id"], unique=False)

    # The regulations' defaults, until an admin changes them.
    policy = sa.table(
        "callback_policy",
        *(sa.column(name) for name in DEFAULT_POLICY),
    )
    op.bulk_insert(policy, [DEFAULT_POLICY])


def downgrade() -> None:
    with op.batch_alter_table("callback_attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_callback_attempt_task_id"))

    op.drop_table("callback_attempt")
    with op.batch_alter_table("callback_task", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_callback_task_ticket_id"))
        batch_op.drop_index("ix_callback_task_status_not_before")
        batch_op.drop_index(batch_op.f("ix_callback_task_due_by"))
        batch_op.drop_index(batch_op.f("ix_callback_task_assignee_id"))

    op.drop_table("callback_task")
    op.drop_table("callback_policy")
