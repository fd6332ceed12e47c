"""the SMS outbox

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hotline.db.types import UTCDateTime

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sms_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("event", sa.String(length=120), nullable=False),
        sa.Column("template", sa.String(length=40), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("text", sa.String(length=1000), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("emergency", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("throttles", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("message_id", sa.String(length=65), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column("queued_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("sending_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("sent_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("failed_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedupe_key"),
    )
    op.create_index("ix_sms_outbox_event", "sms_outbox", ["event"])
    op.create_index("ix_sms_outbox_phone", "sms_outbox", ["phone"])
    op.create_index("ix_sms_outbox_customer_id", "sms_outbox", ["customer_id"])
    op.create_index("ix_sms_outbox_message_id", "sms_outbox", ["message_id"])
    op.create_index("ix_sms_outbox_status_queued_at", "sms_outbox", ["status", "queued_at"])
    op.create_index(
        "ix_sms_outbox_due",
        "sms_outbox",
        ["next_attempt_at"],
        postgresql_where=sa.text("status = 'queued'"),
        sqlite_where=sa.text("status = 'queued'"),
    )


def downgrade() -> None:
    op.drop_table("sms_outbox")
