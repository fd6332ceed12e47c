"""Outages as incidents over the API: announced by dispatchers 48 h ahead (or with an emergency
repair's reason), clocked from the planned start, moved step by step, the customers affected
listed with special-care ones apart, calls and tickets joined, clusters suggested, the notice
lead-time KPI — and audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from conftest import Api, FakeClock
from sqlmodel import col, select

from hotline.application import incidents as cases
from hotline.db.tables import AuditEntry, Customer, CustomerAddress, CustomerPhone
from hotline.services.actor import Actor
from hotline.web.api.events import topics_for, visible_to
from hotline.web.context import AppContext
from tickets.incidents import ClusterPolicy
from tickets.workflow import Role

AREA = "西湖区-文新街道"
OUTAGE_REPORT = {"type": "outage", "subtype": "unplanned", "description": "家里没气了"}


def context_of_api(api: Api) -> AppContext:
    context = api.app_context
    assert isinstance(context, AppContext)
    return context


@pytest.fixture
async def customers(api: Api) -> None:
    context = context_of_api(api)
    async with context.sessions() as session, session.begin():
        for account, name, area, care in [
            ("GS100", "王芳", AREA, None),
            ("GS101", "李大爷", AREA, "elderly"),
            ("GS102", "陈明", "拱墅区", None),
            ("GS103", "周洁", "滨江区", None),
        ]:
            customer = Customer(
                account_number=account,
                name=name,
                special_care=care,
                created_at=datetime(2026, 1, 1, tzinfo=UTC),
            )
            session.add(customer)
            await session.flush()
            assert customer.id is not None
            session.add(CustomerAddress(customer_id=customer.id, address=f"{area} 1号", area=area))
            session.add(CustomerPhone(customer_id=customer.id, number=f"+86138000{account[2:]}00"))


def planned(clock: FakeClock, hours_ahead: float, **extra: object) -> dict[str, object]:
    start = clock.now + timedelta(hours=hours_ahead)
    return {
        "kind": "planned",
        "cause": "pipeline_inspection",
        "title": "文新街道管网检测",
        "areas": [AREA],
        "accounts": ["GS103"],
        "planned_start": start.isoformat(),
        "planned_end": (start + timedelta(hours=8)).isoformat(),
        **extra,
    }


async def test_a_planned_outage_is_clocked_from_its_planned_start(
    api: Api, clock: FakeClock, customers: None
) -> None:
    created = await api.post("disp", "/api/incidents", planned(clock, 24 * 10))
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["status"] == "announced" and body["notice_lead_hours"] == 240
    handle, restore = body["clocks"]
    assert handle["starts_at"] == body["planned_start"]
    assert restore["due_at"] == body["planned_end"]
    # The next day nothing has breached: the clocks wait for the planned start.
    clock.advance(days=1)
    shown = (await api.get("agent", f"/api/incidents/{body['id']}")).json()
    assert [c["state"] for c in shown["clocks"]] == ["scheduled", "scheduled"]
    assert shown["affected_customers"] == 3
    clock.advance(days=9, hours=1)
    shown = (await api.get("agent", f"/api/incidents/{body['id']}")).json()
    assert [c["state"] for c in shown["clocks"]] == ["running", "running"]


async def test_less_than_48_hours_notice_needs_an_emergency_reason(
    api: Api, clock: FakeClock
) -> None:
    refused = await api.client.post(
        "/api/incidents",
        json=planned(clock, 20),
        headers={**api.auth("disp"), "Accept-Language": "zh-CN"},
    )
    assert refused.status_code == 422
    assert "48" in refused.json()["error"]["fields"]["planned_start"]
    accepted = await api.post(
        "disp", "/api/incidents", planned(clock, 20, short_notice_reason="阀门漏气需抢修更换")
    )
    assert accepted.status_code == 201 and accepted.json()["short_notice"] is True
    context = context_of_api(api)
    async with context.sessions() as session:
        entry = (
            await session.exec(select(AuditEntry).where(col(AuditEntry.entity) == "incident"))
        ).one()
    assert entry.action == "announce" and entry.note and "阀门" in entry.note
    kpi = await api.get(
        "qa",
        "/api/reports/notice-lead",
        **{"from": clock.now.isoformat(), "to": (clock.now + timedelta(days=2)).isoformat()},
    )
    assert kpi.json() == {
        "planned_outages": 1,
        "announced_48h_ahead": 0,
        "share": 0.0,
        "shortest_lead_hours": 20.0,
    }


async def test_only_dispatchers_and_supervisors_announce_and_move(
    api: Api, clock: FakeClock
) -> None:
    assert (await api.post("agent", "/api/incidents", planned(clock, 72))).status_code == 403
    created = (await api.post("sup", "/api/incidents", planned(clock, 72))).json()
    path = f"/api/incidents/{created['id']}/actions"
    assert (await api.post("agent", f"{path}/start")).status_code == 403
    early = await api.post("disp", f"{path}/restore")
    assert early.status_code == 409 and early.json()["error"]["allowed"] == ["start"]
    clock.advance(hours=72)
    for step, status in [("start", "under_way"), ("restore", "restored"), ("relight", "relit")]:
        moved = await api.post("disp", f"{path}/{step}")
        assert moved.status_code == 200 and moved.json()["status"] == status
    assert (await api.get("agent", f"/api/incidents/{created['id']}/affected")).status_code == 403


async def test_affected_customers_list_special_care_apart(
    api: Api, clock: FakeClock, customers: None
) -> None:
    created = (await api.post("disp", "/api/incidents", planned(clock, 72))).json()
    found = (await api.get("disp", f"/api/incidents/{created['id']}/affected")).json()
    assert found["count"] == 3
    assert [c["account"] for c in found["special_care"]] == ["GS101"]
    assert [c["account"] for c in found["others"]] == ["GS100", "GS103"]


async def test_calls_and_tickets_join_the_incident_once(api: Api, clock: FakeClock) -> None:
    incident = (
        await api.post(
            "disp",
            "/api/incidents",
            {"kind": "unplanned", "cause": "accident", "title": "外力破坏", "areas": [AREA]},
        )
    ).json()
    # Filed outside the outage's area: joined by hand (in the area it joins by itself,
    # tests/api/test_tickets_in_an_outage_area.py).
    ticket = await api.post("agent", "/api/tickets", OUTAGE_REPORT | {"area": "拱墅区"})
    number = ticket.json()["number"]
    links = f"/api/incidents/{incident['id']}/links"
    first = await api.post("agent", links, {"call_linkedid": "1700000000.42"})
    again = await api.post("agent", links, {"call_linkedid": "1700000000.42"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert (await api.post("agent", links, {"ticket": number})).status_code == 201
    assert (await api.post("agent", links, {"ticket": "nope"})).status_code == 404
    assert (await api.post("agent", links, {})).status_code == 422
    shown = (await api.get("agent", f"/api/incidents/{incident['id']}")).json()
    assert [c["linkedid"] for c in shown["calls"]] == ["1700000000.42"]
    assert [t["number"] for t in shown["tickets"]] == [number]
    assert (
        shown["clocks"][1]["due_at"]
        == (datetime.fromisoformat(shown["reported_at"]) + timedelta(hours=24)).isoformat()
    )


async def test_a_cluster_of_no_gas_reports_suggests_an_incident(api: Api, clock: FakeClock) -> None:
    for _ in range(3):
        response = await api.post("agent", "/api/tickets", OUTAGE_REPORT | {"area": "拱墅区"})
        assert response.status_code == 201
        clock.advance(minutes=2)
    context = context_of_api(api)
    made = await cases.scan_clusters(context, ClusterPolicy(reports=3, minutes=10))
    assert [s.area for s in made] == ["拱墅区"]
    # Already suggested: not twice.
    assert await cases.scan_clusters(context, ClusterPolicy(reports=3, minutes=10)) == []
    listed = (await api.get("disp", "/api/incident-suggestions")).json()["items"]
    assert [s["reports"] for s in listed] == [3]
    board = (await api.get("disp", "/api/dispatch/board")).json()
    assert [s["area"] for s in board["suggested_outages"]] == ["拱墅区"]
    wall = (await api.get("sup", "/api/wallboard")).json()["outages"]
    assert [s["area"] for s in wall["suggested"]] == ["拱墅区"] and wall["active"] == []
    confirmed = await api.post("disp", f"/api/incident-suggestions/{listed[0]['id']}/confirm")
    assert confirmed.status_code == 200, confirmed.text
    incident = confirmed.json()["incident"]
    assert incident["kind"] == "unplanned" and incident["areas"] == ["拱墅区"]
    wall = (await api.get("sup", "/api/wallboard")).json()["outages"]
    assert [o["id"] for o in wall["active"]] == [incident["id"]] and wall["suggested"] == []
    twice = await api.post("disp", f"/api/incident-suggestions/{listed[0]['id']}/dismiss")
    assert twice.status_code == 409


async def test_an_outage_ticket_joined_to_a_planned_outage_runs_on_its_clocks(
    api: Api, clock: FakeClock
) -> None:
    """The issue's case: a planned outage for 10 December entered on 30 November no longer
    breaches on 1 December once its ticket joins the incident."""
    incident = (await api.post("disp", "/api/incidents", planned(clock, 24 * 10))).json()
    ticket = await api.post(
        "agent", "/api/tickets", OUTAGE_REPORT | {"subtype": "planned", "area": AREA}
    )
    number = ticket.json()["number"]
    joined = await api.post("disp", f"/api/incidents/{incident['id']}/links", {"ticket": number})
    # Filed in the outage's area, it had joined by itself.
    assert joined.status_code == 200
    clocks = {
        c["name"]: c for c in (await api.get("agent", f"/api/tickets/{number}")).json()["clocks"]
    }
    assert clocks["restore"]["due_at"] == incident["planned_end"]
    assert clocks["handle"]["started_at"] == incident["planned_start"]
    clock.advance(days=1)
    later = (await api.get("agent", f"/api/tickets/{number}")).json()["clocks"]
    states = {c["name"]: c["state"] for c in later}
    # Nine days before the outage starts, its clocks wait: neither running nor late.
    assert (states["handle"], states["restore"]) == ("scheduled", "scheduled")
    clock.advance(days=9, hours=1)
    later = (await api.get("agent", f"/api/tickets/{number}")).json()["clocks"]
    assert {c["name"]: c["state"] for c in later}["restore"] == "running"


async def test_announcing_and_moving_publish_events_after_the_commit(
    api: Api, clock: FakeClock, customers: None
) -> None:
    """What the notices (SMS) listen to: incident.announced with the affected count, then one
    event per step; a refused announcement publishes nothing. Every desk's feed carries them."""
    context = context_of_api(api)
    async with context.bus.subscribe("incident") as feed:
        refused = await api.post("disp", "/api/incidents", planned(clock, 1))
        assert refused.status_code == 422
        created = (await api.post("disp", "/api/incidents", planned(clock, 72))).json()
        await api.post("disp", f"/api/incidents/{created['id']}/actions/start")
        events = feed.drain()
    assert [e.topic for e in events] == ["incident.announced", "incident.started"]
    assert events[0].data["affected"] == 3 and events[0].data["areas"] == [AREA]
    agent = Actor(1, "agent", Role.AGENT)
    assert "incident" in topics_for(agent) and visible_to(events[1], agent)
