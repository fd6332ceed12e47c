"""`/admin/...` over HTTP: who may use it, CSRF, validation shown next to the fields with
nothing lost or changed, audit rows, and changes that take effect at once."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import col, select
from web.console import csrf_of, field_errors, sign_in

from hotline.db.tables import (
    AuditEntry,
    CalendarOverride,
    CallbackPolicyRow,
    Department,
    RoutingRuleRow,
    SlaPolicyRow,
    User,
)
from hotline.web.context import AppContext

ADMIN_PAGES = [
    "/admin/users",
    "/admin/departments",
    "/admin/routing",
    "/admin/sla",
    "/admin/callbacks",
    "/admin/calendar",
]
ENGLISH = {"lang": "en"}


def context_of(browser: httpx.AsyncClient) -> AppContext:
    context = browser.app_context  # type: ignore[attr-defined]
    assert isinstance(context, AppContext)
    return context


async def post(
    browser: httpx.AsyncClient, page: str, action: str, data: dict[str, Any]
) -> httpx.Response:
    token = csrf_of((await browser.get(page)).text)
    return await browser.post(action, data={"csrf_token": token, **data})


async def audit_rows(browser: httpx.AsyncClient, entity: str) -> list[AuditEntry]:
    async with context_of(browser).sessions() as session:
        rows = await session.exec(
            select(AuditEntry).where(col(AuditEntry.entity) == entity).order_by(col(AuditEntry.id))
        )
        return list(rows.all())


@pytest.fixture
async def admin(browser: httpx.AsyncClient) -> httpx.AsyncClient:
    browser.cookies.update(ENGLISH)
    assert (await sign_in(browser, "admin")).status_code == 303
    return browser


@pytest.mark.parametrize("user", ["agent", "sup", "disp", "tech", "qa"])
async def test_admin_pages_answer_403_to_other_roles_and_are_not_in_their_menu(
    browser: httpx.AsyncClient, user: str
) -> None:
    await sign_in(browser, user)
    for path in ADMIN_PAGES:
        expected = 200 if (user, path) == ("sup", "/admin/calendar") else 403
        assert (await browser.get(path)).status_code == expected, path
    home = await browser.get("/tickets")
    assert 'href="/admin"' not in home.text
    assert ('href="/admin/calendar"' in home.text) == (user == "sup")
    refused = await post(browser, "/tickets", "/admin/departments", {"code": "x1", "name": "X"})
    assert refused.status_code == 403
    async with context_of(browser).sessions() as session:
        assert (
            await session.exec(select(Department).where(Department.code == "x1"))
        ).first() is None


async def test_every_admin_page_renders_for_the_admin_in_both_languages(
    admin: httpx.AsyncClient,
) -> None:
    for path in ADMIN_PAGES:
        english = await admin.get(path)
        assert english.status_code == 200 and 'lang="en"' in english.text, path
    assert 'href="/admin"' in english.text
    admin.cookies.delete("lang")
    chinese = await admin.get("/admin/routing")
    assert "分派规则" in chinese.text and 'lang="zh-CN"' in chinese.text
    assert "部门" in (await admin.get("/admin/departments")).text


async def test_a_form_without_its_csrf_token_changes_nothing(admin: httpx.AsyncClient) -> None:
    forged = await admin.post("/admin/departments", data={"code": "forged", "name": "伪造"})
    assert forged.status_code == 403
    assert await audit_rows(admin, "department") == []


async def test_a_refused_department_keeps_what_was_typed_and_says_why(
    admin: httpx.AsyncClient,
) -> None:
    refused = await post(
        admin,
        "/admin/departments",
        "/admin/departments",
        {"code": "North Crew", "name": "北区抢修队", "lead_username": "nobody"},
    )
    assert refused.status_code == 422
    assert "北区抢修队" in refused.text and "North Crew" in refused.text
    assert field_errors(refused.text) == [
        "2 to 40 lower-case letters, digits, '_' or '-', starting with a letter"
    ]
    assert await audit_rows(admin, "department") == []


async def test_departments_are_added_audited_and_one_is_the_default(
    admin: httpx.AsyncClient,
) -> None:
    added = await post(
        admin,
        "/admin/departments",
        "/admin/departments",
        {"code": "north_crew", "name": "北区抢修队", "lead_username": "disp", "is_default": "on"},
    )
    assert added.status_code == 303 and added.headers["location"] == "/admin/departments"
    shown = await admin.get("/admin/departments")
    assert "Saved." in shown.text and "北区抢修队" in shown.text
    async with context_of(admin).sessions() as session:
        defaults = await session.exec(select(Department.code).where(col(Department.is_default)))
        assert defaults.all() == ["north_crew"]
    # The default cannot simply be switched off: another department must take it over.
    kept = await post(
        admin, "/admin/departments", "/admin/departments/north_crew", {"name": "北区抢修队"}
    )
    assert kept.status_code == 422
    assert field_errors(kept.text) == ["make another department the default instead"]
    back = await post(
        admin,
        "/admin/departments",
        "/admin/departments/hotline",
        {"name": "热线服务中心", "is_default": "on"},
    )
    assert back.status_code == 303
    rows = await audit_rows(admin, "department")
    assert [(row.entity_key, row.action, row.actor) for row in rows] == [
        ("north_crew", "create", "admin"),
        ("hotline", "update", "admin"),
    ]
    assert rows[1].before == {"is_default": False} and rows[1].after == {"is_default": True}


async def test_markup_in_a_department_name_is_shown_as_text(admin: httpx.AsyncClient) -> None:
    payload = "<script>alert('x')</script>"
    await post(admin, "/admin/departments", "/admin/departments", {"code": "xss", "name": payload})
    page = await admin.get("/admin/departments")
    assert payload not in page.text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page.text


async def add_department(admin: httpx.AsyncClient, code: str, name: str) -> None:
    response = await post(
        admin, "/admin/departments", "/admin/departments", {"code": code, "name": name}
    )
    assert response.status_code == 303, response.text


async def rule_ids(admin: httpx.AsyncClient) -> list[int]:
    async with context_of(admin).sessions() as session:
        rows = await session.exec(select(RoutingRuleRow.id).order_by(col(RoutingRuleRow.position)))
        return [row for row in rows.all() if row is not None]


async def test_a_new_routing_rule_routes_the_next_ticket(admin: httpx.AsyncClient) -> None:
    await add_department(admin, "north_crew", "北区抢修队")
    before = len(await rule_ids(admin))
    added = await post(
        admin,
        "/admin/routing",
        "/admin/routing/add",
        {
            "ticket_type": "repair",
            "subtype": "network_fault",
            "area": "北区",
            "department": "north_crew",
        },
    )
    assert added.status_code == 303
    assert len(await rule_ids(admin)) == before + 1
    page = await admin.get("/tickets")
    created = await admin.post(
        "/api/tickets",
        json={
            "type": "repair",
            "subtype": "network_fault",
            "description": "北区光明路管网漏气",
            "address": "北区 光明路 20号",
            "area": "北区",
        },
        headers={"X-CSRF-Token": csrf_of(page.text)},
    )
    assert created.status_code == 201, created.text
    assert created.json()["department"] == "north_crew"
    [row] = await audit_rows(admin, "routing_rule")
    assert row.action == "create" and row.after is not None
    assert row.after["department"] == "north_crew" and row.after["area"] == "北区"


@pytest.mark.parametrize(
    ("form", "field", "reason"),
    [
        (
            {"ticket_type": "complaint", "subtype": "gas_smell"},
            "subtype",
            "not a subtype of the chosen type",
        ),
        ({"subtype": "gas_smell"}, "subtype", "choose the ticket type first"),
        ({"ticket_type": "teleport"}, "ticket_type", "unknown ticket type"),
        ({"ticket_type": "repair", "department": "nowhere"}, "department", "no such department"),
        (
            {},
            "ticket_type",
            "a rule with no condition takes every ticket: make the department the default instead",
        ),
    ],
)
async def test_a_routing_rule_that_makes_no_sense_is_refused(
    admin: httpx.AsyncClient, form: dict[str, str], field: str, reason: str
) -> None:
    before = await rule_ids(admin)
    refused = await post(
        admin, "/admin/routing", "/admin/routing/add", {"department": "hotline", **form}
    )
    assert refused.status_code == 422
    assert reason in field_errors(refused.text)
    assert await rule_ids(admin) == before
    assert await audit_rows(admin, "routing_rule") == []


async def test_a_rule_that_could_never_fire_is_refused(admin: httpx.AsyncClient) -> None:
    await add_department(admin, "repairs", "维修部")
    rules = len(await rule_ids(admin))
    narrow = {"ticket_type": "repair", "subtype": "indoor_equipment", "department": "repairs"}
    broad = {"ticket_type": "repair", "department": "repairs", "area": "南区"}
    assert (await post(admin, "/admin/routing", "/admin/routing/add", narrow)).status_code == 303
    assert (
        await post(admin, "/admin/routing", "/admin/routing/add", {**broad, "area": ""})
    ).status_code == 303
    # A third rule behind the broad repair rule would never be reached.
    hidden = await post(admin, "/admin/routing", "/admin/routing/add", broad)
    assert hidden.status_code == 422
    assert field_errors(hidden.text) == [
        f"rule {rules + 3} could never fire: rule {rules + 2} takes all its tickets first"
    ]
    # Moving the broad rule above the narrow one would hide the narrow one.
    ids = await rule_ids(admin)
    moved = await post(admin, "/admin/routing", f"/admin/routing/{ids[-1]}/up", {})
    assert moved.status_code == 422
    assert await rule_ids(admin) == ids
    deleted = await post(admin, "/admin/routing", f"/admin/routing/{ids[-2]}/delete", {})
    assert deleted.status_code == 303
    assert await rule_ids(admin) == ids[:-2] + ids[-1:]
    actions = [row.action for row in await audit_rows(admin, "routing_rule")]
    assert actions == ["create", "create", "delete"]


async def test_an_sla_target_change_applies_to_new_tickets(admin: httpx.AsyncClient) -> None:
    page = await admin.get("/admin/sla")
    policy = re.search(r'action="/admin/sla/(\d+)"', page.text)
    assert policy is not None
    async with context_of(admin).sessions() as session:
        rows = (await session.exec(select(SlaPolicyRow))).all()
    reply = next(
        r for r in rows if r.ticket_type == "consultation" and not r.special and r.clock == "reply"
    )
    too_long = await post(admin, "/admin/sla", f"/admin/sla/{reply.id}", {"amount": "999999"})
    assert too_long.status_code == 422
    assert field_errors(too_long.text) == ["outside the allowed range"]
    assert "999999" in too_long.text
    changed = await post(admin, "/admin/sla", f"/admin/sla/{reply.id}", {"amount": "120"})
    assert changed.status_code == 303
    tickets = await admin.get("/tickets")
    created = await admin.post(
        "/api/tickets",
        json={"type": "consultation", "subtype": "billing", "description": "询问账单"},
        headers={"X-CSRF-Token": csrf_of(tickets.text)},
    )
    clock = next(c for c in created.json()["clocks"] if c["name"] == "reply")
    assert datetime.fromisoformat(clock["due_at"]) - datetime.fromisoformat(
        created.json()["received_at"]
    ) == timedelta(minutes=120)
    [row] = await audit_rows(admin, "sla_policy")
    assert (row.before, row.after) == ({"amount": 240}, {"amount": 120})


async def test_a_new_user_gets_a_one_time_password_shown_once(admin: httpx.AsyncClient) -> None:
    added = await post(
        admin,
        "/admin/users",
        "/admin/users/add",
        {
            "username": "wang.fang",
            "display_name": "王芳",
            "role": "agent",
            "interface": "PJSIP/8010",
        },
    )
    assert added.status_code == 303
    shown = await admin.get("/admin/users")
    password = re.search(r'<code class="big-code">([^<]+)</code>', shown.text)
    assert password is not None
    assert 'class="big-code"' not in (await admin.get("/admin/users")).text
    admin.cookies.clear()
    assert (await sign_in(admin, "wang.fang", password.group(1))).status_code == 303
    [row] = [row for row in await audit_rows(admin, "user") if row.action == "create"]
    assert row.actor == "admin" and row.after is not None
    assert row.after["interface"] == "PJSIP/8010"


async def test_an_agent_on_any_asterisk_interface_can_be_set_up(
    admin: httpx.AsyncClient,
) -> None:
    """FreePBX's queue members are Local channels (`Local/8001@from-queue/n`): such an agent
    is stored as Asterisk reports the member, so their calls find them."""
    async with context_of(admin).sessions() as session:
        ids = {u.username: u.id for u in (await session.exec(select(User))).all()}
    changed = await post(
        admin,
        "/admin/users",
        f"/admin/users/{ids['agent2']}/update",
        {"display_name": "李四", "role": "agent", "interface": "local/8002@from-queue/n"},
    )
    assert changed.status_code == 303, changed.text
    async with context_of(admin).sessions() as session:
        agent2 = await session.get(User, ids["agent2"])
    assert agent2 is not None and agent2.interface == "Local/8002@from-queue/n"
    refused = await post(
        admin,
        "/admin/users",
        f"/admin/users/{ids['agent2']}/update",
        {"display_name": "李四", "role": "agent", "interface": "PJSIP/8002&PJSIP/8003"},
    )
    assert refused.status_code == 422
    assert field_errors(refused.text) == ["an interface looks like PJSIP/8001"]


async def test_user_changes_are_validated_and_an_admin_cannot_lock_themself_out(
    admin: httpx.AsyncClient,
) -> None:
    async with context_of(admin).sessions() as session:
        ids = {u.username: u.id for u in (await session.exec(select(User))).all()}
    taken = await post(
        admin,
        "/admin/users",
        f"/admin/users/{ids['agent2']}/update",
        {"display_name": "李四", "role": "agent", "interface": "PJSIP/8001", "active": "on"},
    )
    assert taken.status_code == 422
    assert field_errors(taken.text) == ["this interface belongs to another user"]
    assert "李四" in taken.text
    self_demotion = await post(
        admin,
        "/admin/users",
        f"/admin/users/{ids['admin']}/update",
        {"display_name": "admin", "role": "agent", "active": "on"},
    )
    assert self_demotion.status_code == 422
    assert field_errors(self_demotion.text) == ["you cannot take away your own admin access"]
    disabled = await post(
        admin,
        "/admin/users",
        f"/admin/users/{ids['tech2']}/update",
        {"display_name": "tech2", "role": "technician"},
    )
    assert disabled.status_code == 303
    [row] = [row for row in await audit_rows(admin, "user") if row.action == "update"]
    assert (row.entity_key, row.before, row.after) == ("tech2", {"active": True}, {"active": False})
    admin.cookies.clear()
    assert (await sign_in(admin, "tech2")).status_code == 401


async def test_the_calendar_flags_an_estimated_year_until_it_is_confirmed(
    admin: httpx.AsyncClient,
) -> None:
    estimated = await admin.get("/admin/calendar?year=2027")
    assert "2027 has no official schedule yet" in estimated.text
    official = await admin.get("/admin/calendar?year=2026")
    assert "has no official schedule yet" not in official.text
    bad = await post(
        admin, "/admin/calendar", "/admin/calendar/override", {"day": "2027-02-30", "workday": "no"}
    )
    assert bad.status_code == 422 and field_errors(bad.text) == ["a date, YYYY-MM-DD"]
    override = await post(
        admin,
        "/admin/calendar",
        "/admin/calendar/override",
        {"day": "2027-02-07", "workday": "yes", "note": "春节调休上班"},
    )
    assert override.status_code == 303
    assert override.headers["location"] == "/admin/calendar?year=2027"
    async with context_of(admin).sessions() as session:
        row = await session.get(CalendarOverride, date(2027, 2, 7))
        assert row is not None and row.workday and row.updated_by == "admin"
    confirmed = await post(
        admin, "/admin/calendar", "/admin/calendar/confirm", {"year": "2027", "note": "国办通知"}
    )
    assert confirmed.status_code == 303
    assert "has no official schedule yet" not in (await admin.get("/admin/calendar?year=2027")).text
    health = (await admin.get("/api/health")).json()
    assert 2027 not in health["calendar"]["estimated_years"]
    assert [row.action for row in await audit_rows(admin, "calendar_day")] == ["override"]
    assert [row.action for row in await audit_rows(admin, "calendar_year")] == ["confirm"]


async def test_the_callback_policy_is_edited_validated_and_audited(
    admin: httpx.AsyncClient,
) -> None:
    page = await admin.get("/admin/callbacks")
    assert page.status_code == 200 and 'name="repair_delay_minutes"' in page.text
    form = {
        "complaint_delay_minutes": "30",
        "repair_delay_minutes": "120",
        "visit_delay_minutes": "120",
        "consultation_delay_minutes": "60",
        "due_hours": "48",
        "max_attempts": "11",
        "consultation_sample_permille": "200",
        "quiet_start": "25:00",
        "quiet_end": "08:00",
        "automated_calls": "on",
    }
    refused = await post(admin, "/admin/callbacks", "/admin/callbacks", form)
    assert refused.status_code == 422
    assert sorted(field_errors(refused.text)) == [
        "a time of day, HH:MM",
        "outside the allowed range",
    ]
    saved = await post(
        admin,
        "/admin/callbacks",
        "/admin/callbacks",
        {**form, "max_attempts": "4", "quiet_start": "21:30"},
    )
    assert saved.status_code == 303
    async with context_of(admin).sessions() as session:
        row = await session.get(CallbackPolicyRow, 1)
        assert row is not None
        assert (row.max_attempts, row.quiet_start, row.due_hours, row.automated_calls) == (
            4,
            "21:30",
            48,
            True,
        )
    [entry] = await audit_rows(admin, "callback_policy")
    assert entry.after is not None and entry.after["max_attempts"] == 4
