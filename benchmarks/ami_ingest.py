"""AMI ingest: events per second parsed, folded into calls and persisted, with the fake
Asterisk streaming 200,000+ events over loopback into the real client and PostgreSQL; next to
a baseline measured in the same run: the same bytes through panoramisk's parser alone.
Then screen-pop latency (AgentConnect written by the fake -> SSE event read by the agent's
browser) during a burst of 50 calls a second.

Targets: >= 20,000 events/s end to end, >= 50 % of the parser-only rate, pop p99 < 100 ms.

    .venv/bin/python benchmarks/ami_ingest.py [--events 200000] [--burst-seconds 6]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime

import httpx
from support import app_environment, free_port, percentile, recreate_database

from hotline.auth.passwords import hash_password
from hotline.db.engine import create_engine, session_factory
from hotline.db.migrate import upgrade
from hotline.db.tables import User
from hotline.events import EventBus
from hotline.services.users import issue_token
from hotline.telephony.endpoints import AmiEndpoint
from hotline.telephony.frames import AmiMessage
from hotline.telephony.service import Telephony
from hotline.telephony.simulator import FakeAsterisk
from hotline.telephony.simulator.templates import Identities, restamp, template

DATABASE = "hotline_bench_ingest"
SCENARIOS = ["answered", "agent_hangup", "abandoned_queued", "ivr_only", "emergency"]
AGENTS = 60


def build_stream(minimum_events: int) -> tuple[bytes, int, int]:
    """Recorded calls under fresh names until there are enough events: (bytes, events, calls)."""
    identities = Identities.starting(1_900_000_000)
    blocks: list[bytes] = []
    calls = 0
    while len(blocks) < minimum_events:
        call = template(SCENARIOS[calls % len(SCENARIOS)])
        for _, message in restamp(
            call,
            identities=identities,
            start=1_900_000_000 + calls * 0.05,
            caller=f"1380013{calls % 10_000:04d}",
        ):
            blocks.append(message.to_bytes())
        calls += 1
    return b"".join(blocks), len(blocks), calls


def panoramisk_rate(data: bytes) -> float:
    """The baseline: panoramisk's AMIProtocol.data_received on 64 KiB reads, nothing else."""
    from panoramisk.ami_protocol import AMIProtocol

    class Counter:
        save_stream = None
        events = 0

        def dispatch(self, _message: object) -> None:
            self.events += 1

    class Transport:
        def write(self, _data: bytes) -> None:
            pass

        def close(self) -> None:
            pass

    protocol = AMIProtocol()
    protocol.connection_made(Transport())
    counter = Counter()
    protocol.factory = counter
    protocol.encoding = "utf8"
    started = time.perf_counter()
    for offset in range(0, len(data), 65536):
        protocol.data_received(data[offset : offset + 65536])
    elapsed = time.perf_counter() - started
    return counter.events / elapsed


async def fake_blast(port: int, secret: str, minimum_events: int) -> None:
    """The fake Asterisk in its own process, as Asterisk is: on `go` from stdin it streams the
    whole stream to the logged-in client as fast as the socket takes it."""
    data, _, _ = build_stream(minimum_events)
    fake = FakeAsterisk(port=port, secret=secret)
    await fake.start()
    print("ready", flush=True)
    await fake.wait_for_clients(timeout=60)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    for offset in range(0, len(data), 1 << 20):
        fake.inject_raw(data[offset : offset + (1 << 20)])
        await fake.drain()
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    await fake.close()


