"""The outbox sent through aiosmpplib to a local SMS centre over real TCP (tests/smsc.py):
queued → sent → delivered, throttling retried, quiet hours, Chinese intact in UCS2, a dropped
connection bound again with nothing sent twice."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from conftest import FakeClock
from smsc import Smsc, running_smsc
from sqlmodel import col, select

from hotline.application import sms as sms_cases
from hotline.application.unit import CoreServices
from hotline.db.tables import SmsMessage
from hotline.services.sms_outbox import Recipient
from hotline.sms.sender import CLAIM_BATCH, RECORD_BATCH, SmsSender
from hotline.sms.url import SmppUrl
from tickets.sms_templates import SmsTemplate

PLANNED = {
    "cause": "管网检测",
    "area": "西湖区文三路",
    "start": "12月10日 09:00",
    "end": "12月10日 17:00",
}


async def wait_until(check: Callable[[], Awaitable[bool]], seconds: float = 20) -> None:
    async def poll() -> None:
        while not await check():
            await asyncio.sleep(0.05)

    await asyncio.wait_for(poll(), seconds)


async def outbox(core: CoreServices) -> list[SmsMessage]:
    async with core.sessions() as session:
        return list((await session.exec(select(SmsMessage).order_by(col(SmsMessage.id)))).all())


async def statuses(core: CoreServices) -> list[str]:
    return [message.status for message in await outbox(core)]


def all_in(core: CoreServices, status: str, count: int) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return await statuses(core) == [status] * count

    return check


@asynccontextmanager
async def sending(core: CoreServices, smsc: Smsc, rate: float = 500) -> AsyncIterator[SmsSender]:
    sender = SmsSender(core, SmppUrl("127.0.0.1", smsc.port, "hotline", "secret", "96777", rate))
    sender.start()
    try:
        yield sender
    finally:
        await sender.stop()


def phone(number: int) -> str:
    return f"+86138{number:08d}"


async def queue_planned(core: CoreServices, count: int, *, emergency: bool = False) -> int:
    return await sms_cases.queue_notices(
        core,
        event="incident:7:planned" if not emergency else "incident:8:started",
        template=SmsTemplate.PLANNED_OUTAGE,
        parameters=PLANNED,
        recipients=[Recipient(phone(n)) for n in range(count)],
        emergency=emergency,
    )


async def test_a_notice_is_queued_sent_and_delivered_in_chinese(core: CoreServices) -> None:
    assert await queue_planned(core, 1) == 1
    assert await statuses(core) == ["queued"]
    async with running_smsc() as smsc, sending(core, smsc):
        await wait_until(all_in(core, "delivered", 1))
    [message] = await outbox(core)
    [received] = smsc.received
    assert message.message_id == received.message_id
    assert received.destination == "8613800000000"
    assert received.data_coding == 0x08  # UCS2
    assert received.text == message.text
    assert received.text.startswith("【燃气热线】尊敬的用户：因管网检测，西湖区文三路将于")
    # Longer than one SMS: carried whole in message_payload.
    assert len(received.text) > 70
    assert smsc.receipts_acknowledged == 1
    assert message.sent_at is not None
    assert message.delivered_at is not None


async def test_more_messages_than_one_transaction_takes_are_each_sent_once(
    core: CoreServices,
) -> None:
    """At 500 a second the sender keeps 1,000 messages in hand, more than it claims or records
    in one transaction (CLAIM_BATCH, RECORD_BATCH): claimed and recorded in several, each
    message sent exactly once and every one delivered."""
    count = CLAIM_BATCH * 2 + RECORD_BATCH // 10
    await queue_planned(core, count)
    async with running_smsc() as smsc, sending(core, smsc, rate=500) as sender:
        assert sender.window > CLAIM_BATCH
        await wait_until(all_in(core, "delivered", count), seconds=60)
    destinations = sorted(sms.destination for sms in smsc.received)
    assert destinations == sorted(phone(n).lstrip("+") for n in range(count))
    assert smsc.receipts_acknowledged == count


async def test_queueing_the_same_event_twice_adds_only_new_recipients(core: CoreServices) -> None:
    assert await queue_planned(core, 3) == 3
    assert await queue_planned(core, 5) == 2
    assert len(await outbox(core)) == 5


async def test_a_throttled_message_is_tried_again_after_the_backoff(
    core: CoreServices, clock: FakeClock
) -> None:
    await queue_planned(core, 1)
    async with running_smsc(Smsc(throttle_next=1)) as smsc, sending(core, smsc):

        async def throttled_once() -> bool:
            [message] = await outbox(core)
            return message.status == "queued" and message.throttles == 1

        await wait_until(throttled_once)
        [message] = await outbox(core)
        assert message.next_attempt_at > clock.now
        assert smsc.received == []
        clock.advance(seconds=5)
        await wait_until(all_in(core, "delivered", 1))
    assert smsc.throttled == 1
    assert len(smsc.received) == 1


async def test_quiet_hours_hold_notices_but_not_emergencies(
    core: CoreServices, clock: FakeClock
) -> None:
    clock.now = datetime(2026, 11, 20, 14, 30, tzinfo=UTC)  # 22:30 in Shanghai
    await queue_planned(core, 1)
    await queue_planned(core, 1, emergency=True)
    async with running_smsc() as smsc, sending(core, smsc):

        async def emergency_delivered() -> bool:
            return await statuses(core) == ["queued", "delivered"]

        await wait_until(emergency_delivered)
        planned = (await outbox(core))[0]
        assert planned.next_attempt_at == datetime(2026, 11, 21, 0, 0, tzinfo=UTC)  # 08:00
        assert len(smsc.received) == 1
        clock.now = datetime(2026, 11, 21, 0, 0, tzinfo=UTC)
        await wait_until(all_in(core, "delivered", 2))
    assert len(smsc.received) == 2


async def test_a_dropped_connection_binds_again_and_sends_nothing_twice(
    core: CoreServices, clock: FakeClock
) -> None:
    await queue_planned(core, 12)

    async def all_delivered() -> bool:
        # A submit lost with the connection is tried again after its backoff: time passes.
        clock.advance(seconds=10)
        return await statuses(core) == ["delivered"] * 12

    async with running_smsc(Smsc(drop_after_accepted=4)) as smsc, sending(core, smsc):
        await wait_until(all_delivered, seconds=60)
    destinations = [sms.destination for sms in smsc.received]
    assert sorted(destinations) == sorted(phone(n).lstrip("+") for n in range(12))
    assert smsc.binds >= 3
    # Those the gateway never answered were submitted again on the new connection.
    assert any(message.last_error for message in await outbox(core))


async def test_an_undeliverable_receipt_fails_the_message(core: CoreServices) -> None:
    await queue_planned(core, 1)
    async with running_smsc(Smsc(receipt_stat="UNDELIV")) as smsc, sending(core, smsc):
        await wait_until(all_in(core, "failed", 1))
    [message] = await outbox(core)
    assert message.last_error == "receipt UNDELIV"
