"""Chaos, measured: three hotline workers on a private PostgreSQL, the fake Asterisk putting
through a storm of calls to 200 agents whose browsers (SSE clients) are spread over the
workers; mid-storm the telephony leader is killed (-9), then the scheduler leader, then
PostgreSQL is stopped for 10 s and started again. Printed: takeover times, the fake's calls
against our call log, duplicate escalations and callbacks, screen pops delivered against
expected and their latency before and after each fault.

Targets: takeover <= 5 s; no call lost, a call spanning a gap complete or `incomplete`, never
wrong; 0 duplicate escalations and callbacks; pop p99 < 100 ms before and after each fault.

    .venv/bin/python benchmarks/chaos.py [--rate 8] [--phase-seconds 20]

Everything runs on loopback: PostgreSQL is the script's own cluster (initdb in a temporary
folder, a free port; run as the `postgres` user when the script runs as root), never the
machine's. The workers are separate `hotline serve` processes on their own HTTP ports sharing
the FastAGI port, as the compose file's replicas are: each can be killed by itself and asked
for its own /api/health, and a killed one is started again as a restart policy does; an agent
whose worker dies reconnects, after the 2–3 s the feed asks for, to the next worker, as the
proxy in front of the replicas sends it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from support import calm_client_collection, free_port, percentile

# The private cluster the database-restart tests use too.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from private_postgres import PrivateCluster

from hotline.application import rules as rule_cases
from hotline.application import staff as staff_cases
from hotline.application import tickets as ticket_cases
from hotline.application.unit import CoreServices
from hotline.leader import lock_key
from hotline.runtime import command_core
from hotline.services.actor import Actor
from hotline.services.tickets import ActionRequest, NewTicket
from hotline.settings import Settings
from hotline.telephony.frames import AmiMessage
from hotline.telephony.simulator import FakeAsterisk
from hotline.telephony.simulator.templates import restamp, template
from tickets.types import TicketType
from tickets.workflow import Action, Role

AGENTS = 200
# Agents 0..179 answer the hotline queue, the rest the emergency queue.
HOTLINE_AGENTS = 180
LOCK_KEYS = {"tracking": lock_key("telephony"), "leading": lock_key("scheduler")}
SUPERVISORS = 3
WORKERS = 3
SERVER = "chaos"
# Browsers wait this long before reconnecting a dropped feed, until the feed says otherwise
# (its `retry:` field).
SSE_RETRY_SECONDS = 2.0
PG_DOWN_SECONDS = 10.0
TAKEOVER_TARGET = 5.0
POP_P99_TARGET_MS = 100.0
SCENARIOS = ["answered", "agent_hangup", "abandoned_queued", "ivr_only", "emergency"]
WEIGHTS = [45, 25, 12, 10, 8]
EXPECTED_DISPOSITION = {
    "answered": "answered",
    "agent_hangup": "answered",
    "emergency": "answered",
    "abandoned_queued": "abandoned",
    "ivr_only": "ivr_only",
}


def agent_interface(index: int) -> str:
    return f"PJSIP/9{index:03d}"


# -- the fake Asterisk, in its own process -----------------------------------------------------


@dataclass
class PlayedCall:
    """What the fake played, as it played it: the truth our call log is held against."""

    linkedid: str
    scenario: str
    caller: str
    agent_interface: str | None
    agent_name: str | None
    placed_at: float
    connected_at: float | None = None
    ended_at: float | None = None


class StormFake(FakeAsterisk):
    """The fake Asterisk noting, on the wall clock, when each call was placed, connected to its
    agent and sent its last event."""

    played: dict[str, PlayedCall]

    def emit(self, message: AmiMessage, raw: bytes | None = None) -> None:
        super().emit(message, raw)
        call = self.played.get(message.get("Linkedid") or "")
        if call is None:
            return
        if message.event == "AgentConnect":
            call.connected_at = time.time()
        call.ended_at = time.time()

    def storm_call(self, chooser: random.Random, caller: str) -> None:
        """One call of the storm: a recorded call stretched 2 to 6 times (8 to 34 s), to a
        free agent of its queue; placed as `place_call` does, keeping its Linkedid."""
        scenario = chooser.choices(SCENARIOS, weights=WEIGHTS)[0]
        queue = "emergency" if scenario == "emergency" else "hotline"
        free = self.state.free_members(queue)
        if EXPECTED_DISPOSITION[scenario] == "answered" and not free:
            scenario = "abandoned_queued"
        member = chooser.choice(free) if EXPECTED_DISPOSITION[scenario] == "answered" else None
        events = restamp(
            template(scenario),
            identities=self.identities(),
            start=self.sim_time(),
            stretch=chooser.uniform(2.0, 6.0),
            caller=caller,
            agent_interface=member.interface if member else None,
            agent_name=member.name if member else None,
            ticket_type=chooser.choice(["consultation", "repair", "complaint"]),
        )
        linkedid = events[0][1]["Linkedid"]
        self.played[linkedid] = PlayedCall(
            linkedid,
            scenario,
            caller,
            member.interface if member else None,
            member.name if member else None,
            time.time(),
        )
        task = asyncio.create_task(self._play(events))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


async def run_fake(port: int, secret: str) -> None:
    """On `storm RATE SECONDS` from stdin, that many calls a second for that long; once every
    call has played, what was played as JSON on stdout."""
    members = {
        "hotline": [(agent_interface(i), f"Agent{i}") for i in range(HOTLINE_AGENTS)],
        "emergency": [(agent_interface(i), f"Agent{i}") for i in range(HOTLINE_AGENTS, AGENTS)],
    }
    # A killed worker's connection takes a moment to notice; asyncio warns of every write.
    logging.getLogger("asyncio").setLevel(logging.ERROR)
    fake = StormFake(port=port, secret=secret, members=members)
    fake.played = {}
    await fake.start()
    print("ready", flush=True)
    line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    _, rate, seconds = line.split()
    chooser = random.Random(15)
    started = time.monotonic()
    placed = 0
    while time.monotonic() - started < float(seconds):
        fake.storm_call(chooser, caller=f"139{placed:08d}")
        placed += 1
        await asyncio.sleep(max(0.0, started + placed / float(rate) - time.monotonic()))
    print("placed", flush=True)
    await fake.calls_done()
    print(json.dumps([call.__dict__ for call in fake.played.values()]), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    await fake.close()


# -- seeding -----------------------------------------------------------------------------------


@dataclass
class Staff:
    agent_tokens: dict[str, str]
    supervisor_tokens: dict[str, str]


def stopped_at(core: CoreServices, moment: datetime) -> CoreServices:
    """The core with its clock stopped at a past moment, to do then what was done then."""
    return replace(core, clock=lambda: moment)


async def _actor(core: CoreServices, username: str) -> Actor:
    from hotline.services import users

    async with core.sessions() as session:
        user = await users.user_named(session, username)
    assert user.id is not None
    return Actor(user.id, user.username, Role(user.role), user.interface)


async def seed(settings: Settings, storm_at: float, storm_seconds: float, tickets: int) -> Staff:
    """Staff through the use cases, as the CLI makes them; gas-smell repairs whose 30-minute
    clock breaches during the storm (escalations), and resolved complaints whose follow-up
    callback falls due during it; quiet hours off so that callbacks fall due at night too."""
    chooser = random.Random(16)
    async with command_core(settings) as core:
        staff = Staff({}, {})
        for index in range(AGENTS):
            name = f"chaos.agent{index}"
            await staff_cases.add_user(
                core,
                username=name,
                role=Role.AGENT.value,
                password="chaos agent password",
                display_name=f"Agent{index}",
                interface=agent_interface(index),
            )
            staff.agent_tokens[name] = await staff_cases.issue_token(core, name)
        for index in range(SUPERVISORS):
            name = f"chaos.supervisor{index}"
            await staff_cases.add_user(
                core, username=name, role=Role.SUPERVISOR.value, password="chaos supervisor pw"
            )
            staff.supervisor_tokens[name] = await staff_cases.issue_token(core, name)
        admin = await _actor(core, "admin")
        await rule_cases.set_callback_policy(
            core,
            admin,
            {
                "complaint_delay_minutes": 60,
                "repair_delay_minutes": 120,
                "visit_delay_minutes": 120,
                "consultation_delay_minutes": 60,
                "due_hours": 72,
                "max_attempts": 3,
                "consultation_sample_permille": 100,
            },
            ("00:00", "00:00"),
            automated_calls=False,
        )
        agent = await _actor(core, "chaos.agent0")
        supervisor = await _actor(core, "wang.supervisor")
        quality = await _actor(core, "sun.quality")
        for index in range(tickets):
            due = datetime.fromtimestamp(storm_at + chooser.uniform(0, storm_seconds), UTC)
            await ticket_cases.open_ticket(
                core,
                agent,
                NewTicket(
                    type=TicketType.REPAIR,
                    subtype="gas_smell",
                    description=f"chaos: gas smell {index}",
                    caller_phone=f"1370000{index:04d}",
                    address=f"北区 光明路 {index}号",
                    area="北区",
                    received_at=due - timedelta(minutes=30),
                ),
            )
        for index in range(tickets // 2):
            due = datetime.fromtimestamp(storm_at + chooser.uniform(0, storm_seconds), UTC)
            resolved = due - timedelta(minutes=60)
            at = stopped_at(core, resolved - timedelta(minutes=20))
            view = await ticket_cases.open_ticket(
                at,
                agent,
                NewTicket(
                    type=TicketType.COMPLAINT,
                    subtype="timeliness",
                    description=f"chaos: complaint {index}",
                    caller_phone=f"1360000{index:04d}",
                    received_at=resolved - timedelta(minutes=20),
                ),
            )
            number = view.ticket.number
            steps = [
                (15, supervisor, Action.ASSIGN, ActionRequest(assignee=quality.username)),
                (10, quality, Action.START, ActionRequest()),
                (5, quality, Action.REPLY, ActionRequest(note="已答复")),
                (0, quality, Action.RESOLVE, ActionRequest()),
            ]
            for minutes, actor, action, request in steps:
                moment = resolved - timedelta(minutes=minutes)
                await ticket_cases.act_on_ticket(
                    stopped_at(core, moment),
                    actor,
                    number,
                    action,
                    request,
                )
    return staff


# -- the workers -------------------------------------------------------------------------------


@dataclass
class Worker:
    """One `hotline serve` process on its own HTTP port; its log in a file."""

    index: int
    port: int
    environment: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    def start(self) -> None:
        self.starts += 1
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "hotline.cli", "serve"],
            env={**self.environment, "HOTLINE_HTTP_BIND": f"127.0.0.1:{self.port}"},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()

    def kill(self) -> float:
        """kill -9; the moment it was sent."""
        assert self.process is not None
        moment = time.time()
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        return moment

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


async def health_of(client: httpx.AsyncClient, port: int) -> dict[str, Any] | None:
    try:
        response = await client.get(f"http://127.0.0.1:{port}/api/health", timeout=2)
    except httpx.HTTPError:
        return None
    with contextlib.suppress(ValueError):
        body: dict[str, Any] = response.json()
        return body
    return None


async def wait_healthy(client: httpx.AsyncClient, worker: Worker, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        health = await health_of(client, worker.port)
        if health is not None and health["telephony"]["servers"][0]["state"] == "connected":
            return
        await asyncio.sleep(0.2)
    raise SystemExit(f"worker {worker.index} did not come up (see {worker.log_path})")


@dataclass
class Sample:
    at: float
    port: int
    tracking: bool
    leading: bool
    relay: str


@dataclass
class Monitor:
    """Every worker's /api/health, polled round after round."""

    workers: list[Worker]
    interval: float
    samples: list[Sample] = field(default_factory=list)
    # Rounds in which more than one worker said it tracks calls / runs the scheduler.
    double_tracking: int = 0
    double_leading: int = 0
    rounds: int = 0
    # (when, {"tracking": backend pid or None, "leading": ...}) from pg_locks.
    locks: list[tuple[float, dict[str, int | None]]] = field(default_factory=list)

    async def run(self, client: httpx.AsyncClient) -> None:
        while True:
            started = time.monotonic()
            answers = await asyncio.gather(*(health_of(client, w.port) for w in self.workers))
            now = time.time()
            round_samples = [
                Sample(
                    now,
                    worker.port,
                    bool(health["worker"]["telephony_tracking"]),
                    bool(health["worker"]["scheduler_leader"]),
                    str(health["relay"]["state"]),
                )
                for worker, health in zip(self.workers, answers, strict=True)
                if health is not None
            ]
            self.samples += round_samples
            self.rounds += 1
            self.double_tracking += sum(s.tracking for s in round_samples) > 1
            self.double_leading += sum(s.leading for s in round_samples) > 1
            await asyncio.sleep(max(0.0, self.interval - (time.monotonic() - started)))

    async def watch_locks(self, url: str) -> None:
        """Who holds the two advisory locks, as PostgreSQL itself says (the backend's pid)."""
        connection: asyncpg.Connection | None = None
        while True:
            try:
                if connection is None or connection.is_closed():
                    connection = await asyncpg.connect(url, timeout=1)
                rows = await connection.fetch(
                    "SELECT objid::text::bigint AS key, pid FROM pg_locks "
                    "WHERE locktype = 'advisory' AND granted"
                )
                held = {row["key"]: row["pid"] for row in rows}
                self.locks.append(
                    (time.time(), {kind: held.get(key) for kind, key in LOCK_KEYS.items()})
                )
            except Exception:
                connection = None
            await asyncio.sleep(self.interval / 2)

    def lock_taken(self, what: str, after: float, previous: bool) -> float | None:
        """When PostgreSQL first shows the lock held after `after` — by another backend than
        the one holding it just before, when `previous`."""
        before = None
        if previous:
            earlier = [holders[what] for at, holders in self.locks if at <= after]
            before = earlier[-1] if earlier else None
        for at, holders in self.locks:
            if at > after and holders[what] is not None and holders[what] != before:
                return at
        return None

    def first(self, after: float, what: str, other_than: int | None = None) -> float | None:
        """When a worker (not on port `other_than`) first said it tracks / leads after `after`."""
        for sample in self.samples:
            if sample.at > after and sample.port != other_than and getattr(sample, what):
                return sample.at
        return None

    def tracker_at(self, moment: float) -> int | None:
        """The worker that said it tracks the calls in the last round before `moment`."""
        tracking = None
        for sample in self.samples:
            if sample.at > moment:
                break
            if sample.tracking:
                tracking = sample.port
        return tracking

    def holder(self, what: str) -> int | None:
        """The one worker that says it tracks / leads in the latest round it answered in."""
        since = time.time() - max(2.0, 3 * self.interval)
        recent = [sample for sample in self.samples if sample.at > since]
        held = {sample.port for sample in recent if getattr(sample, what)}
        return held.pop() if len(held) == 1 else None


