"""GET /api/customers: the customer file found by phone in any form, or by text."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from conftest import Api
from sqlmodel import select

from hotline.db.tables import (
    AuditEntry,
    CallRow,
    Customer,
    CustomerAddress,
    CustomerMeter,
    CustomerPhone,
)
from hotline.web.context import AppContext

T0 = datetime(2026, 11, 19, 2, 0, tzinfo=UTC)


@pytest.fixture
async def files(api: Api) -> dict[str, int]:
    context = api.app_context
    assert isinstance(context, AppContext)
    ids = {}
    async with context.sessions() as session, session.begin():
        for account, name, phone, address, area in [
            ("GS1", "赵磊", "+8613800138001", "北区 光明路 20号", "北区"),
            ("GS2", "孙丽", "+8657188886666", "南区 湖滨街 16号", "南区"),
            ("GS3", "赵磊之子", "+8613800138001", "北区 光明路 20号", "北区"),
        ]:
            customer = Customer(
                account_number=account,
                name=name,
                created_at=T0,
                special_care="elderly" if account == "GS2" else None,
            )
            session.add(customer)
            await session.flush()
            assert customer.id is not None
            ids[account] = customer.id
            session.add(CustomerPhone(customer_id=customer.id, number=phone, label="mobile"))
            session.add(
                CustomerAddress(
                    customer_id=customer.id, address=address, area=area, is_primary=True
                )
            )
        session.add(CustomerMeter(customer_id=ids["GS2"], meter_number="M-0001", kind="G4"))
        session.add(
            CallRow(
                server="pbx",
                linkedid="9.1",
                direction="inbound",
                caller="+8657188886666",
                started_at=T0,
                updated_at=T0,
                disposition="answered",
            )
        )
    return ids


@pytest.mark.parametrize(
    "written",
    ["13800138001", "+86 138 0013 8001", "008613800138001", "013800138001", "138-0013-8001"],
)
async def test_any_way_of_writing_the_number_finds_the_customer(
    api: Api, files: dict[str, int], written: str
) -> None:
    response = await api.get("agent", "/api/customers", phone=written)
    assert response.status_code == 200
    items = response.json()["items"]
    # A shared number: the newest file first, the others named.
    assert [item["account_number"] for item in items] == ["GS3", "GS1"]


async def test_a_local_fixed_line_without_area_code(api: Api, files: dict[str, int]) -> None:
    response = await api.get("disp", "/api/customers", phone="8888 6666")
    assert [item["name"] for item in response.json()["items"]] == ["孙丽"]


async def test_text_search_over_name_account_and_address(api: Api, files: dict[str, int]) -> None:
    by_address = await api.get("agent", "/api/customers", q="湖滨街")
    assert [item["account_number"] for item in by_address.json()["items"]] == ["GS2"]
    by_name = await api.get("agent", "/api/customers", q="赵磊")
    assert {item["account_number"] for item in by_name.json()["items"]} == {"GS1", "GS3"}


async def test_the_whole_file(api: Api, files: dict[str, int]) -> None:
    created = await api.post(
        "agent",
        "/api/tickets",
        {
            "type": "repair",
            "subtype": "indoor_equipment",
            "description": "燃气表漏气",
            "customer_id": files["GS2"],
        },
    )
    assert created.status_code == 201
    response = await api.get("tech", f"/api/customers/{files['GS2']}")
    assert response.status_code == 200
    body = response.json()
    assert body["special_care"] == "elderly"
    assert body["phones"] == [{"number": "+8657188886666", "label": "mobile"}]
    assert body["addresses"][0]["area"] == "南区"
    assert body["meters"] == [{"meter_number": "M-0001", "kind": "G4"}]
    assert [t["number"] for t in body["open_tickets"]] == [created.json()["number"]]
    assert [c["linkedid"] for c in body["recent_calls"]] == ["9.1"]
    assert body["visits"] == []
    # A visit booked for the repair: "when is the technician coming?" is answered from the file.
    number = created.json()["number"]
    start = api.app_context.clock() + timedelta(hours=4)  # type: ignore[attr-defined]
    booked = await api.post(
        "disp",
        "/api/visits",
        {
            "ticket": number,
            "technician": "tech",
            "start": start.isoformat(),
            "end": (start + timedelta(hours=2)).isoformat(),
            "consent": True,
        },
    )
    assert booked.status_code == 201, booked.text
    visits = (await api.get("agent", f"/api/customers/{files['GS2']}")).json()["visits"]
    assert [(v["ticket"], v["status"], v["start"]) for v in visits] == [
        (number, "booked", booked.json()["start"])
    ]


@pytest.mark.parametrize(
    ("params", "field"),
    [({"phone": "12"}, "phone"), ({}, "phone"), ({"phone": "1", "q": "ab"}, "q")],
)
async def test_bad_lookups_name_the_field(
    api: Api, files: dict[str, int], params: dict[str, str], field: str
) -> None:
    response = await api.get("agent", "/api/customers", **params)
    assert response.status_code == 422
    assert field in response.json()["error"]["fields"]


async def test_unknown_customer_is_404_and_a_token_is_needed(
    api: Api, files: dict[str, int]
) -> None:
    assert (await api.get("agent", "/api/customers/999999")).status_code == 404
    assert (await api.get("agent", "/api/customers/abc")).status_code == 422
    assert (await api.client.get("/api/customers", params={"q": "赵磊"})).status_code == 401


async def test_an_unknown_caller_gets_a_file_with_a_provisional_account(api: Api) -> None:
    body = {
        "name": "<b>钱七</b>",
        "phone": "+86 139 0000 1111",
        "address": "东区 和平路 3号",
        "area": "东区",
        "special_care": "elderly",
    }
    created = await api.post("agent", "/api/customers", body)
    assert created.status_code == 201, created.text
    file = created.json()
    assert re.fullmatch(r"HL-20261120-[0-9A-F]{6}", file["account_number"])
    assert file["name"] == "<b>钱七</b>" and file["special_care"] == "elderly"
    assert file["phones"] == [{"number": "+8613900001111", "label": None}]
    assert file["area"] == "东区"
    found = (await api.get("agent", "/api/customers", phone="13900001111")).json()["items"]
    assert [item["id"] for item in found] == [file["id"]]
    context = api.app_context
    assert isinstance(context, AppContext)
    async with context.sessions() as session:
        rows = await session.exec(select(AuditEntry).where(AuditEntry.entity == "customer"))
        [row] = rows.all()
    assert (row.actor, row.action, row.entity_key) == ("agent", "create", file["account_number"])


async def test_opening_a_file_refuses_bad_input_and_other_roles(
    api: Api, files: dict[str, int]
) -> None:
    bad_phone = await api.post("agent", "/api/customers", {"name": "王五", "phone": "12"})
    assert bad_phone.status_code == 422 and "phone" in bad_phone.json()["error"]["fields"]
    no_name = await api.post("agent", "/api/customers", {"phone": "13900001111"})
    assert no_name.status_code == 422 and "name" in no_name.json()["error"]["fields"]
    taken = await api.post(
        "agent", "/api/customers", {"name": "王五", "phone": "13900001111", "account_number": "GS1"}
    )
    assert taken.status_code == 409
    technician = await api.post("tech", "/api/customers", {"name": "王五", "phone": "13900001111"})
    assert technician.status_code == 403
    assert (await api.get("agent", "/api/customers", phone="13900001111")).json()["items"] == []
