"""Ring-backs in the database: asked for (or made of missed calls: missed_calls.py), claimed
for dialling, settled from the call log, dropped when the caller got through, listed. The
rules are pure (tickets/ringbacks.py); this module keeps their state, inside the transaction it
is given."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hotline.db.tables import CallRow, Customer, RingbackRow, User
from hotline.services import audit
from hotline.services.errors import Conflict, NotFound
from hotline.telephony.model import Direction, Disposition
from tickets import ringbacks as rules
from tickets.ringbacks import (
    OPEN,
    DialOutcome,
    RingbackPolicy,
    RingbackReason,
    RingbackStatus,
)

OPEN_STATUSES = [status.value for status in OPEN]
# An attempt with no word of its call in the call log this long is counted as not answered.
DIAL_TIMEOUT = timedelta(minutes=5)
_OUTCOMES = {Disposition.BUSY.value: DialOutcome.BUSY, Disposition.FAILED.value: DialOutcome.FAILED}


def state_of(row: RingbackRow) -> rules.Ringback:
    assert row.id is not None
    return rules.Ringback(
        id=row.id,
        reason=RingbackReason(row.reason),
        status=RingbackStatus(row.status),
        arrived_at=row.arrived_at,
        queue=row.queue,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
    )


def _apply(row: RingbackRow, state: rules.Ringback, now: datetime) -> None:
    row.status = state.status.value
    row.attempts = state.attempts
    row.next_attempt_at = state.next_attempt_at
    if not state.status.open:
        row.finished_at = now
        row.dial_interface = None


async def _audit(
    session: AsyncSession,
    row: RingbackRow,
    action: str,
    now: datetime,
    by: str = "system",
    before: dict[str, Any] | None = None,
    note: str | None = None,
) -> None:
    await audit.record(
        session,
        at=now,
        actor=by,
        entity="ringback",
        key=str(row.id),
        action=action,
        before=before,
        after={"status": row.status, "reason": row.reason, "attempts": row.attempts},
        note=note,
    )


async def open_ringbacks(session: AsyncSession, *, lock: bool = False) -> list[RingbackRow]:
    statement = select(RingbackRow).where(col(RingbackRow.status).in_(OPEN_STATUSES))
    if lock:
        statement = statement.with_for_update()
    return list((await session.exec(statement)).all())


def place_among(row: RingbackRow, open_rows: Iterable[RingbackRow]) -> int:
    return rules.place(row.id or 0, [state_of(other) for other in open_rows])


async def get(session: AsyncSession, ringback_id: int, *, lock: bool = False) -> RingbackRow:
    statement = select(RingbackRow).where(col(RingbackRow.id) == ringback_id)
    if lock:
        statement = statement.with_for_update()
    row = (await session.exec(statement)).first()
    if row is None:
        raise NotFound(f"no ring-back {ringback_id}")
    return row


def _request_of(row: RingbackRow) -> rules.Request:
    return rules.Request(
        reason=RingbackReason(row.reason),
        arrived_at=row.arrived_at,
        ticket_type=row.ticket_type,
        queue=row.queue,
        customer_id=row.customer_id,
    )


@dataclass(frozen=True)
class Added:
    row: RingbackRow
    created: bool
    # A new one, or the open one changed by joining the request (an earlier place, a gas smell).
    changed: bool


async def add_request(
    session: AsyncSession,
    number: str,
    request: rules.Request,
    call_linkedid: str | None,
    now: datetime,
) -> Added:
    """The number's open ring-back with this request joined to it, or a new one. `number`
    is E.164."""
    found = (
        await session.exec(
            select(RingbackRow)
            .where(
                col(RingbackRow.number) == number,
                col(RingbackRow.status).in_(OPEN_STATUSES),
            )
            .with_for_update()
        )
    ).first()
    if found is not None:
        before = _request_of(found)
        merged = rules.merge(before, request)
        if merged == before:
            return Added(found, created=False, changed=False)
        found.reason = merged.reason.value
        found.arrived_at = merged.arrived_at
        found.ticket_type = merged.ticket_type
        found.queue = merged.queue
        found.customer_id = merged.customer_id
        session.add(found)
        await _audit(session, found, "merge", now, before={"reason": before.reason.value})
        return Added(found, created=False, changed=True)
    row = RingbackRow(
        number=number,
        customer_id=request.customer_id,
        reason=request.reason.value,
        ticket_type=request.ticket_type,
        queue=request.queue,
        # The PBX's clock, as the call log's times: `now` (ours) is no bound for it.
        arrived_at=request.arrived_at,
        requested_at=now,
        status=RingbackStatus.WAITING.value,
        call_linkedid=call_linkedid,
    )
    session.add(row)
    await session.flush()
    await _audit(session, row, "create", now)
    return Added(row, created=True, changed=True)


@dataclass(frozen=True)
class Settled:
    """A ring-back that changed state, and what changed it."""

    row: RingbackRow
    kind: str  # connected, retry, failed, dropped


async def _finish_attempt(
    session: AsyncSession,
    row: RingbackRow,
    outcome: DialOutcome,
    now: datetime,
    policy: RingbackPolicy,
    note: str,
) -> Settled:
    state = rules.after_attempt(state_of(row), outcome, now, policy)
    _apply(row, state, now)
    row.note = note
    row.dial_action_id = None
    row.dial_interface = None
    session.add(row)
    await _audit(session, row, "attempt", now, note=note)
    kind = {RingbackStatus.CONNECTED: "connected", RingbackStatus.FAILED: "failed"}
    return Settled(row, kind.get(state.status, "retry"))


async def settle_dials(
    session: AsyncSession, now: datetime, policy: RingbackPolicy
) -> list[Settled]:
    """Ring-backs being dialled whose call the call log now tells: answered (connected),
    ended unanswered (retried later or failed), or never heard of within DIAL_TIMEOUT."""
    rows = (
        await session.exec(
            select(RingbackRow, CallRow)
            .join(
                CallRow,
                col(CallRow.originate_action_id) == col(RingbackRow.dial_action_id),
                isouter=True,
            )
            .where(col(RingbackRow.status) == RingbackStatus.DIALLING.value)
            .with_for_update(of=RingbackRow, skip_locked=True)
        )
    ).all()
    settled = []
    for row, call in rows:
        started = row.last_attempt_at or row.requested_at
        if call is not None and call.answered_at is not None:
            done = await _finish_attempt(
                session, row, DialOutcome.ANSWERED, now, policy, "answered"
            )
            row.answered_call_linkedid = call.linkedid
        elif call is not None and call.ended_at is not None:
            outcome = _OUTCOMES.get(call.disposition or "", DialOutcome.NO_ANSWER)
            done = await _finish_attempt(
                session, row, outcome, now, policy, f"{call.disposition or 'ended'}"
            )
        elif now - started > DIAL_TIMEOUT:
            done = await _finish_attempt(
                session, row, DialOutcome.NO_ANSWER, now, policy, "no word from the phone system"
            )
        else:
            continue
        settled.append(done)
    return settled


async def settle_by_other_calls(session: AsyncSession, now: datetime) -> list[Settled]:
    """Open ring-backs whose caller got through meanwhile (an answered inbound call after
    they joined the queue: dropped) or was reached by an agent's own call (an answered
    outbound call since the request, not the dialler's: connected)."""
    open_rows = {row.number: row for row in await open_ringbacks(session, lock=True)}
    if not open_rows:
        return []
    earliest = min(row.arrived_at for row in open_rows.values())
    calls = (
        await session.exec(
            select(CallRow)
            .where(
                col(CallRow.caller).in_(list(open_rows)),
                col(CallRow.started_at) >= earliest,
                col(CallRow.answered_at).is_not(None),
            )
            .order_by(col(CallRow.answered_at))
        )
    ).all()
    settled = []
    for call in calls:
        row = open_rows.get(call.caller or "")
        if row is None or not RingbackStatus(row.status).open:
            continue
        assert call.answered_at is not None
        inbound = call.direction == Direction.INBOUND.value
        if inbound and call.linkedid != row.call_linkedid and call.answered_at > row.arrived_at:
            state = rules.drop(state_of(row))
            kind, note = "dropped", "the caller got through"
        elif (
            not inbound
            and call.answered_at >= row.requested_at
            and (row.dial_action_id is None or call.originate_action_id != row.dial_action_id)
        ):
            state = rules.reached_otherwise(state_of(row))
            kind, note = "connected", "reached by an agent's call"
        else:
            continue
        _apply(row, state, now)
        row.answered_call_linkedid = call.linkedid
        row.note = note
        session.add(row)
        await _audit(session, row, kind, now, note=note)
        settled.append(Settled(row, kind))
    return settled