@dataclass
class LoopLag:
    """How late this process's event loop wakes up (a 10 ms sleep, overslept): the SSE
    clients' receive times are only as good as this."""

    samples: list[float] = field(default_factory=list)
    # When each sample was taken (wall clock), to set against a slow pop's time.
    taken_at: list[float] = field(default_factory=list)

    async def run(self) -> None:
        while True:
            started = time.monotonic()
            await asyncio.sleep(0.01)
            self.samples.append((time.monotonic() - started - 0.01) * 1000)
            self.taken_at.append(time.time())

    def latest_between(self, start: float, end: float) -> float:
        """The most this loop was late between two wall-clock times, in ms."""
        return max(
            (
                late
                for late, at in zip(self.samples, self.taken_at, strict=True)
                if start <= at <= end
            ),
            default=0.0,
        )


def log_times(worker: Worker, marker: str, after: float) -> list[float]:
    """When the worker's log says `marker`, after `after` (log times are local, milliseconds)."""
    moments = []
    for line in worker.log_path.read_text(errors="replace").splitlines():
        if marker not in line:
            continue
        with contextlib.suppress(ValueError):
            stamp = datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f").timestamp()
            if stamp > after:
                moments.append(stamp)
    return moments


# -- the browsers ------------------------------------------------------------------------------


