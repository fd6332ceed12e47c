"""follow-up callbacks for the callers of an outage, with or without a ticket

Revision ID: 0023
Revises: 0021
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("callback_task", schema=None) as batch_op:
        batch_op.alter_column("ticket_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("incident_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("phone", sa.String(length=32), nullable=True))
        batch_op.create_foreign_key(
            "fk_callback_task_incident_id_incident", "incident", ["incident_id"], ["id"]
        )
        batch_op.create_index("ix_callback_task_incident_id", ["incident_id"], unique=False)
        batch_op.create_unique_constraint(
            "uq_callback_task_incident_id_phone", ["incident_id", "phone"]
        )
        batch_op.create_check_constraint(
            "ck_callback_task_whom", "ticket_id IS NOT NULL OR phone IS NOT NULL"
        )


def downgrade() -> None:
    # Callbacks without a ticket cannot be kept by the older schema.
    op.execute(
        "DELETE FROM callback_attempt WHERE task_id IN "
        "(SELECT id FROM callback_task WHERE ticket_id IS NULL)"
    )
    op.execute("DELETE FROM callback_task WHERE ticket_id IS NULL")
    with op.batch_alter_table("callback_task", schema=None) as batch_op:
        batch_op.drop_constraint("ck_callback_task_whom", type_="check")
        batch_op.drop_constraint("uq_callback_task_incident_id_phone", type_="unique")
        batch_op.drop_index("ix_callback_task_incident_id")
        batch_op.drop_constraint("fk_callback_task_incident_id_incident", type_="foreignkey")
        batch_op.drop_column("phone")
        batch_op.drop_column("incident_id")
        batch_op.alter_column("ticket_id", existing_type=sa.Integer(), nullable=False)
