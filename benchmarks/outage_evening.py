"""An outage evening through the simulator: a storm of calls from one area through the fake
Asterisk to one `hotline serve` (scheduler on), its agents opening no-gas repairs for that area
as they answer, while 10,000 outage notices go out through the outbox to the local SMS centre
(tests/smsc.py, SMPP over loopback) and a supervisor keeps paging through the console.

Measured: when the incident was suggested after the area crossed the cluster threshold
(tickets/incidents.py ClusterPolicy; the scheduler's scan on the leader), the notices' rate
from their queueing to delivered — sent by the server itself (HOTLINE_SMPP_URL), as in
production — screen pop latency (the fake's AgentConnect to the agent's SSE feed) and the
console pages' server round trip; the same pages are timed first with no storm, on the same
server in the same run (the baseline). The SMS centre and the queueing of the notices run in
a process of their own, as the fake Asterisk does, so that the clients' clock (this process's
event loop, its lateness printed) measures the server, not 10,000 messages handled here.

Targets: suggested within 60 s of crossing; >= 200 notices/s; pop p99 < 100 ms; pages p95
< 150 ms during the storm.

    .venv/bin/python benchmarks/outage_evening.py [--calls 2000] [--minutes 10] [--speed 1]
                                                  [--notices 10000] [--requests 40]

--speed compresses the evening: the same calls in minutes/speed (said in the output). The
database is a fresh one on the local PostgreSQL (dropped at the end); every port is loopback.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import asyncpg
import httpx
from chaos import (
    AGENTS,
    Feed,
    LoopLag,
    PlayedCall,
    agent_interface,
    fake_asterisk,
    hotline_command,
)
from sms_throughput import phone
from sqlalchemy import func
from sqlmodel import col, select
from support import ADMIN_URL, calm_client_collection, free_port, percentile, recreate_database

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from smsc import running_smsc

from hotline.application import sms as sms_cases
from hotline.application import staff as staff_cases
from hotline.db.engine import create_engine
from hotline.db.tables import SmsMessage
from hotline.runtime import build_core, command_core, utc_now
from hotline.services.sms_outbox import Recipient
from hotline.settings import Settings
from tickets.incidents import ClusterPolicy
from tickets.sms_templates import SmsTemplate
from tickets.workflow import Role

DATABASE = "hotline_bench_evening"
AREA = "西湖区文三路"
SERVER = "evening"
PASSWORD = "evening supervisor password"
# One answered call in REPORT_EVERY becomes a no-gas repair from the area.
REPORT_EVERY = 5
SUGGEST_TARGET_S = 60.0
CALL_LONGEST_S = 40.0
NOTICES_TARGET = 200.0
# The gateway's allowance the server sends at (HOTLINE_SMPP_URL's rate).
SMS_RATE = 1000
POP_P99_TARGET_MS = 100.0
PAGE_P95_TARGET_MS = 150.0
PAGES = {
    "ticket list": "/tickets",
    "breached view": "/tickets?view=breached",
    "wallboard figures": "/api/wallboard",
    "dispatch board": "/dispatch",
}


async def seed(url: str) -> dict[str, str]:
    """The fake's agents, each with an API token for its feed; a supervisor for the pages."""
    tokens: dict[str, str] = {}
    async with command_core(Settings(database_url=url)) as core:
        for index in range(AGENTS):
            name = f"chaos.agent{index}"
            await staff_cases.add_user(
                core,
                username=name,
                role=Role.AGENT.value,
                password="evening agent password",
                display_name=f"Agent{index}",
                interface=agent_interface(index),
            )
            tokens[name] = await staff_cases.issue_token(core, name)
        await staff_cases.add_user(
            core, username="evening.boss", role=Role.SUPERVISOR.value, password=PASSWORD
        )
    return tokens


async def signed_in(base: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=base, timeout=30)
    form = await client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token
    signed = await client.post(
        "/login",
        data={"username": "evening.boss", "password": PASSWORD, "csrf_token": token.group(1)},
    )
    assert signed.status_code == 303, signed.text
    return client


async def time_pages(client: httpx.AsyncClient, until: float | None, requests: int) -> list[float]:
    """Round trips over the console pages in turn: `requests` rounds, or until `until`."""
    samples: list[float] = []
    rounds = 0
    while (until is None and rounds < requests) or (until is not None and time.time() < until):
        for path in PAGES.values():
            started = time.perf_counter()
            response = await client.get(path)
            samples.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        rounds += 1
        if until is not None:
            await asyncio.sleep(0.5)
    return samples


