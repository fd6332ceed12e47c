"""An open live feed ends with the credential it was opened with (issue 13, points 5 and 6):
sign-out ends a console session's feed; an admin's revoke ends a token's feed, on every worker
(the feed asks the database, past the token cache)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from conftest import FakeClock, LiveServer, add_staff, app_settings, serve_live
from sqlmodel import col, select
from web.console import csrf_of, sign_in

from hotline.db.tables import User
from hotline.web.app import create_app

# How often a feed asks whether its credential still works (the heartbeat, made short).
RECHECK_SECONDS = 0.2


@pytest.fixture
async def live(database_url: str, clock: FakeClock) -> AsyncIterator[LiveServer]:
    tokens = await add_staff(database_url, clock.now)
    app = create_app(app_settings(database_url), clock=clock)
    app.state.sse_heartbeat = RECHECK_SECONDS
    async with serve_live(app, tokens) as server:
        yield server


async def _runs_to_its_end(response: httpx.Response) -> bool:
    """Whether the feed's response ends by itself (a guard of 10 s, not a timing assert)."""

    async def drain() -> None:
        async for _ in response.aiter_bytes():
            pass

    try:
        await asyncio.wait_for(drain(), 10)
    except TimeoutError:
        return False
    return True


async def test_sign_out_ends_the_sessions_open_feed(live: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=live.base_url, timeout=15) as browser:
        await sign_in(browser, "sup")
        page = await browser.get("/calls")
        async with browser.stream("GET", "/api/events") as feed:
            assert feed.status_code == 200
            await browser.post("/logout", data={"csrf_token": csrf_of(page.text)})
            assert await _runs_to_its_end(feed)
        assert (await browser.get("/api/events")).status_code == 401


async def test_a_revoke_ends_the_users_open_token_feed_and_no_other(live: LiveServer) -> None:
    async with (
        httpx.AsyncClient(base_url=live.base_url, timeout=15) as admin,
        httpx.AsyncClient(base_url=live.base_url, timeout=15) as client,
    ):
        await sign_in(admin, "admin")
        page = await admin.get("/admin/users")
        async with live.app_context.sessions() as session:  # type: ignore[attr-defined]
            qa = (await session.exec(select(User.id).where(col(User.username) == "qa"))).one()
        async with (
            client.stream("GET", "/api/events", headers=live.auth("qa")) as revoked,
            client.stream("GET", "/api/events", headers=live.auth("sup")) as kept,
        ):
            assert revoked.status_code == 200 and kept.status_code == 200
            done = await admin.post(
                f"/admin/users/{qa}/revoke", data={"csrf_token": csrf_of(page.text)}
            )
            assert done.status_code == 303
            assert await _runs_to_its_end(revoked)
            # The other user's feed goes on: its heartbeats keep coming.
            heartbeats = kept.aiter_text()
            seen = ""
            while seen.count("heartbeat") < 2:
                seen += await asyncio.wait_for(anext(heartbeats), 10)
