"""`hotline serve` stops on SIGTERM while browsers hold live feeds open: a real process, real
SSE clients over HTTP, and the ports free for the next start (a restart must not fail with
"address already in use")."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from ports import free_port

HOTLINE = [sys.executable, "-m", "hotline.cli"]
# DESIGN: a restart of the service is a matter of seconds.
STOP_SECONDS = 5.0
FEEDS = 3


def _cli(env: dict[str, str], *args: str, stdin: str = "") -> str:
    done = subprocess.run(
        [*HOTLINE, *args], input=stdin, capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str, int, str]]:
    """`hotline serve` in demo mode (the built-in fake Asterisk: telephony and FastAGI run),
    its HTTP address, its FastAGI port and a supervisor's token."""
    http_port, agi_port = free_port(), free_port()
    env = {
        **{key: value for key, value in os.environ.items() if not key.startswith("HOTLINE_")},
        "HOTLINE_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        "HOTLINE_SECRET_KEY": "shutdown-test",
        "HOTLINE_SIMULATOR": "on",
        "HOTLINE_HTTP_BIND": f"127.0.0.1:{http_port}",
        "HOTLINE_AGI_BIND": f"127.0.0.1:{agi_port}",
    }
    _cli(env, "db", "upgrade")
    add = ["users", "add", "wang.sup", "--role", "supervisor", "--password-stdin"]
    _cli(env, *add, stdin="a long enough password\n")
    token = _cli(env, "users", "token", "wang.sup").strip().splitlines()[-1]
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*HOTLINE, "serve"], env=env, stdout=output, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{http_port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, log.read_text()
            try:
                health = httpx.get(
                    f"{base}/api/health",
                    timeout=1,
                    headers={"Authorization": f"Bearer {token}"},
                ).json()
                if health.get("telephony", {}).get("state") == "ok":
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        yield process, base, agi_port, token
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)


def _listen(base: str, token: str, opened: threading.Semaphore, ended: list[str]) -> None:
    """One browser's live feed, read until the server ends it."""
    headers = {"Authorization": f"Bearer {token}"}
    with (
        httpx.Client(base_url=base, timeout=httpx.Timeout(5, read=None)) as client,
        client.stream("GET", "/api/events", headers=headers) as response,
    ):
        for line in response.iter_lines():
            if line == ": connected":
                opened.release()
    ended.append("ended")


def _bindable(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def test_sigterm_with_live_feeds_open_stops_the_server_and_frees_its_ports(
    server: tuple[subprocess.Popen[bytes], str, int, str],
) -> None:
    process, base, agi_port, token = server
    opened, ended = threading.Semaphore(0), []
    feeds = [
        threading.Thread(target=_listen, args=(base, token, opened, ended), daemon=True)
        for _ in range(FEEDS)
    ]
    for feed in feeds:
        feed.start()
    for _ in feeds:
        assert opened.acquire(timeout=10), "a live feed did not open"
    assert not _bindable(agi_port), "FastAGI is not listening: nothing to prove"

    process.send_signal(signal.SIGTERM)
    process.wait(STOP_SECONDS)

    for feed in feeds:
        feed.join(STOP_SECONDS)
    assert ended == ["ended"] * FEEDS, "the feeds were not ended by the server"
    assert _bindable(agi_port), "the FastAGI port is still held"
    assert _bindable(int(base.rsplit(":", 1)[1]))
