"""`/admin/crews` over HTTP, on SQLite and PostgreSQL: for those who may administer crews only;
a crew added, its faults all shown next to their fields, changed, deleted (its technicians
freed, off the board) and restored within the few minutes — not after — each change audited."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from conftest import FakeClock
from sqlmodel import col, select
from web.console import csrf_of, field_errors, sign_in

from hotline.db.tables import AuditEntry, Crew, CrewMember
from hotline.web.context import AppContext

NORTH = {
    "code": "north",
    "name": "北区抢修队",
    "areas": "北区、东区",
    "shift_start": "08:00",
    "shift_end": "20:00",
    "members": ["tech"],
}


def context_of(browser: httpx.AsyncClient) -> AppContext:
    context = browser.app_context  # type: ignore[attr-defined]
    assert isinstance(context, AppContext)
    return context


async def post(browser: httpx.AsyncClient, action: str, data: dict[str, Any]) -> httpx.Response:
    token = csrf_of((await browser.get("/admin/crews")).text)
    return await browser.post(action, data={"csrf_token": token, **data})


async def crew_id(browser: httpx.AsyncClient, code: str) -> int:
    async with context_of(browser).sessions() as session:
        crew = (await session.exec(select(Crew).where(col(Crew.code) == code))).one()
    assert crew.id is not None
    return crew.id


async def members_of(browser: httpx.AsyncClient, code: str) -> list[int]:
    identifier = await crew_id(browser, code)
    async with context_of(browser).sessions() as session:
        rows = await session.exec(
            select(CrewMember.user_id).where(CrewMember.crew_id == identifier)
        )
        return list(rows.all())


@pytest.mark.parametrize("user", ["agent", "disp", "tech", "qa"])
async def test_only_crew_admins_use_the_page(browser: httpx.AsyncClient, user: str) -> None:
    await sign_in(browser, user)
    assert (await browser.get("/admin/crews")).status_code == 403
    assert 'href="/admin/crews"' not in (await browser.get("/tickets")).text
    token = csrf_of((await browser.get("/tickets")).text)
    refused = await browser.post("/admin/crews/add", data={"csrf_token": token, **NORTH})
    assert refused.status_code == 403
    async with context_of(browser).sessions() as session:
        assert (await session.exec(select(Crew))).all() == []


async def test_a_supervisor_finds_the_page_in_the_navigation(browser: httpx.AsyncClient) -> None:
    await sign_in(browser, "sup")
    assert 'href="/admin/crews"' in (await browser.get("/tickets")).text
    assert (await browser.get("/admin/crews")).status_code == 200


async def test_a_crew_is_added_changed_deleted_and_restored(
    browser: httpx.AsyncClient, clock: FakeClock
) -> None:
    await sign_in(browser, "admin")
    refused = await post(
        browser,
        "/admin/crews/add",
        {"code": "North Crew", "name": " ", "areas": "", "shift_start": "25:00", "shift_end": "8"},
    )
    assert refused.status_code == 422
    assert len(field_errors(refused.text)) == 5  # every fault at once, next to its field
    assert 'value="North Crew"' in refused.text  # what was typed stays
    added = await post(browser, "/admin/crews/add", NORTH)
    assert added.status_code == 303
    page = (await browser.get("/admin/crews")).text
    assert "北区抢修队" in page and "北区、东区" in page and "08:00–20:00" in page
    # Read-only until "Edit".
    assert 'name="areas" required value=' not in page
    identifier = await crew_id(browser, "north")
    edit = (await browser.get(f"/admin/crews?edit={identifier}")).text
    assert f'form="crew-{identifier}" name="areas"' in edit
    taken = await post(browser, "/admin/crews/add", {**NORTH, "members": []})
    assert taken.status_code == 409 and "已有班组使用此编号" in taken.text
    changed = await post(
        browser,
        f"/admin/crews/{identifier}/update",
        {
            **NORTH,
            "name": "北区夜班",
            "shift_start": "20:00",
            "shift_end": "08:00",
            "members": ["tech", "tech2"],
        },
    )
    assert changed.status_code == 303
    assert len(await members_of(browser, "north")) == 2

    page = (await browser.get("/admin/crews")).text
    assert 'data-confirm="删除班组 北区夜班？' in page
    deleted = await post(browser, f"/admin/crews/{identifier}/delete", {})
    assert deleted.status_code == 303
    page = (await browser.get("/admin/crews")).text
    assert "北区夜班" not in page.split('class="row-form undo"')[0]
    assert 'action="/admin/crews/restore"' in page
    assert await members_of(browser, "north") == []
    # Meanwhile tech2 joins another crew: he stays there when the crew comes back.
    await post(browser, "/admin/crews/add", {**NORTH, "code": "south", "members": ["tech2"]})
    clock.advance(minutes=4)
    restored = await post(browser, "/admin/crews/restore", {})
    assert restored.status_code == 303
    page = (await browser.get("/admin/crews")).text
    assert "班组已恢复；tech2 已加入其他班组，仍留在那里。" in page
    assert len(await members_of(browser, "north")) == 1
    assert 'action="/admin/crews/restore"' not in page  # taken once

    await post(browser, f"/admin/crews/{identifier}/delete", {})
    clock.advance(minutes=6)
    assert 'action="/admin/crews/restore"' not in (await browser.get("/admin/crews")).text
    late = await post(browser, "/admin/crews/restore", {})
    assert late.status_code == 409 and "撤销时限已过" in late.text
    async with context_of(browser).sessions() as session:
        audit = await session.exec(
            select(AuditEntry.entity_key, AuditEntry.action)
            .where(col(AuditEntry.entity) == "crew")
            .order_by(col(AuditEntry.id))
        )
        assert audit.all() == [
            ("north", "create"),
            ("north", "update"),
            ("north", "delete"),
            ("south", "create"),
            ("north", "restore"),
            ("north", "delete"),
        ]
