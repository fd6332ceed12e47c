"""Confidential complaints and ownership over real HTTP (issue 13, points 1-4): staff named in a
complaint take no part in it and learn nothing of the complainant — not from the live feed, the
customer's file, the call, nor a search —, and work orders are their technicians' own."""

from __future__ import annotations

import httpx
import pytest
from conftest import Api, FakeClock, LiveServer, add_customer
from test_calls import call, log_calls
from test_live_feed import first_event

COMPLAINANT_PHONE = "15900123456"
COMPLAINT = {
    "type": "complaint",
    "description": "维修员上门态度恶劣",
    "caller_phone": COMPLAINANT_PHONE,
    "caller_name": "张三",
    "address": "幸福路8号",
    "area": "东区",
    "named_staff": ["tech", "qa", "sup"],
}
REPAIR = {
    "type": "repair",
    "subtype": "network_fault",
    "description": "小区管网压力不足",
    "caller_phone": "13812345678",
    "address": "北区幸福路 8 号",
}
# Every workflow action, each with what it needs, tried by those the complaint names.
ACTIONS: dict[str, dict[str, object]] = {
    "assign": {"assignee": "agent2"},
    "start": {},
    "pause": {"reason": "等投诉人提供照片"},
    "resume": {},
    "reply": {"note": "已向投诉人说明处理意见"},
    "extend": {
        "due_at": "2026-12-31T18:00:00+08:00",
        "reason": "需调查",
        "agreed_via": "电话",
    },
    "arrive": {},
    "fix": {"note": "更换调压器"},
    "resolve": {},
    "feedback": {},
    "close": {},
    "reopen": {"reason": "投诉人不满意"},
    "mark_special": {"special_reason": "research"},
}


async def _create(api: Api, body: dict[str, object], user: str = "agent") -> str:
    response = await api.post(user, "/api/tickets", body)
    assert response.status_code == 201, response.text
    return str(response.json()["number"])


async def _act(
    api: Api, user: str, number: str, action: str, body: dict[str, object] | None = None
) -> httpx.Response:
    return await api.post(user, f"/api/tickets/{number}/actions/{action}", body or {})


async def _done(api: Api, user: str, number: str, action: str, **body: object) -> None:
    response = await _act(api, user, number, action, body)
    assert response.status_code == 200, response.text


async def _resolved_complaint(api: Api) -> str:
    """A complaint naming tech, qa and sup, handled by the admin up to its resolution."""
    number = await _create(api, COMPLAINT)
    await _done(api, "admin", number, "assign", assignee="agent2")
    await _done(api, "admin", number, "start")
    await _done(api, "admin", number, "reply", note="已答复")
    await _done(api, "admin", number, "resolve")
    return number


# Point 1: the live feed.


async def _create_on(live: LiveServer, body: dict[str, object]) -> None:
    async with httpx.AsyncClient(base_url=live.base_url) as client:
        response = await client.post("/api/tickets", json=body, headers=live.auth("agent"))
        assert response.status_code == 201, response.text


async def test_a_new_complaint_never_reaches_the_feed_of_staff_it_names(live: LiveServer) -> None:
    async def create() -> None:
        await _create_on(live, COMPLAINT)

    assert await first_event(live, "tech", "ticket.created", create, timeout=1.5) is None


async def test_others_hear_of_a_new_complaint_without_what_leads_to_the_complainant(
    live: LiveServer,
) -> None:
    async def create() -> None:
        await _create_on(live, COMPLAINT)

    seen = await first_event(live, "tech2", "ticket.created", create)
    assert seen is not None
    assert seen["data"]["ticket"]["type"] == "complaint"
    assert "area" not in seen["data"]["ticket"]
    assert "_access" not in seen["data"]
    # Who reads complaints hears of it in full.
    read = await first_event(live, "admin", "ticket.created", create)
    assert read is not None and read["data"]["ticket"]["area"] == "东区"


async def test_a_named_supervisor_hears_nothing_of_the_complaint_being_worked(
    live: LiveServer,
) -> None:
    async with httpx.AsyncClient(base_url=live.base_url) as client:
        created = await client.post("/api/tickets", json=COMPLAINT, headers=live.auth("agent"))
        number = created.json()["number"]

        async def assign() -> None:
            response = await client.post(
                f"/api/tickets/{number}/actions/assign",
                json={"assignee": "agent2"},
                headers=live.auth("admin"),
            )
            assert response.status_code == 200, response.text

        assert await first_event(live, "sup", "ticket.updated", assign, timeout=1.5) is None
        assert await first_event(live, "disp", "ticket.updated", assign) is not None


