"""The outage report's sums without I/O: months in local time, the 48-hour notice share, gas
back within 24 h, notices reached, relighting settled and callers called back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from tickets.incidents import Kind
from tickets.outage_report import OutageFacts, summarise

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)  # 1 December 01:00 in Shanghai


def test_nothing_in_the_period_gives_no_shares() -> None:
    report = summarise([], SHANGHAI)
    assert report["outages"] == 0 and report["by_month"] == []
    assert report["notice"]["share"] is None and report["restoration"]["share"] is None


def test_outages_are_summed_by_local_month_and_rule() -> None:
    planned = OutageFacts(
        Kind.PLANNED,
        announced_at=START - timedelta(hours=47),
        clock_start=START,
        restored_at=START + timedelta(hours=25),
        customers_notified=10,
        customers_delivered=9,
        relight_visits=4,
        relight_done=2,
        relight_not_needed=1,
    )
    unplanned = OutageFacts(
        Kind.UNPLANNED,
        announced_at=START - timedelta(days=3),
        clock_start=START - timedelta(days=3),
        restored_at=START - timedelta(days=3) + timedelta(hours=24),
        calls_linked=30,
        deflected=12,
    )
    report = summarise([planned, unplanned], SHANGHAI)
    assert report["by_month"] == [
        {"month": "2026-11", "planned": 0, "unplanned": 1},
        {"month": "2026-12", "planned": 1, "unplanned": 0},
    ]
    assert report["notice"] == {
        "planned": 1,
        "announced_48h_ahead": 0,
        "share": 0.0,
        "shortest_lead_hours": 47.0,
    }
    assert report["restoration"] == {"restored": 2, "within_24h": 1, "share": 0.5}
    assert report["calls"] == {"linked": 30, "tickets_linked": 0, "deflected": 12}
    assert report["notices"]["share"] == 0.9
    assert report["relighting"]["outstanding"] == 1 and report["relighting"]["share"] == 0.75


def test_the_callers_follow_up_callbacks_are_counted_and_their_reach_shared() -> None:
    outages = [
        OutageFacts(Kind.UNPLANNED, START, START, START, follow_ups=3, follow_ups_reached=2),
        OutageFacts(Kind.UNPLANNED, START, START, None, follow_ups=1, follow_ups_reached=1),
    ]
    assert summarise(outages, SHANGHAI)["follow_ups"] == {
        "callbacks": 4,
        "reached": 3,
        "share": 0.75,
    }
    assert summarise([], SHANGHAI)["follow_ups"]["share"] is None