async def report_outages(
    base: str, tokens: dict[str, str], feeds: list[Feed], until: float
) -> None:
    """Agents open a no-gas repair from the area for every REPORT_EVERY-th pop they get."""
    seen: set[str] = set()
    count = 0
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        while time.time() < until:
            for feed in feeds:
                for linkedid in list(feed.received):
                    if linkedid in seen:
                        continue
                    seen.add(linkedid)
                    count += 1
                    if count % REPORT_EVERY:
                        continue
                    response = await client.post(
                        "/api/tickets",
                        headers={"Authorization": f"Bearer {tokens[feed.username]}"},
                        json={
                            "type": "repair",
                            "subtype": "network_fault",
                            "description": "停气，灶具无法点火",
                            "address": f"{AREA} {count}号",
                            "area": AREA,
                            "call_linkedid": linkedid,
                        },
                    )
                    assert response.status_code == 201, response.text
            await asyncio.sleep(0.2)


NOTICE_EVENT = "incident:evening:started"


async def queue_and_count(url: str, notices: int) -> float:
    """The outage-started notices (an emergency: they go in the quiet hours too) queued as the
    dispatcher's announcement queues them; messages a second from then until every one is
    delivered through the server's sender. The tickets opened meanwhile queue their own
    messages, which go out too but are not counted."""
    engine = create_engine(url)
    core = build_core(Settings(database_url=url), engine, utc_now)
    started = time.perf_counter()
    queued = await sms_cases.queue_notices(
        core,
        event=NOTICE_EVENT,
        template=SmsTemplate.OUTAGE_STARTED,
        parameters={"cause": "燃气管道抢修", "area": AREA, "start": "18:30", "restore": "23:00"},
        recipients=[Recipient(phone(n)) for n in range(notices)],
        emergency=True,
    )
    assert queued == notices

    async def delivered() -> int:
        async with core.sessions() as session:
            query = select(func.count()).where(
                col(SmsMessage.event) == NOTICE_EVENT, col(SmsMessage.status) == "delivered"
            )
            return int((await session.exec(query)).one())

    while await delivered() < notices:
        await asyncio.sleep(0.1)
    elapsed = time.perf_counter() - started
    await engine.dispose()
    return notices / elapsed


async def sms_centre(url: str, notices: int) -> None:
    """The process of its own (`--smsc`): the local SMS centre, its port on stdout; on
    "notices" from stdin the notices queued and their rate printed; until stdin closes."""
    loop = asyncio.get_running_loop()
    async with running_smsc() as smsc:
        print(smsc.port, flush=True)
        command = await loop.run_in_executor(None, sys.stdin.readline)
        if command.strip() == "notices":
            print(f"{await queue_and_count(url, notices):.3f}", flush=True)
            await loop.run_in_executor(None, sys.stdin.readline)


