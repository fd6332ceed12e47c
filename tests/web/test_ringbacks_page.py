"""Ring-backs on the console and the API: the list in dial order for agents, supervisors and
dispatchers (Chinese first), withdrawing one, the gas-smell alarm on the dispatch board, the
admin's policy page, and who hears which live event."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import httpx
from conftest import Api, FakeClock
from web.console import csrf_of, field_errors, sign_in

from hotline.application import ringbacks as cases
from hotline.application.ringbacks import RingbackRequest
from hotline.events import Event
from hotline.services.actor import Actor
from hotline.web.api.events import topics_for, visible_to
from hotline.web.context import AppContext
from tickets.ringbacks import RingbackReason
from tickets.workflow import Role


async def two_callers(context: object, now: datetime) -> tuple[int, int]:
    """A caller who asked to be called back 10 minutes ago, and a gas smell given up now."""
    assert isinstance(context, AppContext)
    asked = await cases.request_ringback(
        context,
        RingbackRequest(
            number="13900139000",
            customer_id=None,
            reason=RingbackReason.VIRTUAL_HOLD,
            ticket_type="repair",
            arrived_at=now - timedelta(minutes=10),
            call_linkedid="1795400000.1",
        ),
    )
    gas = await cases.request_ringback(
        context,
        RingbackRequest(
            number="13800138001",
            customer_id=None,
            reason=RingbackReason.GAS_SMELL_MISSED,
            ticket_type="gas-smell",
            arrived_at=now,
            call_linkedid="1795400000.2",
            queue="emergency",
        ),
    )
    return asked.id, gas.id


async def test_agents_see_who_to_call_back_in_dial_order_and_withdraw_one(
    browser: httpx.AsyncClient, clock: FakeClock
) -> None:
    asked, gas = await two_callers(browser.app_context, clock.now)  # type: ignore[attr-defined]
    await sign_in(browser, "agent")
    page = await browser.get("/ringbacks")
    assert page.status_code == 200
    assert 'href="/ringbacks"' in page.text, "in the agent's menu"
    assert "待回拨的来电" in page.text and "燃气泄漏未接通" in page.text
    order = [int(found) for found in re.findall(r'action="/ringbacks/(\d+)/withdraw"', page.text)]
    assert order == [gas, asked], "gas smell first"
    assert 'class="click-to-call" data-number="+8613900139000"' in page.text
    withdrawn = await browser.post(
        f"/ringbacks/{asked}/withdraw",
        data={"csrf_token": csrf_of(page.text), "note": "客户已到营业厅办理"},
    )
    assert withdrawn.status_code == 303 and withdrawn.headers["location"] == "/ringbacks"
    after = await browser.get("/ringbacks")
    assert "回拨已撤销" in after.text and "客户已到营业厅办理" in after.text
    assert f'action="/ringbacks/{asked}/withdraw"' not in after.text
    again = await browser.post(
        f"/ringbacks/{asked}/withdraw", data={"csrf_token": csrf_of(after.text)}
    )
    assert again.status_code == 409


async def test_technicians_do_not_ring_back(browser: httpx.AsyncClient) -> None:
    await sign_in(browser, "tech")
    page = await browser.get("/ringbacks")
    assert page.status_code == 403 and 'href="/ringbacks"' not in page.text


async def test_the_dispatch_board_raises_the_gas_smell_alarm(
    browser: httpx.AsyncClient, clock: FakeClock
) -> None:
    await two_callers(browser.app_context, clock.now)  # type: ignore[attr-defined]
    await sign_in(browser, "disp")
    board = await browser.get("/dispatch")
    alarm = board.text.split('id="gas-ringbacks"', 1)[1].split("</div>", 1)[0]
    assert "燃气泄漏来电已放弃" in alarm and "+8613800138001" in alarm
    assert "+8613900139000" not in alarm, "only gas smell on the dispatch board"


async def test_admins_set_the_ring_back_policy_within_bounds(browser: httpx.AsyncClient) -> None:
    await sign_in(browser, "admin")
    page = await browser.get("/admin/ringbacks")
    assert page.status_code == 200 and "回拨规则" in page.text
    form = {
        "csrf_token": csrf_of(page.text),
        "missed_call_grace_minutes": "5",
        "retry_minutes": "15",
        "max_attempts": "4",
        "offer_wait_seconds": "120",
        "fresh_minutes": "30",
    }
    saved = await browser.post("/admin/ringbacks", data=form)
    assert saved.status_code == 303
    context = browser.app_context  # type: ignore[attr-defined]
    policy = await cases.ringback_policy(context)
    assert (policy.max_attempts, policy.offer_wait_seconds) == (4, 120)
    assert policy.retry_after == timedelta(minutes=15) and not policy.automatic_dialling
    refused = await browser.post("/admin/ringbacks", data={**form, "max_attempts": "50"})
    assert refused.status_code == 422 and field_errors(refused.text) == ["超出允许范围"]


async def test_the_api_lists_open_and_finished_ring_backs(api: Api, clock: FakeClock) -> None:
    asked, gas = await two_callers(api.app_context, clock.now)
    withdrawn = await api.post("disp", f"/api/ringbacks/{gas}/withdraw", {"note": "调度员已回电"})
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "dropped"
    listed = await api.get("agent", "/api/ringbacks")
    body = listed.json()
    assert [(item["id"], item["place"]) for item in body["open"]] == [(asked, 1)]
    assert body["open"][0]["arrived_at"].endswith("+08:00")
    assert [(item["id"], item["note"]) for item in body["finished"]] == [(gas, "调度员已回电")]
    assert (await api.get("tech", "/api/ringbacks")).status_code == 403
    missing = await api.post("agent", "/api/ringbacks/999/withdraw", {})
    assert missing.status_code == 404


def test_agents_hear_of_ring_backs_and_dispatchers_of_the_gas_smell_alarm() -> None:
    at = datetime(2026, 11, 20)
    agent = Actor(1, "agent", Role.AGENT)
    dispatcher = Actor(2, "disp", Role.DISPATCHER)
    quality = Actor(3, "qa", Role.QUALITY)
    requested = Event("ringback.requested", at, {})
    alarm = Event("ringback.gas_smell", at, {})
    assert visible_to(requested, agent) and visible_to(alarm, agent)
    assert visible_to(alarm, dispatcher) and not visible_to(requested, dispatcher)
    assert not visible_to(alarm, quality)
    assert "ringback" in topics_for(agent) and "ringback.gas_smell" in topics_for(dispatcher)