@dataclass
class Interval:
    start: float
    port: int
    end: float | None = None


@dataclass
class Feed:
    """One person's live feed, as their browser keeps it: reconnecting after the time the feed
    asked for (`retry:`) to the next worker when the one it had drops."""

    username: str
    token: str
    ports: list[int]
    first: int
    # Linkedid -> (when, the worker's port) of each screen pop received as the call connected,
    # and of each sent again as the feed reopened mid-call.
    received: dict[str, list[tuple[float, int]]] = field(default_factory=lambda: defaultdict(list))
    replayed: dict[str, list[tuple[float, int]]] = field(default_factory=lambda: defaultdict(list))
    port: int = 0
    escalations: Counter[int] = field(default_factory=Counter)
    callbacks: Counter[tuple[int, int]] = field(default_factory=Counter)
    up: list[Interval] = field(default_factory=list)
    connected: asyncio.Event = field(default_factory=asyncio.Event)
    reconnects: int = 0
    retry_seconds: float = SSE_RETRY_SECONDS

    def interval_at(self, moment: float) -> Interval | None:
        """The connection the feed had open at `moment`, if any."""
        for up in self.up:
            if up.start <= moment and (up.end is None or moment <= up.end):
                return up
        return None

    def port_at(self, moment: float) -> int | None:
        up = self.interval_at(moment)
        return up.port if up is not None else None

    def was_up(self, moment: float) -> bool:
        return self.interval_at(moment) is not None

    async def run(self, client: httpx.AsyncClient) -> None:
        attempt = self.first
        headers = {"Authorization": f"Bearer {self.token}"}
        while True:
            port = self.port = self.ports[attempt % len(self.ports)]
            try:
                async with client.stream(
                    "GET", f"http://127.0.0.1:{port}/api/events", headers=headers
                ) as response:
                    if response.status_code == 200:
                        await self._read(response)
            except httpx.HTTPError:
                pass
            if self.up and self.up[-1].end is None:
                self.up[-1].end = time.time()
            self.reconnects += 1
            await asyncio.sleep(self.retry_seconds)
            attempt += 1

    async def _read(self, response: httpx.Response) -> None:
        topic = None
        async for line in response.aiter_lines():
            if line.startswith("retry: "):
                self.retry_seconds = int(line[7:]) / 1000
            elif line == ": connected":
                self.up.append(Interval(time.time(), self.port))
                self.connected.set()
            elif line.startswith("event: "):
                topic = line[7:]
            elif line.startswith("data: ") and topic is not None:
                self._event(topic, json.loads(line[6:]))

    def _event(self, topic: str, data: dict[str, Any]) -> None:
        if topic == "screenpop":
            pops = self.replayed if data.get("replayed") else self.received
            pops[data["call"]["linkedid"]].append((time.time(), self.port))
        elif topic.startswith("sla."):
            self.escalations[int(data["id"])] += 1
        elif topic == "callback.due":
            self.callbacks[(int(data["id"]), int(data["attempts"]))] += 1


