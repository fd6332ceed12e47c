"""Database URLs in their plain forms, the async engine behind them, and sessions."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}


class DatabaseUrlError(ValueError):
    pass


def async_url(plain: str) -> URL:
    """`sqlite:///file.db` and `postgresql://user@host:port/db` (also `postgres://`) become the
    async driver's URL; a URL that already names a driver is kept."""
    try:
        url = make_url(plain.replace("postgres://", "postgresql://", 1))
    except Exception as error:
        raise DatabaseUrlError(f"not a database URL: {mask_url(plain)}") from error
    backend, _, driver = url.drivername.partition("+")
    if backend not in _ASYNC_DRIVERS:
        raise DatabaseUrlError(f"unsupported database {backend!r}: use sqlite or postgresql")
    if not driver:
        url = url.set(drivername=_ASYNC_DRIVERS[backend])
    return url


def mask_url(plain: str) -> str:
    """The URL without its password, for logs and /api/health."""
    try:
        return make_url(plain).render_as_string(hide_password=True)
    except Exception:
        return "<unparseable>"


def is_sqlite(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "sqlite"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Transactions are begun by _sqlite_begin, not by the driver.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    """Take SQLite's write lock at BEGIN: a transaction that reads and then writes can then
    never fail half-way because another writer committed in between."""
    connection.exec_driver_sql("BEGIN IMMEDIATE")


# A pooled connection idle for longer than this is pinged before use; one in steady use is not.
IDLE_PING_SECONDS = 10.0


def _remember_checkin(_dbapi_connection: Any, record: Any) -> None:
    record.info["checked_in_at"] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """`pool_pre_ping` costs a round trip on every checkout, a seventh of a ticket's creation.
    A connection that was just in use is alive; only one that sat idle (the database may have
    restarted meanwhile) is pinged, and a dead one is replaced transparently."""
    idle_since = record.info.get("checked_in_at")
    if idle_since is None or time.monotonic() - idle_since < IDLE_PING_SECONDS:
        return
    try:
        dbapi_connection.ping()
    except Exception as error:
        raise DisconnectionError("pooled connection is gone") from error


def create_engine(plain_url: str, **options: Any) -> AsyncEngine:
    url = async_url(plain_url)
    postgres = url.get_backend_name() == "postgresql"
    if postgres and "poolclass" not in options:
        options.setdefault("pool_size", 10)
        options.setdefault("max_overflow", 10)
    # A failed statement's text would carry its parameters (phones, names, addresses) into
    # the error log and any message built from the error: they are never shown.
    options.setdefault("hide_parameters", True)
    engine = create_async_engine(url, **options)
    if postgres and not options.get("pool_pre_ping"):
        event.listen(engine.sync_engine.pool, "checkin", _remember_checkin)
        event.listen(engine.sync_engine.pool, "checkout", _ping_if_idle)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


def dialect_name(session: AsyncSession) -> str:
    bind = session.bind
    assert bind is not None, "sessions are always bound to the engine"
    return bind.dialect.name


def upsert_insert(session: AsyncSession) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT, for SQLite and PostgreSQL alike."""
    return pg_insert if dialect_name(session) == "postgresql" else sqlite_insert
