"""POST/GET /api/tickets: creation with routing and clocks, lists, and every bad input."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from conftest import SHANGHAI, Api, FakeClock
from sqlalchemy import text

REPAIR = {
    "type": "repair",
    "subtype": "indoor_equipment",
    "description": "燃气灶无法点火",
    "caller_phone": "138 1234 5678",
    "address": "北区 光明路 12号",
    "area": "北区",
}


async def _count(api: Api, table: str) -> int:
    async with api.app_context.engine.connect() as connection:  # type: ignore[attr-defined]
        return int((await connection.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())


async def test_repair_is_numbered_routed_and_clocked(api: Api, clock: FakeClock) -> None:
    response = await api.post("agent", "/api/tickets", REPAIR)
    assert response.status_code == 201, response.text
    ticket = response.json()
    local_day = clock.now.astimezone(SHANGHAI).strftime("%Y%m%d")
    assert ticket["number"] == f"BX-{local_day}-0001"
    assert response.headers["location"] == f"/api/tickets/{ticket['number']}"
    assert ticket["status"] == "new"
    assert ticket["priority"] == "normal"
    assert ticket["department"] == "hotline"
    assert ticket["caller_phone"] == "+8613812345678"
    clocks = {c["name"]: c for c in ticket["clocks"]}
    assert set(clocks) == {"take_up", "handle", "fix"}
    received = datetime.fromisoformat(ticket["received_at"])
    # The customer's own equipment: a technician goes at once, within 30 minutes.
    assert datetime.fromisoformat(clocks["handle"]["due_at"]) == received + timedelta(minutes=30)
    assert datetime.fromisoformat(clocks["fix"]["due_at"]) == received + timedelta(hours=24)
    assert all(c["state"] == "running" for c in ticket["clocks"])
    assert ticket["received_at"].endswith("+08:00")


async def test_numbers_count_up_per_type_and_day(api: Api) -> None:
    numbers = [(await api.post("agent", "/api/tickets", REPAIR)).json()["number"] for _ in range(3)]
    consultation = await api.post(
        "agent", "/api/tickets", {"type": "consultation", "description": "询问气价"}
    )
    assert [n[-4:] for n in numbers] == ["0001", "0002", "0003"]
    assert consultation.json()["number"].startswith("ZX-")
    assert consultation.json()["number"].endswith("-0001")


async def test_gas_smell_is_an_emergency_with_a_30_minute_handle_clock(api: Api) -> None:
    body = {**REPAIR, "subtype": "gas_smell", "priority": "normal"}
    ticket = (await api.post("agent", "/api/tickets", body)).json()
    assert ticket["priority"] == "emergency"
    handle = next(c for c in ticket["clocks"] if c["name"] == "handle")
    due = datetime.fromisoformat(handle["due_at"])
    assert due - datetime.fromisoformat(ticket["received_at"]) == timedelta(minutes=30)


async def test_special_consultation_gets_24_hours(api: Api) -> None:
    body = {
        "type": "consultation",
        "description": "需要工程部核实",
        "special": True,
        "special_reason": "other_department",
    }
    ticket = (await api.post("agent", "/api/tickets", body)).json()
    reply = next(c for c in ticket["clocks"] if c["name"] == "reply")
    due = datetime.fromisoformat(reply["due_at"]) - datetime.fromisoformat(ticket["received_at"])
    assert due == timedelta(hours=24)


async def test_december_complaint_runs_into_estimated_2027(api: Api, clock: FakeClock) -> None:
    body = {
        "type": "complaint",
        "description": "抄表员态度恶劣",
        "received_at": "2026-12-28T10:00:00+08:00",
    }
    clock.now = datetime(2026, 12, 29, 1, 0, tzinfo=SHANGHAI)
    ticket = (await api.post("qa", "/api/tickets", body)).json()
    reply = next(c for c in ticket["clocks"] if c["name"] == "reply")
    assert reply["estimated"] is True
    # Tue 12-29, Wed 12-30, Thu 12-31, (New Year and the weekend), Mon 01-04, Tue 01-05
    assert reply["due_at"] == "2027-01-06T00:00:00+08:00"


async def test_received_at_earlier_starts_the_clocks_then(api: Api, clock: FakeClock) -> None:
    earlier = (clock.now - timedelta(hours=2)).isoformat()
    ticket = (await api.post("agent", "/api/tickets", {**REPAIR, "received_at": earlier})).json()
    assert datetime.fromisoformat(ticket["received_at"]) == clock.now - timedelta(hours=2)


async def test_routing_rule_sends_a_ticket_to_its_department(api: Api) -> None:
    async with api.app_context.engine.begin() as connection:  # type: ignore[attr-defined]
        await connection.execute(
            text(
                "INSERT INTO department (code, name, is_default) "
                "VALUES ('north', '北区维修队', false)"
            )
        )
        await connection.execute(
            text(
                "INSERT INTO routing_rule (position, ticket_type, area, department_id) "
                "SELECT 1, 'repair', '北区', id FROM department WHERE code = 'north'"
            )
        )
    api.app_context.rulebooks.invalidate()  # type: ignore[attr-defined]
    north = (await api.post("agent", "/api/tickets", REPAIR)).json()
    south = (await api.post("agent", "/api/tickets", {**REPAIR, "area": "南区"})).json()
    assert north["department"] == "north"
    assert south["department"] == "hotline"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**REPAIR, "type": "plumbing"}, "type"),
        ({**REPAIR, "subtype": "leaky_tap"}, "subtype"),
        ({k: v for k, v in REPAIR.items() if k != "subtype"}, "subtype"),
        ({k: v for k, v in REPAIR.items() if k != "description"}, "description"),
        ({**REPAIR, "caller_phone": "12345"}, "caller_phone"),
        ({**REPAIR, "received_at": "2099-01-01T00:00:00+08:00"}, "received_at"),
        ({**REPAIR, "received_at": "2026-11-20T08:00:00"}, "received_at"),
        ({**REPAIR, "description": "长" * 4001}, "description"),
        ({**REPAIR, "address": "x" * 201}, "address"),
        ({**REPAIR, "colour": "red"}, "colour"),
        ({**REPAIR, "department": "nowhere"}, "department"),
        ({**REPAIR, "assignee": "nobody"}, "assignee"),
        ({**REPAIR, "customer_id": 999}, "customer_id"),
        ({**REPAIR, "special": True}, "special"),
        (
            {
                **REPAIR,
                "subtype": "gas_smell",
                "appointment": {
                    "start": "2026-11-21T09:00:00+08:00",
                    "end": "2026-11-21T11:00:00+08:00",
                },
            },
            "appointment",
        ),
    ],
)
async def test_bad_fields_are_refused_by_name_and_nothing_is_written(
    api: Api, body: dict[str, object], field: str
) -> None:
    tickets_before = await _count(api, "ticket")
    audit_before = await _count(api, "audit_log")
    response = await api.post("agent", "/api/tickets", body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert any(name == field or name.startswith(field + ".") for name in error["fields"]), error
    assert error["message"]
    assert await _count(api, "ticket") == tickets_before
    assert await _count(api, "audit_log") == audit_before
    assert await _count(api, "ticket_sequence") == 0


async def test_malformed_json_is_a_400(api: Api) -> None:
    response = await api.client.post(
        "/api/tickets",
        content=b'{"type": "repair",',
        headers={**api.auth("agent"), "content-type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_json"


async def test_a_json_array_is_a_400(api: Api) -> None:
    response = await api.post("agent", "/api/tickets", [REPAIR])
    assert response.status_code == 400


async def test_no_token_is_a_401_and_a_bad_one_too(api: Api) -> None:
    missing = await api.client.post("/api/tickets", json=REPAIR)
    bad = await api.client.post(
        "/api/tickets", json=REPAIR, headers={"Authorization": "Bearer nope"}
    )
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    assert bad.status_code == 401
    assert await _count(api, "ticket") == 0


async def test_a_technician_may_not_create_tickets(api: Api) -> None:
    response = await api.post("tech", "/api/tickets", REPAIR)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


async def test_unknown_ticket_is_a_404(api: Api) -> None:
    response = await api.get("agent", "/api/tickets/BX-20261120-9999")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


async def test_errors_speak_chinese_by_default_and_english_on_request(api: Api) -> None:
    chinese = await api.client.get("/api/tickets/BX-1")
    english = await api.client.get(
        "/api/tickets/BX-1", headers={"Accept-Language": "en-US,en;q=0.9"}
    )
    assert chinese.json()["error"]["message"] != english.json()["error"]["message"]
    assert "Bearer" in english.json()["error"]["message"]


async def test_ticket_page_has_history_and_allowed_actions(api: Api) -> None:
    number = (await api.post("agent", "/api/tickets", REPAIR)).json()["number"]
    ticket = (await api.get("disp", f"/api/tickets/{number}")).json()
    assert ticket["history"][0]["action"] == "create"
    assert ticket["history"][0]["actor"] == "agent"
    assert "assign" in ticket["allowed_actions"]
    assert "close" not in ticket["allowed_actions"]


async def test_list_filters_and_pages(api: Api, clock: FakeClock) -> None:
    network_fault = {**REPAIR, "subtype": "network_fault"}
    for area in ("北区", "南区", "北区"):
        body = {**network_fault, "area": area, "address": f"{area} 某路"}
        await api.post("agent", "/api/tickets", body)
        clock.advance(minutes=1)
    await api.post("agent", "/api/tickets", {"type": "consultation", "description": "气价咨询"})

    async def numbers(**params: object) -> list[str]:
        response = await api.get("sup", "/api/tickets", **params)
        assert response.status_code == 200, response.text
        return [item["number"] for item in response.json()["items"]]

    assert len(await numbers()) == 4
    assert len(await numbers(type="repair")) == 3
    assert len(await numbers(text="南区")) == 1
    assert len(await numbers(status="new,assigned")) == 4
    assert await numbers(status="closed") == []
    assert len(await numbers(department="hotline")) == 4
    first = await api.get("sup", "/api/tickets", per_page=3)
    second = await api.get("sup", "/api/tickets", per_page=3, page=2)
    assert first.json()["has_more"] is True
    assert second.json()["has_more"] is False
    assert len(first.json()["items"]) == 3 and len(second.json()["items"]) == 1
    newest = first.json()["items"][0]
    assert newest["type"] == "consultation"
    assert len(await numbers(overdue="true")) == 0
    clock.advance(hours=5)  # the consultation's 4 h reply clock has run out, not the repairs'
    assert len(await numbers(overdue="true")) == 1
    assert len(await numbers(overdue="false")) == 3
    clock.advance(hours=2)
    assert len(await numbers(overdue="true", type="repair")) == 3


async def test_list_refuses_unknown_filters_by_name(api: Api) -> None:
    response = await api.get("sup", "/api/tickets", status="lost", per_page=1000)
    assert response.status_code == 422
    fields = response.json()["error"]["fields"]
    assert any(name.startswith("status") for name in fields)
    assert "per_page" in fields


async def test_complainant_details_are_hidden_from_other_agents(api: Api) -> None:
    body = {
        "type": "complaint",
        "description": "维修员态度差",
        "caller_phone": "13812345678",
        "caller_name": "王女士",
        "address": "南区 湖滨街 8号",
    }
    number = (await api.post("agent", "/api/tickets", body)).json()["number"]
    seen_by_other = (await api.get("agent2", f"/api/tickets/{number}")).json()
    seen_by_quality = (await api.get("qa", f"/api/tickets/{number}")).json()
    assert seen_by_other["caller_phone"] == "+86138****5678"
    assert seen_by_other["caller_name"] == "***"
    assert seen_by_other["address"] == "***"
    assert seen_by_quality["caller_phone"] == "+8613812345678"
    assert seen_by_quality["caller_name"] == "王女士"