# -- the run -----------------------------------------------------------------------------------


@dataclass
class Fault:
    name: str
    started: float
    # When the fault was over from outside: the kill sent, PostgreSQL accepting again.
    ended: float
    # The leaderships the fault took away: "tracking", "leading".
    lost: tuple[str, ...]
    port: int | None = None
    log_marks: dict[str, list[float]] = field(default_factory=dict)


@dataclass
class Run:
    cluster: PrivateCluster
    workers: list[Worker]
    monitor: Monitor
    feeds: list[Feed]
    supervisors: list[Feed]
    storm_started: float = 0.0
    storm_ended: float = 0.0
    rate: float = 8.0
    faults: list[Fault] = field(default_factory=list)
    played: list[PlayedCall] = field(default_factory=list)

    @property
    def played_ids(self) -> set[str]:
        return {call.linkedid for call in self.played}


LOG_MARKS = {
    "tracking": "telephony lease taken",
    "leading": "scheduler started",
}


def worker_on(run: Run, port: int) -> Worker:
    return next(worker for worker in run.workers if worker.port == port)


async def kill_leader(run: Run, what: str, name: str) -> Fault:
    port = run.monitor.holder(what)
    for _ in range(40):
        if port is not None:
            break
        await asyncio.sleep(0.25)
        port = run.monitor.holder(what)
    else:
        raise SystemExit(f"no single worker {what} before '{name}'")
    victim = worker_on(run, port)
    lost = tuple(kind for kind in ("tracking", "leading") if run.monitor.holder(kind) == port)
    moment = victim.kill()
    fault = Fault(name, moment, moment, lost, port)
    run.faults.append(fault)
    # Started again as a restart policy does, once the others had their chance to take over.
    await asyncio.sleep(TAKEOVER_TARGET + 1)
    victim.start()
    return fault


async def restart_postgresql(run: Run) -> Fault:
    stopped = time.time()
    await asyncio.to_thread(run.cluster.stop)
    await asyncio.sleep(PG_DOWN_SECONDS - (time.time() - stopped))
    await asyncio.to_thread(run.cluster.start)
    fault = Fault(
        f"PostgreSQL stopped for {PG_DOWN_SECONDS:.0f} s",
        stopped,
        time.time(),
        ("tracking", "leading"),
    )
    run.faults.append(fault)
    return fault


