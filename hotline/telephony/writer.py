"""Writes call snapshots to the call log in batches, and survives the database going away.

The tracker produces a snapshot per change; only the newest snapshot of each call matters, so
the buffer keeps one per call and a batch is one upsert statement. While the database is down
the buffer holds what arrived (bounded: past the bound the oldest calls in progress are
dropped first, and counted) and writes it all when the database is back.

A snapshot never takes a fact away from a row: a call rebuilt after a reconnect or a restart
knows less than the row may (no IVR choice, no agent, an answer time it can only estimate), so
on conflict what the snapshot lacks is kept from the row, a written answer stays and the
earliest start wins. (The tracker resumes the calls in progress from the log too:
`calls_in_progress`.)
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, case, func, or_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hotline.db.tables import CallRow, CustomerPhone, User
from hotline.db.writes import table_of
from hotline.telephony.model import CallRecord, Direction, Disposition

log = logging.getLogger(__name__)

CallKey = tuple[str, str]

_UPDATED_ON_CONFLICT = ("direction", "caller", "dialled", "ended_at", "disposition", "updated_at")
# Facts a later snapshot may change but never erase.
_KEPT_WHEN_MISSING = ("ivr_choice", "wait_seconds", "talk_seconds")
# The interface and the member name are one fact: taken together.
_AGENT = ("agent_name", "agent_interface")


@cache
def _upsert(dialect: str) -> Any:
    table = table_of(CallRow)
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    # Filled in by the database from what it knows: the customer whose phone this is, the
    # agent user behind the queue member's interface (and the name, where Asterisk gave none).
    customer = (
        select(col(CustomerPhone.customer_id))
        .where(col(CustomerPhone.number) == bindparam("caller"))
        .order_by(col(CustomerPhone.id).desc())
        .limit(1)
        .scalar_subquery()
    )
    agent = (
        select(col(User.id))
        .where(col(User.interface) == bindparam("agent_interface"))
        .limit(1)
        .scalar_subquery()
    )
    # A phone the dialplan's own Dial rang (the on-call overflow) has no queue member name:
    # the call names the user whose interface it is.
    agent_username = (
        select(col(User.username))
        .where(col(User.interface) == bindparam("agent_interface"))
        .limit(1)
        .scalar_subquery()
    )
    statement = insert(table).values(
        server=bindparam("server"),
        linkedid=bindparam("linkedid"),
        direction=bindparam("direction"),
        caller=bindparam("caller"),
        dialled=bindparam("dialled"),
        ivr_choice=bindparam("ivr_choice"),
        queue=bindparam("queue"),
        agent_name=func.coalesce(bindparam("agent_name"), agent_username),
        agent_interface=bindparam("agent_interface"),
        agent_user_id=agent,
        customer_id=func.coalesce(bindparam("customer_id"), customer),
        started_at=bindparam("started_at"),
        answered_at=bindparam("answered_at"),
        ended_at=bindparam("ended_at"),
        wait_seconds=bindparam("wait_seconds"),
        talk_seconds=bindparam("talk_seconds"),
        disposition=bindparam("disposition"),
        originate_action_id=bindparam("originate_action_id"),
        ticket_id=bindparam("ticket_id"),
        requested_by_user_id=bindparam("requested_by_user_id"),
        updated_at=bindparam("updated_at"),
    )
    excluded = statement.excluded
    updates: dict[str, Any] = {name: excluded[name] for name in _UPDATED_ON_CONFLICT}
    for name in _KEPT_WHEN_MISSING:
        updates[name] = func.coalesce(excluded[name], table.c[name])
    # The first queue the call reached.
    updates["queue"] = func.coalesce(table.c.queue, excluded.queue)
    new_agent = or_(*(excluded[name].is_not(None) for name in _AGENT))
    for name in _AGENT:
        updates[name] = case((new_agent, excluded[name]), else_=table.c[name])
    updates["customer_id"] = func.coalesce(table.c.customer_id, excluded.customer_id)
    updates["agent_user_id"] = func.coalesce(excluded.agent_user_id, table.c.agent_user_id)
    for kept in ("originate_action_id", "ticket_id", "requested_by_user_id"):
        updates[kept] = func.coalesce(table.c[kept], excluded[kept])
    # A call's start is the earliest moment any snapshot saw (a rebuild after a reconnect may
    # only estimate it, from whole seconds: late). Its answer, once written, stays: a rebuild
    # can only estimate it.
    earliest = func.least if dialect == "postgresql" else func.min
    updates["started_at"] = earliest(table.c.started_at, excluded.started_at)
    updates["answered_at"] = func.coalesce(table.c.answered_at, excluded.answered_at)
    return statement.on_conflict_do_update(index_elements=["server", "linkedid"], set_=updates)


@dataclass(frozen=True)
class OriginateLink:
    """Who asked for an outbound call, and for which ticket."""

    ticket_id: int | None
    requested_by_user_id: int | None


def row_values(
    record: CallRecord, now: datetime, link: OriginateLink | None = None
) -> dict[str, Any]:
    return {
        "server": record.server,
        "linkedid": record.linkedid,
        "direction": record.direction.value,
        "caller": record.caller,
        "dialled": record.dialled,
        "ivr_choice": record.ivr_choice,
        "queue": record.queue,
        "agent_name": record.agent_name,
        "agent_interface": record.agent_interface,
        "customer_id": record.customer_id,
        "started_at": record.started_at,
        "answered_at": record.answered_at,
        "ended_at": record.ended_at,
        "wait_seconds": record.wait_seconds,
        "talk_seconds": record.talk_seconds,
        "disposition": record.disposition.value if record.disposition else None,
        "originate_action_id": record.originate_action_id,
        "ticket_id": link.ticket_id if link else None,
        "requested_by_user_id": link.requested_by_user_id if link else None,
        "updated_at": now,
    }


@dataclass
class WriterStats:
    written: int = 0
    batches: int = 0
    overflowed: int = 0
    failures: int = 0
    failing_since: float | None = None
    last_error: str | None = None


class CallWriter:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Callable[[], datetime],
        *,
        max_pending: int = 20_000,
        batch_size: int = 500,
        flush_interval: float = 0.1,
        max_retry_delay: float = 2.0,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._max_pending = max_pending
        self._batch_size = batch_size
        self._flush_interval = flush_interval
        self._max_retry_delay = max_retry_delay
        self._pending: OrderedDict[CallKey, CallRecord] = OrderedDict()
        # Bounded like the buffer: an originate whose call never shows up must not leak.
        self._links: OrderedDict[str, OriginateLink] = OrderedDict()
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None
        self.stats = WriterStats()

    @property
    def pending(self) -> int:
        return len(self._pending)

    def put(self, record: CallRecord) -> None:
        key = (record.server, record.linkedid)
        if key in self._pending:
            self._pending[key] = record
        else:
            if len(self._pending) >= self._max_pending:
                self._drop_one()
            self._pending[key] = record
        self._idle.clear()
        self._wake.set()

    def link(self, action_id: str, link: OriginateLink) -> None:
        self._links[action_id] = link
        while len(self._links) > self._max_pending:
            self._links.popitem(last=False)

    def _drop_one(self) -> None:
        """Make room: a call in progress will be written again when it ends, an ended call would
        be lost for good, so the oldest call in progress goes first."""
        victim = next((key for key, rec in self._pending.items() if rec.in_progress), None)
        if victim is None:
            victim = next(iter(self._pending))
        del self._pending[victim]
        self.stats.overflowed += 1

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="call log writer")

    async def stop(self, drain_timeout: float = 5.0) -> None:
        if self._task is None:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.flushed(), drain_timeout)
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def flushed(self) -> None:
        """Wait until everything put so far is in the database."""
        await self._idle.wait()

    async def _run(self) -> None:
        delay = self._flush_interval
        while True:
            await self._wake.wait()
            await asyncio.sleep(self._flush_interval)
            self._wake.clear()
            while self._pending:
                try:
                    await self._write_batch()
                except asyncio.CancelledError:
                    raise
                except Exception as error:
                    self._failed(error)
                    await asyncio.sleep(delay)
                    delay = min(self._max_retry_delay, delay * 2)
                    continue
                delay = self._flush_interval
                if self.stats.failing_since is not None:
                    log.info("call log writes resumed after %d failures", self.stats.failures)
                    self.stats.failing_since = None
            self._idle.set()

    async def _write_batch(self) -> None:
        batch = list(itertools.islice(self._pending.items(), self._batch_size))
        now = self._clock()
        rows = [
            row_values(record, now, self._links.get(record.originate_action_id or ""))
            for _, record in batch
        ]
        async with self._sessions() as session, session.begin():
            bind = session.bind
            assert bind is not None
            connection = await session.connection()
            await connection.execute(_upsert(bind.dialect.name), rows)
        for key, record in batch:
            # A newer snapshot that arrived during the write stays queued.
            if self._pending.get(key) is record:
                del self._pending[key]
        self.stats.written += len(rows)
        self.stats.batches += 1

    def _failed(self, error: Exception) -> None:
        self.stats.failures += 1
        self.stats.last_error = type(error).__name__
        if self.stats.failing_since is None:
            self.stats.failing_since = time.monotonic()
            log.warning(
                "call log writes failing (%s); holding %d calls and retrying",
                type(error).__name__,
                len(self._pending),
            )


# Enough for every call a PBX can have up at once.
RESUMED_LIMIT = 10_000


async def calls_in_progress(
    sessions: async_sessionmaker[AsyncSession], server: str
) -> list[CallRecord]:
    """The calls of `server` the call log holds in progress, as the tracker wrote them."""
    async with sessions() as session:
        rows = await session.exec(
            select(CallRow)
            .where(col(CallRow.server) == server, col(CallRow.ended_at).is_(None))
            .order_by(col(CallRow.started_at).desc())
            .limit(RESUMED_LIMIT)
        )
        return [record_of(row) for row in rows.all()]


def record_of(row: CallRow) -> CallRecord:
    return CallRecord(
        linkedid=row.linkedid,
        server=row.server,
        direction=Direction(row.direction),
        caller=row.caller,
        dialled=row.dialled,
        ivr_choice=row.ivr_choice,
        queue=row.queue,
        agent_name=row.agent_name,
        agent_interface=row.agent_interface,
        started_at=row.started_at,
        answered_at=row.answered_at,
        ended_at=row.ended_at,
        wait_seconds=row.wait_seconds,
        talk_seconds=row.talk_seconds,
        disposition=Disposition(row.disposition) if row.disposition else None,
        customer_id=row.customer_id,
        originate_action_id=row.originate_action_id,
    )
