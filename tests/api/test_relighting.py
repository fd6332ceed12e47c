"""After an outage is restored: every affected customer has a relighting visit to book on the
dispatchers' worklist (the callers' follow-up callbacks come once it is relit); the relighting
SMS goes the day before each visit (the scheduler leader's job); the outage is relit — and
closes — only when every visit is done or found not needed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from conftest import Api, FakeClock, add_customer
from sqlmodel import col, select

from hotline.application import relighting as relighting_cases
from hotline.db.tables import AuditEntry, SmsMessage
from hotline.web.context import AppContext

AREA = "拱墅区-米市巷"
START = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


def context_of_api(api: Api) -> AppContext:
    context = api.app_context
    assert isinstance(context, AppContext)
    return context


async def sms(api: Api, template: str) -> list[SmsMessage]:
    async with context_of_api(api).sessions() as session:
        query = select(SmsMessage).where(col(SmsMessage.template) == template)
        return list((await session.exec(query.order_by(col(SmsMessage.id)))).all())


async def restored_outage(api: Api, clock: FakeClock) -> tuple[int, str]:
    """A planned outage over two customers' area, one caller's ticket and one call joined to
    it, gas back at 16:00; its id and the ticket's number."""
    context = context_of_api(api)
    await add_customer(
        context, account="GS1", name="王芳", phone="+8613800000001", address="米市巷1号", area=AREA
    )
    await add_customer(
        context,
        account="GS2",
        name="李大爷",
        phone="+8613800000002",
        address="米市巷2号",
        area=AREA,
    )
    created = await api.post(
        "disp",
        "/api/incidents",
        {
            "kind": "planned",
            "cause": "maintenance",
            "title": "米市巷管网维修",
            "areas": [AREA],
            "planned_start": START.isoformat(),
            "planned_end": (START + timedelta(hours=8)).isoformat(),
        },
    )
    assert created.status_code == 201, created.text
    incident = int(created.json()["id"])
    clock.now = START
    assert (await api.post("disp", f"/api/incidents/{incident}/actions/start")).status_code == 200
    ticket = await api.post(
        "agent",
        "/api/tickets",
        {
            "type": "outage",
            "subtype": "planned",
            "area": AREA,
            "description": "家里没气了",
            "caller_phone": "13800000001",
        },
    )
    assert ticket.status_code == 201, ticket.text
    number = str(ticket.json()["number"])
    links = f"/api/incidents/{incident}/links"
    # Filed in the outage's area, the no-gas report joined it by itself.
    assert (await api.post("agent", links, {"ticket": number})).status_code == 200
    assert (await api.post("agent", links, {"call_linkedid": "1764000000.7"})).status_code == 201
    clock.advance(hours=7)
    restored = await api.post("disp", f"/api/incidents/{incident}/actions/restore")
    assert restored.status_code == 200, restored.text
    return incident, number


async def test_restoration_opens_relighting_visits_and_no_callbacks_yet(
    api: Api, clock: FakeClock
) -> None:
    incident, number = await restored_outage(api, clock)
    worklist = await api.get("disp", f"/api/incidents/{incident}/relighting")
    assert worklist.status_code == 200
    body = worklist.json()
    assert body["counts"] == {"to_book": 2, "booked": 0, "done": 0, "not_needed": 0}
    assert [item["account"] for item in body["items"]] == ["GS1", "GS2"]
    assert body["items"][0]["phones"] == ["+8613800000001"]
    # Personal data: not for agents.
    assert (await api.get("agent", f"/api/incidents/{incident}/relighting")).status_code == 403
    # The callers' follow-up callbacks wait for relighting (tests/api/test_outage_followups.py).
    assert (await api.get("qa", "/api/callbacks", ticket=number)).json()["items"] == []
    # Restoration recorded once only: the step cannot be repeated, nothing doubles.
    again = await api.post("disp", f"/api/incidents/{incident}/actions/restore")
    assert again.status_code == 409