async def storm_with_faults(run: Run, fake: subprocess.Popen[str], phase: float) -> None:
    assert fake.stdin is not None and fake.stdout is not None
    storm_seconds = 3 * phase + PG_DOWN_SECONDS + phase
    fake.stdin.write(f"storm {run.rate} {storm_seconds}\n")
    fake.stdin.flush()
    run.storm_started = time.time()
    await asyncio.sleep(phase)
    await kill_leader(run, "tracking", "kill -9 the telephony leader")
    await asyncio.sleep(run.storm_started + 2 * phase - time.time())
    await kill_leader(run, "leading", "kill -9 the scheduler leader")
    await asyncio.sleep(run.storm_started + 3 * phase - time.time())
    await restart_postgresql(run)
    loop = asyncio.get_running_loop()
    assert (await loop.run_in_executor(None, fake.stdout.readline)).strip() == "placed"
    run.storm_ended = time.time()
    played = await loop.run_in_executor(None, fake.stdout.readline)
    run.played = [PlayedCall(**call) for call in json.loads(played)]


async def settle(run: Run, client: httpx.AsyncClient, quiet_seconds: float = 8.0) -> None:
    """Until the call log has everything (the tracking worker's writer holds nothing) and the
    scheduler has had a few sweeps after the last call."""
    deadline = time.monotonic() + 60
    await asyncio.sleep(quiet_seconds)
    while time.monotonic() < deadline:
        answers = [await health_of(client, worker.port) for worker in run.workers]
        pending = [
            a["telephony"]["call_log"]["pending"]
            for a in answers
            if a and a["telephony"]["tracking"]
        ]
        if pending and not any(pending):
            return
        await asyncio.sleep(0.5)


# -- what the run shows ------------------------------------------------------------------------


def seconds(value: float | None, start: float) -> str:
    return f"{value - start:6.2f} s" if value is not None else "   never"


def takeovers(run: Run) -> tuple[list[str], bool]:
    lines = ["takeovers (target <= 5 s)           lock taken (pg_locks)  worker says so  its log"]
    met = True
    names = {"tracking": "telephony", "leading": "scheduler"}
    for fault in run.faults:
        killed = fault.port is not None
        where = f" (worker on :{fault.port})" if killed else ""
        lines.append(f"  {fault.name}{where}, at +{fault.started - run.storm_started:.1f} s")
        # A kill: from the kill. PostgreSQL: from when it accepted connections again.
        start = fault.started if killed else fault.ended
        for kind in fault.lost:
            lock = run.monitor.lock_taken(kind, start, previous=killed)
            said = run.monitor.first(start, kind, other_than=fault.port)
            logged = min(
                (t for w in run.workers for t in log_times(w, LOG_MARKS[kind], fault.started)),
                default=None,
            )
            late = lock is None or lock - start > TAKEOVER_TARGET
            met = met and not late
            lines.append(
                f"    {names[kind]:<30} {seconds(lock, start):>12} {seconds(said, start):>15}"
                f" {seconds(logged, start):>10}{'   MISSED' if late else ''}"
            )
    lines.append(
        f"  health rounds with two workers tracking: {run.monitor.double_tracking}, "
        f"two running the scheduler: {run.monitor.double_leading} (of {run.monitor.rounds})"
    )
    return lines, met


def in_gap(run: Run, start: float, end: float | None) -> bool:
    """Whether [start, end] overlaps a fault, counted until TAKEOVER_TARGET after it ended."""
    return any(
        start <= fault.ended + TAKEOVER_TARGET and (end is None or end >= fault.started)
        for fault in run.faults
    )


async def calls(run: Run, connection: asyncpg.Connection) -> tuple[list[str], bool]:
    rows = {
        row["linkedid"]: row
        for row in await connection.fetch(
            "SELECT linkedid, disposition, agent_interface, ended_at, originate_action_id "
            "FROM call_log WHERE server = $1",
            SERVER,
        )
    }
    outcome: Counter[str] = Counter()
    examples: dict[str, list[str]] = defaultdict(list)
    for call in run.played:
        row = rows.get(call.linkedid)
        expected = EXPECTED_DISPOSITION[call.scenario]
        gap = "in a gap" if in_gap(run, call.placed_at, call.ended_at) else "outside gaps"
        if row is None:
            kind = f"missing ({gap})"
        elif row["ended_at"] is None:
            kind = f"left open, never ended ({gap})"
        elif row["disposition"] == "incomplete":
            kind = f"incomplete ({gap})"
        elif row["disposition"] == expected and (
            expected != "answered" or row["agent_interface"] == call.agent_interface
        ):
            kind = "complete and right"
        else:
            kind = f"WRONG ({gap})"
            examples[kind].append(
                f"{call.linkedid} {call.scenario}: expected {expected} "
                f"{call.agent_interface or ''}, logged {row['disposition']} "
                f"{row['agent_interface'] or ''}"
            )
        if kind.startswith(("missing", "left open")):
            examples[kind].append(
                f"{call.linkedid} {call.scenario} +{call.placed_at - run.storm_started:.1f} s"
            )
        outcome[kind] += 1
    # Calls our dialler placed (ring-backs of callers who gave up, once the grace has passed)
    # are the fake's answers to our Originate, not calls of the storm.
    unplayed = [row for linkedid, row in rows.items() if linkedid not in run.played_ids]
    phantoms = sum(1 for row in unplayed if row["originate_action_id"] is None)
    lines = [
        f"calls: the fake played {len(run.played)}, our call log has {len(rows)} "
        f"({len(unplayed) - phantoms} placed by our dialler, {phantoms} nobody placed)"
    ]
    for kind, count in sorted(outcome.items()):
        lines.append(f"  {kind:<42} {count:5d}")
        lines += [f"      e.g. {example}" for example in examples[kind][:3]]
    bad = sum(
        count
        for kind, count in outcome.items()
        if kind.startswith(("missing", "left open", "WRONG")) or kind == "incomplete (outside gaps)"
    )
    return lines, bad == 0 and phantoms == 0


