"""A visit booked or moved through the API queues its SMS to the caller's mobile, in the same
transaction; a fixed line gets none."""

from __future__ import annotations

from datetime import timedelta

from conftest import Api, FakeClock
from sqlmodel import col, select

from hotline.db.engine import create_engine, session_factory
from hotline.db.tables import SmsMessage


async def outbox(database_url: str) -> list[SmsMessage]:
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            query = select(SmsMessage).order_by(col(SmsMessage.id))
            return list((await session.exec(query)).all())
    finally:
        await engine.dispose()


async def repair_with_visit(api: Api, clock: FakeClock, phone: str) -> tuple[str, int]:
    crew = await api.post(
        "sup",
        "/api/crews",
        {"code": "north", "name": "北区", "areas": ["北区"], "members": ["tech"]},
    )
    assert crew.status_code == 201, crew.text
    created = await api.post(
        "agent",
        "/api/tickets",
        {
            "type": "repair",
            "subtype": "indoor_equipment",
            "area": "北区",
            "address": "北区幸福路 8 号",
            "description": "热水器漏水",
            "caller_phone": phone,
        },
    )
    assert created.status_code == 201, created.text
    number = str(created.json()["number"])
    start = clock.now.replace(hour=1, minute=0) + timedelta(days=1)  # 09:00 in Shanghai
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
    return number, int(booked.json()["id"])


async def test_booking_and_moving_a_visit_texts_the_customer(
    api: Api, clock: FakeClock, database_url: str
) -> None:
    number, visit = await repair_with_visit(api, clock, "138 0000 1111")
    [confirmed] = await outbox(database_url)
    assert confirmed.phone == "+8613800001111"
    assert confirmed.status == "queued"
    assert confirmed.text == (
        f"【燃气热线】尊敬的用户：您的工单{number}已预约上门服务，时间为11月21日 09:00-11:00。"
        "如需改约请致电96777。"
    )
    start = clock.now.replace(hour=6, minute=0) + timedelta(days=1)  # 14:00 in Shanghai
    moved = await api.post(
        "disp",
        f"/api/visits/{visit}/reschedule",
        {
            "reason": "客户要求改到下午",
            "start": start.isoformat(),
            "end": (start + timedelta(hours=2)).isoformat(),
        },
    )
    assert moved.status_code == 200, moved.text
    changed = (await outbox(database_url))[1]
    assert changed.template == "visit_changed"
    assert "已改约至11月21日 14:00-16:00" in changed.text


async def test_a_fixed_line_gets_no_sms(api: Api, clock: FakeClock, database_url: str) -> None:
    await repair_with_visit(api, clock, "0571 8888 1234")
    assert await outbox(database_url) == []
