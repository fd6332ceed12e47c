"""The outage report, pure: from the facts of each outage in a period, the figures the
regulations and the utility ask for — outages per month, notice lead time (the share of planned
ones announced at least 48 h ahead), gas back within 24 h, calls joined and callers the voice
menu let go, customers notified by SMS and reached, relighting done, callers called back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tickets.incidents import NOTICE_AHEAD, RESTORE_WITHIN, Kind


@dataclass(frozen=True)
class OutageFacts:
    kind: Kind
    announced_at: datetime
    # Planned start for a planned outage, the report for an unplanned one.
    clock_start: datetime
    restored_at: datetime | None
    calls_linked: int = 0
    tickets_linked: int = 0
    deflected: int = 0
    customers_notified: int = 0
    customers_delivered: int = 0
    relight_visits: int = 0
    relight_done: int = 0
    relight_not_needed: int = 0
    # Follow-up callbacks of its callers (tickets/incident_followups.py), and those reached.
    follow_ups: int = 0
    follow_ups_reached: int = 0


def share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def summarise(outages: Sequence[OutageFacts], tz: ZoneInfo) -> dict[str, Any]:
    months: dict[str, dict[str, int]] = {}
    for outage in outages:
        month = outage.clock_start.astimezone(tz).strftime("%Y-%m")
        counts = months.setdefault(month, {kind.value: 0 for kind in Kind})
        counts[outage.kind.value] += 1
    planned = [o for o in outages if o.kind is Kind.PLANNED]
    leads = [o.clock_start - o.announced_at for o in planned]
    ahead = sum(1 for lead in leads if lead >= NOTICE_AHEAD)
    restored = [o for o in outages if o.restored_at is not None]
    within = sum(
        1
        for o in restored
        if o.restored_at is not None and o.restored_at - o.clock_start <= RESTORE_WITHIN
    )
    notified = sum(o.customers_notified for o in outages)
    delivered = sum(o.customers_delivered for o in outages)
    visits = sum(o.relight_visits for o in outages)
    done = sum(o.relight_done for o in outages)
    not_needed = sum(o.relight_not_needed for o in outages)
    follow_ups = sum(o.follow_ups for o in outages)
    reached = sum(o.follow_ups_reached for o in outages)
    return {
        "outages": len(outages),
        "by_month": [{"month": month, **counts} for month, counts in sorted(months.items())],
        "notice": {
            "planned": len(planned),
            "announced_48h_ahead": ahead,
            "share": share(ahead, len(planned)),
            "shortest_lead_hours": _hours(min(leads)) if leads else None,
        },
        "restoration": {
            "restored": len(restored),
            "within_24h": within,
            "share": share(within, len(restored)),
        },
        "calls": {
            "linked": sum(o.calls_linked for o in outages),
            "tickets_linked": sum(o.tickets_linked for o in outages),
            "deflected": sum(o.deflected for o in outages),
        },
        "notices": {
            "customers_notified": notified,
            "customers_delivered": delivered,
            "share": share(delivered, notified),
        },
        "relighting": {
            "visits": visits,
            "done": done,
            "not_needed": not_needed,
            "outstanding": visits - done - not_needed,
            "share": share(done + not_needed, visits),
        },
        "follow_ups": {
            "callbacks": follow_ups,
            "reached": reached,
            "share": share(reached, follow_ups),
        },
    }


def _hours(lead: timedelta) -> float:
    return round(lead.total_seconds() / 3600, 2)