async def escalations_and_callbacks(
    run: Run, connection: asyncpg.Connection
) -> tuple[list[str], bool]:
    lines = []
    escalation_key = await connection.fetchval(
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = 'escalation'::regclass AND contype = 'u'"
    )
    duplicated = await connection.fetchval(
        "SELECT count(*) FROM (SELECT 1 FROM escalation "
        "GROUP BY ticket_id, clock, clock_started_at, kind HAVING count(*) > 1) AS twice"
    )
    kinds = dict(
        await connection.fetch("SELECT kind, count(*) FROM escalation GROUP BY kind ORDER BY kind")
    )
    unbreached = await connection.fetchval(
        "SELECT count(*) FROM sla_clock AS c JOIN ticket AS t ON t.id = c.ticket_id "
        "WHERE t.description LIKE 'chaos:%' AND c.due_at < now() - interval '5 seconds' "
        "AND c.stopped_at IS NULL AND NOT EXISTS (SELECT 1 FROM escalation AS e "
        "WHERE e.ticket_id = c.ticket_id AND e.clock = c.name AND e.kind = 'breach')"
    )
    recorded = await connection.fetch(
        "SELECT id, extract(epoch FROM recorded_at) AS at FROM escalation"
    )
    lines.append(
        f"escalations: {', '.join(f'{n} {k}' for k, n in kinds.items())}; duplicated "
        f"{duplicated} (unique {escalation_key}); breaches due and not recorded: {unbreached}"
    )
    sse_extra, missed = 0, []
    for feed in run.supervisors:
        sse_extra += sum(count - 1 for count in feed.escalations.values())
        missed += [
            f"#{row['id']} recorded at +{float(row['at']) - run.storm_started:.1f} s, "
            f"{feed.username} on :{feed.port_at(float(row['at']))}"
            for row in recorded
            if row["id"] not in feed.escalations
            and feed.was_up(float(row["at"]))
            and feed.was_up(float(row["at"]) + 1)
            and float(row["at"]) > run.storm_started
        ]
    lines.append(
        f"  live feeds of {len(run.supervisors)} supervisors (one per worker): "
        f"{sse_extra} delivered twice, {len(missed)} missed while the feed was up"
    )
    lines += [f"      e.g. {example}" for example in missed[:4]]
    task_key = await connection.fetchval(
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = 'callback_task'::regclass AND contype = 'u'"
    )
    task_twice = await connection.fetchval(
        "SELECT count(*) FROM (SELECT 1 FROM callback_task "
        "GROUP BY ticket_id, kind, event_at HAVING count(*) > 1) AS twice"
    )
    due = await connection.fetch(
        "SELECT id, attempts, extract(epoch FROM offered_at) AS offered FROM callback_task "
        "WHERE status = 'pending' AND not_before < now() - interval '6 seconds'"
    )
    offered = [row for row in due if row["offered"] is not None]
    lines.append(
        f"callbacks: {len(due)} fell due, {len(offered)} offered; duplicated tasks {task_twice} "
        f"(unique {task_key})"
    )
    cb_extra, cb_missed = 0, 0
    for feed in run.supervisors:
        cb_extra += sum(count - 1 for count in feed.callbacks.values())
        cb_missed += sum(
            1
            for row in offered
            if (row["id"], row["attempts"]) not in feed.callbacks
            and feed.was_up(float(row["offered"]) + 1)
            and float(row["offered"]) > run.storm_started
        )
    lines.append(
        f"  live feeds of the supervisors: {cb_extra} offered twice, "
        f"{cb_missed} missed while the feed was up"
    )
    met = (
        duplicated == 0
        and task_twice == 0
        and unbreached == 0
        and len(offered) == len(due)
        and sse_extra == 0
        and cb_extra == 0
    )
    return lines, met


def feeds_end_at_kills(run: Run) -> None:
    """A feed on a worker killed is down from the kill, not from when its browser heard of it
    (a few milliseconds on): a pop of a call connected in between was never to reach it."""
    for feed in [*run.feeds, *run.supervisors]:
        for up in feed.up:
            for fault in run.faults:
                if (
                    fault.port == up.port
                    and up.start < fault.started
                    and (up.end is None or up.end > fault.started)
                ):
                    up.end = fault.started


