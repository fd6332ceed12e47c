"""The fake Asterisk: a TCP server speaking AMI as Asterisk 22 does, for tests, for demo mode
and for `hotline simulate`.

It answers Login/Logoff, Ping, Events, Originate, CoreShowChannels, QueueStatus, QueueSummary
and QueuePause with ActionIDs and event lists as Asterisk does, and sends events to every
logged-in connection: replayed byte for byte from a capture, or generated from the captures'
calls under new names. Faults can be injected: raw bytes, dropped connections, a restart (at
once, or graceful: calls go on while logins and actions are refused, as Asterisk 22 does).

Its clock is one PBX's clock: a replayed capture sets it to the capture's time, so what it
says afterwards (a Ping's Timestamp, how long a channel has been up, the next calls) follows
on from the recording.

Clients reach it over TCP (`start`) or in memory (`connect_in_memory`, the AMI client's
`connect` factory)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import secrets
import time
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from typing import Any

from hotline.telephony.ami import AmiReader, AmiWriter
from hotline.telephony.endpoints import AmiEndpoint
from hotline.telephony.frames import AmiMessage, FrameReader, encode
from hotline.telephony.simulator.agi_client import ScriptedCaller, run_agi_call
from hotline.telephony.simulator.capture import RecordedEvent, load_capture
from hotline.telephony.simulator.memory import memory_connection
from hotline.telephony.simulator.state import CHANNEL_FIELDS, PbxState
from hotline.telephony.simulator.templates import Identities, restamp, template
from ivr import menu

log = logging.getLogger(__name__)

BANNER = b"Asterisk Call Manager/11.0.0\r\n"
# Asterisk 22's answer to every login and action while it drains its calls to shut down.
SHUTTING_DOWN = "Asterisk is shutting down"
DEFAULT_MEMBERS = {
    "hotline": [("Local/agent1@agents/n", "Agent1"), ("Local/agent2@agents/n", "Agent2")],
    "emergency": [("Local/agent3@agents/n", "Agent3"), ("Local/agent4@agents/n", "Agent4")],
}


@dataclass
class _GeneratedCall:
    """One call of the generated stream, as it will be placed."""

    caller: str
    scenario: str
    ticket_type: str | None
    agent_interface: str | None
    agent_name: str | None
    stretch: float

    def place(self, pbx: FakeAsterisk) -> None:
        pbx.place_call(
            caller=self.caller,
            scenario=self.scenario,
            ticket_type=self.ticket_type,
            agent_interface=self.agent_interface,
            agent_name=self.agent_name,
            stretch=self.stretch,
        )


@dataclass
class _Connection:
    reader: AmiReader
    writer: AmiWriter
    logged_in: bool = False


@dataclass
class FakeAsterisk:
    host: str = "127.0.0.1"
    port: int = 0
    username: str = "hotline"
    # Made up per start unless given: the fake listens on a real port, so it has a real secret.
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    # Numbers that ring out unanswered when originated.
    unanswered_numbers: frozenset[str] = frozenset()
    # Where an answered Originate into the [survey] context runs its AGI, as the dialplan
    # does, and the customers who answer it (by the number dialled).
    agi_endpoint: tuple[str, int] | None = None
    survey_callers: dict[str, ScriptedCaller] = field(default_factory=dict)
    members: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: DEFAULT_MEMBERS)
    clock: Callable[[], float] = time.time
    # Generated calls run this many times faster than life; their Timestamps follow suit.
    speed: float = 1.0
    state: PbxState = field(default_factory=PbxState)
    # `core restart gracefully` under way: logins and actions are refused.
    shutting_down: bool = False
    sent_events: int = 0
    # When each kind of event last went out (monotonic clock), for latency measurements.
    emitted_at: dict[str, float] = field(default_factory=dict)
    _server: asyncio.Server | None = None
    _connections: list[_Connection] = field(default_factory=list)
    _flowing: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _identities: Identities | None = None

    def __post_init__(self) -> None:
        self._origin = (self.clock(), time.monotonic())
        self._flowing.set()
        for queue, members in self.members.items():
            for interface, name in members:
                self.state.add_member(queue, interface, name)

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        log.info("fake Asterisk listening on %s:%d", self.host, self.port)

    async def stop(self) -> None:
        """Like Asterisk dying: the listener goes, every connection is cut."""
        if self._server is not None:
            self._server.close()
            self.drop_connections()
            await self._server.wait_closed()
            self._server = None

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.stop()

    async def calls_done(self) -> None:
        """Wait until every call being played has sent its last event."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def drop_connections(self) -> None:
        for connection in list(self._connections):
            connection.writer.close()
        self._connections.clear()

    async def connect_in_memory(self, _endpoint: AmiEndpoint) -> tuple[AmiReader, AmiWriter]:
        """A connection to this fake without a socket: the AMI client's `connect` factory."""
        (client_reader, client_writer), (reader, writer) = memory_connection()
        task = asyncio.create_task(self._serve(reader, writer))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return client_reader, client_writer

    def shut_down_gracefully(self) -> None:
        """`core restart gracefully`: the calls up go on to their end (their events still go
        out), while every login and every action, Ping included, is refused with "Asterisk is
        shutting down"; `restart` ends it."""
        self.shutting_down = True

    async def restart(self) -> None:
        """The restart itself (`core restart now`, or the end of a graceful one): `Shutdown`
        goes to every connection and they are cut; the restarted PBX has no call up and takes
        logins again at once."""
        self.emit(
            AmiMessage.of(
                [
                    ("Event", "Shutdown"),
                    ("Privilege", "system,all"),
                    ("Timestamp", f"{self.sim_time():.6f}"),
                    ("Shutdown", "Cleanly"),
                    ("Restart", "True"),
                ]
            )
        )
        await self.drain()
        self.drop_connections()
        self.state.forget_calls()
        self.shutting_down = False

    def pause(self) -> None:
        self._flowing.clear()

    def resume(self) -> None:
        self._flowing.set()

    @property
    def logged_in_connections(self) -> int:
        return sum(1 for c in self._connections if c.logged_in)

    async def wait_for_clients(self, count: int = 1, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while self.logged_in_connections < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{count} AMI client(s) did not log in")
            await asyncio.sleep(0.01)

    # -- events out --------------------------------------------------------------------------

    def emit(self, message: AmiMessage, raw: bytes | None = None) -> None:
        """Send one event to every logged-in connection, as Asterisk does with `Events: on`."""
        self.state.observe(message, self.sim_time())
        data = raw if raw is not None else message.to_bytes()
        self.sent_events += 1
        self.emitted_at[message.event or ""] = time.monotonic()
        for connection in list(self._connections):
            if connection.logged_in:
                connection.writer.write(data)

    def inject_raw(self, data: bytes) -> None:
        """Bytes no Asterisk would send (garbage, an endless line, broken UTF-8)."""
        for connection in list(self._connections):
            if connection.logged_in:
                connection.writer.write(data)

    async def replay(self, name: str, speed: float | None = None) -> None:
        """Send a capture's events: as fast as possible (`speed=None`), in real time (1.0) or
        compressed (`speed=50`: fifty times faster)."""
        await self.send_recorded(load_capture(name), speed)

    async def send_recorded(
        self, events: Iterable[RecordedEvent], speed: float | None = None
    ) -> None:
        """Send recorded events byte for byte, spaced by their Timestamps divided by `speed`
        (back to back when None)."""
        previous: float | None = None
        for recorded in events:
            await self._flowing.wait()
            stamp = recorded.timestamp
            if speed is not None and stamp is not None and previous is not None:
                await asyncio.sleep(max(0.0, (stamp - previous) / speed))
            if stamp is not None:
                previous = stamp
                self.set_clock(stamp)
            self.emit(recorded.message, recorded.raw)
            if speed is None:
                await asyncio.sleep(0)
            await self.drain()

    async def drain(self) -> None:
        """Wait until every connection's socket has taken what was written to it."""
        for connection in list(self._connections):
            with contextlib.suppress(ConnectionError):
                await connection.writer.drain()

    # -- generated calls ---------------------------------------------------------------------

    def sim_time(self) -> float:
        """The simulated PBX's clock: wall time at start, running `speed` times faster."""
        wall, monotonic = self._origin
        return wall + (time.monotonic() - monotonic) * self.speed

    def set_clock(self, moment: float) -> None:
        """The PBX's clock says `moment` now (a replayed event's Timestamp)."""
        self._origin = (moment, time.monotonic())

    def identities(self) -> Identities:
        if self._identities is None:
            self._identities = Identities.starting(int(self.clock()))
        return self._identities

    def place_call(
        self,
        *,
        caller: str,
        scenario: str = "answered",
        ticket_type: str | None = None,
        agent_interface: str | None = None,
        agent_name: str | None = None,
        stretch: float = 1.0,
        action_id: str | None = None,
    ) -> asyncio.Task[None]:
        """Play one call built from a recorded one. The task ends when its last event is out."""
        call = template(scenario)
        events = restamp(
            call,
            identities=self.identities(),
            start=self.sim_time(),
            stretch=stretch,
            caller=caller,
            agent_interface=agent_interface,
            agent_name=agent_name,
            ticket_type=ticket_type,
            action_id=action_id,
        )
        task = asyncio.create_task(self._play(events))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _play(self, events: list[tuple[float, AmiMessage]]) -> None:
        for due, message in events:
            await self._flowing.wait()
            wait = (due - self.sim_time()) / self.speed
            if wait > 0:
                await asyncio.sleep(wait)
            # Stamped when sent, as Asterisk stamps an event when it raises it: calls played
            # side by side then never show time running backwards.
            self.emit(_stamped(message, self.sim_time()))
        await self.drain()

    async def generate(
        self,
        *,
        calls_per_minute: float = 6.0,
        seed: int | None = None,
        callers: Iterable[str] = (),
        count: int | None = None,
    ) -> None:
        """A steady stream of calls, like a day on the hotline: menu choices, answers by free
        agents, waits, abandons, hang-ups in the menu, gas-smell emergencies."""
        chooser = random.Random(seed)  # noqa: S311 (a simulation, not security)
        pool = list(callers) or [f"1380013{n:04d}" for n in range(8000, 8100)]
        placed = 0
        while count is None or placed < count:
            await asyncio.sleep(chooser.expovariate(calls_per_minute / 60.0) / self.speed)
            scenario = chooser.choices(
                ["answered", "agent_hangup", "abandoned_queued", "ivr_only", "emergency"],
                weights=[45, 25, 12, 10, 8],
            )[0]
            queue = "emergency" if scenario == "emergency" else "hotline"
            free = self.state.free_members(queue)
            if scenario in ("answered", "agent_hangup") and not free:
                scenario = "abandoned_queued"
            member = chooser.choice(free) if free and scenario != "abandoned_queued" else None
            ticket_type = None
            if scenario in ("answered", "agent_hangup", "abandoned_queued"):
                ticket_type = chooser.choice(["consultation", "repair", "complaint"])
            call = _GeneratedCall(
                caller=chooser.choice(pool),
                scenario=scenario,
                ticket_type=ticket_type,
                agent_interface=member.interface if member else None,
                agent_name=member.name if member else None,
                stretch=chooser.uniform(0.7, 2.5),
            )
            if self.agi_endpoint is None:
                call.place(self)
            else:
                self._run(self._through_the_menu(call, chooser))
            placed += 1

    async def _through_the_menu(self, call: _GeneratedCall, chooser: random.Random) -> None:
        """The caller goes through our FastAGI menu first, as the dialplan sends them, and
        answers what they hear; the call then goes on as the menu decided: to the queue with
        their choice, or a goodbye after self-service (an outage call noted, a callback
        booked). A caller of the `ivr_only` kind hangs up in the menu."""
        assert self.agi_endpoint is not None
        host, port = self.agi_endpoint
        choice = "4" if call.scenario == "emergency" else chooser.choice("123350")
        person = ScriptedCaller(
            keys=[],
            callerid=call.caller,
            answers={
                menu.OUTAGE_PRESS_1: [chooser.choice("12")],
                menu.MENU_PROMPT: [choice],
                menu.CALLBACK_OFFER: [chooser.choice("12")],
                menu.CALLBACK_CONFIRM: ["1"],
            },
            hang_up_after=3 if call.scenario == "ivr_only" else None,
        )
        try:
            await run_agi_call(host, port, "menu", person)
        except OSError as error:
            log.warning("demo call: the menu cannot be reached (%s)", error)
        outcome = person.variables.get("HOTLINE_IVR")
        if outcome == "goodbye":
            call.scenario, call.ticket_type = "ivr_only", None
        elif outcome == "done":
            call.ticket_type = person.variables.get("TICKETTYPE")
            if call.ticket_type == "gas-smell":
                call.scenario = "emergency"
        call.place(self)

    def _run(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- actions in --------------------------------------------------------------------------

    async def _serve(self, reader: AmiReader, writer: AmiWriter) -> None:
        connection = _Connection(reader, writer)
        self._connections.append(connection)
        frames = FrameReader()
        try:
            writer.write(BANNER)
            while True:
                chunk = await reader.read(65536)
                if not chunk:
                    break
                for action in frames.feed(chunk):
                    if not await self._act(connection, action):
                        return
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            if connection in self._connections:
                self._connections.remove(connection)
            writer.close()

    async def _act(self, connection: _Connection, action: AmiMessage) -> bool:
        name = (action.get_ignoring_case("Action") or "").lower()
        reply = _Replies(connection.writer, action.get_ignoring_case("ActionID"))
        if self.shutting_down and name != "logoff":
            reply.response("Error", Message=SHUTTING_DOWN)
            return True
        if name == "login":
            if (
                action.get_ignoring_case("Username") == self.username
                and action.get_ignoring_case("Secret") == self.secret
            ):
                connection.logged_in = True
                reply.response("Success", Message="Authentication accepted")
                connection.writer.write(
                    encode(
                        [
                            ("Event", "FullyBooted"),
                            ("Privilege", "system,all"),
                            ("Uptime", "7"),
                            ("LastReload", "7"),
                            ("Status", "Fully Booted"),
                        ]
                    )
                )
            else:
                reply.response("Error", Message="Authentication failed")
            return True
        if name == "logoff":
            reply.response("Goodbye", Message="Thanks for all the fish.")
            await connection.writer.drain()
            return False
        if not connection.logged_in:
            reply.response("Error", Message="Missing action in request")
            return True
        handler = {
            "ping": self._ping,
            "events": self._events,
            "originate": self._originate,
            "coreshowchannels": self._core_show_channels,
            "queuestatus": self._queue_status,
            "queuesummary": self._queue_summary,
            "queuepause": self._queue_pause,
        }.get(name)
        if handler is None:
            reply.response("Error", Message="Invalid/unknown command")
        else:
            handler(action, reply)
        return True

    def _ping(self, _action: AmiMessage, reply: _Replies) -> None:
        reply.response("Success", Ping="Pong", Timestamp=f"{self.sim_time():.6f}")

    def _events(self, action: AmiMessage, reply: _Replies) -> None:
        reply.response("Success", Events=action.get_ignoring_case("EventMask") or "on")

    def _originate(self, action: AmiMessage, reply: _Replies) -> None:
        exten = action.get_ignoring_case("Exten") or ""
        channel = action.get_ignoring_case("Channel") or ""
        if not channel or not exten:
            reply.response("Error", Message="Channel and Exten are required")
            return
        if "/" not in channel:
            # As Asterisk's manager refuses a channel that is not technology/resource.
            reply.response("Error", Message="Invalid channel")
            return
        reply.response("Success", Message="Originate successfully queued")
        if (action.get_ignoring_case("Context") or "") == "survey":
            self._originate_survey(action, reply.action_id)
            return
        scenario = "callback_noanswer" if exten in self.unanswered_numbers else "callback_answered"
        call = self.place_call(caller=exten, scenario=scenario, action_id=reply.action_id)
        # Agent first: the Originate's channel is an agent's phone, in use until the call ends,
        # as its device state tells the queues on a real PBX.
        phones = self.state.members_at(action.get_ignoring_case("Channel") or "")
        for member in phones:
            member.in_call = True

        def hung_up(_call: asyncio.Task[None]) -> None:
            for member in phones:
                member.in_call = False

        call.add_done_callback(hung_up)

    def _originate_survey(self, action: AmiMessage, action_id: str | None) -> None:
        """The customer is the Originate's channel (Local/<number>@callback-out); answered,
        the [survey] context runs AGI(hotline/survey) with the Originate's variables."""
        channel = action.get_ignoring_case("Channel") or ""
        number = channel.removeprefix("Local/").split("@", 1)[0]
        if number in self.unanswered_numbers or self.agi_endpoint is None:
            self.place_call(caller=number, scenario="callback_noanswer", action_id=action_id)
            return
        variables = dict(
            value.split("=", 1)
            for key, value in action.headers
            if key.lower() == "variable" and "=" in value
        )
        caller = self.survey_callers.get(number, ScriptedCaller(keys=[]))
        caller.variables = {**variables, **caller.variables}
        host, port = self.agi_endpoint
        call = self.place_call(caller=number, scenario="callback_answered", action_id=action_id)

        async def answer_then_survey() -> None:
            await asyncio.sleep(0)
            await run_agi_call(host, port, "survey", caller)
            await call

        self._run(answer_then_survey())

    def _core_show_channels(self, _action: AmiMessage, reply: _Replies) -> None:
        reply.response("Success", EventList="start", Message="Channels will follow")
        now = self.sim_time()
        for live in self.state.channels.values():
            seconds = int(max(0.0, now - live.created))
            duration = f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
            fields = dict(live.fields)
            reply.event(
                "CoreShowChannel",
                **{key: fields.get(key, "") for key in CHANNEL_FIELDS},
                Application=fields.get("Application", ""),
                ApplicationData=fields.get("ApplicationData", ""),
                BridgeId=fields.get("BridgeId", ""),
                Duration=duration,
            )
        reply.event(
            "CoreShowChannelsComplete",
            EventList="Complete",
            ListItems=str(len(self.state.channels)),
        )

    def _queue_status(self, action: AmiMessage, reply: _Replies) -> None:
        wanted = action.get_ignoring_case("Queue")
        reply.response("Success", EventList="start", Message="Queue status will follow")
        now = self.sim_time()
        items = 0
        for queue in self.state.queues():
            if wanted and queue != wanted:
                continue
            entries = [e for e in self.state.entries.values() if e.queue == queue]
            reply.event(
                "QueueParams",
                Queue=queue,
                Max="0",
                Strategy="ringall" if queue == "emergency" else "rrmemory",
                Calls=str(len(entries)),
                Holdtime=str(self.state.holdtime.get(queue, 0)),
                TalkTime=str(self.state.talktime.get(queue, 0)),
                Completed=str(self.state.completed.get(queue, 0)),
                Abandoned=str(self.state.abandoned.get(queue, 0)),
                ServiceLevel="20",
                ServicelevelPerf="0.0",
                ServicelevelPerf2="0.0",
                Weight="0",
            )
            items += 1
            for (member_queue, _), member in self.state.members.items():
                if member_queue != queue:
                    continue
                reply.event(
                    "QueueMember",
                    Queue=queue,
                    Name=member.name,
                    Location=member.interface,
                    StateInterface=member.interface,
                    Membership="static",
                    Penalty="0",
                    CallsTaken=str(member.calls_taken),
                    LastCall="0",
                    LastPause="0",
                    LoginTime="0",
                    InCall="1" if member.in_call else "0",
                    Status="2" if member.in_call else "1",
                    Paused="1" if member.paused else "0",
                    PausedReason=member.reason,
                    Wrapuptime="0",
                )
                items += 1
            for position, entry in enumerate(entries, start=1):
                reply.event(
                    "QueueEntry",
                    Queue=queue,
                    Position=str(position),
                    Channel=entry.channel,
                    Uniqueid=entry.uniqueid,
                    CallerIDNum=entry.caller,
                    CallerIDName="Customer",
                    ConnectedLineNum="<unknown>",
                    ConnectedLineName="<unknown>",
                    Wait=str(int(now - entry.joined)),
                    Priority="0",
                )
                items += 1
        reply.event("QueueStatusComplete", EventList="Complete", ListItems=str(items))

    def _queue_summary(self, action: AmiMessage, reply: _Replies) -> None:
        wanted = action.get_ignoring_case("Queue")
        reply.response("Success", EventList="start", Message="Queue summary will follow")
        now = self.sim_time()
        items = 0
        for queue in self.state.queues():
            if wanted and queue != wanted:
                continue
            members = [m for (q, _), m in self.state.members.items() if q == queue]
            entries = [e for e in self.state.entries.values() if e.queue == queue]
            longest = max((int(now - e.joined) for e in entries), default=0)
            reply.event(
                "QueueSummary",
                Queue=queue,
                LoggedIn=str(len(members)),
                Available=str(len(self.state.free_members(queue))),
                Callers=str(len(entries)),
                HoldTime=str(self.state.holdtime.get(queue, 0)),
                TalkTime=str(self.state.talktime.get(queue, 0)),
                LongestHoldTime=str(longest),
            )
            items += 1
        reply.event("QueueSummaryComplete", EventList="Complete", ListItems=str(items))

    def _queue_pause(self, action: AmiMessage, reply: _Replies) -> None:
        interface = action.get_ignoring_case("Interface") or ""
        paused = (action.get_ignoring_case("Paused") or "").lower() in ("true", "yes", "1")
        queue = action.get_ignoring_case("Queue")
        touched = [
            member
            for (member_queue, member_interface), member in self.state.members.items()
            if member_interface == interface and (not queue or member_queue == queue)
        ]
        if not touched:
            reply.response("Error", Message="Interface not found")
            return
        reply.response(
            "Success",
            Message="Interface paused successfully"
            if paused
            else "Interface unpaused successfully",
        )
        for member in touched:
            member.paused = paused
            member.reason = action.get_ignoring_case("Reason") or ""
            self.emit(
                AmiMessage.of(
                    [
                        ("Event", "QueueMemberPause"),
                        ("Privilege", "agent,all"),
                        ("Timestamp", f"{self.sim_time():.6f}"),
                        ("Queue", member.queue),
                        ("MemberName", member.name),
                        ("Interface", member.interface),
                        ("StateInterface", member.interface),
                        ("Membership", "static"),
                        ("Penalty", "0"),
                        ("CallsTaken", str(member.calls_taken)),
                        ("InCall", "1" if member.in_call else "0"),
                        ("Status", "1"),
                        ("Paused", "1" if paused else "0"),
                        ("PausedReason", member.reason),
                        ("Wrapuptime", "0"),
                    ]
                )
            )


def _stamped(message: AmiMessage, moment: float) -> AmiMessage:
    return AmiMessage(
        tuple(
            (key, f"{moment:.6f}") if key == "Timestamp" else (key, value)
            for key, value in message.headers
        )
    )


@dataclass
class _Replies:
    writer: AmiWriter
    action_id: str | None

    def response(self, status: str, **headers: str) -> None:
        self._write([("Response", status), *self._id(), *headers.items()])

    def event(self, name: str, **headers: str) -> None:
        self._write([("Event", name), *self._id(), *headers.items()])

    def _id(self) -> list[tuple[str, str]]:
        return [("ActionID", self.action_id)] if self.action_id is not None else []

    def _write(self, headers: list[tuple[str, str]]) -> None:
        self.writer.write(encode(headers))
