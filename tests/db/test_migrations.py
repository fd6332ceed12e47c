from __future__ import annotations

import asyncio

from alembic import command
from conftest import SHANGHAI
from sqlalchemy import text

from hotline.db.engine import create_engine, session_factory
from hotline.db.migrate import alembic_config
from hotline.services.rulebook import load_rulebook
from tickets.sla import DEFAULT_POLICIES


async def _policies(url: str) -> set[object]:
    engine = create_engine(url)
    async with session_factory(engine)() as session:
        rulebook = await load_rulebook(session, SHANGHAI)
    await engine.dispose()
    return set(rulebook.policies)


def test_migrated_policies_are_the_regulations_defaults(database_url: str) -> None:
    assert asyncio.run(_policies(database_url)) == set(DEFAULT_POLICIES)


async def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    async with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            query = "SELECT name FROM sqlite_master WHERE type = 'table'"
        else:
            query = "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        names = set((await connection.execute(text(query))).scalars())
    await engine.dispose()
    return names


def test_downgrade_to_base_and_upgrade_again(database_url: str) -> None:
    config = alembic_config(database_url)
    command.downgrade(config, "base")
    assert asyncio.run(_tables(database_url)) <= {"alembic_version"}
    command.upgrade(config, "head")
    assert {"ticket", "sla_clock", "audit_log", "escalation"} <= asyncio.run(_tables(database_url))


def test_migrations_match_the_models(database_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    import hotline.db.tables  # noqa: F401

    async def differences() -> list[object]:
        engine = create_engine(database_url)
        async with engine.connect() as connection:
            diff = await connection.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), SQLModel.metadata)
            )
        await engine.dispose()
        return list(diff)

    assert asyncio.run(differences()) == []
