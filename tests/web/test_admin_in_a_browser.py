"""The admin pages in real headless Chromium (issue 14, point 16): a staff row is read-only until
"Edit", the header names the person (李娜), not the login; deleting a routing rule asks first and
can be undone, the rule back in its place."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from conftest import LiveServer
from playwright.async_api import Dialog, Page, expect
from web.console import ARTIFACTS, chromium, needs_chromium
from web.console import sign_in_page as sign_in

pytestmark = needs_chromium
# What a person could change in a row.
FIELDS = "input:not([type=hidden]), select"


@pytest.fixture
async def server(live: LiveServer, database_url: str) -> AsyncIterator[LiveServer]:
    if "postgresql" in database_url:
        pytest.skip("a browser journey runs once, on SQLite")
    yield live


async def add_rule(page: Page, ticket_type: str, area: str) -> None:
    form = page.locator('form[action="/admin/routing/add"]')
    await form.locator('select[name="ticket_type"]').select_option(ticket_type)
    await form.locator('input[name="area"]').fill(area)
    await form.locator('select[name="department"]').select_option("hotline")
    await form.locator("button").click()
    await expect(page.locator("p.ok[role=status]")).to_be_visible()


async def rule_areas(page: Page) -> list[str]:
    return [
        await cell.input_value()
        for cell in await page.locator('table.list input[name="area"]').all()
    ]


async def test_the_admin_edits_a_row_on_purpose_and_undoes_a_deleted_rule(
    server: LiveServer,
) -> None:
    async with chromium() as browser:
        page = await browser.new_page(locale="zh-CN", viewport={"width": 1400, "height": 900})
        await sign_in(page, server, "admin", "/admin/users")
        row = page.locator("tr", has=page.locator("code", has_text="admin"))
        # Read-only until "Edit".
        assert await row.locator(FIELDS).count() == 0
        await row.locator("a.edit").click()
        await row.locator('input[name="display_name"]').fill("李娜")
        await row.locator("button.primary").click()
        await expect(page.locator("p.ok[role=status]")).to_be_visible()
        await expect(page.locator("a.who")).to_contain_text("李娜")
        assert "admin ·" not in await page.inner_text("a.who")
        assert await row.locator(FIELDS).count() == 0
        await page.screenshot(path=str(ARTIFACTS / "admin-users-zh.png"), full_page=True)

        await page.goto(f"{server.base_url}/admin/routing")
        await add_rule(page, "repair", "北区")
        await add_rule(page, "outage", "南区")
        assert await rule_areas(page) == ["北区", "南区"]
        first = page.locator("table.list tbody tr").first
        questions: list[str] = []

        async def refuse(dialog: Dialog) -> None:
            questions.append(dialog.message)
            await dialog.dismiss()

        page.once("dialog", refuse)
        await first.locator("button.danger").click()
        assert questions and "删除第 1 条规则" in questions[0]
        assert await rule_areas(page) == ["北区", "南区"]  # nothing deleted on "Cancel"

        async def accept(dialog: Dialog) -> None:
            await dialog.accept()

        page.once("dialog", accept)
        await first.locator("button.danger").click()
        await expect(page.locator("p.ok[role=status]")).to_have_text("规则已删除。")
        assert await rule_areas(page) == ["南区"]
        await page.screenshot(path=str(ARTIFACTS / "admin-routing-deleted-zh.png"), full_page=True)
        await page.locator("form.undo button").click()
        await expect(page.locator("p.ok[role=status]")).to_have_text("规则已恢复到原来的位置。")
        assert await rule_areas(page) == ["北区", "南区"]
        assert await page.locator("form.undo").count() == 0  # offered once