async def _resolved_complaint_on(live: LiveServer) -> str:
    """`_resolved_complaint` on the live server: a complaint naming tech, qa and sup."""
    async with httpx.AsyncClient(base_url=live.base_url) as client:
        created = await client.post("/api/tickets", json=COMPLAINT, headers=live.auth("agent"))
        number = str(created.json()["number"])
        steps: list[tuple[str, dict[str, object]]] = [
            ("assign", {"assignee": "agent2"}),
            ("start", {}),
            ("reply", {"note": "已答复"}),
            ("resolve", {}),
        ]
        for action, body in steps:
            response = await client.post(
                f"/api/tickets/{number}/actions/{action}", json=body, headers=live.auth("admin")
            )
            assert response.status_code == 200, response.text
    return number


async def test_a_named_supervisor_hears_nothing_of_the_complaints_breaches(
    live: LiveServer, clock: FakeClock
) -> None:
    """sla.* carry the ticket's number, type and department: a breach goes to every
    supervisor, except the one the complaint names."""
    scheduler = live.app_context.scheduler  # type: ignore[attr-defined]

    async def breach() -> None:
        await _create_on(live, COMPLAINT)
        clock.advance(days=30)
        assert await scheduler.sweep_once() > 0

    assert await first_event(live, "sup", "sla.breach", breach, timeout=1.5) is None
    seen = await first_event(live, "disp", "sla.breach", breach)
    assert seen is not None and "_access" not in seen["data"]


async def test_named_quality_staff_hear_nothing_of_the_complaints_callback(
    live: LiveServer, clock: FakeClock
) -> None:
    scheduler = live.app_context.scheduler  # type: ignore[attr-defined]

    async def fall_due() -> None:
        await _resolved_complaint_on(live)
        clock.advance(days=3)
        assert await scheduler.offer_callbacks_once() > 0

    assert await first_event(live, "qa", "callback.due", fall_due, timeout=1.5) is None
    seen = await first_event(live, "admin", "callback.due", fall_due)
    assert seen is not None and "_access" not in seen["data"]


# Point 2: the mask is not undone.


async def test_a_masked_complaint_carries_no_customer_id_nor_call(api: Api) -> None:
    customer_id = await add_customer(
        api.app_context,  # type: ignore[arg-type]
        account="A-100",
        name="张三",
        phone=COMPLAINANT_PHONE,
        address="幸福路8号",
        area="东区",
    )
    await log_calls(api, call("200.1", 0, caller=f"+86{COMPLAINANT_PHONE}"))
    number = await _create(api, {**COMPLAINT, "customer_id": customer_id, "call_linkedid": "200.1"})
    for reader in ("tech2", "disp", "tech"):
        ticket = (await api.get(reader, f"/api/tickets/{number}")).json()
        assert ticket["customer"]["id"] is None, reader
        assert ticket["call_linkedid"] is None, reader
        assert COMPLAINANT_PHONE not in str(ticket), reader
    # The customer's file does not lead to the complaint; the call is refused.
    for reader in ("tech2", "tech"):
        file = (await api.get(reader, f"/api/customers/{customer_id}")).json()
        assert number not in str(file), reader
        assert (await api.get(reader, "/api/calls/200.1")).status_code == 403, reader
        listed = (await api.get(reader, "/api/calls")).json()["items"]
        assert COMPLAINANT_PHONE not in str(listed), reader
    # Those who may see the complainant follow both.
    ticket = (await api.get("admin", f"/api/tickets/{number}")).json()
    assert (ticket["customer"]["id"], ticket["call_linkedid"]) == (customer_id, "200.1")
    file = (await api.get("admin", f"/api/customers/{customer_id}")).json()
    assert number in [brief["number"] for brief in file["open_tickets"]]
    assert (await api.get("admin", "/api/calls/200.1")).status_code == 200
    listed = (await api.get("admin", "/api/calls")).json()["items"]
    assert [call["caller"] for call in listed] == [f"+86{COMPLAINANT_PHONE}"]


@pytest.mark.parametrize("text", ["1590012", "张三", "幸福路8"])
async def test_a_search_finds_no_complaint_by_what_the_searcher_may_not_see(
    api: Api, text: str
) -> None:
    number = await _create(api, COMPLAINT)

    async def found(user: str, words: str) -> list[str]:
        response = await api.get(user, "/api/tickets", text=words)
        assert response.status_code == 200, response.text
        return [item["number"] for item in response.json()["items"]]

    assert await found("tech2", text) == []
    assert await found("tech", text) == []
    assert await found("admin", text) == [number]
    assert await found("agent", text) == [number]  # who took it
    # The description is searched by all but the named; the number by all.
    assert await found("tech2", "态度恶劣") == [number]
    assert await found("tech", "态度恶劣") == []
    assert await found("tech", number) == [number]


