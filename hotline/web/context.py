"""What every request handler can reach: settings, the database, the rules, the event bus."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import HTTPConnection

from hotline.events import EventBus
from hotline.relay import EventRelay
from hotline.services.actor import Actor
from hotline.services.rulebook import RulebookCache
from hotline.settings import Settings

if TYPE_CHECKING:
    from hotline.runtime import Runtime
    from hotline.scheduler import SchedulerService
    from hotline.telephony.service import Telephony


class TokenCache:
    """Tokens seen in the last `max_age` seconds, so a busy client costs no lookup per request.
    A token revoked or a user disabled in another worker stops working within `max_age`; in
    this one at once (`forget_user`); an expired token at its expiry."""

    def __init__(self, max_age: float = 5.0, max_entries: int = 10_000) -> None:
        self._max_age = max_age
        self._max_entries = max_entries
        self._entries: dict[str, tuple[float, Actor, datetime | None]] = {}

    def get(self, token: str, now: datetime) -> Actor | None:
        entry = self._entries.get(token)
        if entry is None or time.monotonic() - entry[0] > self._max_age:
            return None
        _, actor, expires_at = entry
        if expires_at is not None and expires_at <= now:
            return None
        return actor

    def put(self, token: str, actor: Actor, expires_at: datetime | None) -> None:
        if len(self._entries) >= self._max_entries:
            self._entries.clear()
        self._entries[token] = (time.monotonic(), actor, expires_at)

    def forget(self, token: str) -> None:
        self._entries.pop(token, None)

    def forget_user(self, user_id: int) -> None:
        """The user's tokens are looked up afresh (revoked, reset or deactivated): at once in
        this worker, within `max_age` in the others."""
        for token, (_, actor, _) in list(self._entries.items()):
            if actor.user_id == user_id:
                del self._entries[token]


@dataclass
class AppContext:
    """What the routes use; built on the running hotline (hotline/runtime.py). It is a use
    case Core too: settings, sessions, rulebooks, bus and clock."""

    runtime: Runtime
    tokens: TokenCache = field(default_factory=TokenCache)

    @property
    def settings(self) -> Settings:
        return self.runtime.core.settings

    @property
    def engine(self) -> AsyncEngine:
        return self.runtime.engine

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        return self.runtime.core.sessions

    @property
    def rulebooks(self) -> RulebookCache:
        return self.runtime.core.rulebooks

    @property
    def bus(self) -> EventBus:
        return self.runtime.core.bus

    @property
    def clock(self) -> Callable[[], datetime]:
        return self.runtime.core.clock

    @property
    def scheduler(self) -> SchedulerService:
        return self.runtime.scheduler

    @property
    def telephony(self) -> Telephony | None:
        return self.runtime.telephony

    @property
    def agi_port(self) -> int | None:
        return self.runtime.agi_port

    @property
    def relay(self) -> EventRelay | None:
        return self.runtime.relay


def context_of(request: HTTPConnection) -> AppContext:
    context: AppContext = request.app.state.context
    return context