async def claim_for_dialling(
    session: AsyncSession,
    queues: Mapping[str, rules.QueueSeats],
    now: datetime,
    policy: RingbackPolicy,
    tz: ZoneInfo,
) -> list[tuple[RingbackRow, str]]:
    """The ring-backs to dial now and the agent's phone each rings first; marked dialling
    in this transaction."""
    rows = await open_ringbacks(session, lock=True)
    by_id = {row.id: row for row in rows}
    in_use = [row.dial_interface for row in rows if row.dial_interface]
    chosen = rules.choose_dials(
        [state_of(row) for row in rows if row.status == RingbackStatus.WAITING.value],
        queues,
        in_use,
        now,
        policy,
        tz,
    )
    claimed = []
    for state, phone in chosen:
        row = by_id[state.id]
        _apply(row, rules.start_dialling(state, now), now)
        row.dial_interface = phone
        row.dial_action_id = None
        row.last_attempt_at = now
        session.add(row)
        claimed.append((row, phone))
    await session.flush()
    return claimed


async def dialled(session: AsyncSession, ringback_id: int, action_id: str) -> None:
    row = await session.get(RingbackRow, ringback_id)
    if row is not None and row.status == RingbackStatus.DIALLING.value:
        row.dial_action_id = action_id
        session.add(row)