# Point 3: recusal.


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("named", ["qa", "sup"])
async def test_staff_named_in_a_complaint_take_no_action_on_it(
    api: Api, named: str, action: str
) -> None:
    number = await _create(api, COMPLAINT)
    await _done(api, "admin", number, "assign", assignee="agent2")
    response = await _act(api, named, number, action, ACTIONS[action])
    assert response.status_code == 403, response.text
    assert (await api.get("admin", f"/api/tickets/{number}")).json()["assignee"] == "agent2"


async def test_staff_named_in_a_complaint_see_neither_complainant_nor_description(
    api: Api,
) -> None:
    number = await _create(api, COMPLAINT)
    await _done(api, "admin", number, "assign", assignee="agent2")
    await _done(api, "admin", number, "start")
    await _done(api, "admin", number, "reply", note="已答复投诉人张三")
    for named in ("sup", "qa", "tech"):
        ticket = (await api.get(named, f"/api/tickets/{number}")).json()
        assert ticket["description"] == "***", named
        assert ticket["caller_name"] == "***" and ticket["address"] == "***", named
        assert COMPLAINANT_PHONE not in str(ticket), named
        assert "张三" not in str(ticket), named
        assert ticket["allowed_actions"] == [], named


async def test_nobody_hands_a_complaint_to_staff_it_names(api: Api) -> None:
    number = await _create(api, COMPLAINT)
    for named in ("tech", "qa", "sup"):
        response = await _act(api, "admin", number, "assign", {"assignee": named})
        assert response.status_code == 422, response.text
        assert "assignee" in response.json()["error"]["fields"]


async def test_staff_named_in_a_complaint_take_no_part_in_its_callback(api: Api) -> None:
    number = await _resolved_complaint(api)
    listed = await api.get("admin", "/api/callbacks", ticket=number)
    [task] = listed.json()["items"]
    path = f"/api/callbacks/{task['id']}"
    assert (await api.post("qa", f"{path}/assign", {"assignee": "qa"})).status_code == 403
    handed = await api.post("admin", f"{path}/assign", {"assignee": "qa"})
    assert handed.status_code == 422, handed.text
    attempt = await api.post("qa", f"{path}/attempts", {"outcome": "reached"})
    assert attempt.status_code == 403, attempt.text
    survey = await api.post(
        "sup",
        f"{path}/survey",
        {"score": 1, "resolved": False, "on_time": False, "courtesy": 1},
    )
    assert survey.status_code == 403, survey.text
    assert (await api.get("admin", f"/api/tickets/{number}")).json()["status"] == "resolved"


# Point 4: ownership.


async def test_technicians_act_only_on_their_own_work_orders(api: Api) -> None:
    number = await _create(api, REPAIR)
    await _done(api, "disp", number, "assign", assignee="tech")
    for action in ("start", "arrive"):
        assert (await _act(api, "tech2", number, action)).status_code == 403, action
    await _done(api, "tech", number, "start")
    assert (await _act(api, "tech2", number, "fix", {"note": "x"})).status_code == 403
    await _done(api, "tech", number, "fix", note="更换调压器")
    assert (await _act(api, "tech2", number, "resolve")).status_code == 403


async def test_quality_staff_neither_resolve_nor_reopen_a_work_order(api: Api) -> None:
    number = await _create(api, REPAIR)
    await _done(api, "disp", number, "assign", assignee="tech")
    await _done(api, "tech", number, "start")
    await _done(api, "tech", number, "fix", note="更换调压器")
    assert (await _act(api, "qa", number, "resolve")).status_code == 403
    await _done(api, "tech", number, "resolve")
    assert (await _act(api, "qa", number, "reopen", {"reason": "x"})).status_code == 403


async def test_an_agent_does_not_close_another_departments_complaint(api: Api) -> None:
    number = await _create(api, {**COMPLAINT, "named_staff": []})
    await _done(api, "admin", number, "assign", assignee="agent2")
    await _done(api, "admin", number, "start")
    await _done(api, "admin", number, "reply", note="已答复")
    await _done(api, "admin", number, "resolve")
    await _done(api, "admin", number, "feedback")
    response = await _act(api, "agent", number, "close")
    assert response.status_code == 403, response.text
    # The agent who holds it closes it.
    await _done(api, "agent2", number, "close")
