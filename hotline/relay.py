"""Events across workers on PostgreSQL. Each worker's event bus is in-process; the relay sends
what a worker publishes to every other worker, so an SSE client gets its screen pop, SLA alarm
or due callback whichever worker it is connected to.

What goes through PostgreSQL's NOTIFY is small — the publishing worker and a range of row ids,
never the event itself (NOTIFY payloads stop at 8000 bytes): the events are rows of
`event_relay`, written and notified in one transaction, so a listener that reads a notified
range always finds it. A listener that lost its connection catches up from the rows on its way
back; rows older than RETAIN are pruned. On SQLite there is one process and no relay."""

from __future__ import annotations

import asyncio
import json
import logging
import statistics
import time
import uuid
from collections import deque
from datetime import datetime
from typing import Any

import asyncpg

from hotline.events import Event, EventBus
from hotline.workers import worker_name

log = logging.getLogger(__name__)

CHANNEL = "hotline_events"
# Events waiting to be sent while PostgreSQL is away; beyond this the oldest are lost (counted).
OUTBOX_LIMIT = 10_000
BATCH_LIMIT = 500
RETAIN_SECONDS = 600
PRUNE_EVERY_SECONDS = 60.0
# Tried again this soon while the database is away: screen pops wait in the outbox meanwhile, and
# each second of backoff is a second more for them once it is back. A refused connection costs
# the database nothing, so the tries stay a quarter second apart however long it is away.
RECONNECT_SECONDS = (0.1, 0.25)
# Delivered ids remembered, so a catch-up after a reconnect delivers nothing twice.
REMEMBERED_IDS = 20_000
LAG_SAMPLES = 500
# Relayed events handed to the bus between two turns of the event loop: a catch-up after the
# database was away (seconds of every worker's calls) must not hold up the pops due meanwhile.
DELIVER_CHUNK = 50

_INSERT = """
INSERT INTO event_relay (origin, topic, at, data)
SELECT $1, topic, at, data
FROM unnest($2::text[], $3::timestamptz[], $4::text[]) AS batch (topic, at, data)
RETURNING id
"""
_FETCH = """
SELECT id, topic, at, data, EXTRACT(EPOCH FROM clock_timestamp() - created_at) AS lag
FROM event_relay
WHERE id BETWEEN $1 AND $2 AND origin <> $3
ORDER BY id
"""
_CATCH_UP = """
SELECT id, topic, at, data, EXTRACT(EPOCH FROM clock_timestamp() - created_at) AS lag
FROM event_relay
WHERE created_at >= $1::timestamptz - make_interval(secs => 5) AND origin <> $2
ORDER BY id
"""


def asyncpg_dsn(database_url: str) -> str:
    """asyncpg takes the plain postgresql:// URL, not SQLAlchemy's driver-qualified one."""
    scheme, _, rest = database_url.partition("://")
    return f"postgresql://{rest}" if scheme.startswith("postgres") else database_url