async def test_the_outage_is_relit_and_closed_only_when_every_visit_is_settled(
    api: Api, clock: FakeClock
) -> None:
    incident, _number = await restored_outage(api, clock)
    relight = f"/api/incidents/{incident}/actions/relight"
    early = await api.post("disp", relight)
    assert early.status_code == 409
    first, second = (await api.get("disp", f"/api/incidents/{incident}/relighting")).json()["items"]
    # Tomorrow 09:00-11:00 in Shanghai.
    start = clock.now.replace(hour=1) + timedelta(days=1)
    window = {"start": start.isoformat(), "end": (start + timedelta(hours=2)).isoformat()}
    booked = await api.post("disp", f"/api/relighting/{first['id']}/book", window)
    assert booked.status_code == 200 and booked.json()["status"] == "booked"
    too_long = {"start": start.isoformat(), "end": (start + timedelta(hours=6)).isoformat()}
    refused = await api.post("disp", f"/api/relighting/{second['id']}/book", too_long)
    assert refused.status_code == 422 and "end" in refused.json()["error"]["fields"]
    # Not booked yet: it cannot be done; not needed wants a reason.
    assert (await api.post("disp", f"/api/relighting/{second['id']}/done", {})).status_code == 409
    no_reason = await api.post("disp", f"/api/relighting/{second['id']}/not-needed", {})
    assert no_reason.status_code == 422
    skipped = await api.post(
        "disp", f"/api/relighting/{second['id']}/not-needed", {"note": "用户已自行委托物业开气"}
    )
    assert skipped.status_code == 200 and skipped.json()["status"] == "not_needed"
    assert (await api.post("disp", relight)).status_code == 409
    clock.now = start + timedelta(hours=1)
    done = await api.post("disp", f"/api/relighting/{first['id']}/done", {})
    assert done.status_code == 200 and done.json()["status"] == "done"
    relit = await api.post("disp", relight)
    assert relit.status_code == 200 and relit.json()["status"] == "relit"
    closed = await api.post("disp", f"/api/incidents/{incident}/actions/close")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    async with context_of_api(api).sessions() as session:
        audited = (
            await session.exec(
                select(AuditEntry.action).where(col(AuditEntry.entity) == "relight_visit")
            )
        ).all()
    assert sorted(audited) == ["book", "done", "not_needed"]


async def test_the_customer_is_texted_the_day_before_the_visit_once(
    api: Api, clock: FakeClock
) -> None:
    incident, _number = await restored_outage(api, clock)
    first = (await api.get("disp", f"/api/incidents/{incident}/relighting")).json()["items"][0]
    # The day after tomorrow, 14:00-16:00 in Shanghai.
    start = START.replace(hour=6) + timedelta(days=2)
    window = {"start": start.isoformat(), "end": (start + timedelta(hours=2)).isoformat()}
    assert (
        await api.post("disp", f"/api/relighting/{first['id']}/book", window)
    ).status_code == 200
    context = context_of_api(api)
    assert await relighting_cases.send_reminders(context) == 0
    assert await sms(api, "relighting_reminder") == []
    clock.now = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)  # 10:00 the day before
    assert await relighting_cases.send_reminders(context) == 1
    assert await relighting_cases.send_reminders(context) == 0
    [reminder] = await sms(api, "relighting_reminder")
    assert reminder.phone == "+8613800000001"
    assert reminder.text == (
        "【燃气热线】尊敬的用户：工作人员将于11月27日 14:00-16:00上门为您开气，请家中留人。"
        "如需改约请致电96777。"
    )
    # Moved to the next day: reminded again, of the new window, on its own day before.
    later = start + timedelta(days=1)
    moved = {"start": later.isoformat(), "end": (later + timedelta(hours=2)).isoformat()}
    assert (await api.post("disp", f"/api/relighting/{first['id']}/book", moved)).status_code == 200
    assert await relighting_cases.send_reminders(context) == 0
    clock.advance(days=1)
    assert await relighting_cases.send_reminders(context) == 1
    assert "11月28日 14:00-16:00" in (await sms(api, "relighting_reminder"))[1].text
