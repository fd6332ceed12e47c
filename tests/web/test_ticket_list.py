"""`/tickets`: the saved views and the clocks each row carries for its live countdown."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from asgi_lifespan import LifespanManager
from conftest import STAFF_PASSWORD, FakeClock, add_staff, app_settings

from hotline.web.app import create_app


@pytest.fixture
async def signed_in(database_url: str, clock: FakeClock) -> AsyncIterator[httpx.AsyncClient]:
    tokens = await add_staff(database_url, clock.now)
    app = create_app(app_settings(database_url), clock=clock)
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hotline") as client:
            api = {"Authorization": f"Bearer {tokens['agent']}"}
            tickets = [
                {"type": "consultation", "description": "开户咨询 <b>粗体</b>"},
                {
                    "type": "repair",
                    "subtype": "indoor_equipment",
                    "description": "灶具不点火",
                    "address": "北区 光明路 20号",
                    "assignee": "agent",
                },
            ]
            for body in tickets:
                made = await client.post("/api/tickets", json=body, headers=api)
                assert made.status_code == 201, made.text
            form = await client.get("/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
            assert token
            await client.post(
                "/login",
                data={
                    "username": "agent",
                    "password": STAFF_PASSWORD,
                    "csrf_token": token.group(1),
                    "next": "/",
                },
            )
            client.clock = clock  # type: ignore[attr-defined]
            yield client


def numbers(html: str) -> list[str]:
    return re.findall(r'<a href="/tickets/([A-Z]{2}-\d{8}-\d{4})">', html)


async def test_all_open_tickets_with_their_clocks(signed_in: httpx.AsyncClient) -> None:
    page = await signed_in.get("/tickets")
    assert page.status_code == 200
    assert len(numbers(page.text)) == 2
    # The consultation: to be taken up by a person within the day, and its reply; the repair,
    # filed to a person: handle and fix.
    assert page.text.count('class="clock running"') == 4
    assert re.search(r'data-due="2026-11-20T14:00:00\+08:00"', page.text)  # reply in 4 h
    assert "&lt;b&gt;粗体&lt;/b&gt;" in page.text and "<b>粗体</b>" not in page.text


async def test_htmx_gets_the_list_alone(signed_in: httpx.AsyncClient) -> None:
    partial = await signed_in.get(
        "/tickets", params={"view": "mine", "text": "燃气"}, headers={"HX-Request": "true"}
    )
    assert partial.status_code == 200
    assert "<html" not in partial.text
    assert partial.text.count('id="ticket-list"') == 1
    assert 'hx-get="/tickets?view=mine&amp;text=%E7%87%83%E6%B0%94"' in partial.text
    whole = await signed_in.get("/tickets", params={"view": "mine"})
    assert "<html" in whole.text and whole.text.count('id="ticket-list"') == 1
    assert numbers(partial.text) == numbers(
        (await signed_in.get("/tickets", params={"view": "mine", "text": "燃气"})).text
    )


# The repair is the customer's own equipment: its 30-minute arrival is due soon.
@pytest.mark.parametrize(("view", "count"), [("mine", 1), ("breached", 0), ("due_soon", 1)])
async def test_saved_views(signed_in: httpx.AsyncClient, view: str, count: int) -> None:
    page = await signed_in.get("/tickets", params={"view": view})
    assert len(numbers(page.text)) == count


async def test_the_views_follow_the_clock(signed_in: httpx.AsyncClient) -> None:
    signed_in.clock.advance(hours=3)  # type: ignore[attr-defined]
    due_soon = await signed_in.get("/tickets", params={"view": "due_soon"})
    assert [n[:2] for n in numbers(due_soon.text)] == ["ZX"]  # the 4 h reply is 1 h away
    signed_in.clock.advance(hours=4)  # type: ignore[attr-defined]
    breached = await signed_in.get("/tickets", params={"view": "breached"})
    assert sorted(n[:2] for n in numbers(breached.text)) == ["BX", "ZX"]
    assert 'class="clock breached"' in breached.text


async def test_a_user_without_a_department_is_told_so(signed_in: httpx.AsyncClient) -> None:
    page = await signed_in.get("/tickets", params={"view": "department"})
    assert page.status_code == 200 and "您未归属任何部门" in page.text


async def test_filters_by_type_and_text(signed_in: httpx.AsyncClient) -> None:
    repairs = await signed_in.get("/tickets", params={"type": "repair"})
    assert [n[:2] for n in numbers(repairs.text)] == ["BX"]
    found = await signed_in.get("/tickets", params={"text": "开户"})
    assert [n[:2] for n in numbers(found.text)] == ["ZX"]


async def test_a_ticket_page_with_its_actions_and_timeline(signed_in: httpx.AsyncClient) -> None:
    listed = numbers((await signed_in.get("/tickets", params={"type": "consultation"})).text)
    page = await signed_in.get(f"/tickets/{listed[0]}")
    assert page.status_code == 200
    assert "&lt;b&gt;粗体&lt;/b&gt;" in page.text and "<b>粗体</b>" not in page.text
    allowed = (await signed_in.get(f"/api/tickets/{listed[0]}")).json()["allowed_actions"]
    assert allowed, "an agent can do something with a new consultation"
    shown = re.findall(r'data-action="(\w+)"', page.text)
    assert shown == allowed
    assert 'data-action="close"' not in page.text
    assert "创建" in page.text  # the audit row of its creation, in the timeline
    assert "答复: 截止" in page.text and "due_at" not in page.text  # told in words
    assert 'class="click-to-call"' not in page.text  # no caller phone on this ticket


async def test_an_unknown_ticket_page_is_404(signed_in: httpx.AsyncClient) -> None:
    page = await signed_in.get("/tickets/ZX-20261120-9999")
    assert page.status_code == 404 and "没有这个工单" in page.text
