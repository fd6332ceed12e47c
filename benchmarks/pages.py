"""Console pages over a big PostgreSQL: p50/p95 server time for the ticket list, a ticket page
and the wallboard's figures with 1,000,000 tickets and 5,000,000 calls, next to a baseline
measured in the same run: the same pages over an empty database.

Targets: p95 under 150 ms, and within 3x of the empty baseline.

    .venv/bin/python benchmarks/pages.py [--tickets 1000000] [--calls 5000000] [--requests 100]
                                         [--reuse]  (measure the databases a previous run filled)
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import time
from datetime import UTC, datetime

import asyncpg
import httpx
from support import database_url, percentile, recreate_database, serving

from hotline.auth.passwords import hash_password
from hotline.db.migrate import upgrade

NOW = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)
PASSWORD = "benchmark password"
EMPTY = "hotline_bench_pages_empty"
FULL = "hotline_bench_pages"
STATUSES = ["new", "assigned", "in_progress", "waiting_customer", "resolved", "closed"]


async def add_supervisor(url: str) -> None:
    connection = await asyncpg.connect(url)
    await connection.execute(
        "INSERT INTO user_account (username, display_name, role, password_hash, active, "
        "created_at) VALUES ('boss', 'Boss', 'supervisor', $1, true, $2)",
        hash_password(PASSWORD),
        NOW,
    )
    await connection.close()


async def fill(url: str, tickets: int, calls: int) -> None:
    """A year of a city hotline, bulk-generated in SQL: tickets of every type and status with
    their clocks, and calls spread over the year (the API would take days)."""
    connection = await asyncpg.connect(url)
    department = await connection.fetchval("SELECT id FROM department WHERE is_default")
    await connection.execute(
        """
        INSERT INTO ticket (number, type, subtype, special, status, priority, department_id,
                            caller_phone, description, named_staff, received_at, created_at,
                            updated_at, created_by)
        SELECT 'BX-' || to_char($2::timestamptz - (g * interval '31 seconds'), 'YYYYMMDD')
                 || '-' || lpad(g::text, 7, '0'),
               (ARRAY['consultation', 'repair', 'complaint', 'outage'])[1 + g % 4],
               (ARRAY['billing', 'indoor_equipment', 'service_attitude', 'planned'])[1 + g % 4],
               false, ($4::text[])[1 + g % 6], 'normal', $1,
               '+86138' || lpad((g % 100000000)::text, 8, '0'), '燃气灶无法点火 #' || g, '[]',
               $2::timestamptz - (g * interval '31 seconds'), $2::timestamptz,
               $2::timestamptz, 'bench'
        FROM generate_series(1, $3) AS g
        """,
        department,
        NOW,
        tickets,
        STATUSES,
    )
    await connection.execute(
        """
        INSERT INTO sla_clock (ticket_id, name, kind, basis, started_at, target_due_at,
                               original_due_at, due_at, pausable, estimated, paused_seconds,
                               next_check_at, stopped_at)
        SELECT id, c.name, 'minutes', 'policy', received_at, received_at + c.span,
               received_at + c.span, received_at + c.span, true, false, 0,
               CASE WHEN status IN ('resolved', 'closed') THEN NULL
                    ELSE received_at + c.span * 0.8 END,
               CASE WHEN status IN ('resolved', 'closed') THEN received_at + interval '3 hours'
               END
        FROM ticket,
             (VALUES ('handle', interval '6 hours'), ('fix', interval '24 hours')) AS c(name, span)
        """
    )
    await connection.execute(
        """
        INSERT INTO call_log (server, linkedid, direction, caller, dialled, ivr_choice, queue,
                              agent_name, agent_interface, started_at, answered_at, ended_at,
                              wait_seconds, talk_seconds, disposition, updated_at)
        SELECT 'pbx', '1800000000.' || g, 'inbound',
               '+86138' || lpad((g % 100000000)::text, 8, '0'), '96777', 'repair', 'hotline',
               'Agent' || (g % 40), 'PJSIP/8' || lpad((g % 40)::text, 3, '0'),
               $1::timestamptz - (g * interval '6 seconds'),
               $1::timestamptz - (g * interval '6 seconds') + interval '12 seconds',
               $1::timestamptz - (g * interval '6 seconds') + interval '200 seconds',
               12, 188, CASE WHEN g % 10 = 0 THEN 'abandoned' ELSE 'answered' END,
               $1::timestamptz
        FROM generate_series(1, $2) AS g
        """,
        NOW,
        calls,
    )
    await connection.execute("VACUUM ANALYZE")
    await connection.close()


async def measure(url: str, requests: int) -> dict[str, list[float]]:
    with serving(url) as port:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            form = await client.get("/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
            assert token
            signed = await client.post(
                "/login",
                data={
                    "username": "boss",
                    "password": PASSWORD,
                    "csrf_token": token.group(1),
                    "next": "/tickets",
                },
            )
            assert signed.status_code == 303, signed.text
            listing = await client.get("/tickets")
            numbers = re.findall(r'href="/tickets/([^"]+)"', listing.text)
            pages = {
                "ticket list": "/tickets",
                "breached view": "/tickets?view=breached",
                "due soon view": "/tickets?view=due_soon",
                "wallboard figures": "/api/wallboard",
            }
            if numbers:
                pages["ticket page"] = f"/tickets/{numbers[len(numbers) // 2]}"
            timings: dict[str, list[float]] = {}
            for name, path in pages.items():
                for _ in range(10):
                    await client.get(path)
                samples = []
                for _ in range(requests):
                    started = time.perf_counter()
                    response = await client.get(path)
                    samples.append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 200, (path, response.status_code)
                timings[name] = samples
            return timings


async def prepare(tickets: int, calls: int) -> tuple[str, str]:
    empty = await recreate_database(EMPTY)
    full = await recreate_database(FULL)
    for url in (empty, full):
        await asyncio.to_thread(upgrade, url)
        await add_supervisor(url)
    # The empty baseline still has one ticket, so that its ticket page exists.
    await fill(empty, 1, 1)
    started = time.perf_counter()
    await fill(full, tickets, calls)
    print(f"filled {tickets} tickets and {calls} calls in {time.perf_counter() - started:.0f} s")
    return empty, full


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--calls", type=int, default=5_000_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()
    if args.reuse:
        empty, full = database_url(EMPTY), database_url(FULL)
        for url in (empty, full):
            # Migrations added since the fill (new indexes) apply to the kept data.
            upgrade(url)
    else:
        empty, full = asyncio.run(prepare(args.tickets, args.calls))
    baseline = asyncio.run(measure(empty, args.requests))
    loaded = asyncio.run(measure(full, args.requests))
    met = True
    print(f"{'page':<20}{'empty p50':>11}{'p95':>8}{'full p50':>11}{'p95':>8}{'ratio':>8}")
    for name, samples in loaded.items():
        base = baseline[name]
        base_p95, full_p95 = percentile(base, 0.95), percentile(samples, 0.95)
        ratio = full_p95 / base_p95
        print(
            f"{name:<20}{statistics.median(base):>10.1f}ms{base_p95:>6.1f}ms"
            f"{statistics.median(samples):>10.1f}ms{full_p95:>6.1f}ms{ratio:>7.1f}x"
        )
        met = met and full_p95 < 150 and ratio <= 3
    print("targets: p95 < 150 ms and within 3x of the empty baseline")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
