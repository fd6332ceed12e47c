"""One AMI connection to one Asterisk: login, actions with their responses, events out, and a
connection that heals itself.

Why not panoramisk's `Manager`: it re-sends actions left unanswered at a disconnect (an
`Originate` would ring a customer twice), reconnects on a fixed 2 s timer, never checks that a
Ping was answered (a half-open TCP connection goes unnoticed) and decodes each TCP chunk on its
own (a Chinese caller name split across two reads loses characters). Those are exactly the
parts a hotline must own, so the connection is ours: asyncio streams and our frame reader,
with capped exponential backoff, a Pong watchdog, and actions that fail, never repeat, when the
connection drops under them.

A PBX restarting gracefully (`core restart gracefully`) lets its calls finish first: meanwhile
it answers every action, Ping included, and every login with "Asterisk is shutting down", and
still sends the events of the calls it drains. That is neither a dead connection nor a refused
secret: the connection is kept while it lasts (its events are the ends of those calls), and
logins are retried with the normal backoff, so hotline is back within seconds of the PBX.

The connection comes from a factory (`connect`): TCP by default, an in-memory pair in tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import random
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from hotline.telephony.endpoints import AmiEndpoint
from hotline.telephony.frames import AmiMessage, FrameReader, FrameStats, encode

log = logging.getLogger(__name__)

Headers = Mapping[str, str] | Iterable[tuple[str, str]]

# Large reads: fewer wake-ups and parser calls when Asterisk is busy.
READ_BYTES = 64 * 1024
# A refused login is retried slowly: the secret has to be fixed by a person first.
AUTH_RETRY_SECONDS = 30.0
# How Asterisk answers actions and logins while it shuts down (to restart, or to stop).
SHUTTING_DOWN = "asterisk is shutting down"


class AmiState(StrEnum):
    STOPPED = "stopped"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    AUTH_FAILED = "auth_failed"
    # Asterisk said it is shutting down (`Shutdown` event, or actions and logins answered
    # "Asterisk is shutting down"): a graceful restart. Until it takes a login again.
    RESTARTING = "restarting"


class AmiReader(Protocol):
    async def read(self, n: int) -> bytes: ...


class AmiWriter(Protocol):
    def write(self, data: bytes) -> None: ...
    async def drain(self) -> None: ...
    def close(self) -> None: ...


Connector = Callable[[AmiEndpoint], Awaitable[tuple[AmiReader, AmiWriter]]]


async def tcp_connection(endpoint: AmiEndpoint) -> tuple[AmiReader, AmiWriter]:
    return await asyncio.open_connection(endpoint.host, endpoint.port)


class AmiError(Exception):
    pass


class NotConnected(AmiError):
    pass


class ConnectionLost(AmiError):
    """The connection dropped before the action was answered. It is not sent again: whether
    Asterisk acted on it is unknown, and for an Originate guessing wrong rings someone twice."""


class LoginRefused(AmiError):
    pass


class PbxShuttingDown(AmiError):
    """The login was answered "Asterisk is shutting down": a restart, not a wrong secret."""


class ActionFailed(AmiError):
    def __init__(self, response: AmiMessage) -> None:
        self.response = response
        super().__init__(response.get("Message") or "action failed")


@dataclass(frozen=True)
class ActionResult:
    response: AmiMessage
    # For actions answered with an event list (CoreShowChannels, QueueStatus, …).
    events: tuple[AmiMessage, ...] = ()


@dataclass
class _Pending:
    future: asyncio.Future[ActionResult]
    # Runs the moment the answer is complete, before any later message is dispatched.
    on_complete: Callable[[], None] | None = None
    response: AmiMessage | None = None
    events: list[AmiMessage] = field(default_factory=list)


@dataclass
class ClientStats:
    connects: int = 0
    disconnects: int = 0
    events: int = 0
    last_error: str | None = None
    connected_since: float | None = None


@dataclass(frozen=True)
class Backoff:
    """Capped exponential backoff with jitter, so several workers don't reconnect in step."""

    first: float = 0.2
    # Low, so that a PBX back from a restart is rejoined within seconds: calls do not wait.
    cap: float = 4.0
    factor: float = 2.0

    def delay(self, attempt: int) -> float:
        base = min(self.cap, self.first * self.factor ** max(0, attempt))
        return base * random.uniform(0.5, 1.0)  # noqa: S311 (jitter, not security)


