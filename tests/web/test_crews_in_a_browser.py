"""The crews page in real headless Chromium (issue 14, point 16): an admin at a desk adds a crew
and changes it on purpose (read-only until "Edit"); deleting asks first — "Cancel" keeps it —
and can be undone, the crew back with its technicians; a supervisor does it on a 390 px phone,
nothing wider than the screen."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from conftest import LiveServer
from playwright.async_api import Dialog, Page, expect
from web.console import ARTIFACTS, chromium, fits_the_phone, needs_chromium
from web.console import sign_in_page as sign_in

pytestmark = needs_chromium
PHONE = {"width": 390, "height": 844}
DESK = {"width": 1400, "height": 900}
FIELDS = "input:not([type=hidden]), select"


@pytest.fixture
async def server(live: LiveServer, database_url: str) -> AsyncIterator[LiveServer]:
    if "postgresql" in database_url:
        pytest.skip("a browser journey runs once, on SQLite")
    yield live


async def add_crew(page: Page, code: str, name: str, areas: str, members: list[str]) -> None:
    form = page.locator('form[action="/admin/crews/add"]')
    await form.locator('input[name="code"]').fill(code)
    await form.locator('input[name="name"]').fill(name)
    await form.locator('input[name="areas"]').fill(areas)
    await form.locator('select[name="members"]').select_option(members)
    await form.locator("button").click()
    await expect(page.locator("p.ok[role=status]")).to_have_text("班组已添加。")


async def delete_and_undo(page: Page, name: str, shot: str) -> None:
    row = page.locator("article.crew-row", has_text=name)
    questions: list[str] = []

    async def refuse(dialog: Dialog) -> None:
        questions.append(dialog.message)
        await dialog.dismiss()

    page.once("dialog", refuse)
    await row.locator("button.danger").click()
    assert questions and f"删除班组 {name}？" in questions[0]
    await expect(row).to_have_count(1)  # "Cancel" deletes nothing

    async def accept(dialog: Dialog) -> None:
        await dialog.accept()

    page.once("dialog", accept)
    await row.locator("button.danger").click()
    await expect(page.locator("p.ok[role=status]")).to_contain_text("已删除")
    await expect(page.locator("article.crew-row", has_text=name)).to_have_count(0)
    await expect(page.locator("form.undo")).to_contain_text("几分钟内有效")
    await page.screenshot(path=str(ARTIFACTS / shot), full_page=True)
    # Still offered after a reload, within the few minutes.
    await page.reload()
    await page.locator("form.undo button").click()
    await expect(page.locator("p.ok[role=status]")).to_have_text("班组已恢复，成员同时恢复。")
    await expect(page.locator("article.crew-row", has_text=name)).to_have_count(1)
    await expect(page.locator("form.undo")).to_have_count(0)


async def test_the_admin_keeps_the_crews_at_a_desk(server: LiveServer) -> None:
    async with chromium() as browser:
        page = await browser.new_page(locale="zh-CN", viewport=DESK)
        await sign_in(page, server, "admin", "/admin/crews")
        await expect(page.locator('nav.views a[href="/admin/crews"]')).to_have_attribute(
            "aria-current", "page"
        )
        await add_crew(page, "north", "北区抢修队", "北区、东区", ["tech"])
        row = page.locator("article.crew-row", has_text="北区抢修队")
        await expect(row).to_contain_text("北区、东区")
        assert await row.locator(FIELDS).count() == 0  # read-only until "Edit"
        await row.locator("a.edit").click()
        await row.locator('input[name="shift_start"]').fill("20:00")
        await row.locator('input[name="shift_end"]').fill("08:00")
        await row.locator('select[name="members"]').select_option(["tech", "tech2"])
        await row.locator("button.primary").click()
        await expect(page.locator("p.ok[role=status]")).to_have_text("已保存。")
        await expect(row).to_contain_text("20:00–08:00")
        await expect(row).to_contain_text("tech2")
        assert await row.locator(FIELDS).count() == 0
        await page.screenshot(path=str(ARTIFACTS / "crews-desk-zh.png"), full_page=True)
        await delete_and_undo(page, "北区抢修队", "crews-deleted-desk-zh.png")
        await expect(page.locator("article.crew-row", has_text="北区抢修队")).to_contain_text(
            "tech2"
        )


async def test_the_supervisor_keeps_the_crews_on_a_phone(server: LiveServer) -> None:
    async with chromium() as browser:
        page = await browser.new_page(locale="zh-CN", viewport=PHONE)
        await sign_in(page, server, "sup", "/admin/crews")
        await expect(page.locator("h1")).to_have_text("班组")
        await add_crew(page, "night", "夜间抢修队", "全市", ["tech2"])
        await fits_the_phone(page)
        await page.screenshot(path=str(ARTIFACTS / "crews-phone-zh.png"), full_page=True)
        await delete_and_undo(page, "夜间抢修队", "crews-deleted-phone-zh.png")
        await fits_the_phone(page)
