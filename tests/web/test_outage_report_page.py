"""The reports page's outage section: a planned outage announced 48 h ahead and restored in the
period shows in the figures, in Chinese first and in English."""

from __future__ import annotations

from datetime import timedelta

import httpx
from conftest import FakeClock
from web.console import sign_in

from hotline.application import incidents as cases
from hotline.services.actor import Actor
from hotline.web.context import AppContext
from tickets.incidents import Cause, Kind, Move, Plan
from tickets.workflow import Role


async def test_the_report_page_shows_the_outages(
    browser: httpx.AsyncClient, clock: FakeClock
) -> None:
    context = browser.app_context  # type: ignore[attr-defined]
    assert isinstance(context, AppContext)
    dispatcher = Actor(0, "disp", Role.DISPATCHER, None)
    start = clock.now + timedelta(days=3)
    plan = Plan(
        Kind.PLANNED,
        Cause.PIPELINE_INSPECTION,
        ("拱墅区",),
        (),
        clock.now,
        start,
        start + timedelta(hours=4),
    )
    incident = await cases.announce(context, dispatcher, plan, title="管网检测")
    assert incident.id is not None
    clock.now = start
    await cases.move(context, dispatcher, incident.id, Move.START)
    clock.advance(hours=3)
    await cases.move(context, dispatcher, incident.id, Move.RESTORE)
    await sign_in(browser, "qa")
    page = await browser.get("/reports", params={"from": "2026-11-01", "to": "2026-11-30"})
    assert page.status_code == 200
    assert "计划停气提前48小时通知率" in page.text
    assert "计划停气1次，非计划停气0次" in page.text
    assert "24小时内恢复供气率" in page.text and "100.0%" in page.text
    english = await browser.get(
        "/reports",
        params={"from": "2026-11-01", "to": "2026-11-30"},
        headers={"Accept-Language": "en"},
    )
    assert "Planned outages announced 48 h ahead" in english.text
    assert "1 planned, 0 unplanned" in english.text
