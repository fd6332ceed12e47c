"""10,000 SMS notices through the outbox and a local SMS centre over SMPP 3.4, against a
baseline: the same 10,000 messages submitted straight through the gateway connection, with no
outbox. Both talk to the test SMS centre (tests/smsc.py) over loopback TCP in the same run, with
delivery receipts. The outbox run counts from the sender's start until every message is marked
delivered in PostgreSQL; queueing the 10,000 (one call) is timed apart. The script exits
non-zero if the outbox sends fewer than 200 messages a second.

    .venv/bin/python benchmarks/sms_throughput.py [--messages 10000] [--rate 1000] [--url ...]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func
from sqlmodel import col, select
from support import ADMIN_URL, recreate_database

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from smsc import running_smsc

from hotline.application import sms as sms_cases
from hotline.db.engine import create_engine
from hotline.db.migrate import upgrade
from hotline.db.tables import SmsMessage
from hotline.runtime import build_core
from hotline.services.sms_outbox import Recipient
from hotline.settings import Settings
from hotline.sms.gateway import OutgoingSms, SmppGateway
from hotline.sms.sender import SmsSender
from hotline.sms.url import SmppUrl
from tickets.sms_templates import SmsTemplate

DATABASE = "hotline_bench_sms"
TARGET_PER_SECOND = 200
# 10:00 in Shanghai: outside the quiet hours.
NOW = datetime(2026, 12, 8, 2, 0, tzinfo=UTC)
PARAMETERS = {
    "cause": "管网检测",
    "area": "西湖区文三路",
    "start": "12月10日 09:00",
    "end": "12月10日 17:00",
}


def phone(number: int) -> str:
    return f"+86138{number:08d}"


class _Count:
    """The gateway's answers, counted: done when every receipt is in."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.answered = 0
        self.receipts = 0
        self.other = 0
        self.done = asyncio.Event()

    def bound(self) -> None:
        return None

    def dequeued(self, outbox_id: int) -> None:
        return None

    def accepted(self, outbox_id: int, message_id: str) -> None:
        self.answered += 1

    def refused(self, outbox_id: int, command_status: int) -> None:
        self.other += 1

    def not_sent(self, outbox_id: int, error: str) -> None:
        self.other += 1

    def receipt(self, message_id: str, stat: str) -> None:
        self.receipts += 1
        if self.receipts >= self.expected:
            self.done.set()


async def baseline(messages: int, rate: float) -> float:
    """Messages a second straight through the gateway: submitted, answered, receipt back."""
    async with running_smsc() as smsc:
        count = _Count(messages)
        gateway = SmppGateway(
            SmppUrl("127.0.0.1", smsc.port, "bench", "bench", "96777", rate), count
        )
        gateway.start()
        while not gateway.bound:
            await asyncio.sleep(0.01)
        started = time.perf_counter()
        for n in range(messages):
            await gateway.submit(OutgoingSms(n + 1, phone(n), "【燃气热线】" + PARAMETERS["area"]))
        await asyncio.wait_for(count.done.wait(), 600)
        elapsed = time.perf_counter() - started
        await gateway.stop()
    return messages / elapsed


async def through_outbox(url: str, messages: int, rate: float) -> tuple[float, float]:
    """(seconds to queue them all, messages a second from the sender's start to delivered)."""
    engine = create_engine(url)
    core = build_core(Settings(database_url=url), engine, lambda: NOW)
    started = time.perf_counter()
    queued = await sms_cases.queue_notices(
        core,
        event="incident:1:planned",
        template=SmsTemplate.PLANNED_OUTAGE,
        parameters=PARAMETERS,
        recipients=[Recipient(phone(n)) for n in range(messages)],
    )
    queueing = time.perf_counter() - started
    assert queued == messages

    async def delivered() -> int:
        async with core.sessions() as session:
            query = select(func.count()).where(col(SmsMessage.status) == "delivered")
            return int((await session.exec(query)).one())

    async with running_smsc() as smsc:
        sender = SmsSender(core, SmppUrl("127.0.0.1", smsc.port, "bench", "bench", "96777", rate))
        started = time.perf_counter()
        sender.start()
        while await delivered() < messages:
            await asyncio.sleep(0.1)
        elapsed = time.perf_counter() - started
        await sender.stop()
        assert len(smsc.received) == messages, "a message was sent twice or not at all"
    await engine.dispose()
    return queueing, messages / elapsed


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=1000.0, help="the gateway's limit, per s")
    parser.add_argument("--url", default=ADMIN_URL, help="PostgreSQL server to create a db on")
    args = parser.parse_args()
    url = await recreate_database(DATABASE, args.url)
    await asyncio.to_thread(upgrade, url)
    direct = await baseline(args.messages, args.rate)
    queueing, outbox = await through_outbox(url, args.messages, args.rate)
    print(f"SMS throughput, {args.messages} messages, gateway limit {args.rate:.0f}/s")
    print(f"  baseline (gateway alone, no outbox)  {direct:8.0f} messages/s")
    print(f"  outbox → SMPP → delivered            {outbox:8.0f} messages/s")
    print(f"  queueing {args.messages} notices (one call)    {queueing:8.2f} s")
    print(f"  target ≥ {TARGET_PER_SECOND}/s: {'met' if outbox >= TARGET_PER_SECOND else 'MISSED'}")
    return 0 if outbox >= TARGET_PER_SECOND else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
