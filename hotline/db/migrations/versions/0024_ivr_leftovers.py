"""the missed-call scan's index covers calls let go at the queue's timeout

A caller whose queue wait ran out and who hung up during the callback offer is now
`timed_out` in the call log (queue_log EXITWITHTIMEOUT), not abandoned; the missed-call scan
still makes a ring-back of it, so its partial index takes both dispositions.

Revision ID: 0024
Revises: 0021
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ABANDONED = "disposition = 'abandoned'"
MISSED = "disposition IN ('abandoned', 'timed_out')"


def _index(name: str, where: str) -> None:
    with op.batch_alter_table("call_log", schema=None) as batch_op:
        batch_op.create_index(
            name,
            ["disposition", "updated_at"],
            unique=False,
            postgresql_where=sa.text(where),
            sqlite_where=sa.text(where),
        )


def upgrade() -> None:
    with op.batch_alter_table("call_log", schema=None) as batch_op:
        batch_op.drop_index("ix_call_log_abandoned_updated")
    _index("ix_call_log_missed_updated", MISSED)


def downgrade() -> None:
    with op.batch_alter_table("call_log", schema=None) as batch_op:
        batch_op.drop_index("ix_call_log_missed_updated")
    _index("ix_call_log_abandoned_updated", ABANDONED)
