"""The voice menu under load: 300 callers in the menu at once, Asterisk's side played over
loopback TCP against our FastAGI server in its own process on PostgreSQL, next to a baseline
measured in the same run: the same 300 sessions on a no-op script (the same kind of commands,
no lookups, no conversation).

The callers arrive within 3 s and each command holds the channel 0.5-2 s (a prompt playing, a
caller thinking), so every session is in the menu at once for most of the run. Before that, 30
quick sessions (not measured) warm each server up as calls before a storm would have: its pool's
database connections opened, its statements compiled.

Measured per AGI command: from Asterisk's reply (or the session's headers) to our next
command — the silence a caller hears while we think. A session is lost when it ends without
telling the dialplan how to go on (HOTLINE_IVR).

Targets: p99 per command < 20 ms; no session lost.

    .venv/bin/python benchmarks/fastagi_sessions.py [--sessions 300]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from support import free_port, percentile, recreate_database

DATABASE = "hotline_bench_fastagi"
AREAS = ["东区", "西区", "南区", "北区"]
# Callers arrive over this long; each session lasts longer, so all of them overlap.
RAMP_SECONDS = 3.0
WARM_UP_SESSIONS = 30


@dataclass
class Session:
    """Asterisk's side of one call: it arrives `after` seconds into the run, the caller
    presses `keys`, each command takes `hold` on the channel (a prompt, the caller thinking)."""

    callerid: str
    keys: list[str]
    after: float
    hold: float
    waits: list[float] = field(default_factory=list)
    # The command each wait ended with.
    commands: list[str] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)
    error: str | None = None


def _answer(command: str, session: Session) -> str:
    verb = command.split(" ", 2)
    name = " ".join(verb[:2]).upper()
    if name == "GET VARIABLE":
        return "200 result=0"
    if name == "SET VARIABLE":
        variable, _, value = verb[2].partition(" ")
        session.variables[variable] = value.strip('"')
        return "200 result=1"
    if name == "GET DATA":
        key = session.keys.pop(0) if session.keys else ""
        return f"200 result={key}" if key else "200 result= (timeout)"
    return "200 result=0 endpos=8000"


async def run_session(port: int, script: str, session: Session) -> None:
    await asyncio.sleep(session.after)
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError as error:
        session.error = str(error)
        return
    headers = {
        "agi_network_script": script,
        "agi_uniqueid": f"1900000000.{id(session)}",
        "agi_callerid": session.callerid,
    }
    writer.write("".join(f"{k}: {v}\n" for k, v in headers.items()).encode() + b"\n")
    await writer.drain()
    spoke_at = time.perf_counter()
    try:
        while raw := await asyncio.wait_for(reader.readline(), 30):
            session.waits.append(time.perf_counter() - spoke_at)
            session.commands.append(raw.decode().strip())
            await asyncio.sleep(session.hold)
            writer.write(_answer(raw.decode().strip(), session).encode() + b"\n")
            await writer.drain()
            spoke_at = time.perf_counter()
    except (OSError, TimeoutError) as error:
        session.error = repr(error)
    finally:
        writer.close()


def sessions(count: int, seed: int) -> list[Session]:
    """Callers on file (a quarter in an area with an outage), each choosing from the menu."""
    chooser = random.Random(seed)
    return [
        Session(
            callerid=f"1390000{n:04d}",
            keys=[chooser.choice("2"), chooser.choice("12350")],
            after=chooser.uniform(0, RAMP_SECONDS),
            hold=chooser.uniform(0.5, 2.0),
        )
        for n in range(count)
    ]


async def seed(url: str, count: int) -> None:
    from sqlmodel import select

    from hotline.db.engine import create_engine, session_factory
    from hotline.db.migrate import upgrade_async
    from hotline.db.tables import Customer, CustomerAddress, CustomerPhone, Department, Ticket

    await upgrade_async(url)
    engine = create_engine(url)
    now = datetime.now(UTC)
    async with session_factory(engine)() as session, session.begin():
        for n in range(count):
            customer = Customer(account_number=f"B{n:06d}", name=f"用户{n}", created_at=now)
            session.add(customer)
            await session.flush()
            assert customer.id is not None
            session.add(CustomerPhone(customer_id=customer.id, number=f"+861390000{n:04d}"))
            session.add(
                CustomerAddress(
                    customer_id=customer.id, address=f"测试路 {n} 号", area=AREAS[n % len(AREAS)]
                )
            )
        department = (await session.exec(select(Department))).first()
        assert department is not None
        session.add(
            Ticket(
                number="TQ-20261130-0001",
                type="outage",
                subtype="unplanned",
                status="new",
                priority="urgent",
                department_id=department.id,
                description="东区中压管道抢修",
                area="东区",
                received_at=now,
                created_at=now,
                updated_at=now,
                created_by="bench",
            )
        )
    await engine.dispose()


async def serve(url: str, port: int, script: str) -> None:
    """Our FastAGI server with the real menu scripts (or a no-op one) on the database."""
    from hotline.db.engine import create_engine
    from hotline.runtime import build_core, utc_now
    from hotline.settings import Settings
    from hotline.telephony.fastagi import FastAgiServer
    from hotline.telephony.menu_calls import MenuScripts
    from ivr.agi import AgiChannel

    core = build_core(Settings(database_url=url), create_engine(url), utc_now)

    async def no_op(channel: AgiChannel) -> None:
        await channel.get_variable("CHANNEL(linkedid)")
        await channel.stream_file("custom/ivr-welcome")
        for _ in range(2):
            await channel.get_digits("custom/ivr-menu", 5000, 1)
        await channel.set_variable("TICKETTYPE", "repair")
        await channel.set_variable("HOTLINE_IVR", "done")

    scripts = MenuScripts(core).scripts() if script == "menu" else {"menu": no_op}
    server = FastAgiServer("127.0.0.1", port, scripts)
    await server.start()
    print("ready", flush=True)
    await asyncio.Event().wait()


def start_server(url: str, script: str) -> tuple[subprocess.Popen[str], int]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, __file__, "--serve", script, "--url", url, "--port", str(port)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    if process.stdout.readline().strip() != "ready":
        process.kill()
        raise SystemExit("the FastAGI server did not come up")
    return process, port


async def measure(port: int, count: int, seed_value: int) -> tuple[list[Session], float]:
    """The sessions after the warm-up, and how long they took."""
    warm_up = [replace(s, hold=0.01) for s in sessions(WARM_UP_SESSIONS, seed_value + 1)]
    await asyncio.gather(*(run_session(port, "menu", session) for session in warm_up))
    batch = sessions(count, seed_value)
    started = time.perf_counter()
    await asyncio.gather(*(run_session(port, "menu", session) for session in batch))
    return batch, time.perf_counter() - started


def report(name: str, batch: list[Session], elapsed: float) -> float:
    waits = [wait for session in batch for wait in session.waits]
    lost = [
        s for s in batch if s.error or s.variables.get("HOTLINE_IVR") not in ("done", "goodbye")
    ]
    p99 = percentile(waits, 0.99) * 1000
    print(
        f"{name:<9} {len(batch)} sessions in {elapsed:.1f} s, {len(waits)} commands: "
        f"median {statistics.median(waits) * 1000:.2f} ms, p99 {p99:.2f} ms, "
        f"max {max(waits) * 1000:.2f} ms; lost {len(lost)}"
    )
    slowest = sorted(
        ((wait, command) for s in batch for wait, command in zip(s.waits, s.commands, strict=True)),
        reverse=True,
    )[: max(1, len(waits) // 100)]
    by_command: dict[str, int] = {}
    for _, command in slowest:
        verb = " ".join(command.split()[:3])
        by_command[verb] = by_command.get(verb, 0) + 1
    print(f"  the slowest 1 % ended with: {by_command}")
    for session in lost[:3]:
        print(f"  lost: {session.callerid} {session.error or session.variables}")
    return p99 if not lost else float("inf")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=300)
    parser.add_argument("--serve", choices=["menu", "no-op"])
    parser.add_argument("--url")
    parser.add_argument("--port", type=int)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(args.url, args.port, args.serve))
        return
    url = asyncio.run(recreate_database(DATABASE))
    asyncio.run(seed(url, args.sessions))
    results = {}
    for script in ("no-op", "menu"):
        process, port = start_server(url, script)
        try:
            batch, elapsed = asyncio.run(measure(port, args.sessions, 7))
            results[script] = report(script, batch, elapsed)
        finally:
            process.terminate()
            process.wait(10)
    verdict = "PASS" if results["menu"] < 20 else "FAIL"
    print(f"target: p99 < 20 ms, no session lost: {verdict}")
    if verdict != "PASS":
        raise SystemExit(1)


if __name__ == "__main__":
    main()
