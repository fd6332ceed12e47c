"""Console sessions live on the server: sign-out ends them for every copy of the cookie and on
every worker, a sign-in lasts 12 hours at most however active; a password reset, a
deactivation or a revoke ends a user's sessions and API tokens; tokens expire by policy."""

from __future__ import annotations

import base64
import re
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
from asgi_lifespan import LifespanManager
from conftest import STAFF_PASSWORD, FakeClock, add_staff, app_settings
from sqlmodel import col, select
from web.console import csrf_of, sign_in

from hotline.db.tables import ConsoleSession, User
from hotline.web import session as session_module
from hotline.web.app import create_app
from hotline.web.context import AppContext


@dataclass
class Site:
    """The app served twice on one database (two workers), a client maker per worker, and the
    staff's API tokens."""

    workers: list[httpx.ASGITransport]
    tokens: dict[str, str]
    context: AppContext
    open_client: Callable[[int], httpx.AsyncClient]

    def auth(self, user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[user]}"}


@pytest.fixture
async def site(database_url: str, clock: FakeClock) -> AsyncIterator[Site]:
    tokens = await add_staff(database_url, clock.now)
    async with AsyncExitStack() as stack:
        apps = [create_app(app_settings(database_url), clock=clock) for _ in range(2)]
        managers = [await stack.enter_async_context(LifespanManager(app)) for app in apps]
        transports = [httpx.ASGITransport(app=manager.app) for manager in managers]

        def open_client(worker: int) -> httpx.AsyncClient:
            client = httpx.AsyncClient(transport=transports[worker], base_url="http://hotline")
            stack.push_async_callback(client.aclose)
            return client

        yield Site(transports, tokens, apps[0].state.context, open_client)


async def user_id(site: Site, username: str) -> int:
    async with site.context.sessions() as session:
        found = (await session.exec(select(User.id).where(col(User.username) == username))).one()
    assert found is not None
    return found


async def test_a_copied_cookie_stops_working_at_sign_out(site: Site) -> None:
    agent = site.open_client(0)
    await sign_in(agent, "sup")
    page = await agent.get("/calls")
    token = csrf_of(page.text)
    thief = site.open_client(0)
    thief.cookies = httpx.Cookies(agent.cookies)
    assert (await thief.get("/calls")).status_code == 200
    await agent.post("/logout", data={"csrf_token": token})
    assert (await thief.get("/calls")).status_code == 303
    body = {"type": "consultation", "description": "开户咨询"}
    forged = await thief.post("/api/tickets", json=body, headers={"X-CSRF-Token": token})
    assert forged.status_code == 401


async def test_a_session_is_one_on_every_worker(site: Site) -> None:
    first, second = site.open_client(0), site.open_client(1)
    await sign_in(first, "sup")
    second.cookies = httpx.Cookies(first.cookies)
    page = await second.get("/calls")
    assert page.status_code == 200
    await second.post("/logout", data={"csrf_token": csrf_of(page.text)})
    assert (await first.get("/calls")).status_code == 303


