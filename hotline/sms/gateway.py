"""The connection to the SMS gateway: an aiosmpplib ESME bound as a transceiver, which binds
again by itself when the connection drops and answers enquire_link and deliver_sm. What it
learns about each message — accepted with a message id, refused with a status, not sent, a
delivery receipt — goes to `GatewayOutcomes`; nothing here touches the database."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from aiosmpplib import (
    ESME,
    NPI,
    TON,
    AbstractBroker,
    AbstractHook,
    AbstractRateLimiter,
    AbstractThrottleHandler,
    BindTransceiverResp,
    DeliverSm,
    GenericNack,
    PhoneNumber,
    SmppMessage,
    SmppSessionState,
    SubmitSm,
    SubmitSmResp,
)
from aiosmpplib.correlator import SimpleCorrelator
from aiosmpplib.log import CRITICAL
from aiosmpplib.retrytimer import SimpleExponentialBackoff

from hotline.sms.url import SmppUrl

log = logging.getLogger(__name__)

# After a throttled answer the gateway is left alone this long before the next submit.
THROTTLE_PAUSE_SECONDS = 0.2
# An unanswered submit is given up after this long (the sender retries it).
RESPONSE_TTL_SECONDS = 30.0
# generic_nack: the gateway could not read our PDU; retried like a system error.
GENERIC_NACK_STATUS = 0x00000008


class GatewayOutcomes(Protocol):
    """Told from the connection's task; must not block."""

    def bound(self) -> None:
        """A new session began: what an earlier one took unanswered will never be answered."""

    def dequeued(self, outbox_id: int) -> None: ...

    def accepted(self, outbox_id: int, message_id: str) -> None: ...

    def refused(self, outbox_id: int, command_status: int) -> None: ...

    def not_sent(self, outbox_id: int, error: str) -> None: ...

    def receipt(self, message_id: str, stat: str) -> None: ...


@dataclass(frozen=True)
class OutgoingSms:
    outbox_id: int
    phone: str
    text: str


class _Broker(AbstractBroker):  # type: ignore[misc]  # the library ships no type hints
    """The messages handed to the gateway and not yet taken by the connection; one withdrawn
    (its time in the queue ran out while the gateway was away) is skipped, never sent."""

    def __init__(self, outcomes: GatewayOutcomes) -> None:
        self._queue: deque[SmppMessage] = deque()
        self._ready = asyncio.Event()
        self._withdrawn: set[str] = set()
        self._outcomes = outcomes

    async def enqueue(self, message: SmppMessage) -> None:
        self._queue.append(message)
        self._ready.set()

    async def dequeue(self) -> SmppMessage:
        while True:
            while not self._queue:
                self._ready.clear()
                await self._ready.wait()
            message = self._queue.popleft()
            if isinstance(message, SubmitSm):
                if message.log_id in self._withdrawn:
                    self._withdrawn.discard(message.log_id)
                    continue
                self._outcomes.dequeued(int(message.log_id))
            return message

    def withdraw(self, outbox_id: int) -> bool:
        """Take a message back if the connection has not taken it yet."""
        key = str(outbox_id)
        if any(isinstance(m, SubmitSm) and m.log_id == key for m in self._queue):
            self._withdrawn.add(key)
            return True
        return False

    # Not __len__: the library takes an empty broker for none (`broker or SimpleBroker()`).
    @property
    def waiting(self) -> int:
        return len(self._queue) - len(self._withdrawn)


class _Hook(AbstractHook):  # type: ignore[misc]  # the library ships no type hints
    def __init__(self, outcomes: GatewayOutcomes, on_bound: Callable[[], None]) -> None:
        self._outcomes = outcomes
        self._on_bound = on_bound

    async def sending(self, smpp_message: SmppMessage, pdu: bytes, client_id: str) -> None:
        return None

    async def received(self, smpp_message: SmppMessage | None, pdu: bytes, client_id: str) -> None:
        if isinstance(smpp_message, BindTransceiverResp):
            self._on_bound()
            self._outcomes.bound()
        elif isinstance(smpp_message, SubmitSmResp) and smpp_message.log_id:
            status = int(smpp_message.command_status)
            if status == 0:
                self._outcomes.accepted(int(smpp_message.log_id), smpp_message.message_id)
            else:
                self._outcomes.refused(int(smpp_message.log_id), status)
        elif isinstance(smpp_message, GenericNack):
            log_id: str = smpp_message.log_id
            if log_id:
                self._outcomes.refused(int(log_id), GENERIC_NACK_STATUS)
        elif isinstance(smpp_message, DeliverSm) and smpp_message.is_receipt():
            receipt = smpp_message.parse_receipt()
            message_id, stat = receipt.get("id"), receipt.get("stat")
            if isinstance(message_id, str) and isinstance(stat, str):
                self._outcomes.receipt(message_id, stat)

    async def send_error(self, smpp_message: SmppMessage, error: Exception, client_id: str) -> None:
        if isinstance(smpp_message, SubmitSm) and smpp_message.log_id:
            self._outcomes.not_sent(int(smpp_message.log_id), type(error).__name__)


