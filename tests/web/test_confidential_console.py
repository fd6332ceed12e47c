"""The console's ticket search is no oracle on a masked complaint (issue 13, point 2): it finds
a complaint only by what the searcher may see of it."""

from __future__ import annotations

import httpx
from conftest import actor_named
from console import sign_in

from hotline.application import tickets as ticket_cases
from hotline.services.tickets import NewTicket
from tickets.types import TicketType


async def test_the_console_finds_a_complaint_only_by_what_the_searcher_sees(
    browser: httpx.AsyncClient,
) -> None:
    context = browser.app_context  # type: ignore[attr-defined]
    taker = await actor_named(context, "agent")
    view = await ticket_cases.open_ticket(
        context,
        taker,
        NewTicket(
            type=TicketType.COMPLAINT,
            description="维修员上门态度恶劣",
            caller_phone="15900123456",
            caller_name="张三",
            named_staff=("tech",),
        ),
    )
    number = view.ticket.number
    await sign_in(browser, "tech2")

    async def found(text: str) -> bool:
        page = await browser.get("/tickets", params={"text": text})
        assert page.status_code == 200
        return number in page.text

    assert not await found("1590012")
    assert not await found("张三")
    assert await found("态度恶劣")
