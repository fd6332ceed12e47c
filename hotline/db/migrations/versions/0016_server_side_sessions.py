"""console sessions on the server, expiring tokens, one-time passwords that expire

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

from hotline.db.types import UTCDateTime

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Tokens issued before expiry existed get the default policy's term from today.
LEGACY_TOKEN_DAYS = 90


def upgrade() -> None:
    op.create_table(
        "console_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen", UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("csrf_secret", sa.String(length=64), nullable=False),
        sa.Column("handover_user_id", sa.Integer(), nullable=True),
        sa.Column("handover_password", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"]),
        sa.ForeignKeyConstraint(["handover_user_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_console_session_digest", "console_session", ["digest"], unique=True)
    op.create_index("ix_console_session_user_id", "console_session", ["user_id"])
    with op.batch_alter_table("api_token") as batch:
        batch.add_column(sa.Column("expires_at", UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(
            sa.Column(
                "must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
        batch.add_column(
            sa.Column("password_expires_at", UTCDateTime(timezone=True), nullable=True)
        )
    tokens = sa.table("api_token", sa.column("expires_at", UTCDateTime(timezone=True)))
    op.execute(
        tokens.update()
        .where(tokens.c.expires_at.is_(None))
        .values(expires_at=datetime.now(UTC) + timedelta(days=LEGACY_TOKEN_DAYS))
    )


def downgrade() -> None:
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("password_expires_at")
        batch.drop_column("must_change_password")
    with op.batch_alter_table("api_token") as batch:
        batch.drop_column("expires_at")
    op.drop_table("console_session")