async def dial_refused(
    session: AsyncSession, ringback_id: int, now: datetime, policy: RingbackPolicy, note: str
) -> Settled | None:
    """The phone system would not place the call: an attempt that failed."""
    row = await get(session, ringback_id, lock=True)
    if row.status != RingbackStatus.DIALLING.value:
        return None
    return await _finish_attempt(session, row, DialOutcome.FAILED, now, policy, note)


async def withdraw(
    session: AsyncSession, ringback_id: int, by: str, note: str | None, now: datetime
) -> RingbackRow:
    row = await get(session, ringback_id, lock=True)
    try:
        state = rules.drop(state_of(row))
    except rules.RingbackError as error:
        raise Conflict(error.message) from error
    _apply(row, state, now)
    row.note = note or "withdrawn"
    session.add(row)
    await _audit(session, row, "withdraw", now, by=by, note=note)
    return row


async def users_by_phone(session: AsyncSession, phones: Iterable[str]) -> dict[str, User]:
    wanted = list(set(phones))
    if not wanted:
        return {}
    found = await session.exec(
        select(User).where(col(User.interface).in_(wanted), col(User.active))
    )
    return {user.interface or "": user for user in found.all()}


@dataclass(frozen=True)
class RingbackView:
    row: RingbackRow
    customer_name: str | None
    place: int | None


async def _names(session: AsyncSession, rows: Sequence[RingbackRow]) -> dict[int, str]:
    ids = {row.customer_id for row in rows if row.customer_id is not None}
    if not ids:
        return {}
    found = await session.exec(select(Customer.id, Customer.name).where(col(Customer.id).in_(ids)))
    return {customer_id: name for customer_id, name in found.all() if customer_id is not None}


async def list_open(session: AsyncSession) -> list[RingbackView]:
    """Open ring-backs in the order they will be dialled."""
    rows = sorted(await open_ringbacks(session), key=lambda row: rules.dial_order(state_of(row)))
    names = await _names(session, rows)
    return [
        RingbackView(row, names.get(row.customer_id or 0), place)
        for place, row in enumerate(rows, start=1)
    ]


async def list_finished(
    session: AsyncSession, since: datetime, limit: int = 100
) -> list[RingbackView]:
    """Ring-backs finished since `since`, the latest first."""
    rows = list(
        (
            await session.exec(
                select(RingbackRow)
                .where(
                    col(RingbackRow.status).not_in(OPEN_STATUSES),
                    col(RingbackRow.finished_at) >= since,
                )
                .order_by(col(RingbackRow.finished_at).desc(), col(RingbackRow.id).desc())
                .limit(limit)
            )
        ).all()
    )
    names = await _names(session, rows)
    return [RingbackView(row, names.get(row.customer_id or 0), None) for row in rows]
