"""default department and SLA policies from the service regulations

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A snapshot of the defaults at this revision (tickets.sla.DEFAULT_POLICIES may change later;
# a migration must not).
POLICIES = [
    # clock, kind, amount, ticket_type, subtype, special, starts_on
    ("reply", "minutes", 240, "consultation", None, None, "received"),
    ("reply", "minutes", 1440, "consultation", None, True, "received"),
    ("handle", "minutes", 360, "repair", None, None, "received"),
    ("handle", "minutes", 30, "repair", "gas_smell", None, "received"),
    ("fix", "minutes", 1440, "repair", None, None, "received"),
    ("handle", "minutes", 360, "outage", None, None, "received"),
    ("restore", "minutes", 1440, "outage", None, None, "received"),
    ("reply", "working_days", 5, "complaint", None, None, "received"),
    ("feedback", "end_of_day", 0, None, None, None, "resolved"),
]


def upgrade() -> None:
    department = sa.table(
        "department",
        sa.column("code", sa.String),
        sa.column("name", sa.String),
        sa.column("is_default", sa.Boolean),
    )
    op.bulk_insert(department, [{"code": "hotline", "name": "热线服务中心", "is_default": True}])
    policy = sa.table(
        "sla_policy",
        sa.column("clock", sa.String),
        sa.column("kind", sa.String),
        sa.column("amount", sa.Integer),
        sa.column("ticket_type", sa.String),
        sa.column("subtype", sa.String),
        sa.column("special", sa.Boolean),
        sa.column("starts_on", sa.String),
    )
    keys = ("clock", "kind", "amount", "ticket_type", "subtype", "special", "starts_on")
    op.bulk_insert(policy, [dict(zip(keys, row, strict=True)) for row in POLICIES])


def downgrade() -> None:
    op.execute("DELETE FROM sla_policy")
    op.execute("DELETE FROM department WHERE code = 'hotline'")
