"""The ticket page shows what the SLA rules decided (issue 12): what a paused ticket waits for
(point 5) and an escalation the back-dated facts showed never happened, marked withdrawn
(point 7). A clock under a target looser than the rules is in tests/web/test_admin_sla_rules.py."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from conftest import FakeClock
from web.console import csrf_of, sign_in

from hotline.web.context import AppContext


async def api_post(
    browser: httpx.AsyncClient, path: str, body: dict[str, object]
) -> dict[str, object]:
    token = csrf_of((await browser.get("/tickets")).text)
    response = await browser.post(path, json=body, headers={"X-CSRF-Token": token})
    assert response.status_code in (200, 201), response.text
    return dict(response.json())


async def started_repair(browser: httpx.AsyncClient, **fields: object) -> str:
    body = {"type": "repair", "subtype": "network_fault", "description": "管网压力不足"}
    body["address"] = "北区幸福路 8 号"
    created = await api_post(browser, "/api/tickets", {**body, **fields, "assignee": "sup"})
    return str(created["number"])


async def test_a_paused_ticket_shows_what_it_waits_for(browser: httpx.AsyncClient) -> None:
    browser.cookies.update({"lang": "en"})
    await sign_in(browser, "sup")
    number = await started_repair(browser)
    await api_post(browser, f"/api/tickets/{number}/actions/start", {})
    await api_post(browser, f"/api/tickets/{number}/actions/pause", {"reason": "等客户回家开门"})
    page = (await browser.get(f"/tickets/{number}")).text
    assert "Waiting for the customer" in page
    assert '<dd class="waiting-for">等客户回家开门</dd>' in page


async def test_an_escalation_the_facts_took_back_is_shown_withdrawn(
    browser: httpx.AsyncClient, clock: FakeClock
) -> None:
    browser.cookies.update({"lang": "en"})
    await sign_in(browser, "sup")
    received = clock.now - timedelta(hours=50)
    number = await started_repair(browser, received_at=received.isoformat())
    context = browser.app_context  # type: ignore[attr-defined]
    assert isinstance(context, AppContext)
    assert await context.scheduler.sweep_once() == 4  # handle and fix: warned, breached
    arrived = (received + timedelta(hours=1)).isoformat()
    await api_post(browser, f"/api/tickets/{number}/actions/arrive", {"at": arrived})
    fixed = (received + timedelta(hours=2)).isoformat()
    await api_post(browser, f"/api/tickets/{number}/actions/fix", {"at": fixed, "note": "修复"})
    page = (await browser.get(f"/tickets/{number}")).text
    escalations = re.findall(r'<li class="escalation">.*?</li>', page, re.S)
    assert len(escalations) == 4
    assert all('<strong class="withdrawn">withdrawn</strong>: met at' in e for e in escalations)
