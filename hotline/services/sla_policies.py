"""Editing the SLA policy table. A running clock keeps the due time it started with; a new
target applies to tickets received from then on."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hotline.db.tables import SlaPolicyRow
from hotline.i18n import N_
from hotline.services import audit
from hotline.services.errors import Invalid, NotFound
from tickets.sla import TargetKind

# What a target may be, per kind: a minute clock from 5 minutes to 30 days, up to 30 working
# days, the end of the day of the event or up to a week of days after it.
BOUNDS: dict[TargetKind, tuple[int, int]] = {
    TargetKind.MINUTES: (5, 30 * 24 * 60),
    TargetKind.WORKING_DAYS: (1, 30),
    TargetKind.END_OF_DAY: (0, 7),
}


def bounds(kind: str) -> tuple[int, int]:
    return BOUNDS[TargetKind(kind)]


async def list_policies(session: AsyncSession) -> list[SlaPolicyRow]:
    return list((await session.exec(select(SlaPolicyRow).order_by(col(SlaPolicyRow.id)))).all())


async def set_target(
    session: AsyncSession, policy_id: int, amount: int, now: datetime, by: str
) -> SlaPolicyRow:
    row = await session.get(SlaPolicyRow, policy_id)
    if row is None:
        raise NotFound(f"no SLA policy {policy_id}")
    low, high = bounds(row.kind)
    if not low <= amount <= high:
        raise Invalid(
            N_("the SLA target was not saved"), {"amount": N_("outside the allowed range")}
        )
    if amount == row.amount:
        return row
    await audit.record(
        session,
        at=now,
        actor=by,
        entity="sla_policy",
        key=str(policy_id),
        action="update",
        before={"amount": row.amount},
        after={"amount": amount},
        note=f"{row.ticket_type or '*'}/{row.subtype or '*'} {row.clock} ({row.kind})",
    )
    row.amount = amount
    session.add(row)
    return row
