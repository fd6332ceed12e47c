"""What the benchmarks share: their PostgreSQL databases, free ports, the app under uvicorn."""

from __future__ import annotations

import gc
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg
import httpx
from sqlalchemy.engine import make_url

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"


def database_url(database: str, admin_url: str = ADMIN_URL) -> str:
    """The URL of `database` on the PostgreSQL server `admin_url` points to."""
    return make_url(admin_url).set(database=database).render_as_string(hide_password=False)


async def recreate_database(database: str, admin_url: str = ADMIN_URL) -> str:
    """Drops `database` if it is there and creates it empty; its URL."""
    admin = await asyncpg.connect(admin_url)
    await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    await admin.execute(f'CREATE DATABASE "{database}"')
    await admin.close()
    return database_url(database, admin_url)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def app_environment(url: str, port: int) -> dict[str, str]:
    """hotline's settings for a benchmark: the database at `url`, 127.0.0.1:`port`, no
    scheduler."""
    return {
        **os.environ,
        "HOTLINE_DATABASE_URL": url,
        "HOTLINE_HTTP_BIND": f"127.0.0.1:{port}",
        "HOTLINE_SCHEDULER": "off",
        "HOTLINE_SECRET_KEY": "benchmark",
    }


@contextmanager
def serving(url: str) -> Iterator[int]:
    """The web app under uvicorn (one worker) over the database at `url`: the port it answers
    on, from when /api/health says 200 until the block ends."""
    port = free_port()
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
    server = subprocess.Popen(command, env=app_environment(url, port))
    try:
        for _ in range(100):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        else:
            server.kill()
            raise SystemExit("the server did not come up")
        yield port
    finally:
        server.terminate()
        server.wait(10)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def calm_client_collection() -> None:
    """The clients' process collects as the server does (hotline/cli.py): its clock times the
    server's screen pops, and a collection of the feeds' heap here would be counted as the
    server's latency."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
