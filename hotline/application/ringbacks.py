"""Ring-back use cases: a caller asks to be called back instead of waiting (the IVR), missed
calls become ring-backs (the scheduler's scan of the call log), the dialler rings an agent and
then the caller when an agent is free, and someone withdraws one. Each in its transaction,
announced after it commits:

* `ringback.requested` (a new one) and `ringback.updated` (joined to one already open), for
  agents and supervisors;
* `ringback.gas_smell`: a gas-smell call given up — the dispatchers' alarm;
* `ringback.dialling`, `ringback.connected`, `ringback.retry`, `ringback.dropped`, and
  `ringback.failed` (every attempt unanswered: for the supervisors to take on).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any, Protocol

from sqlalchemy.exc import IntegrityError

from hotline.application.unit import Core, Work, unit_of_work
from hotline.db.tables import RingbackRow
from hotline.i18n import N_
from hotline.services import missed_calls
from hotline.services import ringback_policy as policies
from hotline.services import ringbacks as service
from hotline.services.actor import Actor
from hotline.services.errors import Invalid
from hotline.telephony.ami import AmiError
from hotline.telephony.queues import QueueNow
from tickets import ringbacks as rules
from tickets.phones import mask_phone
from tickets.ringbacks import RingbackPolicy, RingbackReason

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RingbackRequest:
    """A caller to call back. `number` is the caller ID as Asterisk gives it; `arrived_at`
    when the caller first joined the queue (their place), on the PBX's clock like the call
    log's times; `queue` the queue they waited in
    (by default the one their choice goes to)."""

    number: str
    customer_id: int | None
    reason: RingbackReason
    ticket_type: str | None
    arrived_at: datetime
    call_linkedid: str | None
    queue: str | None = None


@dataclass(frozen=True)
class RingbackReceipt:
    id: int
    # False when the number already had an open ring-back: this request joined it.
    created: bool
    # 1-based, among the open ring-backs in the order they will be dialled.
    place: int


def ringback_json(
    row: RingbackRow, tz: tzinfo, *, place: int | None = None, customer: str | None = None
) -> dict[str, Any]:
    """One ring-back as the live feed and the API show it."""

    def local(moment: datetime | None) -> str | None:
        return moment.astimezone(tz).isoformat() if moment is not None else None

    return {
        "id": row.id,
        "number": row.number,
        "customer_id": row.customer_id,
        "customer": customer,
        "reason": row.reason,
        "ticket_type": row.ticket_type,
        "queue": row.queue,
        "status": row.status,
        "place": place,
        "arrived_at": local(row.arrived_at),
        "requested_at": local(row.requested_at),
        "attempts": row.attempts,
        "next_attempt_at": local(row.next_attempt_at),
        "last_attempt_at": local(row.last_attempt_at),
        "agent_phone": row.dial_interface,
        "call_linkedid": row.call_linkedid,
        "answered_call_linkedid": row.answered_call_linkedid,
        "finished_at": local(row.finished_at),
        "note": row.note,
    }


def _announce_new(work: Work, added: service.Added, place: int) -> None:
    """A new ring-back, or an open one a request changed; a gas smell new to it alarms."""
    if not added.changed:
        return
    data = ringback_json(added.row, work.tz, place=place)
    work.announce("ringback.requested" if added.created else "ringback.updated", data)
    if added.row.reason == RingbackReason.GAS_SMELL_MISSED.value:
        work.announce("ringback.gas_smell", data)


async def request_ringback(core: Core, request: RingbackRequest) -> RingbackReceipt:
    """Record a ring-back for the caller, or join the one already open for their number
    (keeping the earlier place). Refused (Invalid) for a number we cannot call back."""
    number = rules.callable_number(request.number, core.settings.local_area_code)
    if number is None:
        raise Invalid(
            N_("this number cannot be called back"), {"number": N_("not a number we can call")}
        )
    wanted = rules.Request(
        reason=request.reason,
        arrived_at=request.arrived_at,
        ticket_type=request.ticket_type,
        queue=request.queue,
        customer_id=request.customer_id,
    )
    try:
        return await _record(core, number, wanted, request.call_linkedid)
    except IntegrityError:
        # Two requests for one number at the same instant: the open-number index refused
        # the second's row; it now finds the first's and joins it.
        return await _record(core, number, wanted, request.call_linkedid)


async def _record(
    core: Core, number: str, wanted: rules.Request, call_linkedid: str | None
) -> RingbackReceipt:
    async with unit_of_work(core) as work:
        added = await service.add_request(work.session, number, wanted, call_linkedid, work.now)
        place = service.place_among(added.row, await service.open_ringbacks(work.session))
        _announce_new(work, added, place)
    assert added.row.id is not None
    return RingbackReceipt(added.row.id, added.created, place)


async def ringback_policy(core: Core) -> RingbackPolicy:
    async with core.sessions() as session:
        return await policies.load_policy(session)


async def update_policy(
    core: Core, actor: Actor, numbers: dict[str, int], automatic_dialling: bool
) -> None:
    async with unit_of_work(core) as work:
        await policies.update_policy(
            work.session, numbers, automatic_dialling, work.now, actor.username
        )


async def withdraw(core: Core, actor: Actor, ringback_id: int, note: str | None) -> RingbackRow:
    async with unit_of_work(core) as work:
        row = await service.withdraw(work.session, ringback_id, actor.username, note, work.now)
        work.announce("ringback.dropped", ringback_json(row, work.tz))
    return row


def _announce_settled(work: Work, settled: list[service.Settled]) -> None:
    for done in settled:
        work.announce(f"ringback.{done.kind}", ringback_json(done.row, work.tz))


async def scan_missed_calls(core: Core) -> int:
    """Abandoned queue calls since the last scan become ring-backs: gas smell at once (and
    the dispatchers alarmed), others after the policy's grace time; then open ring-backs
    whose caller got through meanwhile are dropped. Returns the ring-backs made."""
    made = 0
    for gas_smell in (True, False):
        async with unit_of_work(core) as work:
            policy = await policies.load_policy(work.session)
            missed = await missed_calls.scan_missed_calls(
                work.session,
                work.now,
                policy,
                core.settings.local_area_code,
                gas_smell=gas_smell,
            )
            if missed:
                open_rows = await service.open_ringbacks(work.session)
                for found in missed:
                    place = service.place_among(found.added.row, open_rows)
                    _announce_new(work, found.added, place)
        made += sum(1 for found in missed if found.added.created)
    async with unit_of_work(core) as work:
        _announce_settled(work, await service.settle_by_other_calls(work.session, work.now))
    return made


class RingbackPhone(Protocol):
    """The phone system as the dialler needs it (hotline/telephony/ringback_calls.py)."""

    async def queues_now(self, timeout: float = 2.0) -> dict[str, QueueNow] | None: ...

    async def ring_back(self, *, number: str, agent_phone: str, agent_user_id: int | None) -> str:
        """Ring the agent's phone, then the caller's; the Originate's ActionID."""
        ...


