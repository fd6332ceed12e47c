"""ring-backs: virtual hold and missed calls, their policy, the missed-call scan

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import hotline.db.types

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = "status IN ('waiting', 'dialling')"
ABANDONED = "disposition = 'abandoned'"
DEFAULT_POLICY = {
    "id": 1,
    "missed_call_grace_minutes": 3,
    "retry_minutes": 10,
    "max_attempts": 3,
    "offer_wait_seconds": 90,
    "fresh_minutes": 60,
    "automatic_dialling": True,
}


def upgrade() -> None:
    moment = hotline.db.types.UTCDateTime(timezone=True)
    op.create_table(
        "ringback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("ticket_type", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("queue", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("arrived_at", moment, nullable=False),
        sa.Column("requested_at", moment, nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", moment, nullable=True),
        sa.Column("last_attempt_at", moment, nullable=True),
        sa.Column("call_linkedid", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("dial_action_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("dial_interface", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column(
            "answered_call_linkedid", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True
        ),
        sa.Column("finished_at", moment, nullable=True),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("ringback", schema=None) as batch_op:
        batch_op.create_index(
            "ux_ringback_open_number",
            ["number"],
            unique=True,
            postgresql_where=sa.text(OPEN),
            sqlite_where=sa.text(OPEN),
        )
        batch_op.create_index(
            "ix_ringback_number_requested", ["number", "requested_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_ringback_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_ringback_requested_at"), ["requested_at"], unique=False
        )

    op.create_table(
        "ringback_policy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("missed_call_grace_minutes", sa.Integer(), nullable=False),
        sa.Column("retry_minutes", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("offer_wait_seconds", sa.Integer(), nullable=False),
        sa.Column("fresh_minutes", sa.Integer(), nullable=False),
        sa.Column("automatic_dialling", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "ringback_scan",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("scanned_until", moment, nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    with op.batch_alter_table("call_log", schema=None) as batch_op:
        batch_op.create_index(
            "ix_call_log_abandoned_updated",
            ["disposition", "updated_at"],
            unique=False,
            postgresql_where=sa.text(ABANDONED),
            sqlite_where=sa.text(ABANDONED),
        )

    policy = sa.table("ringback_policy", *(sa.column(name) for name in DEFAULT_POLICY))
    op.bulk_insert(policy, [DEFAULT_POLICY])


def downgrade() -> None:
    with op.batch_alter_table("call_log", schema=None) as batch_op:
        batch_op.drop_index("ix_call_log_abandoned_updated")
    op.drop_table("ringback_scan")
    op.drop_table("ringback_policy")
    with op.batch_alter_table("ringback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ringback_requested_at"))
        batch_op.drop_index(batch_op.f("ix_ringback_customer_id"))
        batch_op.drop_index("ix_ringback_number_requested")
        batch_op.drop_index("ux_ringback_open_number")
    op.drop_table("ringback")