class EventRelay:
    def __init__(self, database_url: str, bus: EventBus, name: str | None = None) -> None:
        self._dsn = asyncpg_dsn(database_url)
        self._bus = bus
        self.origin = uuid.uuid4().hex
        # The worker's name on its connections: how the other workers count it (workers.py).
        self.name = name or worker_name()
        self._outbox: deque[Event] = deque(maxlen=OUTBOX_LIMIT)
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._listening: asyncpg.Connection | None = None
        self._delivered: deque[int] = deque(maxlen=REMEMBERED_IDS)
        self._delivered_set: set[int] = set()
        self._lags: deque[float] = deque(maxlen=LAG_SAMPLES)
        # When the listener last knew it was up to date: where a catch-up starts.
        self._listening_since: datetime | None = None
        self._listener_up = asyncio.Event()
        # One query at a time on the listening connection (asyncpg's rule).
        self._reading = asyncio.Lock()
        self.sent = 0
        self.received = 0
        self.lost = 0
        self.last_error: str | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Sending and listening; returns once the listener is up (or has failed once)."""
        self._bus.outbound = self._queue
        self._tasks = [
            asyncio.create_task(self._send_forever(), name="relay out"),
            asyncio.create_task(self._listen_forever(), name="relay in"),
        ]
        try:
            await asyncio.wait_for(self._listener_up.wait(), 5)
        except TimeoutError:
            log.warning("event relay: not listening yet (%s)", self.last_error)

    async def stop(self) -> None:
        self._bus.outbound = None
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._listening is not None and not self._listening.is_closed():
            await self._listening.close()

    def health(self) -> dict[str, Any]:
        lags = sorted(self._lags)
        return {
            "state": "listening" if self._listener_up.is_set() else "reconnecting",
            "worker": self.origin[:8],
            "listener_pid": self._listening.get_server_pid()
            if self._listening is not None and not self._listening.is_closed()
            else None,
            "sent": self.sent,
            "received": self.received,
            "lost": self.lost,
            "waiting": len(self._outbox),
            "lag_ms": {
                "median": round(statistics.median(lags) * 1000, 1),
                "max": round(lags[-1] * 1000, 1),
            }
            if lags
            else None,
            "last_error": self.last_error,
        }

    # -- out ---------------------------------------------------------------------------------

    def _queue(self, event: Event) -> None:
        if len(self._outbox) == self._outbox.maxlen:
            self.lost += 1
        self._outbox.append(event)
        self._wake.set()

    async def _send_forever(self) -> None:
        attempt = 0
        pruned_at = 0.0
        while True:
            try:
                # Live events, not records: a commit need not wait for the disk (the rows the
                # events tell of are committed by their own transactions), and a screen pop
                # reaches the other workers without an fsync on its way. A crash of the
                # database may lose the last few; their feeds were cut by it anyway.
                connection = await asyncpg.connect(
                    self._dsn,
                    server_settings={"synchronous_commit": "off", "application_name": self.name},
                )
            except Exception as error:  # the database away or starting: any error, again
                self.last_error = f"sending: {error}"
                await asyncio.sleep(RECONNECT_SECONDS[min(attempt, len(RECONNECT_SECONDS) - 1)])
                attempt += 1
                continue
            attempt = 0
            try:
                while True:
                    if not self._outbox:
                        self._wake.clear()
                        await self._wake.wait()
                    await self._send_batch(connection)
                    if time.monotonic() - pruned_at > PRUNE_EVERY_SECONDS:
                        await connection.execute(
                            "DELETE FROM event_relay WHERE created_at < "
                            "clock_timestamp() - make_interval(secs => $1)",
                            float(RETAIN_SECONDS),
                        )
                        pruned_at = time.monotonic()
            except Exception as error:
                # Whatever the connection's end looks like (asyncpg raises more than its
                # PostgresError and InterfaceError, e.g. InternalClientError when the server
                # cut it mid-operation): never an end of the relay.
                self.last_error = f"sending: {error}"
                log.warning("event relay: sending failed (%s); reconnecting", error)
            finally:
                if not connection.is_closed():
                    connection.terminate()

    async def _send_batch(self, connection: asyncpg.Connection) -> None:
        batch = [self._outbox[index] for index in range(min(BATCH_LIMIT, len(self._outbox)))]
        async with connection.transaction():
            rows = await connection.fetch(
                _INSERT,
                self.origin,
                [event.topic for event in batch],
                [event.at for event in batch],
                [json.dumps(event.data, ensure_ascii=False, default=str) for event in batch],
            )
            ids = [row["id"] for row in rows]
            await connection.execute(
                "SELECT pg_notify($1, $2)", CHANNEL, f"{self.origin} {min(ids)} {max(ids)}"
            )
        # Sent only once committed: a failed batch stays in the outbox for the next try.
        for _ in batch:
            self._outbox.popleft()
        self.sent += len(batch)

    # -- in ----------------------------------------------------------------------------------

    async def _listen_forever(self) -> None:
        attempt = 0
        while True:
            connection: asyncpg.Connection | None = None
            try:
                connection = await asyncpg.connect(
                    self._dsn, server_settings={"application_name": self.name}
                )
                await connection.add_listener(CHANNEL, self._notified)
                self._listening = connection
                caught_up_from = self._listening_since
                async with self._reading:
                    self._listening_since = await connection.fetchval("SELECT clock_timestamp()")
                    if caught_up_from is not None:
                        await self._deliver(
                            await connection.fetch(_CATCH_UP, caught_up_from, self.origin)
                        )
                self._listener_up.set()
                attempt = 0
                while not connection.is_closed():
                    await asyncio.sleep(0.5)
                    async with self._reading:
                        self._listening_since = await connection.fetchval(
                            "SELECT clock_timestamp()"
                        )
            except Exception as error:  # as for sending: never an end of the relay
                self.last_error = f"listening: {error}"
                log.warning("event relay: listener lost (%s); reconnecting", error)
            if connection is not None and not connection.is_closed():
                connection.terminate()
            self._listener_up.clear()
            await asyncio.sleep(RECONNECT_SECONDS[min(attempt, len(RECONNECT_SECONDS) - 1)])
            attempt += 1

    def _notified(self, connection: Any, pid: int, channel: str, payload: str) -> None:
        origin, low, high = payload.split()
        if origin == self.origin:
            return
        task = asyncio.get_running_loop().create_task(self._fetch(int(low), int(high)))
        task.add_done_callback(_log_failure)

    async def _fetch(self, low: int, high: int) -> None:
        async with self._reading:
            connection = self._listening
            if connection is None or connection.is_closed():
                return  # the catch-up after the reconnect reads them
            await self._deliver(await connection.fetch(_FETCH, low, high, self.origin))

    async def _deliver(self, rows: list[asyncpg.Record]) -> None:
        for index, row in enumerate(rows):
            if index and index % DELIVER_CHUNK == 0:
                await asyncio.sleep(0)
            if row["id"] in self._delivered_set:
                continue
            if len(self._delivered) == self._delivered.maxlen:
                self._delivered_set.discard(self._delivered[0])
            self._delivered.append(row["id"])
            self._delivered_set.add(row["id"])
            self._lags.append(float(row["lag"]))
            self.received += 1
            self._bus.deliver(row["topic"], row["at"], json.loads(row["data"]))


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.warning("event relay: a notified batch was not read: %s", task.exception())