async def dial_ringbacks(
    core: Core, phone: RingbackPhone, stopping: Callable[[], bool] = lambda: False
) -> int:
    """Settle the ring-backs being dialled from the call log; then, with automatic dialling
    on, ring back the first callers in line for whom an agent is free now (agent's phone
    first, then the caller). Returns how many were dialled."""
    async with unit_of_work(core) as work:
        policy = await policies.load_policy(work.session)
        _announce_settled(work, await service.settle_dials(work.session, work.now, policy))
    if not policy.automatic_dialling or stopping():
        return 0
    queues = await phone.queues_now()
    if queues is None:
        return 0
    async with unit_of_work(core) as work:
        claimed = await service.claim_for_dialling(work.session, queues, work.now, policy, work.tz)
        agents = await service.users_by_phone(work.session, [p for _, p in claimed])
        for row, agent_phone in claimed:
            data = ringback_json(row, work.tz)
            agent = agents.get(agent_phone)
            data["agent"] = agent.username if agent else None
            work.announce("ringback.dialling", data)
    for row, agent_phone in claimed:
        assert row.id is not None
        agent = agents.get(agent_phone)
        try:
            action_id = await phone.ring_back(
                number=row.number,
                agent_phone=agent_phone,
                agent_user_id=agent.id if agent else None,
            )
        except (AmiError, TimeoutError) as error:
            log.warning("ring-back %s to %s refused: %s", row.id, mask_phone(row.number), error)
            async with unit_of_work(core) as work:
                refused = await service.dial_refused(
                    work.session, row.id, work.now, policy, "the phone system refused the call"
                )
                _announce_settled(work, [refused] if refused else [])
            continue
        async with unit_of_work(core) as work:
            await service.dialled(work.session, row.id, action_id)
    return len(claimed)
