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


async def test_an_outage_ticket_clocked_from_a_future_start_is_not_shown_running(
    browser: httpx.AsyncClient, clock: FakeClock
) -> None:
    """Joined to a planned outage ten days ahead, the outage ticket's clocks wait for its
    start: the page says when they start instead of counting down (or showing them late)."""
    browser.cookies.update({"lang": "en"})
    await sign_in(browser, "sup")
    start = clock.now + timedelta(days=10)
    incident = await api_post(
        browser,
        "/api/incidents",
        {
            "kind": "planned",
            "cause": "maintenance",
            "title": "北区调压站检修",
            "areas": ["北区"],
            "planned_start": start.isoformat(),
            "planned_end": (start + timedelta(hours=8)).isoformat(),
        },
    )
    ticket = await api_post(
        browser,
        "/api/tickets",
        {"type": "outage", "subtype": "planned", "description": "计划停气", "area": "北区"},
    )
    await api_post(browser, f"/api/incidents/{incident['id']}/links", {"ticket": ticket["number"]})
    page = (await browser.get(f"/tickets/{ticket['number']}")).text
    clocks = re.findall(
        r'<span class="clock (\w+)"[^>]*data-running="(\w+)" data-starts="([^"]*)"', page
    )
    # Handle and restore follow the outage; the ticket's own first response runs from now.
    waiting = [(running, starts) for state, running, starts in clocks if state == "scheduled"]
    assert waiting == [("no", incident["planned_start"])] * 2
    assert [state for state, _r, _s in clocks if state != "scheduled"] == ["running"]
