"""`hotline serve` with several workers on PostgreSQL, as a real process: requests are served
by different workers, exactly one tracks the calls and one leads the scheduler, a worker killed
with SIGKILL is replaced and another takes over the calls, and SIGTERM stops them all."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from ports import free_port

HOTLINE = [sys.executable, "-m", "hotline.cli"]
WORKERS = 3
SECONDS = 30.0


@pytest.fixture
def serving(
    database_url: str, tmp_path: Path
) -> Iterator[tuple[subprocess.Popen[bytes], str, str, Path]]:
    if not database_url.startswith("postgres"):
        pytest.skip("several workers need PostgreSQL (SQLite serves one process)")
    http_port = free_port()
    env = {
        **{key: value for key, value in os.environ.items() if not key.startswith("HOTLINE_")},
        "HOTLINE_DATABASE_URL": database_url,
        "HOTLINE_SECRET_KEY": "workers-test",
        "HOTLINE_SIMULATOR": "on",
        "HOTLINE_WORKERS": str(WORKERS),
        "HOTLINE_HTTP_BIND": f"127.0.0.1:{http_port}",
        "HOTLINE_AGI_BIND": f"127.0.0.1:{free_port()}",
    }
    # /api/health shows which worker answered only to staff.
    subprocess.run(
        [*HOTLINE, "users", "add", "zhao.sup", "--role", "supervisor", "--password-stdin"],
        input=b"a long enough password\n",
        env=env,
        check=True,
        capture_output=True,
    )
    issued = subprocess.run(
        [*HOTLINE, "users", "token", "zhao.sup"], env=env, check=True, capture_output=True
    )
    token = issued.stdout.decode().strip().splitlines()[-1]
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*HOTLINE, "serve"], env=env, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        yield process, f"http://127.0.0.1:{http_port}", token, log
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        for line in log.read_text(errors="replace").splitlines()[-20:]:
            print(line)


def _workers_seen(
    base: str, token: str, wanted: Callable[[dict[str, dict[str, Any]]], bool]
) -> dict[str, dict[str, Any]]:
    """Health as each worker answers it (by pid), asked until `wanted` holds."""
    seen: dict[str, dict[str, Any]] = {}
    deadline = time.monotonic() + SECONDS
    while time.monotonic() < deadline:
        try:
            # A new connection each time: the kernel picks a worker per connection.
            health = httpx.get(
                f"{base}/api/health", timeout=2, headers={"Authorization": f"Bearer {token}"}
            ).json()
        except (httpx.TransportError, ValueError):
            time.sleep(0.1)
            continue
        seen[str(health["worker"]["pid"])] = health["worker"]
        if wanted(seen):
            return seen
        time.sleep(0.05)
    raise AssertionError(f"the workers never got there: {seen}")


def _one_tracks(workers: dict[str, dict[str, Any]], alive: set[str]) -> bool:
    live = {pid: worker for pid, worker in workers.items() if pid in alive}
    return (
        len(live) == len(alive)
        and [worker["telephony_tracking"] for worker in live.values()].count(True) == 1
    )


def _alive(parent: int) -> set[str]:
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    return set(children)


def test_several_workers_share_the_work_and_survive_losing_one(
    serving: tuple[subprocess.Popen[bytes], str, str, Path],
) -> None:
    process, base, token, log = serving
    deadline = time.monotonic() + SECONDS
    while len(_alive(process.pid)) < WORKERS:
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.1)
    alive = _alive(process.pid)
    seen = _workers_seen(base, token, lambda seen: _one_tracks(seen, alive))
    # The workers' access log keeps a search's names, not the phone number searched for.
    searched = httpx.get(
        f"{base}/api/customers",
        params={"phone": "15900001234"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )
    assert searched.status_code == 200
    assert sum(worker["scheduler_leader"] for worker in seen.values()) <= 1

    tracker = next(pid for pid, worker in seen.items() if worker["telephony_tracking"])
    os.kill(int(tracker), signal.SIGKILL)
    # Replaced, and the calls are tracked by one of the workers alive now.
    deadline = time.monotonic() + SECONDS
    while tracker in _alive(process.pid) or len(_alive(process.pid)) < WORKERS:
        assert time.monotonic() < deadline, "the killed worker was not replaced"
        time.sleep(0.1)
    alive = _alive(process.pid)
    _workers_seen(base, token, lambda seen: _one_tracks(seen, alive))

    process.send_signal(signal.SIGTERM)
    assert process.wait(20) == 0
    assert not _alive_any(alive)
    written = log.read_text(errors="replace")
    assert "/api/customers?phone=…" in written and "15900001234" not in written


def _alive_any(pids: set[str]) -> bool:
    return any(Path(f"/proc/{pid}").exists() for pid in pids)
