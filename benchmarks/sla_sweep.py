"""One SLA sweep over 1,000,000 open tickets in PostgreSQL, against a full-scan baseline.

The sweep asks the partial index on `sla_clock.next_check_at` for what has come due; the
baseline answers the same question the way a cron job over every open clock would (osTicket,
Frappe): a scan evaluating each clock's warning and due times. Both run on the same table in the
same run. Two sweeps are timed: the usual one every 2 s, when nothing has come due, and a busy
one with 20 clocks due (their escalations written, then rolled back so each run does the same
work). The script exits non-zero if the usual sweep misses its targets (under 50 ms, at least
50× faster than the baseline) or the busy one takes 50 ms or more.

    .venv/bin/python benchmarks/sla_sweep.py [--tickets 1000000] [--url postgresql://...]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta

import asyncpg
from support import ADMIN_URL, recreate_database

from hotline.db.engine import create_engine, session_factory
from hotline.db.migrate import upgrade
from hotline.services.sweeper import sweep

DATABASE = "hotline_bench_sweep"
NOW = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)
DUE_NOW = 20  # clocks whose warning has just come due: a realistic sweep's catch

BASELINE_QUERY = """
SELECT c.id FROM sla_clock c JOIN ticket t ON t.id = c.ticket_id
WHERE c.stopped_at IS NULL AND c.paused_at IS NULL
  AND ((c.warned_at IS NULL
        AND c.started_at + (c.due_at - c.started_at) * 0.8 <= $1)
    OR (c.breached_at IS NULL AND c.due_at <= $1::timestamptz))
ORDER BY c.due_at LIMIT 500
"""


async def _fill(url: str, tickets: int) -> None:
    """Tickets received over the last 5 h with running 24 h clocks, plus a handful whose
    warning is due right now. Bulk-generated in SQL: the API would take far too long."""
    connection = await asyncpg.connect(url)
    department = await connection.fetchval("SELECT id FROM department WHERE is_default")
    await connection.execute(
        """
        INSERT INTO ticket (number, type, subtype, special, status, priority, department_id,
                            description, named_staff, received_at, created_at, updated_at,
                            created_by)
        SELECT 'BX-BENCH-' || g, 'repair', 'network_fault', false, 'in_progress', 'normal', $1,
               'benchmark', '[]', $2::timestamptz - (g % 18000) * interval '1 second',
               $2::timestamptz, $2::timestamptz, 'bench'
        FROM generate_series(1, $3) AS g
        """,
        department,
        NOW,
        tickets,
    )
    await connection.execute(
        """
        INSERT INTO sla_clock (ticket_id, name, kind, basis, started_at, target_due_at,
                               original_due_at, due_at, pausable, estimated, paused_seconds,
                               next_check_at)
        SELECT id, 'fix', 'minutes', 'policy', received_at, received_at + interval '24 hours',
               received_at + interval '24 hours', received_at + interval '24 hours', true, false,
               0, received_at + interval '19 hours 12 minutes'
        FROM ticket
        """
    )
    await connection.execute(
        """
        UPDATE sla_clock SET started_at = $1::timestamptz - interval '20 hours',
            target_due_at = $1::timestamptz + interval '4 hours',
            original_due_at = $1::timestamptz + interval '4 hours',
            due_at = $1::timestamptz + interval '4 hours',
            next_check_at = $1::timestamptz - interval '48 minutes'
        WHERE id IN (SELECT id FROM sla_clock ORDER BY id LIMIT $2::int)
        """,
        NOW,
        DUE_NOW,
    )
    await connection.execute("VACUUM ANALYZE")
    await connection.close()


async def _time_baseline(url: str, runs: int) -> tuple[list[float], int]:
    connection = await asyncpg.connect(url)
    timings = []
    found = 0
    for _ in range(runs):
        started = time.perf_counter()
        found = len(await connection.fetch(BASELINE_QUERY, NOW))
        timings.append((time.perf_counter() - started) * 1000)
    await connection.close()
    return timings, found


async def _time_sweeps(url: str, runs: int, now: datetime) -> tuple[list[float], int]:
    """The real sweep, in a transaction rolled back each time so every run has the same work."""
    engine = create_engine(url)
    sessions = session_factory(engine)
    timings = []
    found = 0
    for _ in range(runs):
        async with sessions() as session:
            transaction = await session.begin()
            started = time.perf_counter()
            result = await sweep(session, now)
            timings.append((time.perf_counter() - started) * 1000)
            found = result.examined
            await transaction.rollback()
    await engine.dispose()
    return timings, found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--url", default=ADMIN_URL, help="a PostgreSQL to create the db in")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    url = asyncio.run(recreate_database(DATABASE, args.url))
    upgrade(url)
    started = time.perf_counter()
    asyncio.run(_fill(url, args.tickets))
    print(f"filled {args.tickets:,} open tickets in {time.perf_counter() - started:.1f} s")

    baseline, baseline_found = asyncio.run(_time_baseline(url, max(3, args.runs // 4)))
    # A minute before the batch's warnings come due nothing is due: the usual sweep.
    idle, idle_found = asyncio.run(_time_sweeps(url, args.runs, NOW - timedelta(minutes=49)))
    busy, busy_found = asyncio.run(_time_sweeps(url, args.runs, NOW))
    if baseline_found != busy_found or busy_found != DUE_NOW or idle_found != 0:
        print(f"MISMATCH: sweep found {busy_found}/{idle_found}, baseline {baseline_found}")
        return 1
    baseline_ms = statistics.median(baseline)
    idle_ms = statistics.median(idle)
    busy_ms = statistics.median(busy)
    print(f"open tickets: {args.tickets:,}; clocks due in the busy sweep: {busy_found}")
    print(
        f"full-scan baseline (find only):   median {baseline_ms:8.2f} ms (min {min(baseline):.2f})"
    )
    print(
        f"indexed sweep, nothing due:       median {idle_ms:8.2f} ms (max {max(idle):.2f})"
        f"  -> {baseline_ms / idle_ms:.0f}x faster"
    )
    print(
        f"indexed sweep, {DUE_NOW} due + writes:  median {busy_ms:8.2f} ms (max {max(busy):.2f})"
        f"  -> {baseline_ms / busy_ms:.0f}x faster than the baseline's find alone"
    )
    print("targets: usual sweep < 50 ms and >= 50x the baseline; busy sweep < 50 ms")
    return 0 if idle_ms < 50 and baseline_ms / idle_ms >= 50 and busy_ms < 50 else 1


if __name__ == "__main__":
    sys.exit(main())
