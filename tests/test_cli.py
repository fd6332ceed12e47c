"""The `hotline` command, run as a newcomer runs it: a real process on a real database."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from ports import free_port

from hotline.db.engine import create_engine, session_factory
from hotline.services import users as user_service

HOTLINE = [sys.executable, "-m", "hotline.cli"]


def _run(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*HOTLINE, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    values = {
        **os.environ,
        "HOTLINE_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "HOTLINE_SECRET_KEY": "cli-test",
    }
    upgraded = _run(values, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    return values


def test_users_add_and_token_prints_the_token_last(env: dict[str, str]) -> None:
    added = _run(
        env,
        "users",
        "add",
        "li.agent",
        "--role",
        "agent",
        "--password-stdin",
        "--interface",
        "PJSIP/8001",
        stdin="a long enough password\n",
    )
    assert added.returncode == 0, added.stderr
    issued = _run(env, "users", "token", "li.agent")
    assert issued.returncode == 0, issued.stderr
    token = issued.stdout.strip().splitlines()[-1]
    assert token.startswith("htl_") and len(token) > 40
    # A lost password: a new one-time one, the old one no longer works.
    reset = _run(env, "users", "password", "li.agent")
    assert reset.returncode == 0, reset.stderr
    password = reset.stdout.strip().splitlines()[-1]

    async def signs_in(secret: str) -> bool:
        engine = create_engine(env["HOTLINE_DATABASE_URL"])
        try:
            async with session_factory(engine)() as session:
                found = await user_service.authenticate(session, "li.agent", secret, _now())
                return found is not None
        finally:
            await engine.dispose()

    assert asyncio.run(signs_in(password)) is True
    assert asyncio.run(signs_in("a long enough password")) is False


async def _token_works(env: dict[str, str], token: str) -> bool:
    engine = create_engine(env["HOTLINE_DATABASE_URL"])
    try:
        async with session_factory(engine)() as session:
            return await user_service.actor_for_token(session, token, _now()) is not None
    finally:
        await engine.dispose()


def _now() -> datetime:
    return datetime.now(UTC)


def test_users_revoke_ends_the_tokens_and_a_token_says_when_it_expires(
    env: dict[str, str],
) -> None:
    added = _run(
        env,
        "users",
        "add",
        "li.agent",
        "--role",
        "agent",
        "--password-stdin",
        stdin="a long enough password\n",
    )
    assert added.returncode == 0, added.stderr
    issued = _run({**env, "HOTLINE_TOKEN_DAYS": "30"}, "users", "token", "li.agent")
    assert "expires in 30 days" in " ".join(issued.stderr.split())
    token = issued.stdout.strip().splitlines()[-1]
    assert asyncio.run(_token_works(env, token)) is True
    revoked = _run(env, "users", "revoke", "li.agent")
    assert revoked.returncode == 0, revoked.stderr
    assert asyncio.run(_token_works(env, token)) is False
    assert _run(env, "users", "revoke", "ghost").returncode != 0


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (
            ["users", "add", "x.agent", "--role", "janitor", "--password-stdin"],
            "long enough pw\n",
            "unknown role",
        ),
        (["users", "add", "x.agent", "--role", "agent", "--password-stdin"], "short\n", "at least"),
        (
            ["users", "add", "X Agent", "--role", "agent", "--password-stdin"],
            "long enough pw\n",
            "username",
        ),
        (["users", "add", "x.agent", "--role", "agent"], "", "password-stdin"),
        (["users", "token", "ghost"], "", "no user"),
        (["users", "password", "ghost"], "", "no user"),
    ],
)
def test_bad_cli_input_says_why_and_fails(
    env: dict[str, str], args: list[str], stdin: str, message: str
) -> None:
    result = _run(env, *args, stdin=stdin)
    assert result.returncode != 0
    assert message in result.stderr


def test_demo_seeds_once_and_prints_one_time_passwords(env: dict[str, str]) -> None:
    first = _run(env, "demo")
    second = _run(env, "demo")
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert "li.agent" in first.stdout and "zhou.tech" in first.stdout
    assert "added 5 sample tickets, 2 finished tickets, 3 crews, 1 booked visit)" in first.stdout
    assert "li.agent" not in second.stdout
    assert "added 0 sample tickets, 0 finished tickets, 0 crews, 0 booked visits)" in second.stdout
    # Each run says where the field side shows.
    for run in (first, second):
        assert "南区抢修一队 (south-1): 南区, 08:00–20:00, zhou.tech" in run.stdout
        assert "/callbacks  2 callback tasks due now" in run.stdout


def _staff_token(env: dict[str, str]) -> str:
    """A supervisor's token: /api/health shows its details only to staff."""
    added = _run(
        env,
        "users",
        "add",
        "zhao.sup",
        "--role",
        "supervisor",
        "--password-stdin",
        stdin="a long enough password\n",
    )
    assert added.returncode == 0, added.stderr
    return _run(env, "users", "token", "zhao.sup").stdout.strip().splitlines()[-1]


