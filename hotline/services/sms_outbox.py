"""The SMS outbox in the database: queueing notices once per event and recipient, handing due
ones to the sender, and recording what the gateway answered (inside a transaction given)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hotline.db.engine import dialect_name, upsert_insert
from hotline.db.tables import SmsMessage
from hotline.db.writes import table_of
from tickets.sms_sending import (
    SmsPolicy,
    SmsStatus,
    SubmitOutcome,
    dedupe_key,
    retry_after,
    send_at,
    status_from_receipt,
)
from tickets.sms_templates import SmsTemplate, render

# Keys looked up per query when queueing many notices (bound parameters have limits).
_CHUNK = 500


@dataclass(frozen=True)
class Recipient:
    phone: str  # E.164
    customer_id: int | None = None


async def queue(
    session: AsyncSession,
    *,
    event: str,
    template: SmsTemplate,
    parameters: dict[str, str],
    recipients: Iterable[Recipient],
    emergency: bool,
    now: datetime,
    tz: ZoneInfo,
    policy: SmsPolicy,
) -> int:
    """Queue the notice for every recipient not yet sent it for this event; returns how many
    were new. The text is rendered here, once."""
    text = render(template, parameters)
    first_at = send_at(emergency, now, tz, policy)
    by_key = {dedupe_key(event, r.phone): r for r in recipients}
    known: set[str] = set()
    keys = list(by_key)
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        found = await session.exec(
            select(SmsMessage.dedupe_key).where(col(SmsMessage.dedupe_key).in_(chunk))
        )
        known.update(found)
    rows: list[dict[str, Any]] = [
        {
            "dedupe_key": key,
            "event": event,
            "template": template.value,
            "parameters": parameters,
            "text": text,
            "phone": recipient.phone,
            "customer_id": recipient.customer_id,
            "emergency": emergency,
            "status": SmsStatus.QUEUED.value,
            "attempts": 0,
            "throttles": 0,
            "next_attempt_at": first_at,
            "queued_at": now,
        }
        for key, recipient in by_key.items()
        if key not in known
    ]
    if rows:
        # Another process queueing the same notice meanwhile: its row stands, ours is skipped.
        statement = upsert_insert(session)(table_of(SmsMessage)).on_conflict_do_nothing(
            index_elements=["dedupe_key"]
        )
        connection = await session.connection()
        await connection.execute(statement, rows)
    return len(rows)


async def claim_due(
    session: AsyncSession, *, limit: int, now: datetime, quiet: bool
) -> list[SmsMessage]:
    """The messages due now, marked as sending; in the quiet hours only emergencies (a notice
    queued in the day but not sent before the quiet hours waits for the morning)."""
    query = (
        select(SmsMessage)
        .where(col(SmsMessage.status) == SmsStatus.QUEUED.value)
        .where(col(SmsMessage.next_attempt_at) <= now)
        .order_by(col(SmsMessage.next_attempt_at), col(SmsMessage.id))
        .limit(limit)
    )
    if quiet:
        query = query.where(col(SmsMessage.emergency))
    if dialect_name(session) == "postgresql":
        query = query.with_for_update(skip_locked=True)
    due = list((await session.exec(query)).all())
    for message in due:
        message.status = SmsStatus.SENDING.value
        message.sending_at = now
    return due


@dataclass(frozen=True)
class Accepted:
    outbox_id: int
    message_id: str


@dataclass(frozen=True)
class Unsent:
    outbox_id: int
    outcome: SubmitOutcome
    error: str


@dataclass(frozen=True)
class Receipt:
    message_id: str
    stat: str


@dataclass(frozen=True)
class Returned:
    """Handed to the gateway but never taken by the connection: back in the queue as it was."""

    outbox_id: int


GatewayResult = Accepted | Unsent | Receipt | Returned


async def record(
    session: AsyncSession,
    results: Sequence[GatewayResult],
    *,
    now: datetime,
    tz: ZoneInfo,
    policy: SmsPolicy,
) -> dict[str, int]:
    """Apply what the gateway said, in the order it said it. Returns counts by final word."""
    counts: dict[str, int] = {}
    ids = {r.outbox_id for r in results if not isinstance(r, Receipt)}
    message_ids = {r.message_id for r in results if isinstance(r, Receipt)}
    rows: dict[int, SmsMessage] = {}
    id_list = list(ids)
    for start in range(0, len(id_list), _CHUNK):
        chunk = id_list[start : start + _CHUNK]
        for row in await session.exec(select(SmsMessage).where(col(SmsMessage.id).in_(chunk))):
            assert row.id is not None
            rows[row.id] = row
    by_message_id: dict[str, SmsMessage] = {}
    accepted_now = {r.message_id for r in results if isinstance(r, Accepted)}
    lookup = list(message_ids - accepted_now)
    for start in range(0, len(lookup), _CHUNK):
        message_chunk = lookup[start : start + _CHUNK]
        found = await session.exec(
            select(SmsMessage).where(col(SmsMessage.message_id).in_(message_chunk))
        )
        for row in found:
            assert row.message_id is not None
            by_message_id[row.message_id] = row
    for result in results:
        word = _apply(result, rows, by_message_id, now=now, tz=tz, policy=policy)
        if word:
            counts[word] = counts.get(word, 0) + 1
    return counts


def _apply(
    result: GatewayResult,
    rows: dict[int, SmsMessage],
    by_message_id: dict[str, SmsMessage],
    *,
    now: datetime,
    tz: ZoneInfo,
    policy: SmsPolicy,
) -> str | None:
    if isinstance(result, Receipt):
        row = by_message_id.get(result.message_id)
        final = status_from_receipt(result.stat)
        if row is None or final is None or row.status != SmsStatus.SENT.value:
            return None
        row.status = final.value
        if final is SmsStatus.DELIVERED:
            row.delivered_at = now
        else:
            row.failed_at = now
            row.last_error = f"receipt {result.stat}"[:200]
        return final.value
    row = rows.get(result.outbox_id)
    if row is None or row.status != SmsStatus.SENDING.value:
        return None
    if isinstance(result, Accepted):
        row.status = SmsStatus.SENT.value
        row.message_id = result.message_id
        row.sent_at = now
        by_message_id[result.message_id] = row
        return SmsStatus.SENT.value
    if isinstance(result, Returned):
        row.status = SmsStatus.QUEUED.value
        row.sending_at = None
        return None
    throttled = result.outcome is SubmitOutcome.THROTTLED
    if throttled:
        row.throttles += 1
    else:
        row.attempts += 1
    retry = retry_after(
        result.outcome,
        attempts=row.attempts,
        throttles=row.throttles,
        emergency=row.emergency,
        now=now,
        tz=tz,
        policy=policy,
    )
    row.last_error = f"{result.outcome.value}: {result.error}"[:200]
    if retry.at is None:
        row.status = SmsStatus.FAILED.value
        row.failed_at = now
        return SmsStatus.FAILED.value
    row.status = SmsStatus.QUEUED.value
    row.next_attempt_at = retry.at
    return "retried"


async def release_sending(session: AsyncSession, *, sending_before: datetime | None) -> int:
    """Messages left marked as sending by a sender that stopped: back in the queue (a submit
    that went out unanswered may reach the customer twice; one never sent would not at all).
    `sending_before` None: all of them."""
    statement = (
        update(table_of(SmsMessage))
        .where(table_of(SmsMessage).c.status == SmsStatus.SENDING.value)
        .values(status=SmsStatus.QUEUED.value, sending_at=None)
    )
    if sending_before is not None:
        statement = statement.where(table_of(SmsMessage).c.sending_at < sending_before)
    result = await session.exec(statement)
    return int(result.rowcount or 0)


@dataclass(frozen=True)
class OutboxPage:
    messages: list[SmsMessage]
    counts: dict[str, int]


async def list_messages(
    session: AsyncSession, *, status: SmsStatus | None, event: str | None, limit: int
) -> OutboxPage:
    query = select(SmsMessage).order_by(col(SmsMessage.queued_at).desc(), col(SmsMessage.id).desc())
    if status is not None:
        query = query.where(col(SmsMessage.status) == status.value)
    if event:
        query = query.where(
            or_(col(SmsMessage.event) == event, col(SmsMessage.event).startswith(event + ":"))
        )
    messages = list((await session.exec(query.limit(limit))).all())
    counted = await session.exec(
        select(SmsMessage.status, func.count()).group_by(col(SmsMessage.status))
    )
    return OutboxPage(messages, {status: count for status, count in counted})