def recovered_at(run: Run, fault: Fault) -> float:
    """When the fault was over from inside: every leadership it took away taken again (the
    lock seen in pg_locks) and its new holder saying so in /api/health — for the telephony,
    once the calls are rebuilt from Asterisk's listing; or, if either was never seen, the
    takeover target's end."""
    killed = fault.port is not None
    start = fault.started if killed else fault.ended
    taken = [run.monitor.lock_taken(kind, start, previous=killed) for kind in fault.lost]
    said = [
        run.monitor.first(start, kind, other_than=fault.port if killed else None)
        for kind in fault.lost
    ]
    moments = [*taken, *said]
    if not moments or any(moment is None for moment in moments):
        return start + TAKEOVER_TARGET
    return max(moment for moment in moments if moment is not None)


def pops(run: Run) -> tuple[list[str], bool]:
    """Pops of calls connected while a fault was not yet over (no worker tracking the calls,
    PostgreSQL away) are counted in rows of their own: they wait for the takeover, which has
    its own target; the p99 target holds before and after each fault."""
    feeds = {feed.username: feed for feed in run.feeds}
    kill_telephony, kill_scheduler, postgres = run.faults
    back = [recovered_at(run, fault) for fault in run.faults]
    phases = [
        ("before the faults", run.storm_started, kill_telephony.started, True),
        ("during the telephony takeover", kill_telephony.started, back[0], False),
        ("after it", back[0], kill_scheduler.started, True),
        ("during the scheduler takeover", kill_scheduler.started, back[1], False),
        ("after it", back[1], postgres.started, True),
        ("while PostgreSQL is away", postgres.started, back[2], False),
        ("after it is back", back[2], float("inf"), True),
    ]
    lines = [
        "screen pops                     expected delivered  on reopen  missed: feed down / up"
        "  twice   p50 ms   p99 ms  (p50 same worker / via relay)"
    ]
    met = True
    missed_up: list[str] = []
    for name, start, end, targeted in phases:
        expected = delivered = reopened = feed_down = feed_up = twice = 0
        latencies: list[float] = []
        by_path: dict[bool, list[float]] = {True: [], False: []}
        for call in run.played:
            if call.connected_at is None or not start <= call.connected_at < end:
                continue
            assert call.agent_interface is not None
            feed = feeds[f"chaos.agent{int(call.agent_interface[-3:])}"]
            expected += 1
            received = feed.received.get(call.linkedid, [])
            if received:
                delivered += 1
                twice += len(received) - 1
                at, port = received[0]
                latency = (at - call.connected_at) * 1000
                latencies.append(latency)
                by_path[port == run.monitor.tracker_at(call.connected_at)].append(latency)
            elif feed.replayed.get(call.linkedid):
                # The feed was down as the call connected; the pop came when it reopened.
                reopened += 1
            elif feed.was_up(call.connected_at):
                feed_up += 1
                up = feed.interval_at(call.connected_at)
                assert up is not None
                ended = (
                    "still up" if up.end is None else f"dropped {up.end - call.connected_at:+.2f} s"
                )
                missed_up.append(
                    f"{call.linkedid} to {feed.username}, connected at "
                    f"+{call.connected_at - run.storm_started:.2f} s; its feed on :{up.port}, "
                    f"{ended}"
                )
            else:
                feed_down += 1
        p50, p99 = (
            (percentile(latencies, 0.5), percentile(latencies, 0.99))
            if latencies
            else (float("nan"), float("nan"))
        )
        paths = " / ".join(
            f"{percentile(by_path[local], 0.5):.0f}" if by_path[local] else "-"
            for local in (True, False)
        )
        late = targeted and bool(latencies) and p99 >= POP_P99_TARGET_MS
        met = met and not late and twice == 0
        lines.append(
            f"  {name:<30} {expected:8d} {delivered:9d} {reopened:10d} {feed_down:15d}"
            f" {feed_up:5d} {twice:6d}"
            f" {p50:8.1f} {p99:8.1f}  ({paths}){'   p99 MISSED' if late else ''}"
        )
    lines += [f"      missed with the feed up: {example}" for example in missed_up[:6]]
    return lines, met


# -- main --------------------------------------------------------------------------------------


def hotline_command(environment: dict[str, str], *arguments: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "hotline.cli", *arguments],
        env=environment,
        check=True,
        stdout=subprocess.DEVNULL,
    )


