"""outages as incidents: incidents, the calls and tickets that joined them, suggested ones

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hotline.db.types import UTCDateTime

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "incident",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("cause", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("areas", sa.JSON(), nullable=False),
        sa.Column("accounts", sa.JSON(), nullable=False),
        sa.Column("reported_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("planned_start", UTCDateTime(timezone=True), nullable=True),
        sa.Column("planned_end", UTCDateTime(timezone=True), nullable=True),
        sa.Column("expected_restoration", UTCDateTime(timezone=True), nullable=True),
        sa.Column("short_notice_reason", sa.String(length=500), nullable=True),
        sa.Column("apology", sa.String(length=500), nullable=False),
        sa.Column("agent_script", sa.String(length=2000), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("announced_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("restored_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("relit_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_incident_status", "incident", ["status"])
    op.create_table(
        "incident_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("call_linkedid", sa.String(length=64), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("linked_by", sa.String(length=64), nullable=False),
        sa.Column("linked_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incident.id"]),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("incident_id", "call_linkedid"),
        sa.UniqueConstraint("incident_id", "ticket_id"),
    )
    op.create_index("ix_incident_link_incident_id", "incident_link", ["incident_id"])
    op.create_index("ix_incident_link_call_linkedid", "incident_link", ["call_linkedid"])
    op.create_index("ix_incident_link_ticket_id", "incident_link", ["ticket_id"])
    op.create_table(
        "incident_suggestion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area", sa.String(length=64), nullable=False),
        sa.Column("reports", sa.Integer(), nullable=False),
        sa.Column("first_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incident.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_incident_suggestion_area", "incident_suggestion", ["area"])
    op.create_index("ix_incident_suggestion_status", "incident_suggestion", ["status"])
    with op.batch_alter_table("ivr_session") as batch_op:
        batch_op.add_column(sa.Column("announced_incident_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_ivr_session_announced_incident", "incident", ["announced_incident_id"], ["id"]
        )
        batch_op.create_index("ix_ivr_session_announced_incident_id", ["announced_incident_id"])


def downgrade() -> None:
    with op.batch_alter_table("ivr_session") as batch_op:
        batch_op.drop_index("ix_ivr_session_announced_incident_id")
        batch_op.drop_constraint("fk_ivr_session_announced_incident", type_="foreignkey")
        batch_op.drop_column("announced_incident_id")
    op.drop_table("incident_suggestion")
    op.drop_table("incident_link")
    op.drop_table("incident")
