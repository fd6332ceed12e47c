"""The outage report over the API: outages per month, notice lead time, restored within 24 h,
calls joined, customers notified and reached by SMS, relighting done."""

from __future__ import annotations

from datetime import timedelta

from conftest import Api, FakeClock
from test_relighting import context_of_api, restored_outage

from hotline.application import sms as sms_cases
from hotline.services.sms_outbox import Accepted, Receipt


async def test_the_outage_report_sums_notices_restoration_calls_and_relighting(
    api: Api, clock: FakeClock
) -> None:
    incident, _number = await restored_outage(api, clock)
    context = context_of_api(api)
    # The gateway took the planned notices and one handset acknowledged its own.
    due = await sms_cases.claim_due(context, 10)
    accepted = [Accepted(message.outbox_id, f"m{message.outbox_id}") for message in due]
    await sms_cases.record_results(context, [*accepted, Receipt(accepted[0].message_id, "DELIVRD")])
    first, _second = (await api.get("disp", f"/api/incidents/{incident}/relighting")).json()[
        "items"
    ]
    start = clock.now + timedelta(hours=18)
    window = {"start": start.isoformat(), "end": (start + timedelta(hours=2)).isoformat()}
    assert (
        await api.post("disp", f"/api/relighting/{first['id']}/book", window)
    ).status_code == 200
    clock.now = start + timedelta(hours=1)
    assert (await api.post("disp", f"/api/relighting/{first['id']}/done", {})).status_code == 200
    # A second planned outage at short notice (an emergency repair), not yet begun.
    short_start = clock.now + timedelta(hours=6)
    short = await api.post(
        "disp",
        "/api/incidents",
        {
            "kind": "planned",
            "cause": "maintenance",
            "title": "阀门更换",
            "areas": ["滨江区"],
            "planned_start": short_start.isoformat(),
            "planned_end": (short_start + timedelta(hours=2)).isoformat(),
            "short_notice_reason": "阀门漏气需抢修",
        },
    )
    assert short.status_code == 201, short.text
    report = await api.get(
        "qa", "/api/reports/outages", **{"from": "2026-11-01", "to": "2026-11-30"}
    )
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["outages"] == 2
    assert body["by_month"] == [{"month": "2026-11", "planned": 2, "unplanned": 0}]
    assert body["notice"] == {
        "planned": 2,
        "announced_48h_ahead": 1,
        "share": 0.5,
        "shortest_lead_hours": 6.0,
    }
    assert body["restoration"] == {"restored": 1, "within_24h": 1, "share": 1.0}
    assert body["calls"] == {"linked": 1, "tickets_linked": 1, "deflected": 0}
    assert body["notices"] == {"customers_notified": 2, "customers_delivered": 1, "share": 0.5}
    assert body["relighting"] == {
        "visits": 2,
        "done": 1,
        "not_needed": 0,
        "outstanding": 1,
        "share": 0.5,
    }
    reversed_dates = await api.get(
        "qa", "/api/reports/outages", **{"from": "2026-12-01", "to": "2026-11-01"}
    )
    assert reversed_dates.status_code == 422
    assert (
        await api.get("agent", "/api/reports/outages", **{"from": "2026-11-01", "to": "2026-11-30"})
    ).status_code == 403
