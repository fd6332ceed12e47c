"""Issue 11, point 8: every caller who joined an outage gets one follow-up callback once the
outage is relit — a ticket's caller about the ticket, a caller known only by their call at
the number they called from; one per number, anonymous callers left out — on the quality
staff's worklist, and counted on the outage and in the outage report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from conftest import Api, FakeClock, add_customer
from sqlmodel import col, select

from hotline.application import incidents as incident_cases
from hotline.db.tables import AuditEntry, CallRow, Incident, IvrSession
from hotline.services import relighting
from hotline.web.context import AppContext

AREA = "拱墅区-米市巷"
START = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
REPEAT_CALLER = "+8613800000009"


def context_of_api(api: Api) -> AppContext:
    context = api.app_context
    assert isinstance(context, AppContext)
    return context


async def add_calls(api: Api, callers: dict[str, str | None]) -> None:
    context = context_of_api(api)
    async with context.sessions() as session, session.begin():
        now = context.clock()
        for linkedid, caller in callers.items():
            session.add(
                CallRow(
                    server="pbx",
                    linkedid=linkedid,
                    caller=caller,
                    direction="inbound",
                    started_at=now,
                    updated_at=now,
                )
            )


async def menu_call(api: Api, linkedid: str, caller: str, incident: int) -> None:
    """A caller who heard the outage in the voice menu and pressed 1; the call log has not
    heard of the call (yet): the menu's record of it gives the number."""
    context = context_of_api(api)
    async with context.sessions() as session, session.begin():
        now = context.clock()
        session.add(
            IvrSession(
                linkedid=linkedid,
                script="menu",
                caller=caller,
                started_at=now,
                ended_at=now,
                outcome="outage",
                announced_incident_id=incident,
                outage_call=True,
            )
        )
    await incident_cases.link_menu_call(context, incident, linkedid)


async def outage_with_callers(api: Api, clock: FakeClock) -> tuple[int, str]:
    """An accident over one customer's area. Joined to it: that customer's ticket (from
    13800000001), a call from the same number, two calls from one other number (by the
    agent and by the menu), an anonymous call and a menu-only caller. Gas back at 16:00."""
    clock.now = START
    await add_customer(
        context_of_api(api),
        account="GS1",
        name="王芳",
        phone="+8613800000001",
        address="米市巷1号",
        area=AREA,
    )
    created = await api.post(
        "disp",
        "/api/incidents",
        {"kind": "unplanned", "cause": "accident", "title": "米市巷外力破坏", "areas": [AREA]},
    )
    assert created.status_code == 201, created.text
    incident = int(created.json()["id"])
    assert (await api.post("disp", f"/api/incidents/{incident}/actions/start")).status_code == 200
    ticket = await api.post(
        "agent",
        "/api/tickets",
        {
            "type": "outage",
            "subtype": "unplanned",
            "area": AREA,
            "description": "家里没气了",
            "caller_phone": "13800000001",
        },
    )
    assert ticket.status_code == 201, ticket.text
    number = str(ticket.json()["number"])
    links = f"/api/incidents/{incident}/links"
    assert (await api.post("agent", links, {"ticket": number})).status_code in (200, 201)
    await add_calls(
        api, {"c1": REPEAT_CALLER, "c3": None, "c4": "+8613800000001", "c6": "anonymous"}
    )
    for linkedid in ("c1", "c3", "c4", "c6"):
        assert (await api.post("agent", links, {"call_linkedid": linkedid})).status_code == 201
    clock.advance(minutes=5)
    await menu_call(api, "c2", "13800000009", incident)
    await menu_call(api, "c5", "13800000005", incident)
    clock.now = START + timedelta(hours=7)
    restored = await api.post("disp", f"/api/incidents/{incident}/actions/restore")
    assert restored.status_code == 200, restored.text
    return incident, number


async def relight(api: Api, clock: FakeClock, incident: int) -> None:
    """Every relighting visit settled, then the outage relit."""
    visits = (await api.get("disp", f"/api/incidents/{incident}/relighting")).json()["items"]
    for visit in visits:
        settled = await api.post(
            "disp", f"/api/relighting/{visit['id']}/not-needed", {"note": "用户已自行开气"}
        )
        assert settled.status_code == 200, settled.text
    clock.advance(hours=1)
    relit = await api.post("disp", f"/api/incidents/{incident}/actions/relight")
    assert relit.status_code == 200, relit.text


