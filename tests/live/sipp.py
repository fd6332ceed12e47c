"""sipp as the people on the line: a customer calling the hotline from the carrier's address, and
the phones Asterisk calls (agents' desk phones, the carrier for a call going out).

Each party is one sipp process running one call (`-m 1`) of a scenario rendered from
`scenarios/` ($-placeholders): the scenario writes what happened with <log> actions, so a test
can tell "the caller hung up" from "the PBX hung up". Every process is killed at the end of the
`Phones` context, whatever happened."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from string import Template

from ports import free_port, is_free

SCENARIOS = Path(__file__).resolve().parent / "scenarios"
# sipp's own guard: a party never outlives this (the test's deadline is shorter).
SIPP_TIMEOUT_SECONDS = 90
START_SECONDS = 10.0


def sipp_binary() -> str | None:
    return shutil.which("sipp")


def _template(name: str) -> Template:
    return Template((SCENARIOS / name).read_text())


@dataclass(frozen=True)
class Key:
    """A key the caller presses `after_ms` after the previous step (the answer or a key)."""

    digit: str
    after_ms: int = 1000


# Who sends the keys: the customer who called (the dialog's caller) or a party Asterisk
# called (the callee, answering the survey call); and where a BYE from the PBX goes.
_CALLER_SIDE = (
    '"Customer" <sip:[$caller]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]',
    "<sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]",
    "pbx_hung_up",
)
_CALLEE_SIDE = (
    "<sip:[$user]@[local_ip]:[local_port]>;tag=[pid]SIPpTag01[call_number]",
    "[$caller_side]",
    "other_side_hung_up",
)


def _key_block(keys: Sequence[Key], side: tuple[str, str, str] = _CALLER_SIDE) -> str:
    """Keys as SIP INFO (application/dtmf-relay), each after a wait that a BYE from the PBX
    may cut short."""
    sender, receiver, hung_up = side
    parts = []
    for number, key in enumerate(keys):
        parts.append(
            f'  <recv request="BYE" timeout="{key.after_ms}" ontimeout="key_{number}"'
            f' next="{hung_up}"/>\n'
            f'  <label id="key_{number}"/>\n'
            f'  <nop><action><log message="key {key.digit}"/></action></nop>\n'
            "  <send>\n    <![CDATA[\n"
            "      INFO [next_url] SIP/2.0\n"
            "      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]\n"
            f"      From: {sender}\n"
            f"      To: {receiver}\n"
            "      [routes]\n"
            "      Call-ID: [call_id]\n"
            f"      CSeq: {10 + number} INFO\n"
            "      Max-Forwards: 70\n"
            "      Content-Type: application/dtmf-relay\n"
            "      Content-Length: [len]\n\n"
            f"      Signal={key.digit}\n"
            "      Duration=160\n"
            "    ]]>\n  </send>\n"
            '  <recv response="200"/>\n'
        )
    return "\n".join(parts)


def customer_scenario(caller: str, keys: Sequence[Key], stay_ms: int) -> str:
    """The customer: calls, presses `keys`, stays `stay_ms` more, hangs up (unless the PBX
    hangs up first)."""
    block = _key_block(keys).replace("[$caller]", caller)
    return _template("customer.xml").substitute(caller=caller, keys=block, stay_ms=stay_ms)


def phone_scenario(
    user: str, ring_ms: int, talk_ms: int | None, answer: bool = True, keys: Sequence[Key] = ()
) -> str:
    """A phone Asterisk calls: rings `ring_ms`, answers, presses `keys` (a customer answering
    the survey call), talks `talk_ms` and hangs up (None: until the other side does);
    `answer=False` rings until the caller gives up."""
    talk = f'timeout="{talk_ms}" ontimeout="hang_up"' if talk_ms is not None else ""
    # Never answering: the ring outlasts every wait in the tests.
    ring = ring_ms if answer else SIPP_TIMEOUT_SECONDS * 1000
    block = _key_block(keys, _CALLEE_SIDE).replace("[$user]", user)
    return _template("phone.xml").substitute(user=user, ring_ms=ring, talk_timeout=talk, keys=block)


@dataclass
class Party:
    """One running sipp and its files."""

    name: str
    process: subprocess.Popen[bytes]
    directory: Path

    @property
    def log_file(self) -> Path:
        return self.directory / f"{self.name}.log"

    def events(self) -> list[str]:
        """What the scenario logged, in order ("answered", "the caller hung up", …)."""
        if not self.log_file.is_file():
            return []
        return [line.strip() for line in self.log_file.read_text().splitlines() if line.strip()]

    def wait(self, timeout: float) -> int:
        """sipp's exit status: 0 when its call ran to the end of the scenario."""
        return self.process.wait(timeout)

    def errors(self) -> str:
        path = self.directory / f"{self.name}.errors"
        return path.read_text(errors="replace")[-4000:] if path.is_file() else ""

    def messages(self) -> str:
        path = self.directory / f"{self.name}.messages"
        return path.read_text(errors="replace") if path.is_file() else ""

    def kill(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)


