"""The daily trend on GET /api/reports/kpi (`daily`) and on /reports (one SVG group per local
day), over the known data set of test_kpi.py: calls per local day, deadlines met or breached on
the day they fell due, empty days zero (issue 14, point 14)."""

from __future__ import annotations

import re

from conftest import Api
from test_kpi import known  # noqa: F401  (the fixture)
from web.console import sign_in

NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}
CALLS = ("offered", "answered", "abandoned")


async def test_the_json_has_every_local_day_with_its_calls(api: Api, known: None) -> None:  # noqa: F811
    report = (await api.get("qa", "/api/reports/kpi", **NOVEMBER)).json()
    days = {row["day"]: row for row in report["daily"]}
    assert list(days) == [f"2026-11-{n:02d}" for n in range(1, 31)]
    calls = {day: tuple(row[name] for name in CALLS) for day, row in days.items()}
    # Inbound queued calls only: the outbound one on the 4th and October's are not counted.
    assert calls["2026-11-03"] == (3, 2, 1)
    assert calls["2026-11-04"] == (1, 1, 0)
    assert all(calls[day] == (0, 0, 0) for day in days if day not in ("2026-11-03", "2026-11-04"))
    totals = report["totals"]["calls"]
    for name in CALLS:
        assert sum(row[name] for row in days.values()) == totals[name]
    assert sum(row["met"] + row["breached"] for row in days.values()) > 0


async def test_the_page_draws_one_group_per_day_with_its_figures(api: Api, known: None) -> None:  # noqa: F811
    daily = (await api.get("qa", "/api/reports/kpi", **NOVEMBER)).json()["daily"]
    api.client.cookies.update({"lang": "en"})
    assert (await sign_in(api.client, "qa")).status_code == 303
    page = await api.client.get("/reports", params=NOVEMBER)
    assert page.status_code == 200
    for chart, names in (("calls", CALLS), ("deadlines", ("met", "breached"))):
        svg = re.search(rf'<svg class="trend-{chart}".*?</svg>', page.text, re.S)
        assert svg is not None
        assert f'<title id="trend-{chart}-title">' in svg.group(0)
        groups = re.findall(r'<g class="day" data-day="([\d-]+)"([^>]*)>', svg.group(0))
        assert [day for day, _ in groups] == [row["day"] for row in daily]
        for (_, attributes), row in zip(groups, daily, strict=True):
            drawn = dict(re.findall(r'data-(\w+)="(\d+)"', attributes))
            assert drawn == {name: str(row[name]) for name in names}
    third = re.search(
        r'<g class="day" data-day="2026-11-03"[^>]*>\s*<title>([^<]*)</title>', page.text
    )
    assert third is not None
    assert third.group(1) == "2026-11-03: Calls offered 3, Answered calls 2, Abandoned calls 1"
    assert "<td>2026-11-03</td><td>3</td><td>2</td><td>1</td>" in page.text
