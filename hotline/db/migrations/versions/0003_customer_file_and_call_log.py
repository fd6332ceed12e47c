"""customer file and call log

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import hotline.db.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "customer_address",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("area", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("customer_address", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customer_address_area"), ["area"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_customer_address_customer_id"), ["customer_id"], unique=False
        )

    op.create_table(
        "customer_phone",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("number", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("customer_id", "number"),
    )
    with op.batch_alter_table("customer_phone", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_customer_phone_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_customer_phone_number"), ["number"], unique=False)

    op.create_table(
        "customer_meter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("address_id", sa.Integer(), nullable=True),
        sa.Column("meter_number", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["address_id"],
            ["customer_address.id"],
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("customer_meter", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_customer_meter_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_customer_meter_meter_number"), ["meter_number"], unique=True
        )

    op.create_table(
        "call_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("server", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("linkedid", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("direction", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("caller", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("dialled", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("ivr_choice", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("queue", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("agent_name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("agent_interface", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("agent_user_id", sa.Integer(), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("started_at", hotline.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answered_at", hotline.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", hotline.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("wait_seconds", sa.Float(), nullable=True),
        sa.Column("talk_seconds", sa.Float(), nullable=True),
        sa.Column("disposition", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column(
            "originate_action_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True
        ),
        sa.Column("requested_by_user_id", sa.Integer(), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", hotline.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_user_id"],
            ["user_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_user_id"],
            ["user_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["ticket.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("server", "linkedid"),
    )
    with op.batch_alter_table("call_log", schema=None) as batch_op:
        batch_op.create_index(
            "ix_call_log_agent_started", ["agent_name", "started_at"], unique=False
        )
        batch_op.create_index("ix_call_log_caller_started", ["caller", "started_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_call_log_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_call_log_disposition"), ["disposition"], unique=False)
        batch_op.create_index(batch_op.f("ix_call_log_linkedid"), ["linkedid"], unique=False)
        batch_op.create_index("ix_call_log_started_at", ["started_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_call_log_ticket_id"), ["ticket_id"], unique=False)

    # Move each customer's single phone/address into the new tables before the columns go.
    op.execute(
        "INSERT INTO customer_phone (customer_id, number) "
        "SELECT id, phone FROM customer WHERE phone IS NOT NULL AND phone <> ''"
    )
    op.execute(
        "INSERT INTO customer_address (customer_id, address, area, is_primary) "
        "SELECT id, address, area, TRUE FROM customer WHERE address IS NOT NULL AND address <> ''"
    )
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True)
        )
        batch_op.add_column(
            sa.Column("updated_at", hotline.db.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.drop_index(batch_op.f("ix_customer_phone"))
        batch_op.drop_column("phone")
        batch_op.drop_column("address")
        batch_op.drop_column("area")


def downgrade() -> None:
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("area", sa.VARCHAR(length=64), nullable=True))
        batch_op.add_column(sa.Column("address", sa.VARCHAR(length=200), nullable=True))
        batch_op.add_column(sa.Column("phone", sa.VARCHAR(length=20), nullable=True))
        batch_op.create_index(batch_op.f("ix_customer_phone"), ["phone"], unique=False)
        batch_op.drop_column("updated_at")
        batch_op.drop_column("note")
    op.execute(
        "UPDATE customer SET phone = (SELECT p.number FROM customer_phone p "
        "WHERE p.customer_id = customer.id ORDER BY p.id LIMIT 1)"
    )
    op.execute(
        "UPDATE customer SET address = (SELECT a.address FROM customer_address a "
        "WHERE a.customer_id = customer.id ORDER BY a.is_primary DESC, a.id LIMIT 1), "
        "area = (SELECT a.area FROM customer_address a "
        "WHERE a.customer_id = customer.id ORDER BY a.is_primary DESC, a.id LIMIT 1)"
    )

    with op.batch_alter_table("call_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_call_log_ticket_id"))
        batch_op.drop_index("ix_call_log_started_at")
        batch_op.drop_index(batch_op.f("ix_call_log_linkedid"))
        batch_op.drop_index(batch_op.f("ix_call_log_disposition"))
        batch_op.drop_index(batch_op.f("ix_call_log_customer_id"))
        batch_op.drop_index("ix_call_log_caller_started")
        batch_op.drop_index("ix_call_log_agent_started")

    op.drop_table("call_log")
    with op.batch_alter_table("customer_meter", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_meter_meter_number"))
        batch_op.drop_index(batch_op.f("ix_customer_meter_customer_id"))

    op.drop_table("customer_meter")
    with op.batch_alter_table("customer_phone", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_phone_number"))
        batch_op.drop_index(batch_op.f("ix_customer_phone_customer_id"))

    op.drop_table("customer_phone")
    with op.batch_alter_table("customer_address", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_address_customer_id"))
        batch_op.drop_index(batch_op.f("ix_customer_address_area"))

    op.drop_table("customer_address")