def _health_when(port: int, ready: object, token: str, seconds: float = 15) -> dict[str, object]:
    """Poll /api/health (as staff) until `ready(body)` holds; the last body either way."""
    body: dict[str, object] = {}
    deadline = time.monotonic() + seconds
    headers = {"Authorization": f"Bearer {token}"}
    while time.monotonic() < deadline:
        try:
            body = httpx.get(
                f"http://127.0.0.1:{port}/api/health", timeout=1, headers=headers
            ).json()
            if ready(body):  # type: ignore[operator]
                return body
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    return body


def test_serve_answers_health_ok_and_keeps_its_log_quiet(
    env: dict[str, str], tmp_path: Path
) -> None:
    port = free_port()
    token = _staff_token(env)
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [*HOTLINE, "serve"],
            env={**env, "HOTLINE_HTTP_BIND": f"127.0.0.1:{port}"},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        # Several SLA sweeps (every 2 s) have run by the time the scheduler has three runs.
        body = _health_when(port, lambda b: b.get("scheduler", {}).get("runs", 0) >= 3, token)
        assert body["status"] == "ok", body
        assert body["scheduler"]["leader"] is True  # type: ignore[index]
    finally:
        server.terminate()
        server.wait(10)
    written = log.read_text(encoding="utf-8")
    assert "Application startup complete" in written
    # Each sweep's "Running job ... executed successfully" would drown what matters.
    assert "executed successfully" not in written and "Running job" not in written


def test_serve_in_demo_mode_takes_calls_from_the_built_in_simulator(
    env: dict[str, str],
) -> None:
    port = free_port()
    token = _staff_token(env)
    server = subprocess.Popen(
        [*HOTLINE, "serve"],
        env={**env, "HOTLINE_HTTP_BIND": f"127.0.0.1:{port}", "HOTLINE_SIMULATOR": "on"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        body = _health_when(port, lambda b: b.get("telephony", {}).get("state") == "ok", token)
        assert body["status"] == "ok", body
        (pbx,) = body["telephony"]["servers"]  # type: ignore[index]
        assert pbx["state"] == "connected"
    finally:
        server.terminate()
        server.wait(10)


def test_simulate_serves_ami_that_serve_connects_to(env: dict[str, str]) -> None:
    ami_port, http_port = free_port(), free_port()
    token = _staff_token(env)
    simulator = subprocess.Popen(
        [*HOTLINE, "simulate", "--port", str(ami_port), "--speed", "10"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    server = None
    try:
        assert simulator.stdout is not None
        url = simulator.stdout.readline().strip()
        assert url.startswith("ami://hotline:") and url.endswith(f"@127.0.0.1:{ami_port}")
        server = subprocess.Popen(
            [*HOTLINE, "serve"],
            env={**env, "HOTLINE_HTTP_BIND": f"127.0.0.1:{http_port}", "HOTLINE_AMI_URL": url},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        body = _health_when(http_port, lambda b: b.get("telephony", {}).get("state") == "ok", token)
        assert body.get("status") == "ok", body
    finally:
        logs = ""
        for process in (server, simulator):
            if process is not None:
                process.terminate()
                _, errors = process.communicate(timeout=10)
                logs += errors or ""
    secret = url.split(":")[2].split("@")[0]
    assert "AMI" in logs and secret not in logs, "the AMI secret leaked into the log"


def test_the_server_calms_garbage_collection_before_serving() -> None:
    """In a process of its own: freezing the heap of the test process would hide leaks."""
    script = (
        "import gc; from hotline.cli import calm_garbage_collection as calm; calm(); "
        "print(gc.get_threshold(), gc.get_freeze_count() > 10_000)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "(50000, 20, 100) True"
