"""The monthly KPI report over a year of a city hotline in PostgreSQL — 1,000,000 tickets,
5,000,000 calls, their clocks and 200,000 callbacks — next to a plain COUNT(*) over the same
rows (the month's tickets, clocks, callbacks and calls) measured in the same run.

Target: the report for a month in under 2 s.

    .venv/bin/python benchmarks/kpi.py [--tickets 1000000] [--calls 5000000] [--reuse]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import asyncpg
from pages import NOW, fill
from sqlalchemy import text
from support import database_url, recreate_database

from hotline.db.engine import create_engine, session_factory
from hotline.db.migrate import upgrade
from hotline.services.kpi import kpi_report

DATABASE = "hotline_bench_kpi"
TZ = ZoneInfo("Asia/Shanghai")
MONTH = (datetime(2026, 10, 1, tzinfo=TZ), datetime(2026, 11, 1, tzinfo=TZ))
RUNS = 5


async def add_replies_and_callbacks(url: str, callbacks: int) -> None:
    """Reply clocks for consultations and complaints, and callback tasks on the repairs and
    complaints that were resolved, a fifth of them surveyed."""
    connection = await asyncpg.connect(url)
    await connection.execute(
        """
        INSERT INTO sla_clock (ticket_id, name, kind, basis, started_at, target_due_at,
                               original_due_at, due_at, pausable, estimated, paused_seconds,
                               stopped_at, breached_at)
        SELECT id, 'reply', 'minutes', 'policy', received_at, received_at + interval '4 hours',
               received_at + interval '4 hours', received_at + interval '4 hours', true, false, 0,
               received_at + interval '3 hours',
               CASE WHEN id % 7 = 0 THEN received_at + interval '4 hours' END
        FROM ticket WHERE type IN ('consultation', 'complaint')
        """
    )
    await connection.execute(
        """
        INSERT INTO callback_task (ticket_id, kind, status, event_at, not_before, due_by,
                                   attempts, survey_score, created_at, updated_at)
        SELECT id, type, (ARRAY['done', 'unreachable', 'pending', 'refused'])[1 + id % 4],
               received_at + interval '3 hours', received_at + interval '5 hours',
               received_at + interval '75 hours', 1,
               CASE WHEN id % 4 = 0 THEN 1 + id % 5 END, received_at, received_at
        FROM ticket WHERE type IN ('repair', 'complaint') AND status IN ('resolved', 'closed')
        ORDER BY id LIMIT $1
        """,
        callbacks,
    )
    await connection.execute("VACUUM ANALYZE")
    await connection.close()


async def plain_counts(url: str) -> float:
    """The baseline: COUNT(*) over the rows the report reads, nothing grouped or joined."""
    engine = create_engine(url)
    start, end = MONTH
    try:
        async with engine.connect() as connection:
            began = time.perf_counter()
            for table, column in (
                ("sla_clock", "stopped_at"),
                ("callback_task", "due_by"),
                ("call_log", "started_at"),
            ):
                await connection.execute(
                    text(f"SELECT count(*) FROM {table} WHERE {column} >= :s AND {column} < :e"),
                    {"s": start, "e": end},
                )
            return time.perf_counter() - began
    finally:
        await engine.dispose()


async def report_time(url: str) -> tuple[float, dict[str, object]]:
    engine = create_engine(url)
    try:
        began = time.perf_counter()
        report = await kpi_report(session_factory(engine), *MONTH, TZ)
        return time.perf_counter() - began, report.json(TZ)["totals"]  # type: ignore[return-value]
    finally:
        await engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--calls", type=int, default=5_000_000)
    parser.add_argument("--callbacks", type=int, default=200_000)
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()
    if args.reuse:
        url = database_url(DATABASE)
        upgrade(url)
    else:
        url = asyncio.run(recreate_database(DATABASE))
        upgrade(url)
        began = time.perf_counter()
        asyncio.run(fill(url, args.tickets, args.calls))
        asyncio.run(add_replies_and_callbacks(url, args.callbacks))
        print(f"filled in {time.perf_counter() - began:.0f} s (data up to {NOW:%Y-%m-%d})")
    baselines, reports = [], []
    totals: dict[str, object] = {}
    for _ in range(RUNS):
        baselines.append(asyncio.run(plain_counts(url)))
        elapsed, totals = asyncio.run(report_time(url))
        reports.append(elapsed)
    baseline, report = statistics.median(baselines), statistics.median(reports)
    tickets = totals["tickets"]
    calls = totals["calls"]
    assert isinstance(tickets, dict) and isinstance(calls, dict)
    print(
        f"month {MONTH[0]:%Y-%m}: {tickets['repairs_fixed']} repairs fixed, "
        f"{tickets['callbacks_due']} callbacks due, {calls['offered']} calls offered"
    )
    print(f"plain COUNT(*) over the same rows: median {baseline * 1000:8.1f} ms")
    print(
        f"KPI report for the month:          median {report * 1000:8.1f} ms "
        f"({report / baseline:.1f}x the counts)"
    )
    print("target: the monthly report under 2 s")
    return 0 if report < 2.0 else 1


if __name__ == "__main__":
    sys.exit(main())
