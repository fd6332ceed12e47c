"""`/dispatch` on an outage evening: per area the 30 repairs due soonest and a link to the rest
in the ticket list, which `/tickets?area=` filters to that area; every gas smell on top."""

from __future__ import annotations

import html
import re

import httpx
from conftest import FakeClock, repair_in
from web.console import csrf_of, sign_in

from hotline.services.dispatch import BOARD_ROWS_PER_AREA

NUMBER = r'<a href="/tickets/([A-Z]{2}-\d{8}-\d{4})">'


async def new_repair(
    browser: httpx.AsyncClient, headers: dict[str, str], subtype: str, area: str
) -> str:
    created = await browser.post(
        "/api/tickets",
        json=repair_in(area, subtype),
        headers=headers,
    )
    assert created.status_code == 201, created.text
    return str(created.json()["number"])


def board_sections(page: str) -> dict[str, list[str]]:
    """The board's table as the dispatcher reads it: each heading with its repairs' numbers."""
    table = page[page.index('<table class="list board"') : page.index("</table>")]
    sections = re.findall(
        r'<tbody[^>]*>\s*<tr><th colspan="5">([^<]+)</th></tr>(.*?)</tbody>', table, re.DOTALL
    )
    return {heading: re.findall(NUMBER, rows) for heading, rows in sections}


def more_links(page: str) -> list[tuple[str, str]]:
    """Each "N more" row of the board: where it leads and what it says."""
    return [
        (html.unescape(href), html.unescape(text))
        for href, text in re.findall(
            r'<tr class="more"><td colspan="5"><a href="([^"]+)">([^<]+)</a>', page
        )
    ]


async def test_the_board_shows_thirty_repairs_of_an_area_and_links_to_the_rest(
    browser: httpx.AsyncClient, clock: FakeClock
) -> None:
    await sign_in(browser, "disp")
    headers = {"X-CSRF-Token": csrf_of((await browser.get("/tickets")).text)}
    held = await new_repair(browser, headers, "indoor_equipment", "北区")
    assigned = await browser.post(
        f"/api/tickets/{held}/actions/assign", json={"assignee": "tech"}, headers=headers
    )
    assert assigned.status_code == 200, assigned.text
    north = []
    for _ in range(BOARD_ROWS_PER_AREA + 3):
        clock.advance(minutes=1)
        north.append(await new_repair(browser, headers, "network_fault", "北区"))
    # Reported last, yet due first (30 min for the customer's own equipment, not 6 h).
    stove = await new_repair(browser, headers, "indoor_equipment", "北区")
    leaks = [await new_repair(browser, headers, "gas_smell", "东区") for _ in range(2)]
    south = await new_repair(browser, headers, "network_fault", "南区")

    board = await browser.get("/dispatch")
    assert board.status_code == 200
    assert board_sections(board.text) == {
        "燃气泄漏——紧急": leaks,
        "北区": [stove, *north[: BOARD_ROWS_PER_AREA - 1]],
        "南区": [south],
    }
    assert held not in board.text  # a technician has it
    assert more_links(board.text) == [
        ("/tickets?type=repair&area=%E5%8C%97%E5%8C%BA", "还有 4 条，见工单列表")
    ]

    listed = await browser.get(more_links(board.text)[0][0])
    assert listed.status_code == 200
    newest_first = [stove, *reversed(north), held]
    assert re.findall(NUMBER, listed.text) == newest_first[:30]
    assert 'name="area" value="北区"' in listed.text  # the filter shows, to be cleared
    following = re.search(r'<a href="([^"]+)"[^>]*>下一页</a>', listed.text)
    assert following is not None
    rest = await browser.get(html.unescape(following.group(1)))
    assert re.findall(NUMBER, rest.text) == newest_first[30:]


async def test_the_ticket_list_filters_by_area(
    browser: httpx.AsyncClient, clock: FakeClock
) -> None:
    await sign_in(browser, "disp")
    headers = {"X-CSRF-Token": csrf_of((await browser.get("/tickets")).text)}
    north = await new_repair(browser, headers, "network_fault", "北区")
    south = await new_repair(browser, headers, "network_fault", "南区")
    leak = await new_repair(browser, headers, "gas_smell", "南区")
    everything = await browser.get("/tickets")
    assert sorted(re.findall(NUMBER, everything.text)) == sorted([north, south, leak])
    southern = await browser.get("/tickets", params={"area": "南区"})
    assert re.findall(NUMBER, southern.text) == [leak, south]
    partial = await browser.get(
        "/tickets", params={"type": "repair", "area": "北区"}, headers={"HX-Request": "true"}
    )
    assert re.findall(NUMBER, partial.text) == [north]
    nowhere = await browser.get("/tickets", params={"area": "西区"})
    assert re.findall(NUMBER, nowhere.text) == [] and "没有工单" in nowhere.text
