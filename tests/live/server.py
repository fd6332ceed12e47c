"""`hotline serve` as a deployment runs it: the real CLI in its own process, configured only by
HOTLINE_* variables, its AMI client logged in to the test PBX and its FastAGI server where the
dialplan's HOTLINE_AGI points. The tests talk to it over HTTP like any API client."""

from __future__ import annotations

import contextlib
import html
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

HOTLINE = Path(sys.executable).parent / "hotline"
START_SECONDS = 60.0
STOP_SECONDS = 15.0
AGENT = "agent1"
AGENT_INTERFACE = "PJSIP/8001"
AGENT_PASSWORD = "live-test-password"
# The dispatcher on call: the phone the emergency queue's overflow rings (HOTLINE_ONCALL).
ON_CALL = "oncall1"
ON_CALL_INTERFACE = "PJSIP/8005"
# Sets the ring-back policy, as an admin does on /admin/ringbacks.
ADMIN = "admin1"
# The longest the policy allows: a caller given up in one scenario (abandoned, timed out) is
# not rung back, 3 minutes later, through the phones of another scenario that waits for its
# own ring-back. A gas smell given up is rung back at once whatever this says.
MISSED_CALL_GRACE_MINUTES = 120

Call = dict[str, Any]


def _environment(overrides: dict[str, str]) -> dict[str, str]:
    """Ours only: a HOTLINE_* variable of the developer's shell must not change the test."""
    base = {key: value for key, value in os.environ.items() if not key.startswith("HOTLINE_")}
    return {**base, **overrides}


