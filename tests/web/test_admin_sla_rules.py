"""/admin/sla: the rules' values next to the configured ones; a target looser than the rules
(an SLA policy's or a KPI's) waits for a second admin's confirmation and is then flagged on the
page, on the tickets it clocks and in the KPI report (issue 12, points 14 and 15)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import httpx
from conftest import STAFF_PASSWORD_HASH, FakeClock
from sqlmodel import col, select
from web.console import csrf_of, field_errors, sign_in

from hotline.db.tables import KpiTargetRow, SlaPolicyRow, User
from hotline.web.context import AppContext


def context_of(browser: httpx.AsyncClient) -> AppContext:
    context = browser.app_context  # type: ignore[attr-defined]
    assert isinstance(context, AppContext)
    return context


async def post(browser: httpx.AsyncClient, action: str, data: dict[str, str]) -> httpx.Response:
    token = csrf_of((await browser.get("/admin/sla")).text)
    return await browser.post(action, data={"csrf_token": token, **data})


async def second_admin(browser: httpx.AsyncClient) -> None:
    async with context_of(browser).sessions() as session, session.begin():
        session.add(
            User(
                username="admin2",
                display_name="admin2",
                role="admin",
                password_hash=STAFF_PASSWORD_HASH,
                created_at=datetime(2026, 11, 1, tzinfo=UTC),
            )
        )


async def switch_to(browser: httpx.AsyncClient, user: str) -> None:
    browser.cookies.clear()
    browser.cookies.update({"lang": "en"})
    assert (await sign_in(browser, user)).status_code == 303


async def complaint_reply(browser: httpx.AsyncClient) -> SlaPolicyRow:
    async with context_of(browser).sessions() as session:
        rows = (await session.exec(select(SlaPolicyRow))).all()
    return next(r for r in rows if r.ticket_type == "complaint" and r.clock == "reply")


async def test_the_page_shows_the_rules_next_to_the_configured_values(
    browser: httpx.AsyncClient,
) -> None:
    browser.cookies.update({"lang": "en"})
    await sign_in(browser, "admin")
    page = await browser.get("/admin/sla")
    assert page.status_code == 200
    reply = await complaint_reply(browser)
    row = re.search(rf'action="/admin/sla/{reply.id}".*?</tr>', page.text, re.S)
    assert row is not None and 'class="rule"' in row.group(0)
    assert re.search(r'<td class="rule">\s*5 working days', row.group(0))
    assert 'action="/admin/sla/kpi"' in page.text and "96 %" in page.text


async def test_a_looser_target_needs_a_second_admin_and_is_flagged(
    browser: httpx.AsyncClient,
) -> None:
    browser.cookies.update({"lang": "en"})
    await second_admin(browser)
    await sign_in(browser, "admin")
    reply = await complaint_reply(browser)
    asked = await post(browser, f"/admin/sla/{reply.id}", {"amount": "30"})
    assert asked.status_code == 303
    assert (await complaint_reply(browser)).amount == 5  # not in force yet
    alone = await post(browser, f"/admin/sla/{reply.id}/confirm", {})
    assert alone.status_code == 422
    assert field_errors(alone.text) == ["a second admin must confirm a value looser than the rules"]
    await switch_to(browser, "admin2")
    confirmed = await post(browser, f"/admin/sla/{reply.id}/confirm", {})
    assert confirmed.status_code == 303
    row = await complaint_reply(browser)
    assert (row.amount, row.confirmed_by, row.pending_amount) == (30, "admin2", None)
    page = await browser.get("/admin/sla")
    assert "looser than the rules" in page.text
    tickets = await browser.get("/tickets")
    created = await browser.post(
        "/api/tickets",
        json={"type": "complaint", "description": "维修员迟到"},
        headers={"X-CSRF-Token": csrf_of(tickets.text)},
    )
    clock = next(c for c in created.json()["clocks"] if c["name"] == "reply")
    assert clock["looser_than_rules"] is True
    page = (await browser.get(f"/tickets/{created.json()['number']}")).text
    flagged = r'>reply <span class="left"></span> <strong class="looser">looser than the rules<'
    assert re.search(flagged, page)


async def test_a_looser_kpi_target_needs_a_second_admin_and_shows_in_the_report(
    browser: httpx.AsyncClient,
) -> None:
    browser.cookies.update({"lang": "en"})
    await second_admin(browser)
    await sign_in(browser, "admin")
    stricter = await post(browser, "/admin/sla/kpi", {"kpi": "callback_rate", "target": "100"})
    assert stricter.status_code == 303
    asked = await post(browser, "/admin/sla/kpi", {"kpi": "first_time_fix_rate", "target": "90"})
    assert asked.status_code == 303
    report = await browser.get(
        "/api/reports/kpi", params={"from": "2026-11-01", "to": "2026-11-30"}
    )
    assert report.json()["targets"]["first_time_fix_rate"]["target"] == 0.96
    await switch_to(browser, "admin2")
    confirmed = await post(
        browser, "/admin/sla/kpi", {"kpi": "first_time_fix_rate", "confirm": "1"}
    )
    assert confirmed.status_code == 303
    report = await browser.get(
        "/api/reports/kpi", params={"from": "2026-11-01", "to": "2026-11-30"}
    )
    target = report.json()["targets"]["first_time_fix_rate"]
    assert target == {"rule": 0.96, "target": 0.9, "looser_than_rules": True}
    async with context_of(browser).sessions() as session:
        row = (
            await session.exec(
                select(KpiTargetRow).where(col(KpiTargetRow.name) == "first_time_fix_rate")
            )
        ).one()
    assert row.confirmed_by == "admin2"


async def test_the_report_says_how_many_deadlines_a_looser_target_judged(
    browser: httpx.AsyncClient,
) -> None:
    browser.cookies.update({"lang": "en"})
    await second_admin(browser)
    await sign_in(browser, "admin")
    reply = await complaint_reply(browser)
    await post(browser, f"/admin/sla/{reply.id}", {"amount": "30"})
    await switch_to(browser, "admin2")
    assert (await post(browser, f"/admin/sla/{reply.id}/confirm", {})).status_code == 303
    headers = {"X-CSRF-Token": csrf_of((await browser.get("/tickets")).text)}
    created = await browser.post(
        "/api/tickets", json={"type": "complaint", "description": "维修员迟到"}, headers=headers
    )
    number = created.json()["number"]
    for action, body in (("assign", {"assignee": "admin2"}), ("reply", {"note": "已答复"})):
        done = await browser.post(
            f"/api/tickets/{number}/actions/{action}", json=body, headers=headers
        )
        assert done.status_code == 200, done.text
    # Replied in time against 30 working days: due in January, met, and said to be looser.
    period = {"from": "2026-11-01", "to": "2027-01-31"}
    report = await browser.get("/api/reports/kpi", params=period)
    totals = report.json()["totals"]["tickets"]
    assert (totals["complaints_due"], totals["clocks_looser_than_rules"]) == (1, 1)
    page = (await browser.get("/reports", params=period)).text
    looser_row = re.search(r'<tr class="looser-clocks">.*?</tr>', page, re.S)
    assert looser_row is not None and "<td>1</td>" in looser_row.group(0)
    assert '<strong class="looser">looser than the rules</strong>' in looser_row.group(0)
    assert '<td class="target">96%</td>' in page  # first-time fix, next to its target


async def test_the_report_page_divides_by_every_deadline_that_fell_due(
    browser: httpx.AsyncClient, clock: FakeClock
) -> None:
    browser.cookies.update({"lang": "en"})
    await sign_in(browser, "sup")
    headers = {"X-CSRF-Token": csrf_of((await browser.get("/tickets")).text)}
    body = {"type": "repair", "subtype": "network_fault", "description": "管网漏气"}
    body["address"] = "北区 1 号"
    body["assignee"] = "sup"
    numbers = []
    for _ in range(2):
        created = await browser.post("/api/tickets", json=body, headers=headers)
        numbers.append(created.json()["number"])
    for action, said in (("start", {}), ("fix", {"note": "更换管段"})):
        path = f"/api/tickets/{numbers[0]}/actions/{action}"
        await browser.post(path, json=said, headers=headers)
    clock.advance(hours=25)  # the other's fix deadline passes: breached, still open
    await context_of(browser).scheduler.sweep_once()
    period = {"from": "2026-11-01", "to": clock.now.date().isoformat()}
    page = (await browser.get("/reports", params=period)).text
    timeliness = re.search(r"<th>Repair timeliness</th>.*?</tr>", page, re.S)
    assert timeliness is not None
    assert "50.0%" in timeliness.group(0)
    assert '<td class="hint">1 / 2</td>' in timeliness.group(0)
    assert re.search(r'<tr class="waiting"><th>[^<]+</th><td>0</td>', page)
    assert re.search(r'<tr class="own-equipment"><th>[^<]+</th><td>—</td>', page)
