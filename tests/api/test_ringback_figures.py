"""Ring-backs counted in the reports: per local month and queue, requested, connected, failed,
dropped, the share reached and the average time from joining the queue to the ring-back; and
on the wallboard, callers waiting to be called back now and today's outcomes."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from conftest import Api, FakeClock

from hotline.db.tables import RingbackRow
from hotline.web.context import AppContext

TZ = ZoneInfo("Asia/Shanghai")


def ringback(
    number: str,
    requested: datetime,
    status: str,
    *,
    waited: float | None = None,
    queue: str | None = "hotline",
    reason: str = "missed_call",
) -> RingbackRow:
    arrived = requested - timedelta(minutes=3)
    return RingbackRow(
        number=number,
        reason=reason,
        queue=queue,
        arrived_at=arrived,
        requested_at=requested,
        status=status,
        attempts=1,
        finished_at=arrived + timedelta(seconds=waited) if waited is not None else None,
    )


async def store(api: Api, *rows: RingbackRow) -> None:
    context = api.app_context
    assert isinstance(context, AppContext)
    async with context.sessions() as session, session.begin():
        session.add_all(rows)


async def test_the_report_counts_ring_backs_per_month_and_queue(api: Api) -> None:
    november = datetime(2026, 11, 10, 10, 0, tzinfo=TZ)
    await store(
        api,
        ringback("+8613800000001", november, "connected", waited=300),
        ringback("+8613800000002", november, "connected", waited=900),
        ringback("+8613800000003", november, "failed", waited=4000),
        ringback("+8613800000004", november, "dropped", waited=100),
        ringback("+8613800000005", november, "waiting"),
        # A gas smell with no queue recorded counts in the emergency queue.
        ringback(
            "+8613800000006",
            november,
            "connected",
            waited=60,
            queue=None,
            reason="gas_smell_missed",
        ),
        # The first of December, local time: another month.
        ringback("+8613800000007", datetime(2026, 12, 1, 0, 30, tzinfo=TZ), "connected", waited=30),
    )
    report = await api.get("sup", "/api/reports/kpi", **{"from": "2026-11-01", "to": "2026-12-31"})
    assert report.status_code == 200, report.text
    rows = {(row["month"], row["queue"]): row for row in report.json()["calls"]}
    hotline = rows[("2026-11", "hotline")]
    assert (
        hotline["ringbacks_requested"],
        hotline["ringbacks_connected"],
        hotline["ringbacks_failed"],
        hotline["ringbacks_dropped"],
    ) == (5, 2, 1, 1)
    assert hotline["ring_back_rate"] == pytest.approx(2 / 3)
    assert hotline["average_ring_back_seconds"] == pytest.approx(600.0)
    assert hotline["offered"] == 0 and hotline["answer_rate"] is None
    emergency = rows[("2026-11", "emergency")]
    assert (emergency["ringbacks_connected"], emergency["average_ring_back_seconds"]) == (1, 60.0)
    assert rows[("2026-12", "hotline")]["ringbacks_requested"] == 1
    totals = report.json()["totals"]["calls"]
    assert (totals["ringbacks_requested"], totals["ringbacks_connected"]) == (7, 4)
    download = await api.client.get(
        "/api/reports/kpi",
        params={"from": "2026-11-01", "to": "2026-11-30", "format": "csv"},
        headers={**api.auth("sup"), "Accept-Language": "en"},
    )
    table = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
    requested = [row["Ring-backs requested"] for row in table if row["Section"] == "Calls"]
    assert requested == [
        "1",
        "5",
    ]


async def test_the_wallboard_counts_callers_to_call_back(api: Api, clock: FakeClock) -> None:
    now = clock.now
    await store(
        api,
        ringback("+8613800000001", now - timedelta(days=1), "waiting"),
        ringback("+8613800000002", now - timedelta(minutes=30), "dialling"),
        ringback("+8613800000003", now - timedelta(minutes=20), "connected", waited=600),
        ringback("+8613800000004", now - timedelta(minutes=10), "failed", waited=900),
    )
    board = (await api.get("sup", "/api/wallboard")).json()
    assert board["ringbacks"] == {
        "waiting": 2,
        "requested_today": 3,
        "connected_today": 1,
        "failed_today": 1,
    }
