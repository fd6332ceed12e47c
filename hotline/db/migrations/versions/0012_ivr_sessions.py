"""the voice menu's session log

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hotline.db.types import UTCDateTime

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ivr_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("linkedid", sa.String(length=64), nullable=True),
        sa.Column("script", sa.String(length=20), nullable=False),
        sa.Column("caller", sa.String(length=32), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("started_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("service", sa.String(length=20), nullable=True),
        sa.Column("finished", sa.String(length=20), nullable=True),
        sa.Column("announced_outage_id", sa.Integer(), nullable=True),
        sa.Column("outage_call", sa.Boolean(), nullable=False),
        sa.Column("status_lookups", sa.Integer(), nullable=False),
        sa.Column("callback_place", sa.Integer(), nullable=True),
        sa.Column("keys", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.ForeignKeyConstraint(["announced_outage_id"], ["ticket.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_ivr_session_linkedid", "ivr_session", ["linkedid"])
    op.create_index("ix_ivr_session_started_at", "ivr_session", ["started_at"])
    op.create_index("ix_ivr_session_outage", "ivr_session", ["announced_outage_id"])


def downgrade() -> None:
    op.drop_table("ivr_session")
