"""Crews through their use cases, on SQLite and PostgreSQL: only crew admins change them; a
deleted crew leaves the dispatch board and frees its technicians, kept for the record; restored
as it was, less those who joined another crew meanwhile."""

from __future__ import annotations

import pytest
from conftest import actor_named
from sqlmodel import col, select

from hotline.application import dispatch as dispatch_cases
from hotline.application.unit import CoreServices
from hotline.db.tables import Crew
from hotline.services import crews, dispatch
from hotline.services.errors import Conflict, Forbidden, Invalid
from tickets.crews import CrewForm

NORTH = CrewForm("北区抢修队", ("北区",), "08:00", "20:00")


async def add(core: CoreServices, code: str, members: list[str]) -> Crew:
    admin = await actor_named(core, "admin")
    return await dispatch_cases.create_crew(
        core,
        admin,
        code=code,
        name=NORTH.name,
        areas=list(NORTH.areas),
        members=members,
        shift=(NORTH.shift_start, NORTH.shift_end),
    )


async def on_the_board(core: CoreServices) -> list[str]:
    rulebook = await core.rulebooks.get()
    async with core.sessions() as session:
        board = await dispatch.board(session, rulebook, core.clock(), core.settings.timezone)
    return [day.crew.code for day in board.crews]


async def test_only_crew_admins_change_crews(core: CoreServices) -> None:
    crew = await add(core, "north", ["tech"])
    assert crew.id is not None
    for name in ("disp", "agent", "tech"):
        actor = await actor_named(core, name)
        with pytest.raises(Forbidden):
            await dispatch_cases.delete_crew(core, actor, crew.id)
        with pytest.raises(Forbidden):
            await dispatch_cases.update_crew(core, actor, crew.id, NORTH, [])
    supervisor = await actor_named(core, "sup")
    changed = await dispatch_cases.update_crew(
        core,
        supervisor,
        crew.id,
        CrewForm("北区夜班", ("北区", "东区"), "20:00", "08:00"),
        ["tech"],
    )
    assert (changed.name, changed.areas, changed.shift_start) == (
        "北区夜班",
        ["北区", "东区"],
        "20:00",
    )


async def test_a_crew_refuses_what_is_not_a_technician_or_taken(core: CoreServices) -> None:
    await add(core, "north", ["tech"])
    with pytest.raises(Invalid) as not_technician:
        await add(core, "south", ["agent"])
    assert not_technician.value.fields == {"members": "only technicians work in a crew"}
    with pytest.raises(Conflict) as taken:
        await add(core, "south", ["tech"])
    assert taken.value.fields == {"members": "a technician chosen is in another crew already"}
    with pytest.raises(Conflict):
        await add(core, "north", [])


async def test_deleted_off_the_board_and_restored_as_it_was(core: CoreServices) -> None:
    crew = await add(core, "north", ["tech", "tech2"])
    assert crew.id is not None
    admin = await actor_named(core, "admin")
    removed = await dispatch_cases.delete_crew(core, admin, crew.id)
    assert removed.members == ["tech", "tech2"]
    assert await on_the_board(core) == []
    async with core.sessions() as session:
        assert [listed.crew.code for listed in await crews.list_crews(session)] == []
        kept = (await session.exec(select(Crew).where(col(Crew.code) == "north"))).one()
        assert not kept.active  # its visits still name it
    await add(core, "south", ["tech2"])  # freed: he joins another crew
    assert await dispatch_cases.restore_crew(core, admin, removed) == ["tech2"]
    assert sorted(await on_the_board(core)) == ["north", "south"]
    async with core.sessions() as session:
        listed = {item.crew.code: item for item in await crews.list_crews(session)}
    assert [user.username for user in listed["north"].members] == ["tech"]
    with pytest.raises(Conflict):
        await dispatch_cases.restore_crew(core, admin, removed)  # not deleted any more
    # The code of a deleted crew brings that crew back.
    await dispatch_cases.delete_crew(core, admin, crew.id)
    again = await add(core, "north", [])
    assert again.id == crew.id and again.active
