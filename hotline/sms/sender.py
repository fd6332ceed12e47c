"""The sender: runs in the scheduler leader only (so that several workers never send the same
message), takes the due messages from the outbox, hands them to the gateway and writes back
what the gateway answered, in batches. The outbox is the truth: a message is marked sending
before it is handed over, and a sender that stops hands back what the connection never took."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from hotline.application import sms as sms_cases
from hotline.application.unit import Core
from hotline.services.sms_outbox import Accepted, GatewayResult, Receipt, Returned, Unsent
from hotline.sms.gateway import GatewayOutcomes, OutgoingSms, SmppGateway
from hotline.sms.url import SmppUrl
from tickets.sms_sending import SubmitOutcome, outcome_of

log = logging.getLogger(__name__)

# A message the connection has not taken this long (the gateway away) goes back to the queue;
# one taken and unanswered this long is counted a failed attempt.
HANDED_TIMEOUT_SECONDS = 30.0
RESPONSE_TIMEOUT_SECONDS = 30.0
IDLE_SECONDS = 0.2
RECORD_SECONDS = 0.05
# The most messages claimed, or gateway answers recorded, in one transaction. The window may
# be thousands at a high rate; one transaction over all of them holds the event loop for
# hundreds of milliseconds while it builds and flushes the rows, and a screen pop waiting on
# that loop is late by as much (benchmarks/outage_evening.py).
CLAIM_BATCH = 200
RECORD_BATCH = 500


class _Outcomes(GatewayOutcomes):
    """Collects the gateway's answers for the next batch, and what is in its hands."""

    def __init__(self) -> None:
        self.results: list[GatewayResult] = []
        self.handed: dict[int, float] = {}
        self.in_flight: dict[int, float] = {}
        self.arrived = asyncio.Event()

    def _add(self, result: GatewayResult) -> None:
        self.results.append(result)
        self.arrived.set()

    def bound(self) -> None:
        # Answers come on the session that took the submit: one gone never answers what it
        # took (the gateway may or may not have it: tried again).
        for outbox_id in list(self.in_flight):
            self.not_sent(outbox_id, "connection lost")

    def dequeued(self, outbox_id: int) -> None:
        self.handed.pop(outbox_id, None)
        self.in_flight[outbox_id] = time.monotonic()

    def accepted(self, outbox_id: int, message_id: str) -> None:
        self.in_flight.pop(outbox_id, None)
        self._add(Accepted(outbox_id, message_id))

    def refused(self, outbox_id: int, command_status: int) -> None:
        self.in_flight.pop(outbox_id, None)
        self._add(Unsent(outbox_id, outcome_of(command_status), f"status 0x{command_status:08x}"))

    def not_sent(self, outbox_id: int, error: str) -> None:
        self.handed.pop(outbox_id, None)
        self.in_flight.pop(outbox_id, None)
        self._add(Unsent(outbox_id, SubmitOutcome.TRANSIENT, error))

    def receipt(self, message_id: str, stat: str) -> None:
        self._add(Receipt(message_id, stat))

    @property
    def outstanding(self) -> int:
        return len(self.handed) + len(self.in_flight)


class SmsSender:
    def __init__(
        self,
        core: Core,
        url: SmppUrl,
        gateway_factory: Callable[[SmppUrl, GatewayOutcomes], SmppGateway] = SmppGateway,
    ) -> None:
        self.core = core
        self.url = url
        self._gateway_factory = gateway_factory
        self._gateway: SmppGateway | None = None
        self._outcomes = _Outcomes()
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False
        # Enough handed over to keep the connection busy for two seconds at its rate.
        self.window = max(int(url.rate * 2), 10)

    @property
    def running(self) -> bool:
        return bool(self._tasks)

    @property
    def bound(self) -> bool:
        return self._gateway is not None and self._gateway.bound

    def start(self) -> None:
        if self._tasks:
            return
        self._stopping = False
        self._outcomes = _Outcomes()
        self._gateway = self._gateway_factory(self.url, self._outcomes)
        self._gateway.start()
        self._tasks = [
            asyncio.create_task(self._feed(), name="sms feed"),
            asyncio.create_task(self._record(), name="sms record"),
        ]
        log.info("SMS sender started: %r", self.url)

    async def stop(self) -> None:
        if not self._tasks:
            return
        self._stopping = True
        feed, record = self._tasks
        feed.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await feed
        if self._gateway is not None:
            await self._gateway.stop()
        # What the connection never took goes back to the queue; what it took unanswered is a
        # failed attempt, tried again later.
        for outbox_id in list(self._outcomes.handed):
            self._outcomes.results.append(Returned(outbox_id))
        for outbox_id in list(self._outcomes.in_flight):
            self._outcomes.not_sent(outbox_id, "sender stopped")
        self._outcomes.handed.clear()
        self._outcomes.arrived.set()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(record, 10)
        self._tasks = []
        self._gateway = None

    async def _feed(self) -> None:
        # A sender that stopped without handing back (the process died) left some as sending.
        while True:
            try:
                released = await sms_cases.release_sending(self.core)
                break
            except Exception:
                log.exception("SMS: requeueing messages left as sending failed; trying again")
                await asyncio.sleep(1)
        if released:
            log.warning("SMS: %d messages left as sending by a stopped sender requeued", released)
        while True:
            self._expire()
            gateway = self._gateway
            room = self.window - self._outcomes.outstanding
            if gateway is None or not gateway.bound or room <= 0:
                await asyncio.sleep(IDLE_SECONDS / 4)
                continue
            try:
                due = await sms_cases.claim_due(self.core, min(room, CLAIM_BATCH))
            except Exception:
                log.exception("SMS: taking due messages failed")
                await asyncio.sleep(IDLE_SECONDS)
                continue
            now = time.monotonic()
            for message in due:
                self._outcomes.handed[message.outbox_id] = now
                await gateway.submit(OutgoingSms(message.outbox_id, message.phone, message.text))
            if not due:
                await asyncio.sleep(IDLE_SECONDS)

    def _expire(self) -> None:
        now = time.monotonic()
        gateway = self._gateway
        for outbox_id, handed_at in list(self._outcomes.handed.items()):
            if now - handed_at > HANDED_TIMEOUT_SECONDS and gateway and gateway.withdraw(outbox_id):
                del self._outcomes.handed[outbox_id]
                self._outcomes.results.append(Returned(outbox_id))
        for outbox_id, taken_at in list(self._outcomes.in_flight.items()):
            if now - taken_at > RESPONSE_TIMEOUT_SECONDS:
                self._outcomes.not_sent(outbox_id, "no answer")

    async def _record(self) -> None:
        outcomes = self._outcomes
        while True:
            if not outcomes.results:
                if self._stopping:
                    return
                outcomes.arrived.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(outcomes.arrived.wait(), IDLE_SECONDS)
                continue
            batch = outcomes.results[:RECORD_BATCH]
            del outcomes.results[:RECORD_BATCH]
            try:
                await sms_cases.record_results(self.core, batch)
            except Exception:
                log.exception("SMS: recording %d gateway answers failed; trying again", len(batch))
                outcomes.results[:0] = batch
                await asyncio.sleep(IDLE_SECONDS)
                continue
            await asyncio.sleep(RECORD_SECONDS)
