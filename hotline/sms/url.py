"""HOTLINE_SMPP_URL: `smpp://system_id:password@host:2775?source=96777&rate=50`."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

DEFAULT_PORT = 2775
DEFAULT_RATE = 50.0


class SmppUrlError(ValueError):
    pass


@dataclass(frozen=True)
class SmppUrl:
    host: str
    port: int
    system_id: str
    password: str
    # The sender address the customers see (the hotline's number).
    source: str = "96777"
    # Messages per second we submit at most (the operator's contract).
    rate: float = DEFAULT_RATE

    def __repr__(self) -> str:
        return f"SmppUrl({self.system_id}@{self.host}:{self.port}, rate={self.rate})"


def parse_smpp_url(value: str) -> SmppUrl:
    parts = urlsplit(value)
    if parts.scheme != "smpp" or not parts.hostname:
        raise SmppUrlError("HOTLINE_SMPP_URL must look like smpp://system_id:password@host:2775")
    system_id = unquote(parts.username or "")
    password = unquote(parts.password or "")
    # SMPP 3.4: system_id up to 15 characters, password up to 8.
    if not system_id or len(system_id) > 15 or len(password) > 8:
        raise SmppUrlError("HOTLINE_SMPP_URL: system_id 1-15 characters, password up to 8")
    query = parse_qs(parts.query)
    try:
        rate = float(query.get("rate", [str(DEFAULT_RATE)])[0])
        port = parts.port or DEFAULT_PORT
    except ValueError as error:
        raise SmppUrlError("HOTLINE_SMPP_URL: rate and port must be numbers") from error
    if not 0.1 <= rate <= 10_000:
        raise SmppUrlError("HOTLINE_SMPP_URL: rate must lie between 0.1 and 10000 per second")
    source = query.get("source", ["96777"])[0]
    if not source or len(source) > 20:
        raise SmppUrlError("HOTLINE_SMPP_URL: source must be 1-20 characters")
    return SmppUrl(parts.hostname, port, system_id, password, source, rate)
