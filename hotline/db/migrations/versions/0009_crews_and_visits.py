"""crews and visits

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import hotline.db.types

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "crew",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("areas", sa.JSON(), nullable=False),
        sa.Column("shift_start", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
        sa.Column("shift_end", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("crew", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_crew_code"), ["code"], unique=True)

    op.create_table(
        "crew_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("crew_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["crew_id"],
            ["crew.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id"),
    )
    with op.batch_alter_table("crew_member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_crew_member_crew_id"), ["crew_id"], unique=False)

    op.create_table(
        "visit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("crew_id", sa.Integer(), nullable=True),
        sa.Column("technician_id", sa.Integer(), nullable=True),
        sa.Column("window_start", hotline.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("window_end", hotline.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("customer_consent", sa.Boolean(), nullable=False),
        sa.Column("change_reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("customer_told_at", hotline.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("against_crew", sa.Boolean(), nullable=False),
        sa.Column("replaced_by", sa.Integer(), nullable=True),
        sa.Column("arrived_at", hotline.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("done_at", hotline.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", hotline.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", hotline.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["crew_id"],
            ["crew.id"],
        ),
        sa.ForeignKeyConstraint(
            ["replaced_by"],
            ["visit.id"],
        ),
        sa.ForeignKeyConstraint(
            ["technician_id"],
            ["user_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["ticket.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_visit_crew_id"), ["crew_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_visit_technician_id"), ["technician_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_visit_ticket_id"), ["ticket_id"], unique=False)
        batch_op.create_index("ix_visit_window_start", ["window_start"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.drop_index("ix_visit_window_start")
        batch_op.drop_index(batch_op.f("ix_visit_ticket_id"))
        batch_op.drop_index(batch_op.f("ix_visit_technician_id"))
        batch_op.drop_index(batch_op.f("ix_visit_crew_id"))

    op.drop_table("visit")
    with op.batch_alter_table("crew_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_crew_member_crew_id"))

    op.drop_table("crew_member")
    with op.batch_alter_table("crew", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_crew_code"))

    op.drop_table("crew")