async def test_a_sign_in_lasts_twelve_hours_however_active(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = site.open_client(0)
    await sign_in(client, "sup")
    signed_in_at = session_module.clock()
    # A request every 29 minutes (never idle) for 11 h 36 min…
    for step in range(1, 25):
        at = signed_in_at + timedelta(minutes=29 * step)
        monkeypatch.setattr(session_module, "clock", lambda at=at: at)
        assert (await client.get("/calls")).status_code == 200
    # …and at 12 hours the session ends all the same.
    at_cap = signed_in_at + timedelta(hours=12, minutes=1)
    monkeypatch.setattr(session_module, "clock", lambda: at_cap)
    ended = await client.get("/calls")
    assert ended.status_code == 303 and ended.headers["location"].startswith("/login")


async def test_the_cookie_holds_no_user_and_no_secret(site: Site) -> None:
    client = site.open_client(0)
    signed_in = await sign_in(client, "sup")
    value = client.cookies["hotline_session"].split(".")[0]
    payload = base64.b64decode(value + "=" * (-len(value) % 4)).decode()
    page = await client.get("/calls")
    assert '"uid"' not in payload and csrf_of(page.text) not in payload
    assert signed_in.status_code == 303


async def test_a_password_reset_ends_the_users_sessions_and_tokens(site: Site) -> None:
    agent = site.open_client(0)
    await sign_in(agent, "agent")
    assert (await agent.get("/")).status_code == 200
    assert (await agent.get("/api/tickets", headers=site.auth("agent"))).status_code == 200
    admin = site.open_client(0)
    await sign_in(admin, "admin")
    page = await admin.get("/admin/users")
    row = await user_id(site, "agent")
    reset = await admin.post(
        f"/admin/users/{row}/password",
        data={"csrf_token": csrf_of(page.text), "username": "agent"},
    )
    assert reset.status_code == 303
    assert (await agent.get("/")).status_code == 303
    agent.cookies.clear()
    assert (await agent.get("/api/tickets", headers=site.auth("agent"))).status_code == 401


async def test_deactivation_ends_tokens_for_good(site: Site) -> None:
    assert (await site.open_client(0).get("/api/tickets", headers=site.auth("tech"))).is_success
    admin = site.open_client(0)
    await sign_in(admin, "admin")
    row = await user_id(site, "tech")
    form = {"display_name": "tech", "role": "technician"}
    page = await admin.get("/admin/users")
    off = await admin.post(
        f"/admin/users/{row}/update", data={**form, "csrf_token": csrf_of(page.text)}
    )
    assert off.status_code == 303
    client = site.open_client(0)
    assert (await client.get("/api/tickets", headers=site.auth("tech"))).status_code == 401
    page = await admin.get("/admin/users")
    back = await admin.post(
        f"/admin/users/{row}/update",
        data={**form, "active": "on", "csrf_token": csrf_of(page.text)},
    )
    assert back.status_code == 303
    # Active again, but the old token stays revoked: a new one must be issued.
    assert (await client.get("/api/tickets", headers=site.auth("tech"))).status_code == 401


async def test_the_admin_page_revokes_a_users_tokens_and_sessions(site: Site) -> None:
    qa = site.open_client(0)
    await sign_in(qa, "qa")
    assert (await qa.get("/tickets")).status_code == 200
    admin = site.open_client(1)
    await sign_in(admin, "admin")
    page = await admin.get("/admin/users")
    assert "/revoke" in page.text
    revoked = await admin.post(
        f"/admin/users/{await user_id(site, 'qa')}/revoke",
        data={"csrf_token": csrf_of(page.text)},
    )
    assert revoked.status_code == 303
    assert (await qa.get("/tickets")).status_code == 303
    stranger = site.open_client(0)
    assert (await stranger.get("/api/tickets", headers=site.auth("qa"))).status_code == 401
    assert (await stranger.get("/api/tickets", headers=site.auth("sup"))).status_code == 200


async def test_api_tokens_expire_by_policy(site: Site, clock: FakeClock) -> None:
    client = site.open_client(0)
    assert (await client.get("/api/tickets", headers=site.auth("disp"))).status_code == 200
    clock.advance(days=89)
    assert (await client.get("/api/tickets", headers=site.auth("sup"))).status_code == 200
    clock.advance(days=2)
    expired = await client.get("/api/tickets", headers=site.auth("sup"))
    assert expired.status_code == 401


async def test_a_one_time_password_is_shown_once_to_the_admin_who_reset_that_row(
    site: Site,
) -> None:
    admin = site.open_client(0)
    await sign_in(admin, "admin")
    other_admin_window = site.open_client(1)
    await sign_in(other_admin_window, "admin")
    page = await admin.get("/admin/users")
    row = await user_id(site, "agent2")
    # The form's user name is not believed: the row decides whose password it is.
    await admin.post(
        f"/admin/users/{row}/password",
        data={"csrf_token": csrf_of(page.text), "username": "admin"},
    )
    cookie = admin.cookies["hotline_session"]
    assert "big-code" not in (await other_admin_window.get("/admin/users")).text
    shown = await admin.get("/admin/users")
    password = re.search(r'<code class="big-code">([^<]+)</code>', shown.text)
    assert password is not None
    assert "agent2" in shown.text.split('class="big-code"')[0].rsplit("<h2>", 1)[1]
    assert "big-code" not in (await admin.get("/admin/users")).text
    value = cookie.split(".")[0]
    assert password.group(1) not in base64.b64decode(value + "=" * (-len(value) % 4)).decode()
    agent2 = site.open_client(1)
    assert (await sign_in(agent2, "agent2", password.group(1))).status_code == 303


async def reset_by_admin(site: Site, username: str) -> str:
    admin = site.open_client(0)
    await sign_in(admin, "admin")
    page = await admin.get("/admin/users")
    await admin.post(
        f"/admin/users/{await user_id(site, username)}/password",
        data={"csrf_token": csrf_of(page.text)},
    )
    shown = await admin.get("/admin/users")
    found = re.search(r'<code class="big-code">([^<]+)</code>', shown.text)
    assert found is not None
    return found.group(1)


async def test_a_one_time_password_expires_after_a_day(site: Site, clock: FakeClock) -> None:
    password = await reset_by_admin(site, "disp")
    clock.advance(hours=25)
    late = await sign_in(site.open_client(0), "disp", password)
    assert late.status_code == 401


async def test_a_one_time_password_must_be_changed_at_first_sign_in(site: Site) -> None:
    password = await reset_by_admin(site, "agent")
    agent = site.open_client(0)
    assert (await sign_in(agent, "agent", password, next_page="/calls")).status_code == 303
    held = await agent.get("/calls")
    assert held.status_code == 303 and held.headers["location"].startswith("/password")
    assert (await agent.get("/api/tickets")).status_code == 403
    form = await agent.get("/password")
    assert form.status_code == 200 and "一次性密码" in form.text
    token = csrf_of(form.text)
    fields = {"current_password": password, "next": "/calls", "csrf_token": token}
    wrong = await agent.post(
        "/password",
        data={
            **fields,
            "current_password": "not it at all",
            "new_password": "a fresh one 2026",
            "repeat_password": "a fresh one 2026",
        },
    )
    assert wrong.status_code == 422 and "当前密码不正确" in wrong.text
    short = await agent.post(
        "/password", data={**fields, "new_password": "short", "repeat_password": "short"}
    )
    assert short.status_code == 422 and "至少 10 个字符" in short.text
    changed = await agent.post(
        "/password",
        data={**fields, "new_password": "a fresh one 2026", "repeat_password": "a fresh one 2026"},
    )
    assert changed.status_code == 303 and changed.headers["location"] == "/calls"
    assert (await agent.get("/calls")).status_code == 200
    again = site.open_client(1)
    assert (await sign_in(again, "agent", password)).status_code == 401
    assert (await sign_in(again, "agent", "a fresh one 2026")).status_code == 303


async def test_everyone_changes_their_own_password_and_other_sessions_end(site: Site) -> None:
    desk, phone = site.open_client(0), site.open_client(1)
    await sign_in(desk, "tech")
    await sign_in(phone, "tech")
    form = await desk.get("/password", headers={"Accept-Language": "en"})
    new = "tech on the road 7"
    fields = {"current_password": STAFF_PASSWORD, "new_password": new, "repeat_password": new}
    forged = await desk.post("/password", data=fields)
    assert forged.status_code == 403
    differ = await desk.post(
        "/password",
        data={**fields, "repeat_password": "something else", "csrf_token": csrf_of(form.text)},
    )
    assert differ.status_code == 422
    changed = await desk.post("/password", data={**fields, "csrf_token": csrf_of(form.text)})
    assert changed.status_code == 200 and "密码已修改" in changed.text
    assert (await desk.get("/calls")).status_code == 200
    assert (await phone.get("/calls")).status_code == 303
    assert (await sign_in(site.open_client(0), "tech", new)).status_code == 303


async def test_the_scheduler_prunes_sessions_long_over_and_keeps_the_rest(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = session_module.clock()
    for days_ago, user in ((40, "agent"), (40, "agent2"), (2, "disp")):
        at = now - timedelta(days=days_ago)
        monkeypatch.setattr(session_module, "clock", lambda at=at: at)
        client = site.open_client(0)
        await sign_in(client, user)
        if user == "agent":
            page = await client.get("/calls")
            await client.post("/logout", data={"csrf_token": csrf_of(page.text)})
    monkeypatch.setattr(session_module, "clock", lambda: now)
    current = site.open_client(0)
    await sign_in(current, "sup")
    # Signed out 40 days ago, and left to lapse 40 days ago: both go; the rest stay.
    assert await site.context.scheduler.prune_sessions_once() == 2
    assert await site.context.scheduler.prune_sessions_once() == 0
    async with site.context.sessions() as session:
        kept = (
            await session.exec(
                select(User.username)
                .join(ConsoleSession, col(ConsoleSession.user_id) == col(User.id))
                .order_by(col(User.username))
            )
        ).all()
    assert list(kept) == ["disp", "sup"]
    assert (await current.get("/calls")).status_code == 200
