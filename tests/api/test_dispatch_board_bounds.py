"""The board stays bounded on an outage evening: every gas smell, then per area the 30 repairs
due soonest and how many more wait there; the rest are found in the ticket list by area."""

from __future__ import annotations

from datetime import datetime

import pytest
from conftest import Api, FakeClock

from hotline.services.dispatch import BOARD_ROWS_PER_AREA


def repair(subtype: str, area: str) -> dict[str, object]:
    return {
        "type": "repair",
        "subtype": subtype,
        "address": f"{area} 光明路 20号",
        "area": area,
        "description": "报修",
    }


async def create(api: Api, body: dict[str, object]) -> str:
    response = await api.post("agent", "/api/tickets", body)
    assert response.status_code == 201, response.text
    return str(response.json()["number"])


def soonest_running_due(order: dict[str, object]) -> datetime:
    clocks = order["clocks"]
    assert isinstance(clocks, list)
    return min(datetime.fromisoformat(c["due_at"]) for c in clocks if c["state"] == "running")


@pytest.fixture
async def storm(api: Api, clock: FakeClock) -> dict[str, list[str]]:
    """北区 on an outage evening: 34 repairs waiting, the 3 reported last due first (the
    customer's own equipment: 30 min, against 6 h for the network); one already held by a
    technician; two gas smells; one repair in 南区."""
    held = await create(api, repair("indoor_equipment", "北区"))
    assigned = await api.post("disp", f"/api/tickets/{held}/actions/assign", {"assignee": "tech"})
    assert assigned.status_code == 200, assigned.text
    network = []
    for _ in range(31):
        clock.advance(minutes=1)
        network.append(await create(api, repair("network_fault", "北区")))
    equipment = []
    for _ in range(3):
        clock.advance(minutes=1)
        equipment.append(await create(api, repair("indoor_equipment", "北区")))
    leaks = [await create(api, repair("gas_smell", "北区")) for _ in range(2)]
    south = [await create(api, repair("network_fault", "南区"))]
    return {
        "held": [held],
        "network": network,
        "equipment": equipment,
        "leaks": leaks,
        "south": south,
    }


async def test_the_board_shows_thirty_per_area_soonest_due_first_and_counts_the_rest(
    api: Api, storm: dict[str, list[str]]
) -> None:
    response = await api.get("disp", "/api/dispatch/board")
    assert response.status_code == 200, response.text
    board = response.json()
    north = board["areas"]["北区"]
    assert len(north) == BOARD_ROWS_PER_AREA
    # Reported last, due first; then the network faults in the order they fall due.
    assert [order["number"] for order in north] == storm["equipment"] + storm["network"][:27]
    dues = [soonest_running_due(order) for order in north]
    assert dues == sorted(dues)
    assert board["more"] == {"北区": 4, "南区": 0}  # the technician's repair is not counted
    assert [order["number"] for order in board["areas"]["南区"]] == storm["south"]
    assert [order["number"] for order in board["emergencies"]] == storm["leaks"]


async def test_a_repair_a_technician_holds_is_not_on_the_board(
    api: Api, storm: dict[str, list[str]]
) -> None:
    board = (await api.get("disp", "/api/dispatch/board")).json()
    listed = [o["number"] for orders in board["areas"].values() for o in orders]
    listed += [o["number"] for o in board["emergencies"]]
    # Its 30-minute clock is the soonest of all: it would head 北区 were it waiting.
    assert storm["held"][0] not in listed
    assert len(listed) == BOARD_ROWS_PER_AREA + 1 + 2


async def test_every_gas_smell_is_on_the_board_however_many(api: Api) -> None:
    leaks = [await create(api, repair("gas_smell", "北区")) for _ in range(BOARD_ROWS_PER_AREA + 2)]
    board = (await api.get("disp", "/api/dispatch/board")).json()
    assert [order["number"] for order in board["emergencies"]] == leaks
    assert board["areas"] == {} and board["more"] == {}


async def test_the_ticket_list_finds_an_areas_waiting_repairs(
    api: Api, storm: dict[str, list[str]]
) -> None:
    async def numbers(**filters: object) -> list[str]:
        response = await api.get("disp", "/api/tickets", per_page=200, **filters)
        assert response.status_code == 200, response.text
        return [item["number"] for item in response.json()["items"]]

    waiting_north = await numbers(area="北区", type="repair", status="new,assigned")
    north = storm["held"] + storm["network"] + storm["equipment"] + storm["leaks"]
    assert sorted(waiting_north) == sorted(north)
    assert await numbers(area="南区") == storm["south"]
    assert await numbers(area="北") == []  # exact, not a part of the name
    too_long = await api.get("disp", "/api/tickets", area="区" * 65)
    assert too_long.status_code == 422 and "area" in too_long.json()["error"]["fields"]


async def test_the_area_filter_is_in_the_api_description(api: Api) -> None:
    document = (await api.client.get("/api/openapi.json")).json()
    parameters = document["paths"]["/api/tickets"]["get"]["parameters"]
    [area] = [p for p in parameters if p["name"] == "area"]
    assert area["in"] == "query" and not area["required"]
    [text, _null] = area["schema"]["anyOf"]
    assert (text["type"], text["maxLength"]) == ("string", 64)
