"""Signing in to the console, sessions, CSRF, throttling and roles — over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from conftest import STAFF_PASSWORD
from web.console import csrf_of, sign_in

from hotline.auth.throttle import FREE_FAILURES, remaining, wait_after
from hotline.db.tables import CallRow
from hotline.web import session as session_module
from hotline.web.context import AppContext


async def test_pages_send_strangers_to_the_login_and_back(browser: httpx.AsyncClient) -> None:
    away = await browser.get("/calls?page=2")
    assert away.status_code == 303
    assert away.headers["location"] == "/login?next=/calls%3Fpage%3D2"
    signed_in = await sign_in(browser, "sup", next_page="/calls?page=2")
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/calls?page=2"
    cookie = signed_in.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert (await browser.get("/calls")).status_code == 200


async def test_the_agent_lands_on_the_desk_and_others_do_not(
    browser: httpx.AsyncClient,
) -> None:
    await sign_in(browser, "agent")
    desk = await browser.get("/")
    assert desk.status_code == 200
    assert 'id="ticket-form"' in desk.text and "/static/desk.js" in desk.text
    assert 'href="/"' in desk.text  # the desk is in the agent's navigation
    await browser.post("/logout", data={"csrf_token": csrf_of(desk.text)})
    await sign_in(browser, "tech")
    home = await browser.get("/")
    assert home.status_code == 303 and home.headers["location"] == "/my-work"
    calls = await browser.get("/calls")
    assert 'href="/"' not in calls.text  # no desk in a technician's navigation


@pytest.mark.parametrize(
    ("user", "work"),
    [
        ("disp", "/dispatch"),
        ("tech", "/my-work"),
        ("qa", "/callbacks"),
        ("sup", "/wallboard"),
        ("admin", "/admin"),
    ],
)
async def test_each_role_lands_on_its_work(
    browser: httpx.AsyncClient, user: str, work: str
) -> None:
    await sign_in(browser, user)
    home = await browser.get("/")
    assert home.status_code == 303 and home.headers["location"] == work
    assert (await browser.get(work)).status_code < 400


async def test_wrong_password_and_missing_csrf_are_refused(browser: httpx.AsyncClient) -> None:
    wrong = await sign_in(browser, "agent", password="not the password")
    assert (wrong.status_code == 401 and "Wrong user name or password" in wrong.text) or (
        wrong.status_code == 401
    )
    no_token = await browser.post("/login", data={"username": "agent", "password": STAFF_PASSWORD})
    assert no_token.status_code == 403
    assert (await browser.get("/")).status_code == 303


async def test_repeated_failures_make_the_name_and_address_wait(
    browser: httpx.AsyncClient,
) -> None:
    for _ in range(FREE_FAILURES):
        assert (await sign_in(browser, "agent", password="guess guess")).status_code == 401
    waiting = await sign_in(browser, "agent")
    assert waiting.status_code == 429
    assert int(waiting.headers["retry-after"]) > 0
    # Another name from the same address (the call centre's NAT) is not held up.
    assert (await sign_in(browser, "sup")).status_code == 303


async def test_only_local_pages_after_sign_in(browser: httpx.AsyncClient) -> None:
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        response = await sign_in(browser, "sup", next_page=target)
        assert response.headers["location"] == "/"
        page = await browser.get("/calls")
        await browser.post("/logout", data={"csrf_token": csrf_of(page.text)})


async def test_the_api_takes_the_session_but_changes_need_the_csrf_header(
    browser: httpx.AsyncClient,
) -> None:
    await sign_in(browser, "agent")
    assert (await browser.get("/api/tickets")).status_code == 200
    body = {"type": "consultation", "description": "开户咨询"}
    forged = await browser.post("/api/tickets", json=body)
    assert forged.status_code == 403 and forged.json()["error"]["code"] == "csrf"
    token = csrf_of((await browser.get("/")).text)
    made = await browser.post("/api/tickets", json=body, headers={"X-CSRF-Token": token})
    assert made.status_code == 201


async def test_an_idle_session_ends(
    browser: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    await sign_in(browser, "agent")
    assert (await browser.get("/")).status_code == 200
    later = session_module.clock() + timedelta(minutes=31)
    monkeypatch.setattr(session_module, "clock", lambda: later)
    response = await browser.get("/")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


async def test_signing_out_ends_the_session(browser: httpx.AsyncClient) -> None:
    await sign_in(browser, "sup")
    page = await browser.get("/calls")
    out = await browser.post("/logout", data={"csrf_token": csrf_of(page.text)})
    assert out.status_code == 303
    assert (await browser.get("/calls")).status_code == 303
    assert (await browser.get("/api/tickets")).status_code == 401


async def test_text_from_the_phone_system_is_shown_as_text(browser: httpx.AsyncClient) -> None:
    context = browser.app_context  # type: ignore[attr-defined]
    assert isinstance(context, AppContext)
    now = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
    async with context.sessions() as session, session.begin():
        session.add(
            CallRow(
                server="pbx",
                linkedid="1.1",
                direction="inbound",
                caller="+8613800138001",
                agent_name="<script>alert('x')</script>",
                started_at=now,
                updated_at=now,
            )
        )
    await sign_in(browser, "sup")
    page = await browser.get("/calls")
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page.text


async def test_the_language_switch(browser: httpx.AsyncClient) -> None:
    await sign_in(browser, "sup")
    chinese = await browser.get("/calls")
    assert "通话记录" in chinese.text and 'lang="zh-CN"' in chinese.text
    switched = await browser.post(
        "/language", data={"csrf_token": csrf_of(chinese.text), "lang": "en", "next": "/calls"}
    )
    assert switched.status_code == 303
    english = await browser.get("/calls")
    assert ">Calls<" in english.text and 'lang="en"' in english.text


def test_the_wait_doubles_and_is_forgotten_after_a_quiet_hour() -> None:
    assert [wait_after(n) for n in range(FREE_FAILURES)] == [0.0] * FREE_FAILURES
    first = wait_after(FREE_FAILURES)
    assert first > 0 and wait_after(FREE_FAILURES + 1) == 2 * first
    failed_at = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    assert remaining(FREE_FAILURES, failed_at, failed_at, first) == first
    assert remaining(FREE_FAILURES, failed_at, failed_at + timedelta(hours=2), first) == 0
