"""EVERY difference between our shipped configuration (`ivr/asterisk/*.conf`) and the test PBX,
in one list, each with the reason it has to differ. Nothing else is changed: the dialplan,
queues, modules and AMI permissions are tested as shipped. (asterisk.conf is not part of the
shipped configuration; tests/live/asterisk.py writes it. What the fixtures do at run time, such
as pausing agent 2 or pointing HOTLINE_AGI at a closed port for one test, is a state of the
PBX, not configuration: see conftest.py.)

What the overlay does not touch, on purpose:
- The trunk's DTMF mode stays the PJSIP default (rfc4733): the sipp callers key as SIP INFO
  (application/dtmf-relay), which Asterisk 22 takes on an rfc4733 endpoint too (checked: the
  fallback menu's Read() gets the digit).
- The agents' inbound auth (`auth = 800X`) stays: a phone that never sends an out-of-dialog
  request is never challenged, and its in-dialog BYE is not challenged (checked).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .conffile import ConfFile, OverlayError

SHIPPED = Path(__file__).resolve().parents[2] / "ivr" / "asterisk"
AGENTS = ("8001", "8002", "8003", "8004", "8005", "8006")
# sipp plays the carrier from its own loopback address, so Asterisk tells it from the phones.
CARRIER_IP = "127.0.0.2"
PHONES_IP = "127.0.0.1"
AMI_USER = "hotline"


@dataclass(frozen=True)
class Ports:
    """Free ports for one test PBX: the machine is shared, nothing may assume 5038 or 5060."""

    ami: int
    sip: int
    agi: int
    agents: dict[str, int]
    carrier: int


@dataclass(frozen=True)
class Set:
    """`key = value` in a section (replacing what the section said)."""

    file: str
    section: str
    key: str
    value: str
    why: str
    type: str | None = None


@dataclass(frozen=True)
class Drop:
    """A whole section left out."""

    file: str
    section: str
    why: str
    type: str | None = None


@dataclass(frozen=True)
class Add:
    """One more line of a multi-valued setting (logger channels)."""

    file: str
    section: str
    key: str
    value: str
    why: str


@dataclass(frozen=True)
class NewFile:
    """A file the shipped configuration lacks; each is a defect of the shipped configuration
    (or a file a deployment writes itself), and is reported as such."""

    file: str
    text: str
    why: str


Change = Set | Drop | Add | NewFile


def overlay(ports: Ports, ami_secret: str) -> list[Change]:
    agents_aor: list[Change] = []
    for agent in AGENTS:
        agents_aor += [
            Set(
                "pjsip.conf",
                agent,
                "contact",
                f"sip:{agent}@{PHONES_IP}:{ports.agents[agent]}",
                "sipp phones do not register: a static contact on their own port",
                type="aor",
            ),
            Set(
                "pjsip.conf",
                agent,
                "qualify_frequency",
                "0",
                "sipp does not answer OPTIONS (an unexpected request fails its scenario); an "
                "unanswered qualify would mark the phone unreachable and the queue skip it",
                type="aor",
            ),
        ]
    return [
        # ---- AMI
        Set(
            "manager.conf",
            "general",
            "bindaddr",
            "127.0.0.1",
            "loopback only: the test machine is shared",
        ),
        Set("manager.conf", "general", "port", str(ports.ami), "a free port, not 5038"),
        Set(
            "manager.conf",
            "hotline",
            "secret",
            ami_secret,
            "the shipped CHANGE-ME placeholder, replaced as its comment tells a deployment to",
        ),
        # ---- SIP
        Set(
            "pjsip.conf",
            "transport-udp",
            "bind",
            f"{PHONES_IP}:{ports.sip}",
            "loopback and a free port, not 0.0.0.0:5060",
            type="transport",
        ),
        *agents_aor,
        Set(
            "pjsip.conf",
            "trunk",
            "contact",
            f"sip:{CARRIER_IP}:{ports.carrier}",
            "the carrier is a sipp on 127.0.0.2 (no DNS name to resolve)",
            type="aor",
        ),
        Set(
            "pjsip.conf",
            "trunk",
            "qualify_frequency",
            "0",
            "the sipp carrier does not answer OPTIONS",
            type="aor",
        ),
        Set(
            "pjsip.conf",
            "trunk",
            "match",
            CARRIER_IP,
            "the carrier's address instead of carrier.example (resolved once at load: no DNS "
            "in tests)",
            type="identify",
        ),
        Drop(
            "pjsip.conf",
            "trunk",
            "no carrier to register with: the sipp carrier sends calls to a fixed address",
            type="registration",
        ),
        # ---- dialplan
        Set(
            "extensions.conf",
            "globals",
            "HOTLINE_AGI",
            f"agi://127.0.0.1:{ports.agi}",
            "our FastAGI server (HOTLINE_AGI_BIND) on loopback, not the compose service `app`",
        ),
        # ---- records
        Add(
            "logger.conf",
            "logfiles",
            "full.log",
            "notice,warning,error,verbose(3),dtmf",
            "the dialplan's steps and key presses, to diagnose a failing live test",
        ),
    ]


def render(etc: Path, changes: list[Change], shipped: Path = SHIPPED) -> None:
    """Our configuration files into `etc`, with the overlay applied."""
    files = {path.name: ConfFile(path.name, path.read_text()) for path in shipped.glob("*.conf")}
    extra: dict[str, str] = {}
    for change in changes:
        if isinstance(change, NewFile):
            if change.file in files:
                raise OverlayError(
                    f"{change.file} now ships: turn the overlay's new file into settings"
                )
            extra[change.file] = f"; [test overlay] {change.why}\n{change.text}"
            continue
        conf = files.get(change.file)
        if conf is None:
            raise OverlayError(f"the shipped configuration has no {change.file}")
        if isinstance(change, Set):
            conf.set(change.section, change.key, change.value, change.why, change.type)
        elif isinstance(change, Add):
            conf.add(change.section, change.key, change.value, change.why)
        else:
            conf.drop(change.section, change.why, change.type)
    etc.mkdir(parents=True, exist_ok=True)
    for name, conf in files.items():
        (etc / name).write_text(conf.text())
    for name, text in extra.items():
        (etc / name).write_text(text)