async def test_every_caller_is_called_back_once_after_relighting_not_before(
    api: Api, clock: FakeClock
) -> None:
    incident, number = await outage_with_callers(api, clock)
    # Restored, but the meters are still shut until relighting: nobody is called yet.
    assert (await api.get("qa", "/api/callbacks", incident=incident)).json()["items"] == []
    await relight(api, clock, incident)
    relit_at = clock.now
    items = (await api.get("qa", "/api/callbacks", incident=incident)).json()["items"]
    # The ticket's caller about the ticket (their call too); the repeat caller once; the
    # menu-only caller at the number the menu heard; the anonymous calls not at all.
    assert [(c["ticket"], c["caller_phone"], c["kind"]) for c in items] == [
        (number, "+8613800000001", "outage"),
        (None, REPEAT_CALLER, "outage"),
        (None, "+8613800000005", "outage"),
    ]
    assert {c["incident"] for c in items} == {incident}
    assert {c["incident_title"] for c in items} == {"米市巷外力破坏"}
    # The outage's follow-up waits as a repair's does (2 h) after the relighting.
    assert {c["not_before"] for c in items} == {
        (relit_at + timedelta(hours=2)).astimezone(api.app_context.settings.timezone).isoformat()  # type: ignore[attr-defined]
    }
    shown = (await api.get("disp", f"/api/incidents/{incident}")).json()
    assert shown["follow_ups"] == {"callbacks": 3, "reached": 0}


async def test_following_up_again_adds_nobody(api: Api, clock: FakeClock) -> None:
    incident, _number = await outage_with_callers(api, clock)
    await relight(api, clock, incident)
    context = context_of_api(api)
    async with context.sessions() as session, session.begin():
        found = await session.get(Incident, incident)
        assert found is not None
        again = await relighting.call_back_linked_callers(
            session, found, "571", context.clock(), context.settings.timezone
        )
    assert again == 0
    assert len((await api.get("qa", "/api/callbacks", incident=incident)).json()["items"]) == 3
    async with context.sessions() as session:
        created = (
            await session.exec(
                select(AuditEntry.after).where(
                    col(AuditEntry.entity) == "callback", col(AuditEntry.action) == "create"
                )
            )
        ).all()
    assert sorted(str(after["phone"]) for after in created if after) == [
        "+8613800000005",
        REPEAT_CALLER,
        "None",
    ]


async def test_an_outage_caller_without_a_ticket_is_surveyed_and_counted(
    api: Api, clock: FakeClock
) -> None:
    incident, _number = await outage_with_callers(api, clock)
    await relight(api, clock, incident)
    items = (await api.get("qa", "/api/callbacks", incident=incident)).json()["items"]
    caller = next(c for c in items if c["caller_phone"] == REPEAT_CALLER)
    clock.advance(hours=3)
    reached = await api.post(
        "qa", f"/api/callbacks/{caller['id']}/attempts", {"outcome": "reached"}
    )
    assert reached.status_code == 200, reached.text
    survey = {"score": 2, "resolved": True, "on_time": False, "courtesy": 4}
    taken = await api.post("qa", f"/api/callbacks/{caller['id']}/survey", survey)
    assert taken.status_code == 200, taken.text
    # No ticket to reopen.
    assert taken.json()["status"] == "done" and taken.json()["reopened"] is False
    shown = (await api.get("disp", f"/api/incidents/{incident}")).json()
    assert shown["follow_ups"] == {"callbacks": 3, "reached": 1}
    report = (
        await api.get("qa", "/api/reports/outages", **{"from": "2026-11-25", "to": "2026-11-25"})
    ).json()
    assert report["follow_ups"] == {"callbacks": 3, "reached": 1, "share": 0.3333}
    # Technicians work no callbacks, with a ticket or without.
    assert (await api.get("tech", "/api/callbacks", incident=incident)).status_code == 403
