"""Tickets created per second through the API (uvicorn, one worker), next to a baseline of raw
SQLModel inserts of the same ticket rows into the same database, measured in the same run.
Target: the API reaches at least 40 % of the baseline.

    .venv/bin/python benchmarks/api_create.py [--tickets 2000] [--concurrency 16] [--sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import select
from support import recreate_database, serving

from hotline.db.engine import create_engine, session_factory
from hotline.db.migrate import upgrade
from hotline.db.tables import Department, Ticket
from hotline.services.users import issue_token

DATABASE = "hotline_bench_create"
BODY = {
    "type": "repair",
    "subtype": "indoor_equipment",
    "description": "燃气灶无法点火，已关闭阀门",
    "caller_phone": "13812345678",
    "address": "北区 光明路 12号",
    "area": "北区",
}


async def _token(url: str) -> str:
    engine = create_engine(url)
    from hotline.services.users import add_user

    async with session_factory(engine)() as session, session.begin():
        now = datetime.now(UTC)
        await add_user(session, username="bench", role="agent", password="benchmark-pass", now=now)
        token = await issue_token(session, "bench", now)
    await engine.dispose()
    return token


async def _baseline(url: str, count: int, concurrency: int, round_number: int) -> float:
    """One SQLModel session and transaction per ticket row, as many at once as the API gets."""
    engine = create_engine(url)
    sessions = session_factory(engine)
    async with sessions() as session:
        department = (await session.exec(select(Department))).first()
    assert department is not None and department.id is not None
    queue: asyncio.Queue[int] = asyncio.Queue()
    for index in range(count):
        queue.put_nowait(index)

    async def worker() -> None:
        while not queue.empty():
            index = queue.get_nowait()
            now = datetime.now(UTC)
            async with sessions() as session, session.begin():
                session.add(
                    Ticket(
                        number=f"BASE-{round_number}-{index}",
                        type="repair",
                        subtype="indoor_equipment",
                        status="new",
                        priority="normal",
                        department_id=department.id or 0,
                        caller_phone="+8613812345678",
                        address=BODY["address"],
                        area="北区",
                        description=BODY["description"],
                        received_at=now,
                        created_at=now,
                        updated_at=now,
                        created_by="bench",
                    )
                )

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    await engine.dispose()
    return count / elapsed


async def _post(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> tuple[int, bytes]:
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            length = int(value)
    return status, await reader.readexactly(length)


async def _through_api(port: int, token: str, count: int, concurrency: int) -> float:
    """Keep-alive HTTP/1.1 connections sending one prebuilt request: the load generator shares
    the machine with the server and must not be what is measured (httpx costs ~1 ms a request
    of CPU, as much as a large part of the server's own work)."""
    body = json.dumps(BODY).encode()
    request = (
        f"POST /api/tickets HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    remaining = count
    failures: list[str] = []

    async def worker(warm_up: int) -> None:
        nonlocal remaining
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            for _ in range(warm_up):
                await _post(reader, writer, request)
            await start.wait()
            while remaining > 0:
                remaining -= 1
                status, answer = await _post(reader, writer, request)
                if status != 201:
                    failures.append(answer[:200].decode(errors="replace"))
        finally:
            writer.close()
            await writer.wait_closed()

    start = asyncio.Event()
    workers = [asyncio.create_task(worker(warm_up=4)) for _ in range(concurrency)]
    await asyncio.sleep(2)  # warm-up: caches, the connection pool, prepared statements
    started = time.perf_counter()
    start.set()
    await asyncio.gather(*workers)
    elapsed = time.perf_counter() - started
    if failures:
        raise SystemExit(f"{len(failures)} requests failed, first: {failures[0]}")
    return count / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    args = parser.parse_args()
    baselines: list[float] = []
    apis: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        if args.sqlite:
            url = f"sqlite:///{Path(folder) / 'bench.db'}"
        else:
            url = asyncio.run(recreate_database(DATABASE))
        upgrade(url)
        token = asyncio.run(_token(url))
        with serving(url) as port:
            # Rounds alternate so that a burst of other load on the machine hits both sides.
            for round_number in range(args.rounds):
                baselines.append(
                    asyncio.run(_baseline(url, args.tickets, args.concurrency, round_number))
                )
                apis.append(asyncio.run(_through_api(port, token, args.tickets, args.concurrency)))
    backend = "SQLite" if args.sqlite else "PostgreSQL"
    baseline, api = statistics.median(baselines), statistics.median(apis)
    share = api / baseline
    print(f"{backend}, {args.tickets} tickets, {args.concurrency} at a time, {args.rounds} rounds")
    pairs = zip(baselines, apis, strict=True)
    print("rounds, baseline / API: " + ", ".join(f"{b:.0f} / {a:.0f}" for b, a in pairs))
    print(f"baseline, raw SQLModel inserts: {baseline:8.0f} tickets/s (median)")
    print(
        f"through the API (uvicorn, 1 worker): {api:8.0f} tickets/s (median)"
        f" = {share:.0%} of the baseline"
    )
    print("target: at least 40 %")
    return 0 if share >= 0.4 else 1


if __name__ == "__main__":
    sys.exit(main())
