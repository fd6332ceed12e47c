"""Telephony inside the server: one AMI connection and one call tracker per Asterisk, the call
log writer, and what calls mean to the rest of hotline (bus events, screen pops, originate).

I/O lives here; what a call *is* is decided by the pure tracker."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from hotline.events import Event, EventBus
from hotline.telephony.ami import AmiClient, AmiError, AmiState, Connector, tcp_connection
from hotline.telephony.endpoints import AmiEndpoint
from hotline.telephony.frames import AmiMessage
from hotline.telephony.handover import calls_ended_lately
from hotline.telephony.model import CallRecord, call_json
from hotline.telephony.numbers import dial_string, normalise_caller
from hotline.telephony.queues import QueueNow, fold_queue_status, merge_servers
from hotline.telephony.tracker import CallTracker, CallUpdate, QueueSnapshot, TrackerConfig
from hotline.telephony.writer import CallWriter, OriginateLink, calls_in_progress

log = logging.getLogger(__name__)

# How far back a worker standing by remembers the PBX's events: longer than a takeover takes
# (and no more of them than this, at a storm's rate).
HEARD_SECONDS = 30.0
HEARD_LIMIT = 50_000
# Word of an Originate this worker sent, to every worker (the relay): whichever tracks the
# calls ties the call to its ActionID, agent, ticket and requester, now or after a takeover.
ORIGINATE_TOPIC = "telephony.originate"


@dataclass
class Line:
    """One Asterisk server as hotline sees it."""

    endpoint: AmiEndpoint
    client: AmiClient
    tracker: CallTracker
    # Events that arrived after a CoreShowChannels list but before it was reconciled.
    held: list[AmiMessage] | None = None
    # What a worker standing by heard lately, with when: folded in if it takes over.
    heard: deque[tuple[float, AmiMessage, datetime]] = field(
        default_factory=lambda: deque(maxlen=HEARD_LIMIT)
    )


class Telephony:
    def __init__(
        self,
        *,
        endpoints: list[AmiEndpoint],
        sessions: async_sessionmaker[AsyncSession],
        bus: EventBus,
        clock: Callable[[], datetime],
        local_area_code: str,
        inbound_contexts: frozenset[str] = frozenset({"hotline-in"}),
        outbound_contexts: frozenset[str] = frozenset({"callback-out"}),
        ping_interval: float = 10.0,
        timezone: tzinfo = UTC,
        connect: Connector = tcp_connection,
    ) -> None:
        self._bus = bus
        self._clock = clock
        self._local_area_code = local_area_code
        self._timezone = timezone
        self._sessions = sessions
        self.writer = CallWriter(sessions, clock)
        self.lines: dict[str, Line] = {}
        self._background: set[asyncio.Task[None]] = set()
        self.on_agent_connected: Callable[[CallRecord], Coroutine[Any, Any, None]] | None = None
        # Whether this process turns the PBX's events into the call log and screen pops. With
        # several workers only the holder of the telephony lease does (telephony/lease.py);
        # the others keep their AMI connections for actions: calls placed, agents paused.
        self.tracking = True
        for endpoint in endpoints:
            tracker = CallTracker(
                TrackerConfig(
                    server=endpoint.name,
                    inbound_contexts=inbound_contexts,
                    outbound_contexts=outbound_contexts,
                )
            )
            client = AmiClient(
                endpoint,
                on_event=self._event_handler(endpoint.name),
                on_ready=self._rebuild,
                on_lost=self._loss_handler(endpoint.name),
                connect=connect,
                ping_interval=ping_interval,
            )
            self.lines[endpoint.name] = Line(endpoint, client, tracker)
        bus.listeners.append(self._on_originate_word)

    async def start(self) -> None:
        """The calls the log holds in progress (hotline restarted with calls up) are known
        again before the first event: the rebuild then adds to what the log knows of them."""
        for line in self.lines.values():
            line.tracker.resume(await self._stored_calls(line))
        self.writer.start()
        for line in self.lines.values():
            line.client.start()

    async def stop(self) -> None:
        if self._on_originate_word in self._bus.listeners:
            self._bus.listeners.remove(self._on_originate_word)
        for line in self.lines.values():
            await line.client.stop()
        for task in list(self._background):
            task.cancel()
        await self.writer.stop()

    def line(self, server: str | None = None) -> Line:
        if server is None:
            return next(iter(self.lines.values()))
        return self.lines[server]

    def pbx_now(self, server: str | None = None) -> datetime:
        """Now on the PBX's clock (the call log's clock), as estimated from its events'
        Timestamps; our clock while no event has told the offset."""
        return self.line(server).tracker.clock.pbx_time(self._clock())

    def _event_handler(self, server: str) -> Callable[[AmiMessage], None]:
        def handle(message: AmiMessage) -> None:
            line = self.lines[server]
            if line.held is not None:
                line.held.append(message)
                return
            if not self.tracking:
                received = time.monotonic()
                line.heard.append((received, message, self._clock()))
                while line.heard[0][0] < received - HEARD_SECONDS:
                    line.heard.popleft()
                return
            updates = line.tracker.apply(message, self._clock())
            if updates:
                self._publish(updates)

        return handle

    def _loss_handler(self, server: str) -> Callable[[float], None]:
        def lost(silence: float) -> None:
            last_heard = self._clock() - timedelta(seconds=silence)
            self.lines[server].tracker.connection_lost(last_heard)

        return lost

    async def _rebuild(self, client: AmiClient, taking_over: bool = False) -> None:
        """After every (re)connect: the channels Asterisk has up now are the truth. Calls we
        thought in progress without a live channel ended while we were away."""
        line = self.lines[client.endpoint.name]
        if not self.tracking and not taking_over:
            return
        await self._read_pbx_clock(line)

        def hold_what_follows() -> None:
            # The list is Asterisk's state at one moment; what comes after it on the wire
            # happened after, and must be folded in after the list is.
            line.held = []

        try:
            result = await client.send("CoreShowChannels", on_complete=hold_what_follows)
            listed_at = self._clock()
            channels = [event for event in result.events if event.event == "CoreShowChannel"]
            queues = await self._queue_status(client)
            heard = [(message, at) for _, message, at in line.heard]
            line.heard.clear()
            self._publish(line.tracker.reconcile(channels, listed_at, queues, heard))
        finally:
            held, line.held = line.held or [], None
            for message in held:
                self._publish(line.tracker.apply(message, self._clock()))

    async def take_over(self) -> None:
        """Start tracking (this worker got the telephony lease): the calls the last holder
        left in progress or saw end lately (the call log), every connected PBX's channels as
        they are now and what this worker heard meanwhile, then its events from there."""
        try:
            for line in self.lines.values():
                line.tracker.resume(await self._stored_calls(line))
                line.tracker.resume(await self._ended_lately(line))
                if line.client.state is AmiState.CONNECTED:
                    await self._rebuild(line.client, taking_over=True)
        finally:
            self.tracking = True
            # Heard while another line was being rebuilt, after its own list: in order.
            for line in self.lines.values():
                for _, message, at in line.heard:
                    self._publish(line.tracker.apply(message, at))
                line.heard.clear()

    def step_down(self) -> None:
        """Stop tracking (the lease is lost): what this worker knew of calls in progress is
        dropped; the new holder rebuilds it from Asterisk."""
        self.tracking = False
        for line in self.lines.values():
            line.tracker = CallTracker(line.tracker.config)
            line.held = None
            line.heard.clear()

    async def _read_pbx_clock(self, line: Line) -> None:
        """A Ping's answer carries the PBX's time: the tracker's clock offset before it
        converts the listing's durations (events bring more samples later)."""
        response = (await line.client.send("Ping")).response
        stamp = response.timestamp
        if stamp is not None:
            line.tracker.observe_clock(datetime.fromtimestamp(stamp, UTC), self._clock())

    async def _stored_calls(self, line: Line) -> list[CallRecord]:
        try:
            return await calls_in_progress(self._sessions, line.endpoint.name)
        except Exception as error:
            # Without them the rebuild starts from what Asterisk lists; the writer still keeps
            # every stored fact the rebuild lacks.
            log.warning("calls in progress could not be read from the call log: %s", error)
            return []

    async def _ended_lately(self, line: Line) -> list[CallRecord]:
        try:
            return await calls_ended_lately(self._sessions, line.endpoint.name, self._clock())
        except Exception as error:
            # Without them a call that ended lately, heard again in part, may be logged again
            # with less; the writer still keeps every stored fact.
            log.warning("calls ended lately could not be read from the call log: %s", error)
            return []

    async def _queue_status(self, client: AmiClient) -> QueueSnapshot:
        """Queue members (who is which agent) and how long callers have waited; without it
        (refused, or an old Asterisk) calls are still rebuilt, with less."""
        try:
            result = await client.send("QueueStatus")
        except (AmiError, TimeoutError) as error:
            log.warning("AMI %s: QueueStatus failed: %s", client.endpoint, error)
            return QueueSnapshot()
        return QueueSnapshot.of(result.events)

    def _publish(self, updates: list[CallUpdate]) -> None:
        for update in updates:
            record = self._normalised(update.record)
            self.writer.put(record)
            payload = {"call": call_json(record, self._timezone)}
            self._bus.publish(f"call.{update.kind}", self._clock(), payload)
            if update.kind == "agent_connected" and self.on_agent_connected is not None:
                task = asyncio.create_task(self.on_agent_connected(record))
                self._background.add(task)
                task.add_done_callback(self._background.discard)

    def _normalised(self, record: CallRecord) -> CallRecord:
        """Numbers in the customer file's form, the caller and the number dialled alike (an
        outbound call's dialled number is the customer's)."""
        caller = normalise_caller(record.caller, self._local_area_code)
        dialled = normalise_caller(record.dialled, self._local_area_code)
        if (caller, dialled) == (record.caller, record.dialled):
            return record
        return replace(record, caller=caller, dialled=dialled)

    async def originate(
        self,
        *,
        interface: str,
        number: str,
        context: str,
        caller_id: str,
        ticket_id: int | None,
        requested_by_user_id: int | None,
        server: str | None = None,
        ring_seconds: int = 30,
        action_id: str | None = None,
    ) -> str:
        """Ring the agent's phone; when they pick up, Asterisk dials the customer through the
        outbound context. Returns the ActionID the call log will carry (`action_id` when one
        was reserved). The outcome arrives later as an OriginateResponse and shows on the call."""
        line = self.line(server)
        action_id = action_id or line.client.next_action_id()
        self._announce_originate(
            line, action_id, number, interface, OriginateLink(ticket_id, requested_by_user_id)
        )
        headers = [
            ("Channel", interface),
            ("Context", context),
            ("Exten", dial_string(number, self._local_area_code)),
            ("Priority", "1"),
            ("CallerID", caller_id),
            ("Timeout", str(ring_seconds * 1000)),
            ("Async", "true"),
            ("Variable", f"HOTLINE_ORIGINATE={action_id}"),
        ]
        await line.client.send("Originate", headers, action_id=action_id)
        return action_id

    async def originate_survey(
        self,
        *,
        number: str,
        callback_id: int,
        ticket_id: int,
        outbound_context: str,
        caller_id: str,
        action_id: str,
        survey_token: str,
        server: str | None = None,
        ring_seconds: int = 40,
    ) -> str:
        """Call the customer through the outbound context; when they answer, Asterisk runs
        the [survey] context, whose AGI asks the questions. The ActionID (reserved with the
        task's claim) is returned: the call it makes in the call log tells how the dialling
        ended. The survey script takes the call only with the ActionID and `survey_token`."""
        line = self.line(server)
        dial = dial_string(number, self._local_area_code)
        self._announce_originate(line, action_id, number, None, OriginateLink(ticket_id, None))
        headers = [
            ("Channel", f"Local/{dial}@{outbound_context}"),
            ("Context", "survey"),
            ("Exten", "s"),
            ("Priority", "1"),
            ("CallerID", caller_id),
            ("Timeout", str(ring_seconds * 1000)),
            ("Async", "true"),
            ("Variable", f"HOTLINE_ORIGINATE={action_id}"),
            ("Variable", f"HOTLINE_CALLBACK={callback_id}"),
            ("Variable", f"HOTLINE_SURVEY_TOKEN={survey_token}"),
        ]
        await line.client.send("Originate", headers, action_id=action_id)
        return action_id

    def _announce_originate(
        self,
        line: Line,
        action_id: str,
        number: str,
        interface: str | None,
        link: OriginateLink,
    ) -> None:
        """Before the Originate goes: every worker's tracker (this one's at once, through the
        bus's listeners) expects the call, and its writer knows the ticket and requester."""
        self._bus.publish(
            ORIGINATE_TOPIC,
            self._clock(),
            {
                "server": line.endpoint.name,
                "action_id": action_id,
                "number": number,
                "interface": interface,
                "ticket_id": link.ticket_id,
                "requested_by_user_id": link.requested_by_user_id,
            },
        )

    def _on_originate_word(self, event: Event) -> None:
        if event.topic != ORIGINATE_TOPIC:
            return
        word = event.data
        line = self.lines.get(word["server"])
        if line is None:
            return
        # The writer first: a call tied now is written with its ticket and requester.
        self.writer.link(
            word["action_id"], OriginateLink(word["ticket_id"], word["requested_by_user_id"])
        )
        updates = line.tracker.expect_originate(
            word["action_id"],
            caller=word["number"],
            now=event.at,
            agent_interface=word["interface"],
        )
        if updates and self.tracking:
            self._publish(updates)

    async def queues_now(self, timeout: float = 2.0) -> dict[str, QueueNow] | None:
        """Every queue right now, summed over every PBX line; None when telephony has no
        line or an Asterisk does not answer in time (a partial picture would mislead: the
        wallboard says "unknown" and the ring-back dialler waits)."""
        if not self.lines:
            return None

        async def ask(line: Line) -> dict[str, QueueNow]:
            result = await line.client.send("QueueStatus", timeout=timeout)
            return fold_queue_status(list(result.events))

        try:
            answers = await asyncio.gather(*(ask(line) for line in self.lines.values()))
        except (AmiError, TimeoutError):
            return None
        return merge_servers(answers)

    def health(self) -> dict[str, Any]:
        servers = []
        for name, line in self.lines.items():
            client = line.client
            servers.append(
                {
                    "name": name,
                    "state": client.state.value,
                    "connects": client.stats.connects,
                    "disconnects": client.stats.disconnects,
                    "events": client.stats.events,
                    "last_error": client.stats.last_error,
                    "malformed_lines": client.frames.malformed_lines,
                    "oversized_lines": client.frames.oversized_lines,
                    "calls_in_progress": len(line.tracker.in_progress()),
                }
            )
        writer = self.writer.stats
        states = {line.client.state for line in self.lines.values()}
        if AmiState.RESTARTING in states:
            # Said apart from a failure: the PBX announced it, and hotline reconnects by itself.
            state = "restarting"
        elif states == {AmiState.CONNECTED} and writer.failing_since is None:
            state = "ok"
        else:
            state = "degraded"
        return {
            "state": state,
            "tracking": self.tracking,
            "servers": servers,
            "call_log": {
                "pending": self.writer.pending,
                "written": writer.written,
                "overflowed": writer.overflowed,
                "failing": writer.failing_since is not None,
                "last_error": writer.last_error,
            },
        }
