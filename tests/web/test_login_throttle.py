"""Login throttling over real TCP, served as `hotline serve` serves (web/server.py): by user
name and address, so a stranger's guesses never lock out an agent at their own desk, and with
X-Forwarded-For believed only from the proxies HOTLINE_TRUSTED_PROXIES names.

Loopback has many addresses: the stranger connects from 127.0.0.2, the agent from 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from asgi_lifespan import LifespanManager
from conftest import FakeClock, add_staff, app_settings
from ports import free_port
from web.console import sign_in

from hotline.auth.throttle import ADDRESS_FREE_FAILURES, FREE_FAILURES
from hotline.web.app import create_app
from hotline.web.server import HotlineServer

GUESSES = FREE_FAILURES + 5


@asynccontextmanager
async def hotline_server(
    database_url: str, clock: FakeClock, trusted_proxies: tuple[str, ...] = ()
) -> AsyncIterator[str]:
    await add_staff(database_url, clock.now)
    port = free_port()
    settings = app_settings(
        database_url, http_bind=("127.0.0.1", port), trusted_proxies=trusted_proxies
    )
    server = HotlineServer(create_app(settings, clock=clock), settings)
    server.config.log_level = "warning"
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


def client_from(base_url: str, address: str, **headers: str) -> httpx.AsyncClient:
    transport = httpx.AsyncHTTPTransport(local_address=address)
    return httpx.AsyncClient(transport=transport, base_url=base_url, headers=headers)


async def guess(client: httpx.AsyncClient, times: int) -> list[int]:
    return [(await sign_in(client, "agent", "a wrong guess")).status_code for _ in range(times)]


async def test_a_strangers_guesses_never_lock_out_the_agent(
    database_url: str, clock: FakeClock
) -> None:
    async with (
        hotline_server(database_url, clock) as base_url,
        client_from(base_url, "127.0.0.2") as stranger,
        client_from(base_url, "127.0.0.1") as agent,
    ):
        answers = await guess(stranger, GUESSES)
        assert answers[:FREE_FAILURES] == [401] * FREE_FAILURES
        assert answers[-1] == 429
        assert (await sign_in(agent, "agent")).status_code == 303


async def test_a_forwarded_address_is_not_believed_from_an_untrusted_peer(
    database_url: str, clock: FakeClock
) -> None:
    async with hotline_server(database_url, clock) as base_url:
        # Rotating X-Forwarded-For does not make the stranger a new address each time…
        answers = []
        for index in range(GUESSES):
            async with client_from(
                base_url, "127.0.0.2", **{"X-Forwarded-For": f"10.0.0.{index}"}
            ) as stranger:
                answers.extend(await guess(stranger, 1))
        assert answers[-1] == 429
        # …nor lets them pose as the agent's address to lock it.
        async with client_from(
            base_url, "127.0.0.2", **{"X-Forwarded-For": "127.0.0.1"}
        ) as impostor:
            await guess(impostor, GUESSES)
        async with client_from(base_url, "127.0.0.1") as agent:
            assert (await sign_in(agent, "agent")).status_code == 303


async def test_behind_a_trusted_proxy_the_forwarded_address_counts(
    database_url: str, clock: FakeClock
) -> None:
    async with (
        hotline_server(database_url, clock, trusted_proxies=("127.0.0.1",)) as base_url,
        client_from(base_url, "127.0.0.1", **{"X-Forwarded-For": "10.9.9.9"}) as stranger,
        client_from(base_url, "127.0.0.1", **{"X-Forwarded-For": "10.1.1.5"}) as agent,
    ):
        assert (await guess(stranger, GUESSES))[-1] == 429
        assert (await sign_in(agent, "agent")).status_code == 303


async def test_every_worker_counts_the_same_failures(database_url: str, clock: FakeClock) -> None:
    """Two workers on one database: guesses spread over both are throttled as on one."""
    await add_staff(database_url, clock.now)
    apps = [create_app(app_settings(database_url), clock=clock) for _ in range(2)]
    async with LifespanManager(apps[0]) as first, LifespanManager(apps[1]) as second:
        workers = [
            httpx.AsyncClient(transport=httpx.ASGITransport(app=m.app), base_url="http://h")
            for m in (first, second)
        ]
        answers = [(await guess(workers[n % 2], 1))[0] for n in range(FREE_FAILURES + 1)]
        for worker in workers:
            await worker.aclose()
    assert answers == [401] * FREE_FAILURES + [429]


async def test_one_address_spraying_names_is_slowed_but_its_own_agents_get_in(
    database_url: str, clock: FakeClock
) -> None:
    """A call centre's NAT: a guesser there tries many names a couple of times each. Beyond a
    generous count, unknown names from that address wait; an agent who has signed in from it
    before still gets in at once."""
    async with (
        hotline_server(database_url, clock) as base_url,
        client_from(base_url, "127.0.0.2") as agent,
        client_from(base_url, "127.0.0.2") as guesser,
        client_from(base_url, "127.0.0.2") as returning,
        client_from(base_url, "127.0.0.3") as elsewhere,
    ):
        assert (await sign_in(agent, "agent")).status_code == 303
        for index in range(ADDRESS_FREE_FAILURES):
            answer = await sign_in(guesser, f"name{index}", "a wrong guess")
            assert answer.status_code == 401
        assert (await sign_in(guesser, "yet-another-name", "a guess")).status_code == 429
        assert (await sign_in(returning, "agent")).status_code == 303
        # Another address is not slowed at all.
        assert (await sign_in(elsewhere, "agent2")).status_code == 303