class _ThrottlePause(AbstractThrottleHandler):  # type: ignore[misc]  # the library ships no type hints
    """A throttled answer pauses submitting for a moment; the message itself is retried from
    the outbox (tickets/sms_sending.py)."""

    def __init__(self) -> None:
        self._until = 0.0

    async def throttled(self) -> None:
        self._until = time.monotonic() + THROTTLE_PAUSE_SECONDS

    async def not_throttled(self) -> None:
        return None

    async def allow_request(self) -> bool:
        return time.monotonic() >= self._until

    async def throttle_delay(self) -> float:
        return max(self._until - time.monotonic(), 0.01)


class _Correlator(SimpleCorrelator):  # type: ignore[misc]
    """The library's request/response correlation, less two costs that grow with the traffic:
    receipts are matched by message id in the outbox, not kept here for three days; and its
    expiry scan, which walks every stored request on every call, runs at most once a second."""

    def __init__(self, name: str) -> None:
        super().__init__(name, max_ttl_response=RESPONSE_TTL_SECONDS)
        self._swept_at = 0.0

    async def put_delivery(self, smsc_message_id: str, submit_sm: SubmitSm) -> None:
        return None

    async def get_delivery(self, receipt: DeliverSm) -> SubmitSm | None:
        return None

    async def _remove_expired(self) -> None:
        now = time.monotonic()
        if now - self._swept_at >= 1.0:
            self._swept_at = now
            await super()._remove_expired()


class _RateLimit(AbstractRateLimiter):  # type: ignore[misc]  # the library ships no type hints
    """At most `rate` submits a second, spaced evenly (a burst of a second's worth at most)."""

    def __init__(self, rate: float) -> None:
        self._interval = 1.0 / rate
        self._next = time.monotonic()

    async def limit(self) -> None:
        now = time.monotonic()
        # Idle time earns at most one second's worth of messages sent at once.
        self._next = max(self._next, now - 1.0)
        wait = self._next - now
        self._next += self._interval
        if wait > 0:
            await asyncio.sleep(wait)


class SmppGateway:
    def __init__(self, url: SmppUrl, outcomes: GatewayOutcomes, client_id: str = "hotline") -> None:
        self.url = url
        self._broker = _Broker(outcomes)
        throttle = _ThrottlePause()
        self._esme = ESME(
            smsc_host=url.host,
            smsc_port=url.port,
            system_id=url.system_id,
            password=url.password,
            client_id=client_id,
            enquire_link_interval=30.0,
            # The library logs whole messages (numbers, text): personal data stays out of logs.
            log_level=CRITICAL,
            hook=_Hook(outcomes, self._bound),
            broker=self._broker,
            rate_limiter=_RateLimit(url.rate),
            correlator=_Correlator(client_id),
            throttle_handler=throttle,
            retry_timer=SimpleExponentialBackoff(min_delay=200, max_increases=5),
            socket_timeout=10.0,
        )
        self._task: asyncio.Task[None] | None = None
        self._writer: asyncio.StreamWriter | None = None

    def _bound(self) -> None:
        # The library drops a lost connection's stream without closing it: closed here.
        current: asyncio.StreamWriter | None = self._esme._writer
        if self._writer is not None and self._writer is not current:
            self._writer.close()
        self._writer = current

    @property
    def bound(self) -> bool:
        return bool(self._esme.session_state == SmppSessionState.BOUND_TRX)

    @property
    def waiting(self) -> int:
        """Messages handed over and not yet taken by the connection."""
        return self._broker.waiting

    def start(self) -> None:
        self._task = asyncio.create_task(self._esme.start(), name="smpp gateway")

    async def stop(self) -> None:
        if self._task is None:
            return
        # The library unbinds and half-closes its stream but never closes it: closed here, or
        # the socket stays open until garbage collection.
        writer = self._esme._writer or self._writer
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._esme.stop(), 5)
        if writer is not None:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._task
        self._task = None

    async def submit(self, message: OutgoingSms) -> None:
        """Hand a message to the connection; the outcome comes through GatewayOutcomes."""
        await self._broker.enqueue(
            SubmitSm(
                short_message=message.text,
                source=PhoneNumber(self.url.source, TON.UNKNOWN, NPI.UNKNOWN),
                destination=PhoneNumber(message.phone.lstrip("+"), TON.INTERNATIONAL, NPI.ISDN),
                encoding="ucs2",
                registered_delivery=1,
                log_id=str(message.outbox_id),
            )
        )

    def withdraw(self, outbox_id: int) -> bool:
        return self._broker.withdraw(outbox_id)