@contextlib.contextmanager
def sms_centre_process(url: str, notices: int) -> Iterator[tuple[subprocess.Popen[str], int]]:
    centre = subprocess.Popen(
        [sys.executable, __file__, "--smsc", url, str(notices)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert centre.stdin is not None and centre.stdout is not None
    try:
        yield centre, int(centre.stdout.readline())
    finally:
        centre.stdin.close()
        try:
            centre.wait(30)
        except subprocess.TimeoutExpired:
            centre.kill()
            centre.wait()


async def send_notices(centre: subprocess.Popen[str]) -> float:
    assert centre.stdin is not None and centre.stdout is not None
    centre.stdin.write("notices\n")
    centre.stdin.flush()
    return float(await asyncio.to_thread(centre.stdout.readline))


async def suggested(url: str) -> None:
    """Waits, beyond the target, for the area's suggestion: a late one is measured too."""
    connection = await asyncpg.connect(url)
    try:
        for _ in range(int(SUGGEST_TARGET_S * 2)):
            query = "SELECT count(*) FROM incident_suggestion WHERE area = $1"
            if await connection.fetchval(query, AREA):
                return
            await asyncio.sleep(1)
    finally:
        await connection.close()


async def suggestion_delay(url: str) -> tuple[datetime | None, float | None]:
    """(when the area crossed the threshold, seconds from then to its suggestion)."""
    connection = await asyncpg.connect(url)
    try:
        reports = await connection.fetch(
            "SELECT created_at FROM ticket WHERE area = $1 AND type = 'repair' ORDER BY created_at",
            AREA,
        )
        suggested = await connection.fetchval(
            "SELECT min(created_at) FROM incident_suggestion WHERE area = $1", AREA
        )
    finally:
        await connection.close()
    threshold = ClusterPolicy().reports
    if len(reports) < threshold:
        return None, None
    crossed: datetime = reports[threshold - 1]["created_at"]
    if suggested is None:
        return crossed, None
    return crossed, (suggested - crossed).total_seconds()


def pop_latencies(played: list[PlayedCall], feeds: list[Feed]) -> tuple[list[float], int]:
    """Latencies of the pops received, and how many connected calls had none."""
    by_name = {feed.username: feed for feed in feeds}
    latencies: list[float] = []
    missed = 0
    for call in played:
        if call.connected_at is None or call.agent_interface is None:
            continue
        received = by_name[f"chaos.agent{int(call.agent_interface[-3:])}"].received
        if call.linkedid in received:
            latencies.append((received[call.linkedid][0][0] - call.connected_at) * 1000)
        else:
            missed += 1
    return latencies, missed


def wait_for_server(port: int, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                return
        time.sleep(0.2)
    raise SystemExit("the server did not come up")


async def evening(args: argparse.Namespace) -> int:
    url = await recreate_database(DATABASE, args.url)
    ami_port, agi_port, http_port = free_port(), free_port(), free_port()
    secret = "evening-ami-secret"
    environment = {
        **os.environ,
        "HOTLINE_DATABASE_URL": url,
        "HOTLINE_AMI_URL": f"ami://hotline:{secret}@127.0.0.1:{ami_port}#{SERVER}",
        "HOTLINE_AGI_BIND": f"127.0.0.1:{agi_port}",
        "HOTLINE_HTTP_BIND": f"127.0.0.1:{http_port}",
        "HOTLINE_SECRET_KEY": "evening-benchmark",
        "HOTLINE_SCHEDULER": "auto",
        "HOTLINE_WORKERS": "1",
    }
    hotline_command(environment, "db", "upgrade")
    hotline_command(environment, "demo")
    tokens = await seed(url)
    storm_seconds = args.minutes * 60 / args.speed
    rate = args.calls / storm_seconds
    base = f"http://127.0.0.1:{http_port}"
    log_path = Path(tempfile.gettempdir()) / "hotline-outage-evening.log"
    print(f"the server's log: {log_path}", flush=True)
    # The SMS centre outlives the server: the server's sender is bound to it until it stops.
    with (
        log_path.open("wb") as server_log,
        sms_centre_process(url, args.notices) as (centre, smsc_port),
    ):
        environment["HOTLINE_SMPP_URL"] = (
            f"smpp://bench:bench@127.0.0.1:{smsc_port}?rate={SMS_RATE}"
        )
        server: asyncio.subprocess.Process | None = None
        try:
            with fake_asterisk(ami_port, secret) as fake:
                assert fake.stdin is not None and fake.stdout is not None
                server = await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "hotline.cli",
                    "serve",
                    env=environment,
                    stdout=server_log,
                    stderr=subprocess.STDOUT,
                )
                await asyncio.to_thread(wait_for_server, http_port)
                limits = httpx.Limits(max_connections=AGENTS + 10)
                async with httpx.AsyncClient(
                    limits=limits, timeout=httpx.Timeout(10, read=None)
                ) as sse:
                    feeds = [Feed(name, token, [http_port], 0) for name, token in tokens.items()]
                    listening = [asyncio.create_task(feed.run(sse)) for feed in feeds]
                    await asyncio.wait_for(asyncio.gather(*(f.connected.wait() for f in feeds)), 60)
                    pages = await signed_in(base)
                    await time_pages(pages, None, 2)  # warm-up, not counted
                    baseline = await time_pages(pages, None, args.requests)
                    print(
                        f"storm: {args.calls} calls in {storm_seconds:.0f} s ({rate:.2f}/s"
                        f"{f', the evening compressed {args.speed:g}x' if args.speed != 1 else ''})"
                        f" from {AREA}; {args.notices} notices; {AGENTS} agents' feeds",
                        flush=True,
                    )
                    until = time.time() + storm_seconds
                    calm_client_collection()
                    lag = LoopLag()
                    lagging = asyncio.create_task(lag.run())
                    fake.stdin.write(f"storm {rate} {storm_seconds}\n")
                    fake.stdin.flush()
                    # The last calls answered are stretched up to 34 s past the storm's end.
                    reporting = asyncio.create_task(
                        report_outages(base, tokens, feeds, until + CALL_LONGEST_S)
                    )
                    paging = asyncio.create_task(time_pages(pages, until, args.requests))
                    await asyncio.sleep(min(30.0, storm_seconds / 4))
                    notices_from = time.time()
                    notices_rate = await send_notices(centre)
                    notices_until = time.time()
                    stormy = await paging
                    await reporting
                    assert (await asyncio.to_thread(fake.stdout.readline)).strip() == "placed"
                    line = await asyncio.to_thread(fake.stdout.readline)
                    played = [PlayedCall(**call) for call in json.loads(line)]
                    await suggested(url)
                    await pages.aclose()
                    for task in [*listening, lagging]:
                        task.cancel()
                    await asyncio.gather(*listening, return_exceptions=True)
        finally:
            if server is not None and server.returncode is None:
                server.terminate()
                await server.wait()
    crossed, delay = await suggestion_delay(url)
    latencies, missed = pop_latencies(played, feeds)
    connection = await asyncpg.connect(args.url)
    await connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    await connection.close()

    base_p95, storm_p95 = percentile(baseline, 0.95), percentile(stormy, 0.95)
    pop_p99 = percentile(latencies, 0.99) if latencies else float("nan")
    rows = [
        (
            f"incident suggested ≤ {SUGGEST_TARGET_S:.0f} s after crossing",
            "-" if delay is None else f"{delay:.1f} s",
            delay is not None and delay <= SUGGEST_TARGET_S,
            f"crossed at {crossed:%H:%M:%S}" if crossed else "never crossed",
        ),
        (
            f"notices ≥ {NOTICES_TARGET:.0f}/s (SMPP, delivered)",
            f"{notices_rate:.0f}/s",
            notices_rate >= NOTICES_TARGET,
            f"{args.notices} messages",
        ),
        (
            f"screen pop p99 < {POP_P99_TARGET_MS:.0f} ms",
            f"{pop_p99:.1f} ms",
            pop_p99 < POP_P99_TARGET_MS and missed == 0,
            f"p50 {percentile(latencies, 0.5):.1f} ms, {len(latencies)} pops, {missed} missed"
            if latencies
            else "no pops",
        ),
        (
            f"console pages p95 < {PAGE_P95_TARGET_MS:.0f} ms",
            f"{storm_p95:.1f} ms",
            storm_p95 < PAGE_P95_TARGET_MS,
            f"no storm: p95 {base_p95:.1f} ms, p50 {statistics.median(baseline):.1f} ms "
            f"(storm p50 {statistics.median(stormy):.1f} ms)",
        ),
    ]
    print(f"{'target':<44}{'measured':>12}  {'':8}baseline / detail")
    for name, measured, met, detail in rows:
        print(f"{name:<44}{measured:>12}  {'met' if met else 'NOT MET':<8}{detail}")
    print(
        f"pages: {', '.join(PAGES)}; {len(stormy)} timed in the storm, {len(baseline)} before "
        f"it; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    print(
        f"this process's event loop (the clients' clock) in the storm: late by p50 "
        f"{percentile(lag.samples, 0.5):.1f} ms, p99 {percentile(lag.samples, 0.99):.1f} ms, "
        f"max {max(lag.samples):.0f} ms"
    )
    print("the slowest pops (the clients' loop lateness meanwhile; sending the notices or not):")
    for line in slowest_pops(played, feeds, lag, (notices_from, notices_until)):
        print(f"  {line}")
    return 0 if all(met for _, _, met, _ in rows) else 1


def slowest_pops(
    played: list[PlayedCall],
    feeds: list[Feed],
    lag: LoopLag,
    notices: tuple[float, float],
    count: int = 10,
) -> list[str]:
    """When the slowest pops came: whether the clients' own clock was late then (their
    latency is then partly the clients'), and whether the notices were going out."""
    by_name = {feed.username: feed for feed in feeds}
    timed = []
    for call in played:
        if call.connected_at is None or call.agent_interface is None:
            continue
        received = by_name[f"chaos.agent{int(call.agent_interface[-3:])}"].received
        if call.linkedid in received:
            timed.append((received[call.linkedid][0][0], call.connected_at))
    lines = []
    for got, connected in sorted(timed, key=lambda pair: pair[1] - pair[0])[:count]:
        sending = notices[0] <= connected <= notices[1]
        late = lag.latest_between(connected, got)
        lines.append(
            f"{datetime.fromtimestamp(connected):%H:%M:%S.%f}"[:-3]
            + f"  {(got - connected) * 1000:6.1f} ms  clients late {late:5.1f} ms"
            + ("  notices going out" if sending else "")
        )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--speed", type=float, default=1.0, help="compress the evening")
    parser.add_argument("--notices", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=40, help="baseline rounds of pages")
    parser.add_argument("--url", default=ADMIN_URL, help="PostgreSQL server to create a db on")
    parser.add_argument("--smsc", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.smsc:
        asyncio.run(sms_centre(args.smsc[0], int(args.smsc[1])))
        return 0
    return asyncio.run(evening(args))


if __name__ == "__main__":
    sys.exit(main())