class Phones:
    """The sipp parties of one test; `close` kills whatever still runs."""

    def __init__(
        self, directory: Path, sip: tuple[str, int], reserved: frozenset[int] = frozenset()
    ) -> None:
        binary = sipp_binary()
        if binary is None:
            raise RuntimeError("sipp is not installed (Debian package sip-tester)")
        self.binary = binary
        self.directory = directory
        self.sip = sip
        self.reserved = reserved
        self.parties: list[Party] = []
        directory.mkdir(parents=True, exist_ok=True)

    def _port(self, host: str) -> int:
        return free_port(socket.SOCK_DGRAM, host, self.reserved)

    def _start(self, name: str, scenario: str, host: str, args: list[str]) -> Party:
        path = self.directory / f"{name}.xml"
        path.write_text(scenario)
        command = [
            self.binary,
            "-sf", str(path),
            "-m", "1",
            "-nostdin",
            "-aa",
            "-timeout", str(SIPP_TIMEOUT_SECONDS),
            "-timeout_error",
            "-i", host,
            "-mp", str(self._port(host)),
            "-trace_err", "-error_file", str(self.directory / f"{name}.errors"),
            "-trace_msg", "-message_file", str(self.directory / f"{name}.messages"),
            "-trace_logs", "-log_file", str(self.directory / f"{name}.log"),
            *args,
        ]  # fmt: skip
        with (self.directory / f"{name}.screen").open("wb") as screen:
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=screen,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                cwd=self.directory,
            )
        party = Party(name, process, self.directory)
        self.parties.append(party)
        return party

    def phone(
        self,
        user: str,
        host: str,
        port: int,
        *,
        ring_ms: int = 500,
        talk_ms: int | None = None,
        answer: bool = True,
        keys: Sequence[Key] = (),
    ) -> Party:
        """A phone listening on host:port (the address the overlay gave it), ready when this
        returns."""
        party = self._start(
            f"phone-{user}",
            phone_scenario(user, ring_ms, talk_ms, answer, keys),
            host,
            ["-p", str(port)],
        )
        deadline = time.monotonic() + START_SECONDS
        while is_free(socket.SOCK_DGRAM, host, port):
            if party.process.poll() is not None:
                raise RuntimeError(f"sipp for {user} exited: {party.errors()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"sipp for {user} did not bind {host}:{port}")
            time.sleep(0.05)
        return party

    def customer(
        self, caller: str, *, keys: Sequence[Key] = (), stay_ms: int, host: str, dialled: str
    ) -> Party:
        """A customer calling `dialled` from `host` (the carrier's address)."""
        target = f"{self.sip[0]}:{self.sip[1]}"
        return self._start(
            f"customer-{caller}",
            customer_scenario(caller, keys, stay_ms),
            host,
            ["-p", str(self._port(host)), "-s", dialled, target],
        )

    def close(self) -> None:
        for party in self.parties:
            party.kill()


@contextlib.contextmanager
def phones(
    directory: Path, sip: tuple[str, int], reserved: frozenset[int] = frozenset()
) -> Iterator[Phones]:
    parties = Phones(directory, sip, reserved)
    try:
        yield parties
    finally:
        parties.close()
