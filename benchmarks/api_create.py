"""Tickets created per second through the API (uvicorn, one worker), next to a baseline of raw
SQLModel inserts of the same ticket rows into the same database, measured in the same run.
Target: the API reaches at least 40 % of the baseline.

    .venv/bin/python benchmarks/api_create.py [--tickets 2000] [--concurrency 16] [--sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy.engine import make_url
from sqlmodel import select

from hotline.db.engine import create_engine, session_factory
from hotline.db.migrate import upgrade
from hotline.db.tables import Department, Ticket
from hotline.services.users import issue_token

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
DATABASE = "hotline_bench_create"
BODY = {
    "type": "repair",
    "subtype": "indoor_equipment",
    "description": "燃气灶无法点火，已关闭阀门",
    "caller_phone": "13812345678",
    "address": "北区 光明路 12号",
    "area": "北区",
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _fresh_postgres() -> str:
    connection = await asyncpg.connect(ADMIN_URL)
    await connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    await connection.execute(f'CREATE DATABASE "{DATABASE}"')
    await connection.close()
    return make_url(ADMIN_URL).set(database=DATABASE).render_as_string(hide_password=False)


async def _token(url: str) -> str:
    engine = create_engine(url)
    from hotline.services.users import add_user

    async with session_factory(engine)() as session, session.begin():
        now = datetime.now(UTC)
        await add_user(session, username="bench", role="agent", password="benchmark-pass", now=now)
        token = await issue_token(session, "bench", now)
    await engine.dispose()
    return token


async def _baseline(url: str, count: int, concurrency: int) -> float:
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
                        number=f"BASE-{index}",
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


async def _through_api(base: str, token: str, count: int, concurrency: int) -> float:
    queue: asyncio.Queue[int] = asyncio.Queue()
    for index in range(count):
        queue.put_nowait(index)
    failures: list[str] = []
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        headers = {"Authorization": f"Bearer {token}"}

        async def worker() -> None:
            while not queue.empty():
                queue.get_nowait()
                response = await client.post("/api/tickets", json=BODY, headers=headers)
                if response.status_code != 201:
                    failures.append(response.text[:200])

        for _ in range(50):  # warm-up: caches, connection pool
            await client.post("/api/tickets", json=BODY, headers=headers)
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    if failures:
        raise SystemExit(f"{len(failures)} requests failed, first: {failures[0]}")
    return count / elapsed


def _serve(url: str, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "HOTLINE_DATABASE_URL": url,
        "HOTLINE_HTTP_BIND": f"127.0.0.1:{port}",
        "HOTLINE_SCHEDULER": "off",
        "HOTLINE_SECRET_KEY": "benchmark",
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "hotline.web.app:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    process = subprocess.Popen(command, env=env)
    for _ in range(100):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    process.kill()
    raise SystemExit("the server did not come up")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        if args.sqlite:
            url = f"sqlite:///{Path(folder) / 'bench.db'}"
        else:
            url = asyncio.run(_fresh_postgres())
        upgrade(url)
        token = asyncio.run(_token(url))
        baseline = asyncio.run(_baseline(url, args.tickets, args.concurrency))
        port = _free_port()
        server = _serve(url, port)
        try:
            api = asyncio.run(
                _through_api(f"http://127.0.0.1:{port}", token, args.tickets, args.concurrency)
            )
        finally:
            server.terminate()
            server.wait(10)
    backend = "SQLite" if args.sqlite else "PostgreSQL"
    share = api / baseline
    print(f"{backend}, {args.tickets} tickets, {args.concurrency} at a time")
    print(f"baseline, raw SQLModel inserts: {baseline:8.0f} tickets/s")
    print(
        f"through the API (uvicorn, 1 worker): {api:8.0f} tickets/s = {share:.0%} of the baseline"
    )
    print("target: at least 40 %")
    return 0 if share >= 0.4 else 1


if __name__ == "__main__":
    sys.exit(main())
