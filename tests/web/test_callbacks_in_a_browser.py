"""The quality staff's callbacks in real headless Chromium (issue 14, point 12): recording
"reached" keeps the task and its survey form on the tab where the call was made; the survey has
no happy answer chosen for the caller; a user without a phone is told why there is no call
button."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from conftest import FakeClock, LiveServer
from web.console import ARTIFACTS, chromium, needs_chromium
from web.console import sign_in_page as sign_in

pytestmark = needs_chromium

REPAIR = {
    "type": "repair",
    "subtype": "indoor_equipment",
    "address": "北区 光明路 20号",
    "description": "热水器不点火",
    "caller_phone": "13800138000",
}


@pytest.fixture
async def server(live: LiveServer, database_url: str) -> AsyncIterator[LiveServer]:
    if "postgresql" in database_url:
        pytest.skip("a browser journey runs once, on SQLite")
    yield live


async def fixed_repair(server: LiveServer, clock: FakeClock) -> str:
    async with httpx.AsyncClient(base_url=server.base_url, headers=server.auth("sup")) as api:
        created = await api.post("/api/tickets", json=REPAIR)
        assert created.status_code == 201, created.text
        number = str(created.json()["number"])
        for action, body in (("assign", {"assignee": "tech"}), ("start", {}), ("arrive", {})):
            done = await api.post(f"/api/tickets/{number}/actions/{action}", json=body)
            assert done.status_code == 200, done.text
        fixed = await api.post(f"/api/tickets/{number}/actions/fix", json={"note": "换了点火针"})
        assert fixed.status_code == 200, fixed.text
    clock.advance(hours=3)
    return number


async def test_the_survey_stays_where_the_call_was_made_and_asks_every_answer(
    server: LiveServer, clock: FakeClock
) -> None:
    number = await fixed_repair(server, clock)
    async with chromium() as browser:
        page = await browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
        await sign_in(page, server, "qa", "/callbacks")
        why = await page.inner_text("#no-call-button")
        assert "未设置话机接口" in why
        row = page.locator("tr", has_text=number)
        outcome = row.locator('select[name="outcome"]')
        assert await outcome.input_value() == ""  # no outcome chosen for the caller
        await outcome.select_option("reached")
        await row.locator('form[action$="/attempt"] button[type="submit"]').click()
        await page.wait_for_selector("form.survey")
        assert "tab=due" in page.url  # the same tab, not "Reached: survey"
        survey = page.locator("tr", has_text=number).locator("form.survey")
        for name in ("resolved", "on_time"):
            assert await survey.locator(f'input[name="{name}"]:checked').count() == 0
        await survey.locator('input[name="score"]').fill("4")
        await survey.locator('input[name="courtesy"]').fill("5")
        await page.screenshot(path=str(ARTIFACTS / "callbacks-survey-zh.png"), full_page=True)
        # The browser refuses to send it without the two answers; the server too.
        await survey.locator('button[type="submit"]').click()
        assert await page.locator("form.survey").count() == 1
        await survey.locator('input[name="resolved"][value="no"]').check()
        await survey.locator('input[name="on_time"][value="yes"]').check()
        await survey.locator('button[type="submit"]').click()
        await page.wait_for_selector(".notice, .ok")
        assert await page.locator("form.survey").count() == 0
        await page.screenshot(path=str(ARTIFACTS / "callbacks-surveyed-zh.png"), full_page=True)
