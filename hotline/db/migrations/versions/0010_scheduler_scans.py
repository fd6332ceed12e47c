"""partial indexes for the scheduler's frequent scans: calls being dialled, visits booked

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DIALLING = "dialling_since IS NOT NULL"
BOOKED = "status = 'booked'"


def upgrade() -> None:
    with op.batch_alter_table("callback_task", schema=None) as batch_op:
        batch_op.create_index(
            "ix_callback_task_dialling",
            ["dialling_since"],
            unique=False,
            postgresql_where=sa.text(DIALLING),
            sqlite_where=sa.text(DIALLING),
        )
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.create_index(
            "ix_visit_booked_end",
            ["window_end"],
            unique=False,
            postgresql_where=sa.text(BOOKED),
            sqlite_where=sa.text(BOOKED),
        )


def downgrade() -> None:
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.drop_index("ix_visit_booked_end")
    with op.batch_alter_table("callback_task", schema=None) as batch_op:
        batch_op.drop_index("ix_callback_task_dialling")
