"""clocks of one kind stopped in a period, for the KPI report

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STOPPED = "stopped_at IS NOT NULL"


def upgrade() -> None:
    with op.batch_alter_table("sla_clock", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sla_clock_name_stopped",
            ["name", "stopped_at"],
            unique=False,
            postgresql_where=sa.text(STOPPED),
            sqlite_where=sa.text(STOPPED),
        )


def downgrade() -> None:
    with op.batch_alter_table("sla_clock", schema=None) as batch_op:
        batch_op.drop_index("ix_sla_clock_name_stopped")
