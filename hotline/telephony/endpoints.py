"""`HOTLINE_AMI_URL`: one or several `ami://user:secret@host:port` separated by commas, one per
Asterisk server. The secret never leaves this object in a printable form."""

from __future__ import annotations

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