def _cli(args: list[str], env: dict[str, str], cwd: Path, stdin: str | None = None) -> str:
    done = subprocess.run(
        [str(HOTLINE), *args],
        env=env,
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        raise RuntimeError(f"hotline {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


@dataclass
class Hotline:
    """A running `hotline serve` and an API client holding the agent's token."""

    base_url: str
    token: str
    process: subprocess.Popen[bytes]
    log: Path
    # The on-call dispatcher's (ON_CALL): assigns and fixes repairs.
    on_call_token: str = ""

    @property
    def database(self) -> Path:
        return self.log.parent / "hotline.db"

    def client(self, token: str | None = None) -> httpx.Client:
        return httpx.Client(
            base_url=self.base_url,
            headers={
                "Authorization": f"Bearer {token or self.token}",
                "Accept-Language": "en",
            },
            timeout=10,
        )

    def health(self) -> dict[str, Any]:
        with httpx.Client(base_url=self.base_url, timeout=5) as client:
            body: dict[str, Any] = client.get(
                "/api/health", headers={"Authorization": f"Bearer {self.token}"}
            ).json()
            return body

    def calls(self, **filters: str) -> list[Call]:
        with self.client() as client:
            response = client.get("/api/calls", params=filters)
        response.raise_for_status()
        items: list[Call] = response.json()["items"]
        return items

    def ended_call(self, timeout: float, matches: Callable[[Call], bool], **filters: str) -> Call:
        """The one call of the log that `matches`, once it has ended (the writer batches)."""
        deadline = time.monotonic() + timeout
        while True:
            found = [call for call in self.calls(**filters) if matches(call)]
            if len(found) == 1 and found[0]["ended_at"] is not None:
                return found[0]
            if len(found) > 1:
                raise AssertionError(f"{len(found)} calls where one was expected: {found}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"no ended call in the log within {timeout:.0f} s: {found}")
            time.sleep(0.2)

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


_FIELD = re.compile(r'<input[^>]*name="(?P<name>[a-z_]+)"[^>]*value="(?P<value>[^"]*)"')
_CHECKED = re.compile(r'<input type="checkbox" name="(?P<name>[a-z_]+)"(?P<checked> checked)?')


def _form_fields(page: str) -> dict[str, str]:
    """A page's form as a browser would submit it untouched: inputs with their values, ticked
    checkboxes as "on"."""
    fields = {match["name"]: html.unescape(match["value"]) for match in _FIELD.finditer(page)}
    fields.update({m["name"]: "on" for m in _CHECKED.finditer(page) if m["checked"]})
    return fields


def _missed_calls_rung_back_late(base_url: str) -> None:
    """The admin signs in and sets the ring-back policy's missed-call grace on its page, every
    other field as it was (see MISSED_CALL_GRACE_MINUTES)."""
    with httpx.Client(base_url=base_url, timeout=10, follow_redirects=True) as browser:
        signed_in = browser.post(
            "/login",
            data={
                **_form_fields(browser.get("/login").text),
                "username": ADMIN,
                "password": AGENT_PASSWORD,
            },
        )
        signed_in.raise_for_status()
        fields = _form_fields(browser.get("/admin/ringbacks").text)
        fields["missed_call_grace_minutes"] = str(MISSED_CALL_GRACE_MINUTES)
        saved = browser.post("/admin/ringbacks", data=fields)
        saved.raise_for_status()
        shown = _form_fields(browser.get("/admin/ringbacks").text)
        if shown.get("missed_call_grace_minutes") != str(MISSED_CALL_GRACE_MINUTES):
            raise RuntimeError(f"the ring-back policy was not saved: {saved.text[:2000]}")


def _connected(health: dict[str, Any]) -> bool:
    servers = health.get("telephony", {}).get("servers", [])
    return bool(servers) and all(server["state"] == "connected" for server in servers)


@contextlib.contextmanager
def serve(
    directory: Path, *, ami_url: str, agi_bind: str, http_port: int, secret_key: str
) -> Iterator[Hotline]:
    """A migrated SQLite database, agent1 (phone PJSIP/8001) with a token, the on-call
    dispatcher and an admin, then the server, returned once /api/health shows the AMI
    connection up and the admin has set the missed-call grace. Stopped (killed if need be) on
    exit."""
    directory.mkdir(parents=True, exist_ok=True)
    env = _environment(
        {
            "HOTLINE_DATABASE_URL": f"sqlite:///{directory / 'hotline.db'}",
            "HOTLINE_AMI_URL": ami_url,
            "HOTLINE_AGI_BIND": agi_bind,
            "HOTLINE_HTTP_BIND": f"127.0.0.1:{http_port}",
            "HOTLINE_SECRET_KEY": secret_key,
        }
    )
    _cli(["db", "upgrade"], env, directory)
    add = [
        "users", "add", AGENT, "--role", "agent", "--interface", AGENT_INTERFACE,
        "--password-stdin",
    ]  # fmt: skip
    _cli(add, env, directory, stdin=AGENT_PASSWORD + "\n")
    on_call = [
        "users", "add", ON_CALL, "--role", "dispatcher", "--interface", ON_CALL_INTERFACE,
        "--password-stdin",
    ]  # fmt: skip
    _cli(on_call, env, directory, stdin=AGENT_PASSWORD + "\n")
    admin = ["users", "add", ADMIN, "--role", "admin", "--password-stdin"]
    _cli(admin, env, directory, stdin=AGENT_PASSWORD + "\n")
    on_call_token = _cli(["users", "token", ON_CALL], env, directory).strip().splitlines()[-1]
    token = _cli(["users", "token", AGENT], env, directory).strip().splitlines()[-1]
    log = directory / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(HOTLINE), "serve"],
            env=env,
            cwd=directory,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    hotline = Hotline(f"http://127.0.0.1:{http_port}", token, process, log, on_call_token)
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"hotline serve exited at start:\n{hotline.tail()}")
            with contextlib.suppress(httpx.HTTPError, ValueError):
                if _connected(hotline.health()):
                    break
            if time.monotonic() > deadline:
                raise TimeoutError(f"hotline serve not connected to AMI:\n{hotline.tail()}")
            time.sleep(0.2)
        _missed_calls_rung_back_late(hotline.base_url)
        yield hotline
    finally:
        _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(STOP_SECONDS)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(STOP_SECONDS)