async def end_to_end_rate(url: str, events: int, minimum_events: int) -> tuple[float, int]:
    port, secret = free_port(), "benchmark-secret"
    fake = subprocess.Popen(
        [sys.executable, __file__, "--fake-blast", str(port), secret, str(minimum_events)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert fake.stdin is not None and fake.stdout is not None
    assert fake.stdout.readline().strip() == "ready"
    engine = create_engine(url)
    telephony = Telephony(
        endpoints=[AmiEndpoint("127.0.0.1", port, "hotline", secret, "bench")],
        sessions=session_factory(engine),
        bus=EventBus(),
        clock=lambda: datetime.now(UTC),
        local_area_code="571",
        ping_interval=30,
    )
    try:
        await telephony.start()
        client = telephony.line().client
        await client.wait_connected(5)
        before = client.stats.events
        started = time.perf_counter()
        fake.stdin.write("go\n")
        fake.stdin.flush()
        while client.stats.events - before < events:
            await asyncio.sleep(0.005)
        await telephony.writer.flushed()
        elapsed = time.perf_counter() - started
        written = telephony.writer.stats.written
    finally:
        fake.stdin.write("stop\n")
        fake.stdin.flush()
        fake.wait(10)
        await telephony.stop()
        await engine.dispose()
    return events / elapsed, written


class TimedFake(FakeAsterisk):
    """Notes (wall clock, comparable across processes) when each AgentConnect goes out."""

    connected_at: dict[str, float]

    def emit(self, message: AmiMessage, raw: bytes | None = None) -> None:
        super().emit(message, raw)
        if message.event == "AgentConnect":
            self.connected_at[message.get("Linkedid") or ""] = time.time()


async def fake_burst(port: int, secret: str, rate: float, seconds: float) -> None:
    """The fake Asterisk in its own process, as Asterisk is: on `go` from stdin, `rate` calls a
    second to the agents' phones; then the AgentConnect times as JSON on stdout."""
    fake = TimedFake(port=port, secret=secret, speed=20.0)
    fake.connected_at = {}
    await fake.start()
    print("ready", flush=True)
    await fake.wait_for_clients(timeout=60)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    for index in range(int(seconds * rate)):
        agent = index % AGENTS
        fake.place_call(
            caller=f"1390000{index:04d}",
            agent_interface=f"PJSIP/9{agent:03d}",
            agent_name=f"Agent{agent}",
        )
        await asyncio.sleep(1 / rate)
    await fake.calls_done()
    print(json.dumps(fake.connected_at), flush=True)
    await fake.close()


async def add_agents(url: str) -> dict[str, str]:
    engine = create_engine(url)
    tokens: dict[str, str] = {}
    password = hash_password("benchmark agent")
    now = datetime.now(UTC)
    async with session_factory(engine)() as session, session.begin():
        for index in range(AGENTS):
            session.add(
                User(
                    username=f"agent{index}",
                    display_name=f"Agent {index}",
                    role="agent",
                    password_hash=password,
                    interface=f"PJSIP/9{index:03d}",
                    created_at=now,
                )
            )
        await session.flush()
        for index in range(AGENTS):
            tokens[f"agent{index}"] = await issue_token(session, f"agent{index}", now)
    await engine.dispose()
    return tokens


async def pop_latencies(url: str, seconds: float, rate: float) -> list[float]:
    """Three processes, as in production: the fake Asterisk, hotline (uvicorn, one worker),
    and the agents' browsers (here: SSE clients in this process)."""
    tokens = await add_agents(url)
    ami_port, http_port, secret = free_port(), free_port(), "benchmark-secret"
    fake = subprocess.Popen(
        [sys.executable, __file__, "--fake-burst", str(ami_port), secret, str(rate), str(seconds)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert fake.stdin is not None and fake.stdout is not None
    assert fake.stdout.readline().strip() == "ready"
    env = {
        **app_environment(url, http_port),
        "HOTLINE_AMI_URL": f"ami://hotline:{secret}@127.0.0.1:{ami_port}#bench",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hotline.cli",
            "serve",
        ],
        env=env,
    )
    received: dict[str, float] = {}

    async def listen(client: httpx.AsyncClient, token: str) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        async with client.stream("GET", "/api/events", headers=headers) as response:
            topic = None
            async for line in response.aiter_lines():
                if line.startswith("event: "):
                    topic = line[7:]
                elif line.startswith("data: ") and topic == "screenpop":
                    linkedid = json.loads(line[6:])["call"]["linkedid"]
                    received[linkedid] = time.time()

    try:
        limits = httpx.Limits(max_connections=AGENTS + 10)
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{http_port}", timeout=60, limits=limits
        ) as client:
            for _ in range(200):
                try:
                    health = (
                        await client.get(
                            "/api/health",
                            headers={"Authorization": f"Bearer {next(iter(tokens.values()))}"},
                        )
                    ).json()
                    if health["telephony"]["state"] == "ok":
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
            listeners = [asyncio.create_task(listen(client, token)) for token in tokens.values()]
            await asyncio.sleep(1.0)
            fake.stdin.write("go\n")
            fake.stdin.flush()
            line = await asyncio.get_running_loop().run_in_executor(None, fake.stdout.readline)
            connected_at: dict[str, float] = json.loads(line)
            await asyncio.sleep(1.0)
            for listener in listeners:
                listener.cancel()
            await asyncio.gather(*listeners, return_exceptions=True)
    finally:
        server.terminate()
        server.wait(10)
        fake.wait(10)
    latencies = [received[lid] - sent for lid, sent in connected_at.items() if lid in received]
    missing = len(connected_at) - len(latencies)
    if missing:
        raise SystemExit(f"{missing} screen pops never arrived")
    return latencies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--burst-seconds", type=float, default=6.0)
    parser.add_argument("--burst-rate", type=float, default=50.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--fake-burst", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--fake-blast", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.fake_blast:
        port, secret, minimum = args.fake_blast
        asyncio.run(fake_blast(int(port), secret, int(minimum)))
        return 0
    if args.fake_burst:
        port, secret, rate, seconds = args.fake_burst
        asyncio.run(fake_burst(int(port), secret, float(rate), float(seconds)))
        return 0
    logging.basicConfig(level=logging.ERROR)
    data, events, calls = build_stream(args.events)
    url = asyncio.run(recreate_database(DATABASE))
    upgrade(url)
    # Rounds alternate, so a burst of other load on the machine hits both sides alike.
    baselines, rates = [], []
    written = 0
    for _ in range(args.rounds):
        baselines.append(panoramisk_rate(data))
        rate, written = asyncio.run(end_to_end_rate(url, events, args.events))
        rates.append(rate)
    baseline, ours = statistics.median(baselines), statistics.median(rates)
    latencies = asyncio.run(pop_latencies(url, args.burst_seconds, args.burst_rate))
    share = ours / baseline
    p50, p99 = percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000
    print(f"{events} events ({len(data) / 1e6:.1f} MB, {calls} calls) over loopback")
    print(
        "rounds, baseline / hotline: "
        + ", ".join(f"{b:.0f} / {r:.0f}" for b, r in zip(baselines, rates, strict=True))
    )
    print(f"baseline, panoramisk's parser alone:      {baseline:9.0f} events/s (median)")
    print(f"hotline, parsed + folded + persisted:     {ours:9.0f} events/s (median) = {share:.0%}")
    print(f"  call log rows written: {written} upserts")
    print(
        f"screen pop, {len(latencies)} calls at {args.burst_rate:.0f}/s: "
        f"p50 {p50:.1f} ms, p99 {p99:.1f} ms"
    )
    print("targets: >= 20000 events/s, >= 50 % of the baseline, pop p99 < 100 ms")
    met = ours >= 20_000 and share >= 0.5 and p99 < 100
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
