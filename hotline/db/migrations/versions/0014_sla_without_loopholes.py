"""SLA rules without loopholes: pause allowances, and what the ticket waits for

Revision ID: 0014
Revises: 0012
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hotline.db.types import UTCDateTime

revision: str = "0014"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Minutes a clock may wait for the customer, in all (tickets/sla.py DEFAULT_PAUSE_LIMIT).
PAUSE_LIMIT = 48 * 60


def upgrade() -> None:
    with op.batch_alter_table("sla_policy") as batch_op:
        batch_op.add_column(
            sa.Column("pause_limit", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("extension_limit", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("extension_days", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("pending_amount", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("pending_by", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("confirmed_by", sa.String(length=64), nullable=True))
    with op.batch_alter_table("sla_clock") as batch_op:
        batch_op.add_column(
            sa.Column("pause_limit_seconds", sa.Float(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("extensions", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("looser_than_rules", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("extension_agreed_via", sa.String(length=100), nullable=True))
        batch_op.add_column(
            sa.Column("extension_agreed_at", UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("ticket") as batch_op:
        batch_op.add_column(sa.Column("waiting_for", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("reopened", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("last_event_at", UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("resolution", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("special_reason", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("resolution_reason", sa.String(length=500), nullable=True))
    with op.batch_alter_table("callback_attempt") as batch_op:
        batch_op.add_column(sa.Column("reason", sa.String(length=500), nullable=True))
    with op.batch_alter_table("escalation") as batch_op:
        batch_op.add_column(sa.Column("withdrawn_at", UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("withdrawn_note", sa.String(length=500), nullable=True))
    # Hour clocks other than a gas smell's and an outage's may wait for the customer, up to
    # the allowance; those already running keep theirs.
    op.execute(
        sa.text(
            "UPDATE sla_policy SET pause_limit = :limit "
            "WHERE kind = 'minutes' AND ticket_type IN ('consultation', 'repair') "
            "AND subtype IS NULL"
        ).bindparams(limit=PAUSE_LIMIT)
    )
    op.execute(
        sa.text(
            "UPDATE sla_clock SET pause_limit_seconds = :seconds "
            "WHERE pausable AND ticket_id IN (SELECT id FROM ticket "
            "WHERE type IN ('consultation', 'repair') AND coalesce(subtype, '') <> 'gas_smell')"
        ).bindparams(seconds=PAUSE_LIMIT * 60)
    )
    # A complaint's reply: at most two extensions, ten working days past the original deadline.
    op.execute(
        sa.text(
            "UPDATE sla_policy SET extension_limit = 2, extension_days = 10 "
            "WHERE clock = 'reply' AND ticket_type = 'complaint'"
        )
    )
    # Extensions already agreed count against the limit.
    op.execute(sa.text("UPDATE sla_clock SET extensions = 1 WHERE basis = 'extension'"))
    _kpi_targets()
    policy = sa.table(
        "sla_policy",
        sa.column("clock", sa.String),
        sa.column("kind", sa.String),
        sa.column("amount", sa.Integer),
        sa.column("ticket_type", sa.String),
        sa.column("subtype", sa.String),
        sa.column("starts_on", sa.String),
        sa.column("pause_limit", sa.Integer),
    )
    # A gas smell's fix clock: 24 h like any repair's, but it never waits.
    op.bulk_insert(
        policy,
        [
            {
                "clock": "fix",
                "kind": "minutes",
                "amount": 24 * 60,
                "ticket_type": "repair",
                "subtype": "gas_smell",
                "starts_on": "received",
                "pause_limit": 0,
            },
            # The customer's own equipment: a technician goes at once; 30 minutes.
            {
                "clock": "handle",
                "kind": "minutes",
                "amount": 30,
                "ticket_type": "repair",
                "subtype": "indoor_equipment",
                "starts_on": "received",
                "pause_limit": PAUSE_LIMIT,
            },
            # Every new ticket is taken up by a person within the day it came in (上传下达).
            *(
                {
                    "clock": "take_up",
                    "kind": "end_of_day",
                    "amount": 0,
                    "ticket_type": ticket_type,
                    "subtype": None,
                    "starts_on": "received",
                    "pause_limit": 0,
                }
                for ticket_type in ("consultation", "repair", "complaint", "outage")
            ),
        ],
    )


def _kpi_targets() -> None:
    table = op.create_table(
        "kpi_target",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("target", sa.Float(), nullable=False),
        sa.Column("pending_target", sa.Float(), nullable=True),
        sa.Column("pending_by", sa.String(length=64), nullable=True),
        sa.Column("confirmed_by", sa.String(length=64), nullable=True),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    # The regulations' targets (tickets/regulations.py KPI_RULE_TARGETS).
    op.bulk_insert(
        table,
        [
            {"name": name, "target": target}
            for name, target in (
                ("repair_timeliness", 1.0),
                ("first_time_fix_rate", 0.96),
                ("callback_rate", 1.0),
                ("consultation_reply_rate", 1.0),
                ("complaint_reply_rate_agreed", 1.0),
            )
        ],
    )


def downgrade() -> None:
    op.drop_table("kpi_target")
    op.execute("DELETE FROM sla_policy WHERE clock = 'fix' AND subtype = 'gas_smell'")
    op.execute("DELETE FROM sla_policy WHERE clock = 'handle' AND subtype = 'indoor_equipment'")
    op.execute("DELETE FROM sla_clock WHERE name = 'take_up'")
    op.execute("DELETE FROM sla_policy WHERE clock = 'take_up'")
    with op.batch_alter_table("ticket") as batch_op:
        batch_op.drop_column("special_reason")
        batch_op.drop_column("resolution_reason")
        batch_op.drop_column("resolution")
        batch_op.drop_column("last_event_at")
        batch_op.drop_column("reopened")
        batch_op.drop_column("waiting_for")
    with op.batch_alter_table("callback_attempt") as batch_op:
        batch_op.drop_column("reason")
    with op.batch_alter_table("escalation") as batch_op:
        batch_op.drop_column("withdrawn_note")
        batch_op.drop_column("withdrawn_at")
    with op.batch_alter_table("sla_clock") as batch_op:
        batch_op.drop_column("extension_agreed_at")
        batch_op.drop_column("extension_agreed_via")
        batch_op.drop_column("looser_than_rules")
        batch_op.drop_column("extensions")
        batch_op.drop_column("pause_limit_seconds")
    with op.batch_alter_table("sla_policy") as batch_op:
        batch_op.drop_column("confirmed_by")
        batch_op.drop_column("pending_by")
        batch_op.drop_column("pending_amount")
        batch_op.drop_column("extension_days")
        batch_op.drop_column("extension_limit")
        batch_op.drop_column("pause_limit")
