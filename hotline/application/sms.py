"""SMS use cases: queue a notice for its recipients (one call, idempotent per event and
recipient), hand the due messages to the sender, and record what the gateway answered. The
incidents queue their notices here; so do visit bookings (hotline/application/dispatch.py)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from hotline.application.unit import Core, Work, unit_of_work
from hotline.services import sms_outbox
from hotline.services.sms_outbox import GatewayResult, Recipient
from hotline.settings import Settings
from tickets.sms_sending import SmsPolicy, may_send
from tickets.sms_templates import SmsTemplate

POLICY = SmsPolicy()


@dataclass(frozen=True)
class DueSms:
    outbox_id: int
    phone: str
    text: str


def signature(settings: Settings) -> dict[str, str]:
    """The parameters every notice carries: who sends it and the hotline's number."""
    found = re.search(r"<\s*([0-9+]+)\s*>", settings.outbound_caller_id)
    return {"sender": settings.sms_signature, "hotline": found.group(1) if found else "96777"}


async def queue_in(
    work: Work,
    settings: Settings,
    *,
    event: str,
    template: SmsTemplate,
    parameters: dict[str, str],
    recipients: Iterable[Recipient],
    emergency: bool = False,
) -> int:
    """Queue within a use case's own transaction (a visit booked and its confirmation
    commit together)."""
    queued = await sms_outbox.queue(
        work.session,
        event=event,
        template=template,
        parameters={**signature(settings), **parameters},
        recipients=recipients,
        emergency=emergency,
        now=work.now,
        tz=work.tz,
        policy=POLICY,
    )
    if queued:
        work.announce("sms.queued", {"event": event, "count": queued})
    return queued


async def queue_notices(
    core: Core,
    *,
    event: str,
    template: SmsTemplate,
    parameters: dict[str, str],
    recipients: Iterable[Recipient],
    emergency: bool = False,
) -> int:
    """Queue one notice for every recipient, once per `event` (queueing it again adds only the
    recipients not yet queued). Emergencies go in the quiet hours too. Returns how many new."""
    async with unit_of_work(core) as work:
        return await queue_in(
            work,
            core.settings,
            event=event,
            template=template,
            parameters=parameters,
            recipients=recipients,
            emergency=emergency,
        )


async def claim_due(core: Core, limit: int) -> list[DueSms]:
    """Up to `limit` messages whose time has come, marked as sending."""
    async with unit_of_work(core) as work:
        quiet = not may_send(False, work.now, work.tz, POLICY)
        rows = await sms_outbox.claim_due(work.session, limit=limit, now=work.now, quiet=quiet)
        return [DueSms(row.id, row.phone, row.text) for row in rows if row.id is not None]


async def record_results(core: Core, results: Sequence[GatewayResult]) -> dict[str, int]:
    """What the gateway said about messages, in one transaction; the final words announced."""
    async with unit_of_work(core) as work:
        counts = await sms_outbox.record(
            work.session, results, now=work.now, tz=work.tz, policy=POLICY
        )
        if counts:
            work.announce("sms.outbox", counts)
        return counts


async def release_sending(core: Core, sending_before: datetime | None = None) -> int:
    """Messages a stopped sender left as sending go back in the queue."""
    async with unit_of_work(core) as work:
        return await sms_outbox.release_sending(work.session, sending_before=sending_before)
