"""Missed calls become ring-backs: the scheduler reads the missed inbound queue calls (abandoned,
or let go at the queue's timeout and hung up after) the call log gained since its last look (a gas
smell at once, the rest after the grace time) and makes a ring-back of each from a number we can
call, unless the caller got through meanwhile or was called back already."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hotline.db.tables import CallRow, RingbackRow, RingbackScan
from hotline.db.tables.ringbacks import MISSED
from hotline.services.ringbacks import OPEN_STATUSES, Added, add_request
from hotline.telephony.model import Direction
from tickets import ringbacks as rules
from tickets.ringbacks import RingbackPolicy, RingbackReason, reason_of_missed_call

# Rows the call-log writer stamped this recently may still be committing: read them next time.
WRITE_LAG = timedelta(seconds=10)
# The first scan reads no further back than this (not a year of history).
FIRST_SCAN = timedelta(hours=1)


@dataclass(frozen=True)
class Missed:
    """A missed queue call to be called back, and the ring-back it became."""

    added: Added
    call: CallRow


async def _cursor(session: AsyncSession, name: str, now: datetime) -> RingbackScan:
    scan = await session.get(RingbackScan, name, with_for_update=True)
    if scan is None:
        scan = RingbackScan(name=name, scanned_until=now - FIRST_SCAN)
        session.add(scan)
    return scan


async def scan_missed_calls(
    session: AsyncSession,
    now: datetime,
    policy: RingbackPolicy,
    local_area_code: str,
    *,
    gas_smell: bool,
) -> list[Missed]:
    """Missed inbound queue calls (abandoned or timed out) written to the call log since the
    last scan of this kind, each from a number we can call, made ring-backs. Gas-smell calls
    are scanned at once, the others once the grace time has passed; a caller who got through
    meanwhile, or was called back since the call began, needs none. The scan runs every few
    seconds on the one scheduler, so each reads the handful of calls of those seconds."""
    scan = await _cursor(session, "gas_smell" if gas_smell else "missed_calls", now)
    until = now - max(WRITE_LAG, timedelta(0) if gas_smell else policy.missed_call_grace)
    if until <= scan.scanned_until:
        return []
    calls = (
        await session.exec(
            select(CallRow)
            .where(
                # Spelled as the partial index's condition, so that SQLite uses the index too
                # (it cannot match a bound parameter to it).
                text(MISSED),
                col(CallRow.updated_at) > scan.scanned_until,
                col(CallRow.updated_at) <= until,
                col(CallRow.direction) == Direction.INBOUND.value,
            )
            .order_by(col(CallRow.updated_at), col(CallRow.id))
        )
    ).all()
    scan.scanned_until = until
    session.add(scan)
    missed: list[Missed] = []
    for call in calls:
        reason = reason_of_missed_call(call.ivr_choice, call.queue)
        number = rules.callable_number(call.caller, local_area_code)
        if number is None or (reason is RingbackReason.GAS_SMELL_MISSED) != gas_smell:
            continue
        if await _handled_since(session, number, call):
            continue
        request = rules.Request(
            reason=reason,
            arrived_at=rules.joined_queue_at(call.started_at, call.ended_at, call.wait_seconds),
            ticket_type=call.ivr_choice,
            queue=call.queue,
            customer_id=call.customer_id,
        )
        added = await add_request(session, number, request, call.linkedid, now)
        missed.append(Missed(added, call))
    return missed


async def _handled_since(session: AsyncSession, number: str, call: CallRow) -> bool:
    """The caller got through after this call began (an answered call either way), or a
    ring-back was asked for since (by the IVR on this very call, or on a later one)."""
    answered = await session.exec(
        select(CallRow.id).where(
            col(CallRow.caller) == number,
            col(CallRow.started_at) >= call.started_at,
            col(CallRow.answered_at).is_not(None),
            col(CallRow.id) != call.id,
        )
    )
    if answered.first() is not None:
        return True
    asked = await session.exec(
        select(RingbackRow.id).where(
            col(RingbackRow.number) == number,
            or_(
                col(RingbackRow.requested_at) >= call.started_at,
                col(RingbackRow.call_linkedid) == call.linkedid,
            ),
            col(RingbackRow.status).not_in(OPEN_STATUSES),
        )
    )
    return asked.first() is not None
