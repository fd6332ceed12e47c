"""Settings from `HOTLINE_*` environment variables; a `.env` file in the working directory is
read too, without overriding what the environment already says."""

from __future__ import annotations

import ipaddress
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import load_dotenv

from hotline.sms.url import SmppUrlError, parse_smpp_url
from tickets.phones import MAINLAND_PREFIXES

DEFAULT_DATABASE_URL = "sqlite:///hotline.db"


class SettingsError(ValueError):
    pass


def parse_bind(value: str, name: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise SettingsError(f"{name} must look like host:port, got {value!r}")
    return host.strip("[]"), int(port)


def _flag(value: str, name: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "on", "yes", "true"}:
        return True
    if lowered in {"0", "off", "no", "false", ""}:
        return False
    raise SettingsError(f"{name} must be on or off, got {value!r}")


def _minutes(value: str) -> int:
    if not value.strip().isdigit() or not 1 <= int(value) <= 24 * 60:
        raise SettingsError("HOTLINE_SESSION_IDLE_MINUTES must be a whole number from 1 to 1440")
    return int(value)


def _proxies(value: str) -> tuple[str, ...]:
    """Proxy addresses or networks, comma-separated; each must be one."""
    found = tuple(part.strip() for part in value.split(",") if part.strip())
    for entry in found:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError as error:
            raise SettingsError(
                f"HOTLINE_TRUSTED_PROXIES: {entry!r} is not an address or network"
            ) from error
    return found


def _prefixes(value: str | None) -> tuple[str, ...]:
    if value is None or not value.strip():
        return MAINLAND_PREFIXES
    prefixes = tuple(part.strip() for part in value.split(",") if part.strip())
    if not all(prefix.startswith("+") and prefix[1:].isdigit() for prefix in prefixes):
        raise SettingsError("HOTLINE_DIAL_PREFIXES must be E.164 prefixes such as +8613,+86571")
    return prefixes


def _whole(value: str, name: str) -> int:
    if not value.strip().isdigit() or not 1 <= int(value) <= 1000:
        raise SettingsError(f"{name} must be a whole number from 1 to 1000")
    return int(value)


def _smpp_url(value: str) -> str | None:
    """Checked at start, so that a typo is told before the first notice waits on it."""
    if not value.strip():
        return None
    try:
        parse_smpp_url(value.strip())
    except SmppUrlError as error:
        raise SettingsError(str(error)) from error
    return value.strip()


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    ami_url: str | None = None
    agi_bind: tuple[str, int] = ("127.0.0.1", 4573)
    http_bind: tuple[str, int] = ("127.0.0.1", 8000)
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    secret_key: str = ""
    secret_key_generated: bool = False
    scheduler: str = "auto"
    sweep_interval_seconds: float = 2.0
    # How often due follow-up callbacks are put on the quality staff's worklist.
    callback_interval_seconds: float = 5.0
    local_area_code: str = "571"
    # Telephony: with no AMI URL, `simulator` runs the built-in fake Asterisk (demo mode).
    simulator: bool = False
    inbound_contexts: frozenset[str] = frozenset({"hotline-in"})
    outbound_context: str = "callback-out"
    outbound_caller_id: str = "Hotline <96777>"
    # The E.164 prefixes click-to-call may dial (HOTLINE_DIAL_PREFIXES, comma-separated).
    dial_prefixes: tuple[str, ...] = MAINLAND_PREFIXES
    # Who may connect to the FastAGI port (HOTLINE_AGI_PEERS, comma-separated host names or
    # addresses of the PBX); empty: anyone who reaches HOTLINE_AGI_BIND.
    agi_peers: tuple[str, ...] = ()
    # Live feeds (SSE) one user may hold open at once (HOTLINE_FEEDS_PER_USER).
    feeds_per_user: int = 5
    # Seconds a client may take to send a request's headers (HOTLINE_HEADER_TIMEOUT_SECONDS).
    header_timeout_seconds: float = 10.0
    # The console: a session ends after this long without a request.
    session_idle_minutes: int = 30
    # Cookies only over HTTPS: on behind a TLS proxy in production.
    secure_cookies: bool = False
    # An API token works for this many days after it is issued.
    token_days: int = 90
    # Addresses of the reverse proxies whose X-Forwarded-For is believed; none by default, so
    # a client cannot claim another address (login throttling counts by address).
    trusted_proxies: tuple[str, ...] = ()
    # Web worker processes of `hotline serve`; several need PostgreSQL and a shared secret key.
    workers: int = 1
    # Events sent between workers and machines through PostgreSQL (hotline/relay.py).
    relay_events: bool = False
    # The SMS gateway (hotline/sms/): smpp://system_id:password@host:2775?source=96777&rate=50;
    # unset, notices wait in the outbox, shown on the console's /sms page.
    smpp_url: str | None = None
    # The signature the notices start with: 【燃气热线】.
    sms_signature: str = "燃气热线"

    @classmethod
    def from_env(cls, env_file: Path | None = Path(".env")) -> Settings:
        if env_file is not None and env_file.is_file():
            load_dotenv(env_file, override=False)
        env = os.environ
        zone_name = env.get("HOTLINE_TIMEZONE", "Asia/Shanghai")
        try:
            zone = ZoneInfo(zone_name)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise SettingsError(
                f"HOTLINE_TIMEZONE {zone_name!r} is not a known time zone"
            ) from error
        scheduler = env.get("HOTLINE_SCHEDULER", "auto")
        if scheduler not in {"auto", "on", "off"}:
            raise SettingsError("HOTLINE_SCHEDULER must be auto, on or off")
        try:
            sweep = float(env.get("HOTLINE_SWEEP_SECONDS", "2"))
        except ValueError as error:
            raise SettingsError("HOTLINE_SWEEP_SECONDS must be a number") from error
        if not 0.1 <= sweep <= 60:
            raise SettingsError("HOTLINE_SWEEP_SECONDS must lie between 0.1 and 60")
        secret = env.get("HOTLINE_SECRET_KEY", "")
        database_url = env.get("HOTLINE_DATABASE_URL", DEFAULT_DATABASE_URL)
        postgres = database_url.startswith("postgres")
        try:
            workers = int(env.get("HOTLINE_WORKERS", "1"))
        except ValueError as error:
            raise SettingsError("HOTLINE_WORKERS must be a whole number") from error
        if not 1 <= workers <= 64:
            raise SettingsError("HOTLINE_WORKERS must lie between 1 and 64")
        if workers > 1 and not postgres:
            raise SettingsError(
                "HOTLINE_WORKERS above 1 needs PostgreSQL: SQLite serves one process"
            )
        if workers > 1 and not secret:
            raise SettingsError(
                "HOTLINE_WORKERS above 1 needs HOTLINE_SECRET_KEY: every worker must read the "
                "others' session cookies"
            )
        try:
            token_days = int(env.get("HOTLINE_TOKEN_DAYS", "90"))
        except ValueError as error:
            raise SettingsError("HOTLINE_TOKEN_DAYS must be a whole number") from error
        if not 1 <= token_days <= 3650:
            raise SettingsError("HOTLINE_TOKEN_DAYS must lie between 1 and 3650")
        relay = _flag(env.get("HOTLINE_RELAY", "on" if postgres else "off"), "HOTLINE_RELAY")
        if relay and not postgres:
            raise SettingsError("HOTLINE_RELAY needs PostgreSQL")
        return cls(
            database_url=database_url,
            workers=workers,
            relay_events=relay,
            ami_url=env.get("HOTLINE_AMI_URL") or None,
            smpp_url=_smpp_url(env.get("HOTLINE_SMPP_URL", "")),
            sms_signature=env.get("HOTLINE_SMS_SIGNATURE", "燃气热线").strip() or "燃气热线",
            agi_bind=parse_bind(env.get("HOTLINE_AGI_BIND", "127.0.0.1:4573"), "HOTLINE_AGI_BIND"),
            http_bind=parse_bind(
                env.get("HOTLINE_HTTP_BIND", "127.0.0.1:8000"), "HOTLINE_HTTP_BIND"
            ),
            timezone=zone,
            secret_key=secret or secrets.token_urlsafe(32),
            secret_key_generated=not secret,
            scheduler=scheduler,
            sweep_interval_seconds=sweep,
            local_area_code=env.get("HOTLINE_LOCAL_AREA_CODE", "571").lstrip("0"),
            simulator=_flag(env.get("HOTLINE_SIMULATOR", "off"), "HOTLINE_SIMULATOR"),
            inbound_contexts=frozenset(
                part.strip()
                for part in env.get("HOTLINE_INBOUND_CONTEXTS", "hotline-in").split(",")
                if part.strip()
            ),
            outbound_context=env.get("HOTLINE_OUTBOUND_CONTEXT", "callback-out"),
            outbound_caller_id=env.get("HOTLINE_CALLER_ID", "Hotline <96777>"),
            agi_peers=tuple(
                part.strip() for part in env.get("HOTLINE_AGI_PEERS", "").split(",") if part.strip()
            ),
            dial_prefixes=_prefixes(env.get("HOTLINE_DIAL_PREFIXES")),
            feeds_per_user=_whole(env.get("HOTLINE_FEEDS_PER_USER", "5"), "HOTLINE_FEEDS_PER_USER"),
            header_timeout_seconds=_whole(
                env.get("HOTLINE_HEADER_TIMEOUT_SECONDS", "10"), "HOTLINE_HEADER_TIMEOUT_SECONDS"
            ),
            session_idle_minutes=_minutes(env.get("HOTLINE_SESSION_IDLE_MINUTES", "30")),
            secure_cookies=_flag(
                env.get("HOTLINE_SECURE_COOKIES", "off"), "HOTLINE_SECURE_COOKIES"
            ),
            token_days=token_days,
            trusted_proxies=_proxies(env.get("HOTLINE_TRUSTED_PROXIES", "")),
        )
