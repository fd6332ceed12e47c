"""Issue 11, point 4: a ticket filed in an outage's area (or on an account it names) while the
outage is on. A no-gas report joins it by itself (audited, on the ticket and on the outage); a
gas smell never does — it keeps its emergency and is only marked "in an outage area" for the
dispatcher, as are other repairs and complaints; a consultation is left alone."""

from __future__ import annotations

from datetime import timedelta

from conftest import Api, FakeClock, add_customer
from sqlmodel import col, select

from hotline.db.tables import AuditEntry
from hotline.web.context import AppContext

AREA = "西湖区-文新街道"
ELSEWHERE = "滨江区"
NO_GAS = {"type": "outage", "subtype": "unplanned", "description": "家里没气了"}
GAS_SMELL = {
    "type": "repair",
    "subtype": "gas_smell",
    "description": "楼道有煤气味",
    "address": "文新街道 8 号",
}


def context_of_api(api: Api) -> AppContext:
    context = api.app_context
    assert isinstance(context, AppContext)
    return context


async def accident(api: Api, **extra: object) -> int:
    created = await api.post(
        "disp",
        "/api/incidents",
        {"kind": "unplanned", "cause": "accident", "title": "外力破坏", "areas": [AREA], **extra},
    )
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


async def filed(api: Api, body: dict[str, object]) -> str:
    created = await api.post("agent", "/api/tickets", body)
    assert created.status_code == 201, created.text
    return str(created.json()["number"])


async def test_a_no_gas_report_in_the_area_joins_the_outage_by_itself(api: Api) -> None:
    incident = await accident(api)
    context = context_of_api(api)
    async with context.bus.subscribe("incident") as feed:
        number = await filed(api, NO_GAS | {"area": AREA})
        events = feed.drain()
    assert [(e.topic, e.data["ticket"]) for e in events] == [("incident.linked", number)]
    shown = (await api.get("disp", f"/api/incidents/{incident}")).json()
    assert [t["number"] for t in shown["tickets"]] == [number]
    assert shown["in_area_tickets"] == []
    ticket = (await api.get("agent", f"/api/tickets/{number}")).json()
    assert ticket["outages"] == [
        {"id": incident, "title": "外力破坏", "status": "announced", "joined": True}
    ]
    # Joined again by a person: it already is.
    again = await api.post("agent", f"/api/incidents/{incident}/links", {"ticket": number})
    assert again.status_code == 200
    async with context.sessions() as session:
        audited = (
            await session.exec(
                select(AuditEntry.entity, AuditEntry.action, AuditEntry.actor).where(
                    col(AuditEntry.action).in_(["link_ticket", "join_incident"])
                )
            )
        ).all()
    assert sorted(audited) == [
        ("incident", "link_ticket", "system"),
        ("ticket", "join_incident", "system"),
    ]


async def test_a_gas_smell_in_the_area_is_never_absorbed_only_marked(api: Api) -> None:
    incident = await accident(api)
    assert (await api.post("disp", f"/api/incidents/{incident}/actions/start")).status_code == 200
    number = await filed(api, GAS_SMELL | {"area": AREA})
    shown = (await api.get("disp", f"/api/incidents/{incident}")).json()
    assert shown["tickets"] == []
    assert shown["in_area_tickets"] == [
        {"number": number, "type": "repair", "subtype": "gas_smell", "status": "new"}
    ]
    ticket = (await api.get("disp", f"/api/tickets/{number}")).json()
    assert ticket["priority"] == "emergency"
    assert ticket["outages"] == [
        {"id": incident, "title": "外力破坏", "status": "under_way", "joined": False}
    ]


async def test_consultations_and_other_areas_are_left_alone(api: Api) -> None:
    incident = await accident(api)
    asked = await filed(
        api, {"type": "consultation", "subtype": "billing", "description": "问账单", "area": AREA}
    )
    elsewhere = await filed(api, NO_GAS | {"area": ELSEWHERE})
    shown = (await api.get("disp", f"/api/incidents/{incident}")).json()
    assert shown["tickets"] == [] and shown["in_area_tickets"] == []
    for number in (asked, elsewhere):
        assert (await api.get("agent", f"/api/tickets/{number}")).json()["outages"] == []


async def test_a_customer_whose_account_is_listed_joins_wherever_the_ticket_says(
    api: Api,
) -> None:
    customer = await add_customer(
        context_of_api(api),
        account="GS777",
        name="周洁",
        phone="+8613800000777",
        address="滨江区 7 号",
        area=ELSEWHERE,
    )
    incident = await accident(api, accounts=["GS777"])
    number = await filed(api, NO_GAS | {"customer_id": customer})
    shown = (await api.get("disp", f"/api/incidents/{incident}")).json()
    assert [t["number"] for t in shown["tickets"]] == [number]


async def test_a_planned_outage_takes_its_own_ticket_but_not_todays_no_gas_report(
    api: Api, clock: FakeClock
) -> None:
    start = clock.now + timedelta(days=10)
    created = await api.post(
        "disp",
        "/api/incidents",
        {
            "kind": "planned",
            "cause": "pipeline_inspection",
            "title": "文新街道管网检测",
            "areas": [AREA],
            "planned_start": start.isoformat(),
            "planned_end": (start + timedelta(hours=8)).isoformat(),
        },
    )
    incident = int(created.json()["id"])
    planned = await filed(api, NO_GAS | {"subtype": "planned", "area": AREA})
    today = await filed(api, NO_GAS | {"area": AREA})
    shown = (await api.get("disp", f"/api/incidents/{incident}")).json()
    assert [t["number"] for t in shown["tickets"]] == [planned]
    assert [t["number"] for t in shown["in_area_tickets"]] == [today]
    # Joined, the planned outage's ticket runs on its clocks: nothing runs for ten days.
    clocks = (await api.get("agent", f"/api/tickets/{planned}")).json()["clocks"]
    assert {c["name"]: c["state"] for c in clocks}["restore"] == "scheduled"