@contextlib.contextmanager
def fake_asterisk(port: int, secret: str) -> Iterator[subprocess.Popen[str]]:
    fake = subprocess.Popen(
        [sys.executable, __file__, "--fake", str(port), secret],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert fake.stdin is not None and fake.stdout is not None
    try:
        assert fake.stdout.readline().strip() == "ready"
        yield fake
    finally:
        with contextlib.suppress(BrokenPipeError):
            fake.stdin.write("stop\n")
            fake.stdin.flush()
        try:
            fake.wait(10)
        except subprocess.TimeoutExpired:
            fake.kill()


async def chaos(args: argparse.Namespace) -> int:
    # Statements slower than 50 ms are logged (postgres.log, kept with --keep).
    cluster = PrivateCluster({"log_min_duration_statement": "50"})
    workers: list[Worker] = []
    try:
        cluster.create()
        ami_port, agi_port, secret = free_port(), free_port(), "chaos-ami-secret"
        environment = {
            **os.environ,
            "HOTLINE_DATABASE_URL": cluster.url,
            "HOTLINE_AMI_URL": f"ami://hotline:{secret}@127.0.0.1:{ami_port}#{SERVER}",
            "HOTLINE_AGI_BIND": f"127.0.0.1:{agi_port}",
            "HOTLINE_SECRET_KEY": "chaos-benchmark",
            "HOTLINE_RELAY": "on",
            "HOTLINE_SCHEDULER": "auto",
            "HOTLINE_WORKERS": "1",
        }
        started = time.time()
        hotline_command(environment, "db", "upgrade")
        hotline_command(environment, "demo")
        storm_seconds = 4 * args.phase_seconds + PG_DOWN_SECONDS
        storm_at = time.time() + args.lead_seconds
        staff = await seed(
            Settings(database_url=cluster.url), storm_at, storm_seconds, args.tickets
        )
        print(
            f"PostgreSQL 15 of our own on 127.0.0.1:{cluster.port} ({cluster.root}); migrated and "
            f"seeded in {time.time() - started:.0f} s: {AGENTS} agents, {SUPERVISORS} supervisors, "
            f"{args.tickets} gas-smell repairs breaching and {args.tickets // 2} complaint "
            f"callbacks falling due during the storm",
            flush=True,
        )
        workers = [
            Worker(index, free_port(), environment, cluster.root / f"worker{index}.log")
            for index in range(WORKERS)
        ]
        with fake_asterisk(ami_port, secret) as fake:
            limits = httpx.Limits(max_connections=AGENTS + SUPERVISORS + 10)
            timeout = httpx.Timeout(10, read=None)
            # /api/health shows its details (leaders, relay, call log) to staff only.
            monitoring = {"Authorization": f"Bearer {next(iter(staff.supervisor_tokens.values()))}"}
            async with (
                httpx.AsyncClient(limits=limits, timeout=timeout, headers=monitoring) as client,
                httpx.AsyncClient(headers=monitoring) as poller,
            ):
                for worker in workers:
                    worker.start()
                    await wait_healthy(poller, worker)
                ports = [worker.port for worker in workers]
                feeds = [
                    Feed(name, token, ports, index)
                    for index, (name, token) in enumerate(staff.agent_tokens.items())
                ]
                supervisors = [
                    Feed(name, token, ports, index)
                    for index, (name, token) in enumerate(staff.supervisor_tokens.items())
                ]
                monitor = Monitor(workers, args.poll_seconds)
                run = Run(cluster, workers, monitor, feeds, supervisors, rate=args.rate)
                background = [asyncio.create_task(f.run(client)) for f in feeds + supervisors]
                await asyncio.wait_for(
                    asyncio.gather(*(f.connected.wait() for f in feeds + supervisors)), 60
                )
                calm_client_collection()
                lag = LoopLag()
                background += [
                    asyncio.create_task(lag.run()),
                    asyncio.create_task(monitor.run(poller)),
                    asyncio.create_task(monitor.watch_locks(cluster.url)),
                ]
                await asyncio.sleep(max(1.0, storm_at - time.time()))
                print(
                    f"{WORKERS} workers on :{', :'.join(map(str, ports))} (FastAGI shared on "
                    f":{agi_port}); {len(feeds) + len(supervisors)} live feeds; storm of "
                    f"{args.rate:g} calls/s for {storm_seconds:.0f} s",
                    flush=True,
                )
                await storm_with_faults(run, fake, args.phase_seconds)
                await settle(run, poller)
                for task in background:
                    task.cancel()
                await asyncio.gather(*background, return_exceptions=True)
        for worker in workers:
            worker.stop()
        feeds_end_at_kills(run)
        connection = await asyncpg.connect(cluster.url)
        try:
            sections = [
                takeovers(run),
                await calls(run, connection),
                await escalations_and_callbacks(run, connection),
                pops(run),
            ]
        finally:
            await connection.close()
        for lines, met in sections:
            print("\n".join(lines))
            print(f"  -> {'met' if met else 'NOT MET'}", flush=True)
        print(
            f"this process's event loop (the clients' clock): late by p50 "
            f"{percentile(lag.samples, 0.5):.1f} ms, p99 {percentile(lag.samples, 0.99):.1f} ms, "
            f"max {max(lag.samples):.0f} ms; load average {os.getloadavg()[0]:.1f} on "
            f"{os.cpu_count()} cores"
        )
        if args.keep:
            dump = {
                "played": [call.__dict__ for call in run.played],
                "received": {feed.username: feed.received for feed in run.feeds},
                "faults": [fault.__dict__ for fault in run.faults],
            }
            (cluster.root / "run.json").write_text(json.dumps(dump))
        return 0 if all(met for _, met in sections) else 1
    finally:
        for worker in workers:
            worker.stop()
        if args.keep:
            print(f"kept: {cluster.root} (logs, data; PostgreSQL stopped)")
            with contextlib.suppress(subprocess.CalledProcessError):
                cluster.stop()
        else:
            cluster.destroy()


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rate", type=float, default=8.0, help="calls a second")
    parser.add_argument("--phase-seconds", type=float, default=20.0, help="between faults")
    parser.add_argument("--tickets", type=int, default=240, help="gas-smell repairs breaching")
    parser.add_argument("--lead-seconds", type=float, default=40.0, help="seeding to storm")
    parser.add_argument("--poll-seconds", type=float, default=0.25, help="health polling")
    parser.add_argument("--keep", action="store_true", help="keep the cluster folder and logs")
    parser.add_argument("--fake", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.fake:
        port, secret = args.fake
        asyncio.run(run_fake(int(port), secret))
        return 0
    logging.basicConfig(level=logging.ERROR)
    return asyncio.run(chaos(args))


if __name__ == "__main__":
    sys.exit(main())
