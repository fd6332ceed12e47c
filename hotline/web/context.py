"""What every request handler can reach: settings, the database, the rules, the event bus."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import Request

from hotline.events import EventBus
from hotline.scheduler import SchedulerService
from hotline.services.rulebook import RulebookCache
from hotline.settings import Settings


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


def context_of(request: Request) -> AppContext:
    context: AppContext = request.app.state.context
    return context
