"""Fixtures of the live tests: one real Asterisk for the whole run (our configuration plus the
overlay), one `hotline serve` connected to it, sipp parties per test, and the verdicts that end
the run as a table. Everything started here is stopped here, also when a test fails."""

from __future__ import annotations

import contextlib
import secrets
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from ports import free_port

from . import sounds
from .asterisk import Build, Pbx
from .judge import Verdict
from .overlay import AGENTS, AMI_USER, CARRIER_IP, PHONES_IP, SHIPPED, Ports, overlay, render
from .readiness import readiness
from .report import LOAD, SCENARIO
from .server import Hotline, serve
from .sipp import Phones, phones

# What Asterisk logged (WARNING, ERROR) while loading our configuration, first start.
LOAD_COMPLAINTS: list[str] = []


@dataclass
class LivePbx:
    """The running test PBX and what the tests need to reach it."""

    pbx: Pbx
    ports: Ports
    ami_secret: str

    @property
    def ami_url(self) -> str:
        return f"ami://{AMI_USER}:{self.ami_secret}@127.0.0.1:{self.ports.ami}#pbx"

    @property
    def agi_url(self) -> str:
        return f"agi://127.0.0.1:{self.ports.agi}"

    @contextlib.contextmanager
    def dialplan_global(self, name: str, value: str, afterwards: str) -> Iterator[None]:
        """A dialplan global set for one test (a shorter wait, hotline made unreachable), and
        set back to `afterwards` once it is over (if the PBX still runs)."""
        self.pbx.cli(f"dialplan set global {name} {value}")
        try:
            yield
        finally:
            if self.pbx.running:
                self.pbx.cli(f"dialplan set global {name} {afterwards}")

    def start(self) -> None:
        self.pbx.start()
        # Agent 2 (PJSIP/8002, the hotline queue's other member) is away: no sipp plays that
        # phone, and rrmemory would ring it every other call, a member timeout (15 s) lost.
        self.pbx.cli("queue pause member PJSIP/8002 queue hotline reason away")


def _ports() -> Ports:
    udp, tcp = socket.SOCK_DGRAM, socket.SOCK_STREAM
    return Ports(
        ami=free_port(tcp),
        sip=free_port(udp),
        agi=free_port(tcp),
        agents={agent: free_port(udp, PHONES_IP) for agent in AGENTS},
        carrier=free_port(udp, CARRIER_IP),
    )


@pytest.fixture(scope="session")
def build() -> Build:
    found = readiness()
    if not isinstance(found, Build):
        pytest.skip(f"live Asterisk tests: {found}")
    return found


@pytest.fixture(scope="session")
def live_pbx(build: Build, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LivePbx]:
    """One Asterisk for the whole live run."""
    run = tmp_path_factory.mktemp("pbx")
    ports = _ports()
    live = LivePbx(Pbx(build, run), ports, secrets.token_hex(12))
    live.pbx.prepare_directories()
    render(run / "etc", overlay(ports, live.ami_secret))
    sounds.install(run / "var" / "lib")
    live.start()
    LOAD_COMPLAINTS[:] = live.pbx.load_complaints()
    try:
        yield live
    finally:
        live.pbx.stop()


@pytest.fixture
def pbx(live_pbx: LivePbx) -> LivePbx:
    """The session's PBX, started again if an earlier test left it dead."""
    if not live_pbx.pbx.running:
        live_pbx.start()
    return live_pbx


@pytest.fixture(scope="session")
def hotline(live_pbx: LivePbx, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hotline]:
    with serve(
        tmp_path_factory.mktemp("hotline"),
        ami_url=live_pbx.ami_url,
        agi_bind=f"127.0.0.1:{live_pbx.ports.agi}",
        http_port=free_port(socket.SOCK_STREAM),
        secret_key=secrets.token_urlsafe(32),
    ) as server:
        yield server


@pytest.fixture
def parties(pbx: LivePbx, tmp_path: Path) -> Iterator[Phones]:
    """This test's sipp processes, all killed at its end."""
    reserved = frozenset([*pbx.ports.agents.values(), pbx.ports.carrier])
    with phones(tmp_path / "sipp", (PHONES_IP, pbx.ports.sip), reserved) as running:
        yield running


@pytest.fixture
def hotline_unreachable(pbx: LivePbx) -> Iterator[None]:
    """The dialplan's HOTLINE_AGI pointed at a closed port (hotline down) for one test."""
    closed = free_port(socket.SOCK_STREAM)
    with pbx.dialplan_global("HOTLINE_AGI", f"agi://127.0.0.1:{closed}", pbx.agi_url):
        yield


@pytest.fixture
def verdict(request: pytest.FixtureRequest) -> Iterator[Verdict]:
    """This scenario's comparisons; its row of the table at the end of the run."""
    scenario = request.node.get_closest_marker("scenario")
    found = Verdict(scenario.args[0] if scenario else request.node.name)
    yield found
    row = (found.scenario, found.asterisk_summary or "—", found.ours_summary or "—", found.match)
    request.node.user_properties.append((SCENARIO, row))


@pytest.fixture(autouse=True)
def load_complaints_reported(request: pytest.FixtureRequest) -> Iterator[None]:
    """What this worker's Asterisk said as it first loaded our configuration, carried to the
    report by every test after it started (the report keeps the first)."""
    yield
    if LOAD_COMPLAINTS:
        about_ours = complaints_about_ours()
        others = len(LOAD_COMPLAINTS) - len(about_ours)
        request.node.user_properties.append((LOAD, (about_ours, others)))


def complaints_about_ours() -> list[str]:
    """What Asterisk logged (WARNING, ERROR) at its first start naming one of our files, or a
    module our modules.conf leaves without its dependency."""
    ours = [path.name for path in SHIPPED.glob("*.conf")]
    return [
        complaint
        for complaint in LOAD_COMPLAINTS
        if any(name in complaint for name in ours) or "dependency" in complaint
    ]
