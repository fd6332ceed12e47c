"""GET /api/calls, GET /api/calls/{linkedid}; click-to-call when telephony is off."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from conftest import Api, inbound_call

from hotline.telephony.model import CallRecord, Direction, Disposition
from hotline.telephony.writer import CallWriter
from hotline.web.context import AppContext

T0 = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)


def call(linkedid: str, minutes: int, **changes: object) -> CallRecord:
    """Answered after 5 s by Agent1 on PJSIP/8001, a minute's talk, `minutes` after T0."""
    answered = inbound_call(
        linkedid,
        T0 + timedelta(minutes=minutes),
        agent_name="Agent1",
        agent_interface="PJSIP/8001",
        answered_at=T0 + timedelta(minutes=minutes, seconds=5),
        ended_at=T0 + timedelta(minutes=minutes, seconds=65),
        wait_seconds=5.0,
        talk_seconds=60.0,
        disposition=Disposition.ANSWERED,
    )
    return replace(answered, **changes)  # type: ignore[arg-type]


async def log_calls(api: Api, *records: CallRecord) -> None:
    context = api.app_context
    assert isinstance(context, AppContext)
    writer = CallWriter(context.sessions, context.clock, flush_interval=0.01)
    writer.start()
    for record in records:
        writer.put(record)
    await writer.flushed()
    await writer.stop()


@pytest.fixture
async def calls(api: Api) -> Api:
    await log_calls(
        api,
        call("100.1", 0),
        call(
            "100.2",
            10,
            disposition=Disposition.ABANDONED,
            agent_name=None,
            agent_interface=None,
            answered_at=None,
            talk_seconds=None,
        ),
        call("100.3", 20, caller="+8613900000000", queue="emergency", ivr_choice="gas-outage"),
        call(
            "100.4",
            30,
            direction=Direction.OUTBOUND,
            queue=None,
            ivr_choice=None,
            dialled="+8613800138001",
        ),
    )
    return api


async def test_newest_first_in_the_contract_shape(calls: Api) -> None:
    response = await calls.get("agent", "/api/calls")
    assert response.status_code == 200
    items = response.json()["items"]
    assert [item["linkedid"] for item in items] == ["100.4", "100.3", "100.2", "100.1"]
    first = items[-1]
    assert first["direction"] == "inbound" and first["caller"] == "+8613800138001"
    assert first["agent"] == {"name": "Agent1", "interface": "PJSIP/8001"}
    assert first["started_at"] == "2026-11-20T09:00:00+08:00"
    assert (first["wait_seconds"], first["talk_seconds"]) == (5.0, 60.0)
    assert first["disposition"] == "answered"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"caller": "138 0013 8001"}, ["100.4", "100.2", "100.1"]),
        ({"caller": "+86 139 0000 0000"}, ["100.3"]),
        ({"disposition": "abandoned"}, ["100.2"]),
        ({"queue": "emergency"}, ["100.3"]),
        ({"direction": "outbound"}, ["100.4"]),
        ({"agent": "PJSIP/8001"}, ["100.4", "100.3", "100.1"]),
        (
            {"from": "2026-11-20T09:10:00+08:00", "to": "2026-11-20T09:30:00+08:00"},
            ["100.3", "100.2"],
        ),
    ],
)
async def test_filters(calls: Api, params: dict[str, str], expected: list[str]) -> None:
    response = await calls.get("sup", "/api/calls", **params)
    assert response.status_code == 200, response.text
    assert [item["linkedid"] for item in response.json()["items"]] == expected


async def test_pages(calls: Api) -> None:
    first = (await calls.get("agent", "/api/calls", per_page=3)).json()
    second = (await calls.get("agent", "/api/calls", per_page=3, page=2)).json()
    assert first["has_more"] and not second["has_more"]
    assert [item["linkedid"] for item in second["items"]] == ["100.1"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"disposition": "lost"}, "disposition"),
        ({"from": "2026-11-20T09:00:00"}, "from"),
        ({"from": "2026-11-20T10:00:00+08:00", "to": "2026-11-20T09:00:00+08:00"}, "to"),
        ({"per_page": "0"}, "per_page"),
        ({"colour": "red"}, "colour"),
    ],
)
async def test_bad_filters_name_the_field(calls: Api, params: dict[str, str], field: str) -> None:
    response = await calls.get("agent", "/api/calls", **params)
    assert response.status_code == 422
    assert field in response.json()["error"]["fields"]


async def test_one_call_with_its_tickets(calls: Api) -> None:
    created = await calls.post(
        "agent",
        "/api/tickets",
        {
            "type": "repair",
            "subtype": "indoor_equipment",
            "description": "灶具不点火",
            "address": "北区 光明路 20号",
            "call_linkedid": "100.1",
        },
    )
    assert created.status_code == 201, created.text
    response = await calls.get("agent", "/api/calls/100.1")
    assert response.status_code == 200
    body = response.json()
    assert body["linkedid"] == "100.1"
    assert [ticket["number"] for ticket in body["tickets"]] == [created.json()["number"]]


async def test_unknown_call_is_404(calls: Api) -> None:
    response = await calls.get("agent", "/api/calls/999.9")
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "没有这个通话"  # zh_CN unless asked otherwise


async def test_the_call_log_needs_a_token(calls: Api) -> None:
    assert (await calls.client.get("/api/calls")).status_code == 401


async def test_click_to_call_without_telephony_is_503(api: Api) -> None:
    response = await api.post("agent", "/api/calls/originate", {"number": "13800138001"})
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "telephony_off"
    assert response.json()["error"]["message"] == "本服务器未接入电话系统"


async def test_click_to_call_is_not_for_technicians(api: Api) -> None:
    response = await api.post("tech", "/api/calls/originate", {"number": "13800138001"})
    assert response.status_code == 403


@pytest.mark.parametrize("number", ["+447911123456", "00447911123456", "+12025550100"])
async def test_click_to_call_refuses_numbers_outside_the_allowed_prefixes(
    api: Api, number: str
) -> None:
    """Toll fraud: an agent's token must not ring abroad (it became 00447911… on the trunk)."""
    response = await api.client.post(
        "/api/calls/originate",
        json={"number": number},
        headers={**api.auth("agent"), "Accept-Language": "zh-CN"},
    )
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "number_not_allowed"
    assert error["message"] == "该号码不在热线允许呼叫的范围内"


@pytest.mark.parametrize("number", ["13800138000", "0571 8765 4321", "010-6512 3456"])
async def test_click_to_call_passes_mainland_numbers_on_to_the_phone_system(
    api: Api, number: str
) -> None:
    response = await api.post("agent", "/api/calls/originate", {"number": number})
    # No phone system in this app: the number itself was let through.
    assert response.status_code == 503, response.text
    assert response.json()["error"]["code"] == "telephony_off"
