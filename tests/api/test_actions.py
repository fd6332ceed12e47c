"""POST /api/tickets/{number}/actions/{action}: the workflow through the API."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from conftest import Api, FakeClock
from sqlalchemy import text

REPAIR = {
    "type": "repair",
    "subtype": "network_fault",
    "description": "小区管网压力不足",
    "caller_phone": "13812345678",
    "address": "北区 光明路 20号",
}
COMPLAINT = {
    "type": "complaint",
    "description": "维修员迟到",
    "caller_phone": "13987654321",
    "named_staff": ["tech"],
}


async def _create(api: Api, body: dict[str, object], user: str = "agent") -> str:
    response = await api.post(user, "/api/tickets", body)
    assert response.status_code == 201, response.text
    return str(response.json()["number"])


async def _act(
    api: Api, user: str, number: str, action: str, body: dict[str, object] | None = None
) -> dict[str, object]:
    response = await api.post(user, f"/api/tickets/{number}/actions/{action}", body or {})
    assert response.status_code == 200, response.text
    return dict(response.json())


def _clock(ticket: dict[str, object], name: str) -> dict[str, object]:
    clocks = ticket["clocks"]
    assert isinstance(clocks, list)
    return next(c for c in clocks if c["name"] == name)


async def test_repair_runs_from_call_to_close(api: Api, clock: FakeClock) -> None:
    number = await _create(api, REPAIR)
    ticket = await _act(api, "disp", number, "assign", {"assignee": "tech"})
    assert ticket["status"] == "assigned" and ticket["assignee"] == "tech"
    clock.advance(minutes=10)
    assert (await _act(api, "tech", number, "start"))["status"] == "in_progress"
    clock.advance(hours=1)
    ticket = await _act(api, "tech", number, "arrive")
    assert _clock(ticket, "handle")["state"] == "met"
    clock.advance(hours=2)
    ticket = await _act(api, "tech", number, "fix", {"note": "更换调压器"})
    assert _clock(ticket, "fix")["state"] == "met"
    ticket = await _act(api, "disp", number, "resolve")
    assert ticket["status"] == "resolved"
    feedback = _clock(ticket, "feedback")
    assert feedback["state"] == "running"
    ticket = await _act(api, "agent", number, "feedback", {"note": "已电话告知客户"})
    assert _clock(ticket, "feedback")["state"] == "met"
    ticket = await _act(api, "agent", number, "close")
    assert ticket["status"] == "closed"
    history = ticket["history"]
    assert isinstance(history, list)
    assert [entry["action"] for entry in history] == [
        "create",
        "assign",
        "start",
        "arrive",
        "fix",
        "resolve",
        "feedback",
        "close",
    ]
    assign = history[1]
    assert assign["actor"] == "disp"
    assert assign["before"]["assignee"] is None and assign["after"]["assignee"] == "tech"
    assert assign["before"]["status"] == "new" and assign["after"]["status"] == "assigned"


async def test_action_not_allowed_now_is_a_409_naming_the_allowed(api: Api) -> None:
    number = await _create(api, REPAIR)
    response = await api.post("disp", f"/api/tickets/{number}/actions/fix", {})
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "conflict"
    assert error["allowed"] == ["assign"]


async def test_role_that_may_never_take_an_action_is_a_403(api: Api) -> None:
    number = await _create(api, REPAIR)
    response = await api.post("tech", f"/api/tickets/{number}/actions/close", {})
    assert response.status_code == 403


async def test_unknown_action_and_unknown_ticket(api: Api) -> None:
    number = await _create(api, REPAIR)
    unknown_action = await api.post("sup", f"/api/tickets/{number}/actions/explode", {})
    unknown_ticket = await api.post("sup", "/api/tickets/BX-20261120-0999/actions/start", {})
    assert unknown_action.status_code == 422
    assert "action" in unknown_action.json()["error"]["fields"]
    assert unknown_ticket.status_code == 404


async def test_repair_cannot_be_resolved_before_the_fix(api: Api) -> None:
    number = await _create(api, REPAIR)
    await _act(api, "disp", number, "assign", {"assignee": "tech"})
    await _act(api, "tech", number, "start")
    response = await api.post("disp", f"/api/tickets/{number}/actions/resolve", {})
    assert response.status_code == 409
    assert "fix" in response.json()["error"]["allowed"]


async def test_waiting_for_the_customer_moves_the_due_time(api: Api, clock: FakeClock) -> None:
    number = await _create(api, REPAIR)
    await _act(api, "disp", number, "assign", {"assignee": "tech"})
    ticket = await _act(api, "tech", number, "start")
    due_before = datetime.fromisoformat(str(_clock(ticket, "handle")["due_at"]))
    ticket = await _act(api, "tech", number, "pause", {"reason": "客户不在家，约定改时"})
    assert ticket["status"] == "waiting_customer"
    assert _clock(ticket, "handle")["state"] == "paused"
    clock.advance(hours=3)
    ticket = await _act(api, "tech", number, "resume")
    handle = _clock(ticket, "handle")
    assert handle["state"] == "running"
    assert handle["paused_seconds"] == 3 * 3600
    assert datetime.fromisoformat(str(handle["due_at"])) == due_before + timedelta(hours=3)


async def test_pause_needs_a_reason(api: Api) -> None:
    number = await _create(api, REPAIR)
    await _act(api, "disp", number, "assign", {"assignee": "tech"})
    await _act(api, "tech", number, "start")
    response = await api.post("tech", f"/api/tickets/{number}/actions/pause", {})
    assert response.status_code == 422
    assert "reason" in response.json()["error"]["fields"]


async def test_appointment_replaces_the_handle_clock(api: Api, clock: FakeClock) -> None:
    number = await _create(api, {**REPAIR, "subtype": "indoor_equipment"})
    window = {
        "start": (clock.now + timedelta(days=1)).isoformat(),
        "end": (clock.now + timedelta(days=1, hours=2)).isoformat(),
    }
    ticket = await _act(
        api,
        "disp",
        number,
        "assign",
        {"assignee": "tech", "appointment": window, "customer_agreed": True},
    )
    handle = _clock(ticket, "handle")
    assert handle["basis"] == "appointment"
    assert datetime.fromisoformat(str(handle["due_at"])) == clock.now + timedelta(days=1, hours=2)
    assert ticket["appointment"] is not None


async def test_complaint_named_staff_cannot_handle_it(api: Api) -> None:
    number = await _create(api, COMPLAINT)
    response = await api.post("sup", f"/api/tickets/{number}/actions/assign", {"assignee": "tech"})
    assert response.status_code == 422
    assert "assignee" in response.json()["error"]["fields"]
    ticket = await _act(api, "sup", number, "assign", {"assignee": "qa"})
    assert ticket["assignee"] == "qa"


async def test_complaint_extension_keeps_the_original_deadline(api: Api) -> None:
    number = await _create(api, COMPLAINT)
    await _act(api, "sup", number, "assign", {"assignee": "qa"})
    ticket = await _act(
        api,
        "qa",
        number,
        "extend",
        {"due_date": "2026-12-10", "reason": "需第三方检测，投诉人同意", "agreed_via": "电话"},
    )
    reply = _clock(ticket, "reply")
    assert reply["due_at"] == "2026-12-11T00:00:00+08:00"
    # Received Fri 11-20: Mon 23 … Fri 27 are the five working days.
    assert reply["original_due_at"] == "2026-11-28T00:00:00+08:00"
    assert reply["basis"] == "extension"
    assert reply["extension_reason"] == "需第三方检测，投诉人同意"


async def test_extension_needs_a_later_date_and_a_reason(api: Api) -> None:
    number = await _create(api, COMPLAINT)
    await _act(api, "sup", number, "assign", {"assignee": "qa"})
    earlier = await api.post(
        "qa",
        f"/api/tickets/{number}/actions/extend",
        {"due_date": "2026-11-21", "reason": "x", "agreed_via": "电话"},
    )
    no_reason = await api.post(
        "qa",
        f"/api/tickets/{number}/actions/extend",
        {"due_date": "2026-12-10", "agreed_via": "电话"},
    )
    assert earlier.status_code == 422 and "due_at" in earlier.json()["error"]["fields"]
    assert no_reason.status_code == 422 and "reason" in no_reason.json()["error"]["fields"]


async def test_complaint_must_be_replied_before_it_is_resolved(api: Api) -> None:
    number = await _create(api, COMPLAINT)
    await _act(api, "sup", number, "assign", {"assignee": "qa"})
    await _act(api, "qa", number, "start")
    refused = await api.post("qa", f"/api/tickets/{number}/actions/resolve", {})
    assert refused.status_code == 409
    await _act(api, "qa", number, "reply", {"note": "已向投诉人说明处理意见"})
    assert (await _act(api, "qa", number, "resolve"))["status"] == "resolved"


async def test_reopen_brings_a_resolved_ticket_back(api: Api) -> None:
    number = await _create(api, {"type": "consultation", "description": "咨询开户"})
    await _act(api, "agent", number, "assign", {"assignee": "agent"})
    await _act(api, "agent", number, "start")
    ticket = await _act(api, "agent", number, "resolve")
    assert _clock(ticket, "reply")["state"] == "met"
    ticket = await _act(api, "agent", number, "reopen", {"reason": "客户再次来电"})
    assert ticket["status"] == "assigned"
    assert all(c["name"] != "feedback" for c in ticket["clocks"])  # type: ignore[union-attr]


async def test_field_event_recorded_after_the_fact(api: Api, clock: FakeClock) -> None:
    number = await _create(api, REPAIR)
    await _act(api, "disp", number, "assign", {"assignee": "tech"})
    await _act(api, "tech", number, "start")
    clock.advance(hours=2)
    at = (clock.now - timedelta(minutes=30)).isoformat()
    ticket = await _act(api, "disp", number, "arrive", {"at": at})
    assert datetime.fromisoformat(
        str(_clock(ticket, "handle")["stopped_at"])
    ) == clock.now - timedelta(minutes=30)
    future = await api.post(
        "tech",
        f"/api/tickets/{number}/actions/fix",
        {"at": (clock.now + timedelta(minutes=5)).isoformat()},
    )
    too_early = await api.post(
        "tech",
        f"/api/tickets/{number}/actions/fix",
        {"at": (clock.now - timedelta(hours=5)).isoformat()},
    )
    assert future.status_code == 422 and "at" in future.json()["error"]["fields"]
    assert too_early.status_code == 422 and "at" in too_early.json()["error"]["fields"]
    # Field by field, in the reader's language (the console shows these next to the fields).
    assert future.json()["error"]["fields"]["at"] == "不能晚于现在"
    assert too_early.json()["error"] == {
        "code": "invalid",
        "message": "时间不能早于工单上一事件",
        "fields": {"at": "早于上一步"},
    }
    english = await api.client.post(
        f"/api/tickets/{number}/actions/fix",
        json={"at": (clock.now + timedelta(minutes=5)).isoformat()},
        headers={**api.auth("tech"), "Accept-Language": "en"},
    )
    assert english.json()["error"]["fields"] == {"at": "lies in the future"}


async def test_late_arrival_records_the_breach_once(api: Api, clock: FakeClock) -> None:
    number = await _create(api, REPAIR)
    await _act(api, "disp", number, "assign", {"assignee": "tech"})
    await _act(api, "tech", number, "start")
    clock.advance(hours=7)
    ticket = await _act(api, "tech", number, "arrive")
    handle = _clock(ticket, "handle")
    assert handle["state"] == "breached"
    escalations = ticket["escalations"]
    assert isinstance(escalations, list)
    assert [(e["clock"], e["kind"]) for e in escalations] == [("handle", "breach")]


async def test_failed_action_changes_nothing(api: Api) -> None:
    number = await _create(api, REPAIR)
    before = (await api.get("sup", f"/api/tickets/{number}")).json()
    response = await api.post("sup", f"/api/tickets/{number}/actions/assign", {"assignee": "ghost"})
    assert response.status_code == 422
    after = (await api.get("sup", f"/api/tickets/{number}")).json()
    assert after == before


async def test_audit_log_refuses_update_and_delete(api: Api) -> None:
    await _create(api, REPAIR)
    engine = api.app_context.engine  # type: ignore[attr-defined]
    for statement in ("UPDATE audit_log SET actor = 'mallory'", "DELETE FROM audit_log"):
        try:
            async with engine.begin() as connection:
                await connection.execute(text(statement))
        except Exception as error:
            assert "append-only" in str(error)
        else:
            raise AssertionError(f"{statement} was allowed")
    async with engine.connect() as connection:
        actors = (await connection.execute(text("SELECT actor FROM audit_log"))).scalars().all()
    assert "mallory" not in actors and actors


async def test_concurrent_starts_let_exactly_one_through(api: Api) -> None:
    number = await _create(api, REPAIR)
    await _act(api, "disp", number, "assign", {"assignee": "tech"})
    responses = await asyncio.gather(
        *(api.post("tech", f"/api/tickets/{number}/actions/start", {}) for _ in range(4))
    )
    assert sorted(r.status_code for r in responses) == [200, 409, 409, 409]
    history = (await api.get("sup", f"/api/tickets/{number}")).json()["history"]
    assert [entry["action"] for entry in history].count("start") == 1


async def test_concurrent_creates_get_distinct_numbers(api: Api) -> None:
    responses = await asyncio.gather(*(api.post("agent", "/api/tickets", REPAIR) for _ in range(8)))
    numbers = sorted(r.json()["number"] for r in responses)
    assert [n[-4:] for n in numbers] == [f"{i:04d}" for i in range(1, 9)]


async def test_a_fix_through_the_api_says_what_was_done(api: Api) -> None:
    """The rule of the technician's card (tickets/field_work.py), whoever fixes from where."""
    number = await _create(api, REPAIR)
    await _act(api, "disp", number, "assign", {"assignee": "tech"})
    await _act(api, "tech", number, "start")
    path = f"/api/tickets/{number}/actions/fix"
    for user in ("tech", "disp", "sup"):
        unsaid = await api.post(user, path, {"note": "  "})
        assert unsaid.status_code == 422, unsaid.text
        assert unsaid.json()["error"]["fields"] == {"note": "请填写处理内容"}
    english = await api.client.post(
        path, json={}, headers={**api.auth("tech"), "Accept-Language": "en"}
    )
    assert english.status_code == 422
    assert english.json()["error"]["message"] == "say what was done"
    assert english.json()["error"]["fields"] == {"note": "say what was done"}
    ticket = await api.get("tech", f"/api/tickets/{number}")
    assert ticket.json()["status"] == "in_progress"
    assert _clock(ticket.json(), "fix")["state"] != "met"  # nothing recorded by the refusals
    fixed = await _act(api, "tech", number, "fix", {"note": "更换调压器"})
    assert _clock(fixed, "fix")["state"] == "met"
