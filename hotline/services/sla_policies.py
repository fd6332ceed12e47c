"""Editing the SLA policy table and the KPI targets. A running clock keeps the due time it
started with; a new target applies to tickets received from then on. A value looser than the
rules (more time, a lower share) waits for a second admin's confirmation before it is in force,
and is flagged as looser while it is."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hotline.db.tables import KpiTargetRow, SlaPolicyRow
from hotline.i18n import N_
from hotline.services import audit
from hotline.services.errors import Conflict, Invalid, NotFound
from hotline.services.rulebook import policy_from_row
from tickets.regulations import kpi_looser, policy_looser
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


async def _policy_row(session: AsyncSession, policy_id: int) -> SlaPolicyRow:
    row = await session.get(SlaPolicyRow, policy_id)
    if row is None:
        raise NotFound(f"no SLA policy {policy_id}")
    return row


def _label(row: SlaPolicyRow) -> str:
    return f"{row.ticket_type or '*'}/{row.subtype or '*'} {row.clock} ({row.kind})"


async def set_target(
    session: AsyncSession, policy_id: int, amount: int, now: datetime, by: str
) -> SlaPolicyRow:
    """A target within the rules is in force at once; a looser one waits for a second admin."""
    row = await _policy_row(session, policy_id)
    low, high = bounds(row.kind)
    if not low <= amount <= high:
        raise Invalid(
            N_("the SLA target was not saved"), {"amount": N_("outside the allowed range")}
        )
    if amount == row.amount and row.pending_amount is None:
        return row
    looser = policy_looser(policy_from_row(row), amount)
    await audit.record(
        session,
        at=now,
        actor=by,
        entity="sla_policy",
        key=str(policy_id),
        action="ask_looser" if looser else "update",
        before={"amount": row.amount},
        after={"pending_amount" if looser else "amount": amount},
        note=_label(row),
    )
    if looser:
        row.pending_amount, row.pending_by = amount, by
    else:
        row.amount, row.pending_amount, row.pending_by, row.confirmed_by = amount, None, None, None
    session.add(row)
    return row


def _second_admin(asked_by: str | None, by: str) -> None:
    if asked_by is None:
        raise Conflict("nothing waits for confirmation")
    if asked_by == by:
        message = N_("a second admin must confirm a value looser than the rules")
        raise Invalid(message, {"confirm": message})


async def confirm_target(
    session: AsyncSession, policy_id: int, now: datetime, by: str
) -> SlaPolicyRow:
    """A second admin puts a looser target in force."""
    row = await _policy_row(session, policy_id)
    _second_admin(row.pending_by, by)
    assert row.pending_amount is not None
    await audit.record(
        session,
        at=now,
        actor=by,
        entity="sla_policy",
        key=str(policy_id),
        action="confirm_looser",
        before={"amount": row.amount},
        after={"amount": row.pending_amount, "asked_by": row.pending_by},
        note=_label(row),
    )
    row.amount, row.confirmed_by = row.pending_amount, by
    row.pending_amount, row.pending_by = None, None
    session.add(row)
    return row


async def list_kpi_targets(session: AsyncSession) -> list[KpiTargetRow]:
    return list((await session.exec(select(KpiTargetRow).order_by(col(KpiTargetRow.id)))).all())


async def _kpi_row(session: AsyncSession, name: str) -> KpiTargetRow:
    row = (await session.exec(select(KpiTargetRow).where(col(KpiTargetRow.name) == name))).first()
    if row is None:
        raise NotFound(f"no KPI target {name}")
    return row


async def set_kpi_target(
    session: AsyncSession, name: str, target: float, now: datetime, by: str
) -> KpiTargetRow:
    """A KPI target as a share from 0 to 1: as strict as the rules or stricter at once, a
    looser one waiting for a second admin."""
    row = await _kpi_row(session, name)
    if not 0 <= target <= 1:
        message = N_("a share from 0 to 1")
        raise Invalid(N_("the KPI target was not saved"), {"target": message})
    looser = kpi_looser(name, target)
    await audit.record(
        session,
        at=now,
        actor=by,
        entity="kpi_target",
        key=name,
        action="ask_looser" if looser else "update",
        before={"target": row.target},
        after={"pending_target" if looser else "target": target},
    )
    if looser:
        row.pending_target, row.pending_by = target, by
    else:
        row.target, row.pending_target, row.pending_by, row.confirmed_by = target, None, None, None
    row.updated_at = now
    session.add(row)
    return row


async def confirm_kpi_target(
    session: AsyncSession, name: str, now: datetime, by: str
) -> KpiTargetRow:
    row = await _kpi_row(session, name)
    _second_admin(row.pending_by, by)
    assert row.pending_target is not None
    await audit.record(
        session,
        at=now,
        actor=by,
        entity="kpi_target",
        key=name,
        action="confirm_looser",
        before={"target": row.target},
        after={"target": row.pending_target, "asked_by": row.pending_by},
    )
    row.target, row.confirmed_by = row.pending_target, by
    row.pending_target, row.pending_by = None, None
    row.updated_at = now
    session.add(row)
    return row