class _RateLimitedLog:
    """The same kind of trouble logged at most once a minute, with how often it happened."""

    def __init__(self, interval: float = 60.0) -> None:
        self._interval = interval
        self._last: dict[str, float] = {}
        self._suppressed: dict[str, int] = {}

    def warning(self, kind: str, message: str, *args: object) -> None:
        now = time.monotonic()
        last = self._last.get(kind)
        if last is not None and now - last < self._interval:
            self._suppressed[kind] = self._suppressed.get(kind, 0) + 1
            return
        suppressed = self._suppressed.pop(kind, 0)
        self._last[kind] = now
        suffix = f" ({suppressed} more since the last report)" if suppressed else ""
        log.warning(message + suffix, *args)


class AmiClient:
    def __init__(
        self,
        endpoint: AmiEndpoint,
        *,
        on_event: Callable[[AmiMessage], None],
        on_ready: Callable[[AmiClient], Awaitable[None]] | None = None,
        on_lost: Callable[[float], None] | None = None,
        connect: Connector = tcp_connection,
        ping_interval: float = 10.0,
        action_timeout: float = 10.0,
        connect_timeout: float = 5.0,
        backoff: Backoff | None = None,
    ) -> None:
        """`on_lost(silence)`: a logged-in connection was lost, and the PBX had said nothing
        on it for the last `silence` seconds (when it was last known to be there)."""
        self.endpoint = endpoint
        self.state = AmiState.STOPPED
        self.stats = ClientStats()
        self.frames = FrameStats()
        self._on_event = on_event
        self._on_ready = on_ready
        self._on_lost = on_lost
        self._connect = connect
        self._ping_interval = ping_interval
        self._action_timeout = action_timeout
        self._connect_timeout = connect_timeout
        self._backoff = backoff or Backoff()
        self._writer: AmiWriter | None = None
        self._heard_at = 0.0
        self._pending: dict[str, _Pending] = {}
        self._ids = itertools.count(1)
        self._prefix = f"hotline-{random.getrandbits(32):08x}"
        self._connected = asyncio.Event()
        self._stopping = False
        self._logged_in = False
        self._task: asyncio.Task[None] | None = None
        self._trouble = _RateLimitedLog()

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        if self._task is None:
            self._stopping = False
            self._task = asyncio.create_task(self._run(), name=f"ami {self.endpoint.name}")

    async def stop(self) -> None:
        self._stopping = True
        self._close_writer()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self.state = AmiState.STOPPED

    async def wait_connected(self, timeout: float) -> None:
        await asyncio.wait_for(self._connected.wait(), timeout)

    @property
    def connected(self) -> bool:
        return self.state is AmiState.CONNECTED

    def next_action_id(self) -> str:
        return f"{self._prefix}-{next(self._ids)}"

    # -- actions -----------------------------------------------------------------------------

    async def send(
        self,
        action: str,
        headers: Headers = (),
        *,
        action_id: str | None = None,
        timeout: float | None = None,
        on_complete: Callable[[], None] | None = None,
    ) -> ActionResult:
        """Send one action and wait for its response (and its event list, if it has one).
        Raises ActionFailed on `Response: Error`, ConnectionLost if the connection drops first,
        NotConnected if there is no connection, TimeoutError if Asterisk stays silent.
        While the PBX drains its calls to restart the connection lasts, and actions are sent
        (Asterisk refuses them: ActionFailed).

        `on_complete` runs as soon as the answer is complete, before the events that follow it
        on the wire are dispatched: the caller can hold those until it has used the answer."""
        if self._writer is None or not self._logged_in:
            raise NotConnected(f"not connected to {self.endpoint}")
        return await self._send(self._writer, action, headers, action_id, timeout, on_complete)

    async def _send(
        self,
        writer: AmiWriter,
        action: str,
        headers: Headers,
        action_id: str | None,
        timeout: float | None,
        on_complete: Callable[[], None] | None = None,
    ) -> ActionResult:
        action_id = action_id or self.next_action_id()
        pairs = list(headers.items()) if isinstance(headers, Mapping) else list(headers)
        future: asyncio.Future[ActionResult] = asyncio.get_running_loop().create_future()
        self._pending[action_id] = _Pending(future, on_complete)
        try:
            writer.write(encode([("Action", action), ("ActionID", action_id), *pairs]))
            await writer.drain()
            return await asyncio.wait_for(future, timeout or self._action_timeout)
        except (ConnectionError, OSError) as error:
            raise ConnectionLost(f"{action}: {type(error).__name__}") from error
        finally:
            self._pending.pop(action_id, None)

    # -- the connection loop -----------------------------------------------------------------

    async def _run(self) -> None:
        attempt = 0
        while not self._stopping:
            if self.state is not AmiState.RESTARTING:
                self.state = AmiState.CONNECTING
            self._logged_in = False
            try:
                await self._session()
            except asyncio.CancelledError:
                raise
            except LoginRefused as error:
                self.state = AmiState.AUTH_FAILED
                self.stats.last_error = f"login refused: {error}"
                log.error("AMI %s refused the login: %s", self.endpoint, error)
            except PbxShuttingDown as error:
                self.state = AmiState.RESTARTING
                self.stats.last_error = str(error)
                self._trouble.warning(
                    "restart", "AMI %s: the PBX is restarting; logging in again", self.endpoint
                )
            except Exception as error:
                self.stats.last_error = f"{type(error).__name__}: {error}"
                self._trouble.warning(
                    "connect", "AMI %s unavailable: %s", self.endpoint, self.stats.last_error
                )
            finally:
                self._lost()
            if self._stopping:
                break
            attempt = 0 if self._logged_in else attempt + 1
            if self.state is AmiState.AUTH_FAILED:
                await asyncio.sleep(AUTH_RETRY_SECONDS)
                continue
            if self.state is not AmiState.RESTARTING:
                # A restarting PBX stays "restarting" while it cannot be reached: it is coming.
                self.state = AmiState.DISCONNECTED
            await asyncio.sleep(self._backoff.delay(attempt))

    async def _session(self) -> None:
        """One connection, from connect to its loss (which always ends it with an exception)."""
        reader, writer = await asyncio.wait_for(self._connect(self.endpoint), self._connect_timeout)
        self._writer = writer
        self._heard_at = time.monotonic()
        frames = FrameReader()
        self.frames = frames.stats
        pump = asyncio.create_task(self._pump(reader, frames))
        try:
            await self._login(writer)
            self._logged_in = True
            self.state = AmiState.CONNECTED
            self.stats.connects += 1
            self.stats.connected_since = time.monotonic()
            self._connected.set()
            log.info("AMI %s connected (%s)", self.endpoint, frames.banner or "no banner")
            if self._on_ready is not None:
                await self._ready()
            await self._watch(pump)
        finally:
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await pump

    async def _login(self, writer: AmiWriter) -> None:
        credentials = [
            ("Username", self.endpoint.username),
            ("Secret", self.endpoint.secret),
            ("Events", "on"),
        ]
        try:
            await self._send(writer, "Login", credentials, None, self._action_timeout)
        except ActionFailed as error:
            if _shutting_down(error.response):
                raise PbxShuttingDown(str(error)) from error
            raise LoginRefused(str(error)) from error

    async def _ready(self) -> None:
        assert self._on_ready is not None
        try:
            await self._on_ready(self)
        except AmiError as error:
            # The rebuild after a reconnect failed (the connection dropped again, or Asterisk
            # refused the action): the watch below notices a dead connection on its own.
            log.warning("AMI %s: rebuilding calls in progress failed: %s", self.endpoint, error)

    async def _watch(self, pump: asyncio.Task[None]) -> None:
        """Ping every interval; an unanswered Ping means a dead connection even when TCP has not
        noticed yet. Any answer, an error included, shows the connection alive."""
        while not pump.done():
            done, _ = await asyncio.wait({pump}, timeout=self._ping_interval)
            if done:
                break
            try:
                await self.send("Ping", timeout=self._ping_interval)
            except ActionFailed as refused:
                if _shutting_down(refused.response):
                    self._restarting()
            except (TimeoutError, AmiError) as error:
                raise ConnectionLost("Ping went unanswered") from error
        pump.result()

    def _restarting(self) -> None:
        if self.state is not AmiState.RESTARTING:
            log.warning("AMI %s: the PBX is shutting down to restart", self.endpoint)
        self.state = AmiState.RESTARTING

    async def _pump(self, reader: AmiReader, frames: FrameReader) -> None:
        while True:
            chunk = await reader.read(READ_BYTES)
            if not chunk:
                raise ConnectionLost("Asterisk closed the connection")
            self._heard_at = time.monotonic()
            before = (frames.stats.malformed_lines, frames.stats.oversized_lines)
            for message in frames.feed(chunk):
                self._dispatch(message)
            if (frames.stats.malformed_lines, frames.stats.oversized_lines) != before:
                self._trouble.warning(
                    "frames",
                    "AMI %s sent malformed input, skipped (%d malformed, %d oversized lines)",
                    self.endpoint,
                    frames.stats.malformed_lines,
                    frames.stats.oversized_lines,
                )

    def _dispatch(self, message: AmiMessage) -> None:
        # Most messages are events nobody waits for: look for a waiting action only if any.
        if self._pending:
            pending = self._pending.get(message.action_id or "")
            answered = pending is not None and not pending.future.done()
            if answered and pending is not None and self._answer(pending, message):
                return
        if message.event is not None:
            self.stats.events += 1
            if message.event == "Shutdown" and self._logged_in:
                self._shutdown_announced(message)
            try:
                self._on_event(message)
            except Exception:
                # One bad event must not cut the connection every other call depends on.
                log.exception("AMI event handler failed on a %s event", message.event)

    def _shutdown_announced(self, message: AmiMessage) -> None:
        """`Event: Shutdown` comes just before the PBX closes the connection: `Restart: True`
        for a restart; otherwise it is stopping, and will not be back by itself."""
        if (message.get("Restart") or "").lower() in ("true", "yes", "1"):
            self._restarting()
        else:
            log.warning("AMI %s: the PBX is shutting down, not to restart", self.endpoint)
            self.state = AmiState.DISCONNECTED

    @staticmethod
    def _answer(pending: _Pending, message: AmiMessage) -> bool:
        """Feed a message to the action waiting for it. False if it is not part of the answer
        (an OriginateResponse arrives after the action's own response and is a call event)."""
        if message.response is not None and pending.response is None:
            pending.response = message
            if message.response.lower() == "error":
                pending.future.set_exception(ActionFailed(message))
            elif (message.get("EventList") or "").lower() != "start":
                AmiClient._complete(pending, ActionResult(message))
            return True
        if pending.response is not None and message.event is not None:
            if (message.get("EventList") or "").lower() == "complete":
                AmiClient._complete(pending, ActionResult(pending.response, tuple(pending.events)))
            else:
                pending.events.append(message)
            return True
        return False

    @staticmethod
    def _complete(pending: _Pending, result: ActionResult) -> None:
        pending.future.set_result(result)
        if pending.on_complete is not None:
            pending.on_complete()

    def _lost(self) -> None:
        was_connected = self._logged_in
        self._connected.clear()
        self._close_writer()
        for action_id, pending in list(self._pending.items()):
            if not pending.future.done():
                pending.future.set_exception(ConnectionLost(f"connection lost ({action_id})"))
        self._pending.clear()
        if was_connected:
            self.stats.disconnects += 1
            self.stats.connected_since = None
            log.warning("AMI %s disconnected: %s", self.endpoint, self.stats.last_error)
            if self._on_lost is not None:
                self._on_lost(time.monotonic() - self._heard_at)

    def _close_writer(self) -> None:
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.close()


def _shutting_down(response: AmiMessage) -> bool:
    return (response.get("Message") or "").lower().startswith(SHUTTING_DOWN)
