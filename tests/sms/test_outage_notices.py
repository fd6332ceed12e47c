"""An outage's customers are told by SMS: a planned outage entered through the API reaches every
affected mobile through the app's own sender and the local SMS centre over TCP, delivered; its
start and restoration follow; fixed lines and customers elsewhere get nothing; an unplanned
outage's notices go in the quiet hours too; an area merged into an outage is told too."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import httpx
from asgi_lifespan import LifespanManager
from conftest import Api, FakeClock, add_customer, add_staff, app_settings
from smsc import Smsc, running_smsc
from sqlmodel import col, select
from test_sending_over_smpp import wait_until

from hotline.application import incidents as incident_cases
from hotline.db.tables import SmsMessage
from hotline.web.app import create_app
from hotline.web.context import AppContext
from tickets.incidents import ClusterPolicy

AREA = "西湖区-文新街道"


@asynccontextmanager
async def app_with_gateway(database_url: str, clock: FakeClock, smsc: Smsc) -> AsyncIterator[Api]:
    """The app as `hotline serve` runs it with HOTLINE_SMPP_URL set: its scheduler leader
    sends the outbox to the SMS centre."""
    tokens = await add_staff(database_url, clock.now)
    settings = app_settings(
        database_url,
        scheduler="on",
        smpp_url=f"smpp://hotline:secret@127.0.0.1:{smsc.port}?source=96777&rate=500",
    )
    app = create_app(settings, clock=clock)
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hotline") as client:
            yield Api(client, tokens, app.state.context)


async def outbox(api: Api) -> list[SmsMessage]:
    context = api.app_context
    assert isinstance(context, AppContext)
    async with context.sessions() as session:
        return list((await session.exec(select(SmsMessage).order_by(col(SmsMessage.id)))).all())


def delivered(api: Api, event: str, count: int) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        messages = [m for m in await outbox(api) if m.event == event]
        return len(messages) == count and all(m.status == "delivered" for m in messages)

    return check


async def add_area_customers(api: Api) -> None:
    context = api.app_context
    assert isinstance(context, AppContext)
    await add_customer(
        context, account="GS1", name="王芳", phone="+8613800000001", address="文三路1号", area=AREA
    )
    await add_customer(
        context,
        account="GS2",
        name="李大爷",
        phone="+8613800000002",
        address="文三路2号",
        area=AREA,
        special_care="elderly",
    )
    # A fixed line in the area, and a mobile elsewhere: neither is texted.
    await add_customer(
        context, account="GS3", name="陈明", phone="+8657188881234", address="文三路3号", area=AREA
    )
    await add_customer(
        context,
        account="GS4",
        name="周洁",
        phone="+8613800000004",
        address="滨江1号",
        area="滨江区",
    )


async def test_a_planned_outage_entered_through_the_api_reaches_its_customers_delivered(
    database_url: str, clock: FakeClock
) -> None:
    async with running_smsc() as smsc, app_with_gateway(database_url, clock, smsc) as api:
        await add_area_customers(api)
        start = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai, 5 days ahead
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
        assert created.status_code == 201, created.text
        incident = created.json()["id"]
        planned_event = f"incident:{incident}:planned"
        await wait_until(delivered(api, planned_event, 2))
        assert sorted(sms.destination for sms in smsc.received) == [
            "8613800000001",
            "8613800000002",
        ]
        assert smsc.received[0].text == (
            "【燃气热线】尊敬的用户：因管网检测，西湖区-文新街道将于11月25日 09:00至11月25日 17:00"
            "暂停供气，请提前做好准备，停气期间请关闭燃气阀门。如有疑问请致电96777。"
        )
        # The outage starts and gas comes back: each step texts the same customers once.
        clock.now = start
        started = await api.post("disp", f"/api/incidents/{incident}/actions/start", {})
        assert started.status_code == 200, started.text
        await wait_until(delivered(api, f"incident:{incident}:started", 2))
        clock.advance(hours=7)
        restored = await api.post("disp", f"/api/incidents/{incident}/actions/restore", {})
        assert restored.status_code == 200, restored.text
        await wait_until(delivered(api, f"incident:{incident}:restored", 2))
        texts = smsc.texts_to("8613800000001")
        assert len(texts) == 3
        assert "已于11月25日 09:00暂停供气" in texts[1]
        assert "已于11月25日 16:00恢复供气" in texts[2]
        messages = await outbox(api)
        assert len(messages) == 6
        assert all(m.customer_id is not None and not m.emergency for m in messages)


async def test_an_unplanned_outage_is_an_emergency_texted_in_the_quiet_hours(
    api: Api, clock: FakeClock
) -> None:
    await add_area_customers(api)
    clock.now = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai
    created = await api.post(
        "disp",
        "/api/incidents",
        {
            "kind": "unplanned",
            "cause": "accident",
            "title": "文新街道管道破损",
            "areas": [AREA],
            "reported_at": clock.now.isoformat(),
        },
    )
    assert created.status_code == 201, created.text
    incident = created.json()["id"]
    messages = await outbox(api)
    assert [m.event for m in messages] == [f"incident:{incident}:started"] * 2
    assert all(m.emergency and m.next_attempt_at == clock.now for m in messages)
    assert "因供气设施故障" in messages[0].text and "深表歉意" in messages[0].text
    # Work under way on it: the customers were told already, nobody is texted twice.
    started = await api.post("disp", f"/api/incidents/{incident}/actions/start", {})
    assert started.status_code == 200, started.text
    assert len(await outbox(api)) == 2


async def test_a_refused_outage_texts_nobody(api: Api, clock: FakeClock) -> None:
    await add_area_customers(api)
    start = clock.now + timedelta(hours=20)
    refused = await api.post(
        "disp",
        "/api/incidents",
        {
            "kind": "planned",
            "cause": "maintenance",
            "title": "短通知",
            "areas": [AREA],
            "planned_start": start.isoformat(),
            "planned_end": (start + timedelta(hours=2)).isoformat(),
        },
    )
    assert refused.status_code == 422
    assert await outbox(api) == []


async def test_an_area_merged_into_an_outage_gets_the_notice_the_others_had(
    api: Api, clock: FakeClock
) -> None:
    await add_area_customers(api)
    created = await api.post(
        "disp",
        "/api/incidents",
        {"kind": "unplanned", "cause": "accident", "title": "文新街道管道破损", "areas": [AREA]},
    )
    incident = created.json()["id"]
    # No-gas reports pile up next door: suggested, then merged into the outage.
    for _ in range(3):
        report = {
            "type": "outage",
            "subtype": "unplanned",
            "description": "没气了",
            "area": "滨江区",
        }
        assert (await api.post("agent", "/api/tickets", report)).status_code == 201
    context = api.app_context
    assert isinstance(context, AppContext)
    [suggestion] = await incident_cases.scan_clusters(context, ClusterPolicy(reports=3, minutes=10))
    merged = await api.post(
        "disp", f"/api/incident-suggestions/{suggestion.id}/merge", {"incident": incident}
    )
    assert merged.status_code == 200, merged.text
    messages = await outbox(api)
    assert [m.phone for m in messages] == ["+8613800000001", "+8613800000002", "+8613800000004"]
    assert {m.event for m in messages} == {f"incident:{incident}:started"}
