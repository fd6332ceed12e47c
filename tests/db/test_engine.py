from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from hotline.db import engine as engine_module
from hotline.db.engine import DatabaseUrlError, async_url, create_engine, mask_url


@pytest.mark.parametrize(
    ("plain", "driver"),
    [
        ("sqlite:///hotline.db", "sqlite+aiosqlite"),
        ("postgresql://hotline@db:5432/hotline", "postgresql+asyncpg"),
        ("postgres://hotline@db/hotline", "postgresql+asyncpg"),
        ("postgresql+asyncpg://hotline@db/hotline", "postgresql+asyncpg"),
    ],
)
def test_plain_urls_get_the_async_driver(plain: str, driver: str) -> None:
    assert async_url(plain).drivername == driver


@pytest.mark.parametrize("bad", ["mysql://root@db/x", "not a url", "oracle://x"])
def test_unsupported_or_garbled_urls_are_refused(bad: str) -> None:
    with pytest.raises(DatabaseUrlError):
        async_url(bad)


def test_passwords_never_show() -> None:
    masked = mask_url("postgresql://hotline:s3cret@db:5432/hotline")
    assert "s3cret" not in masked
    assert masked.startswith("postgresql://hotline:***@db")


async def test_a_pooled_connection_killed_while_idle_is_replaced(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the idle ping guards PostgreSQL's pool; SQLite has no server to lose")
    engine = create_engine(database_url, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as connection:
            first_pid = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        killer = create_engine(database_url, poolclass=NullPool)
        async with killer.connect() as connection:
            await connection.execute(text(f"SELECT pg_terminate_backend({int(first_pid)})"))
        await killer.dispose()
        monkeypatch.setattr(engine_module, "IDLE_PING_SECONDS", 0.0)
        async with engine.connect() as connection:
            second_pid = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        assert second_pid != first_pid
    finally:
        await engine.dispose()


async def test_a_recently_used_connection_is_trusted_without_a_ping(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other half of the bargain: within the idle window there is no ping, so a backend
    killed a moment ago surfaces as one failed statement (and the pool drops that connection)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("the idle ping guards PostgreSQL's pool")
    monkeypatch.setattr(engine_module, "IDLE_PING_SECONDS", 3600.0)
    engine = create_engine(database_url, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as connection:
            pid = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        killer = create_engine(database_url, poolclass=NullPool)
        async with killer.connect() as connection:
            await connection.execute(text(f"SELECT pg_terminate_backend({int(pid)})"))
        await killer.dispose()
        with pytest.raises(DBAPIError):
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        async with engine.connect() as connection:
            assert (await connection.execute(text("SELECT 1"))).scalar_one() == 1
    finally:
        await engine.dispose()


async def test_a_failed_statement_never_shows_its_parameters(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """An error's text goes to the log (and once went into answers): the phone number bound to
    a failed statement must not be in it, on either database."""
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            with pytest.raises(DBAPIError) as failed:
                await connection.execute(
                    text("SELECT * FROM no_such_table WHERE phone = :phone"),
                    {"phone": "+8615900001234"},
                )
    finally:
        await engine.dispose()
    assert "no_such_table" in str(failed.value)
    assert "15900001234" not in str(failed.value)
    assert "15900001234" not in caplog.text
