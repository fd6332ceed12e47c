"""the call an agent is on, found by a partial index of the calls in progress

A live feed that opens while its agent is on a call starts with that call's screen pop; the
call is looked up by the agent, among the calls without an end only.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

IN_PROGRESS = "ended_at IS NULL"


def upgrade() -> None:
    with op.batch_alter_table("call_log", schema=None) as batch_op:
        batch_op.create_index(
            "ix_call_log_agent_in_progress",
            ["agent_user_id"],
            unique=False,
            postgresql_where=sa.text(IN_PROGRESS),
            sqlite_where=sa.text(IN_PROGRESS),
        )


def downgrade() -> None:
    with op.batch_alter_table("call_log", schema=None) as batch_op:
        batch_op.drop_index("ix_call_log_agent_in_progress")
