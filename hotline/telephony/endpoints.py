"""`HOTLINE_AMI_URL`: one or several `ami://user:secret@host:port` separated by commas, one per
Asterisk server. The secret never leaves this object in a printable form."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

DEFAULT_AMI_PORT = 5038


class AmiUrlError(ValueError):
    pass


@dataclass(frozen=True)
class AmiEndpoint:
    host: str
    port: int
    username: str
    secret: str = field(repr=False)
    # The label of this PBX in the call log; the host:port unless the URL names one (#label).
    name: str = ""

    def __str__(self) -> str:
        return f"ami://{self.username}:***@{self.host}:{self.port}"


def parse_ami_urls(value: str) -> list[AmiEndpoint]:
    endpoints = [_parse_one(part.strip()) for part in value.split(",") if part.strip()]
    if not endpoints:
        raise AmiUrlError("HOTLINE_AMI_URL names no Asterisk server")
    names = [endpoint.name for endpoint in endpoints]
    if len(set(names)) != len(names):
        raise AmiUrlError("HOTLINE_AMI_URL names the same Asterisk server twice")
    return endpoints


def _parse_one(text: str) -> AmiEndpoint:
    shown = _masked(text)
    try:
        parts = urlsplit(text)
        port = parts.port or DEFAULT_AMI_PORT
    except ValueError as error:
        raise AmiUrlError(f"not an AMI URL: {shown}") from error
    if parts.scheme != "ami":
        raise AmiUrlError(f"an AMI URL starts with ami://, got {shown}")
    if not parts.hostname or not parts.username or parts.password is None:
        raise AmiUrlError(f"an AMI URL needs user, secret and host: {shown}")
    return AmiEndpoint(
        host=parts.hostname,
        port=port,
        username=unquote(parts.username),
        secret=unquote(parts.password),
        name=unquote(parts.fragment) or f"{parts.hostname}:{port}",
    )


def _masked(text: str) -> str:
    scheme, sep, rest = text.partition("://")
    credentials, at, host = rest.rpartition("@")
    if not sep or not at:
        return "<AMI URL>"
    user = credentials.partition(":")[0]
    return f"{scheme}://{user}:***@{host}"


class InterfaceError(ValueError):
    pass


# A queue member's interface as Asterisk writes it: `TECH/resource`, optionally more `/parts`
# (`Local/8001@from-queue/n`: FreePBX's member, with the Local channel's option). Nothing that
# would end a header or split a dial string (`,`, `&`, `|`, `;`, spaces).
_INTERFACE = re.compile(
    r"[A-Za-z][A-Za-z0-9_]*/[A-Za-z0-9_.@+#*:=-]+(?:/[A-Za-z0-9_.@+#*:=-]+){0,2}"
)
# Asterisk matches technology names without regard to case and writes them this way.
_TECHNOLOGIES = {name.lower(): name for name in ("PJSIP", "SIP", "IAX2", "Local", "DAHDI")}
MAX_INTERFACE_LENGTH = 128


def parse_interface(text: str) -> str:
    """A queue member's interface (`PJSIP/8001`, `Local/8001@from-queue/n`, `SIP/8001`,
    `IAX2/8001`, …) in the form Asterisk reports it in AgentConnect and QueueStatus, so that it
    matches the member exactly: surrounding blanks dropped, the technology in its usual case."""
    value = text.strip()
    if len(value) > MAX_INTERFACE_LENGTH or not _INTERFACE.fullmatch(value):
        raise InterfaceError(f"not a queue-member interface: {value[:40]!r}")
    technology, _, resource = value.partition("/")
    return f"{_TECHNOLOGIES.get(technology.lower(), technology)}/{resource}"


def member_base(interface: str) -> str:
    """What a member interface and the interface of a channel it rang (`channel_interface`)
    have in common, for telling which member a channel belongs to: `Local/8001@from-queue/n`
    rings `Local/8001@from-queue-0000001a;1`, `PJSIP/8001` rings `PJSIP/8001-0000002b`; both
    give `local/8001@from-queue` and `pjsip/8001` (technology names ignore case)."""
    technology, _, resource = interface.partition("/")
    if technology.lower() == "local":
        resource = resource.split("/", 1)[0]
    return f"{technology.lower()}/{resource}"


def channel_interface(name: str) -> str:
    """The interface a channel was made from: its Local half (`;1`) and the sequence Asterisk
    appends (`-0000002b`, or the call number of an IAX2 channel, `-4711`) dropped:
    `PJSIP/8001-0000002b` gives `PJSIP/8001`, `Local/8001@from-queue-0000001a;1` gives
    `Local/8001@from-queue` (the Local options of the member are not in the name)."""
    name = name.split(";", 1)[0]
    stem, dash, sequence = name.rpartition("-")
    if dash and "/" in stem and sequence.isalnum():
        return stem
    return name
