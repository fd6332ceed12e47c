"""What every request handler can reach: settings, the database, the rules, the event bus."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import HTTPConnection

from hotline.events import EventBus
from hotline.scheduler import SchedulerService
from hotline.services.actor import Actor
from hotline.services.rulebook import RulebookCache
from hotline.settings import Settings

if TYPE_CHECKING:
    from hotline.telephony.service import Telephony


class TokenCache:
    """Tokens seen in the last `max_age` seconds, so a busy client costs no lookup per request.
    A revoked token or a disabled user stops working within `max_age`."""

    def __init__(self, max_age: float = 5.0, max_entries: int = 10_000) -> None:
        self._max_age = max_age
        self._max_entries = max_entries
        self._entries: dict[str, tuple[float, Actor]] = {}

    def get(self, token: str) -> Actor | None:
        entry = self._entries.get(token)
        if entry is None or time.monotonic() - entry[0] > self._max_age:
            return None
        return entry[1]

    def put(self, token: str, actor: Actor) -> None:
        if len(self._entries) >= self._max_entries:
            self._entries.clear()
        self._entries[token] = (time.monotonic(), actor)

    def forget(self, token: str) -> None:
        self._entries.pop(token, None)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class AppContext:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    rulebooks: RulebookCache
    bus: EventBus
    scheduler: SchedulerService
    clock: Callable[[], datetime] = field(default=utc_now)
    tokens: TokenCache = field(default_factory=TokenCache)
    telephony: Telephony | None = None  # set by the lifespan when telephony runs
    # Where our FastAGI server listens (HOTLINE_AGI_BIND; a free port in tests).
    agi_port: int | None = None


def context_of(request: HTTPConnection) -> AppContext:
    context: AppContext = request.app.state.context
    return context
