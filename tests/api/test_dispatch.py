"""Dispatch over the API: crews, the board (gas smell pinned on top, the rest by area),
visits booked with consent in a sensible window, moved or cancelled with the 2 h notice rule,
done with its callback; a technician's own work orders; roles."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from conftest import Api, FakeClock, repair_in


async def create(api: Api, body: dict[str, object]) -> str:
    response = await api.post("agent", "/api/tickets", body)
    assert response.status_code == 201, response.text
    return str(response.json()["number"])


@pytest.fixture
async def crews(api: Api) -> None:
    north = await api.post(
        "sup",
        "/api/crews",
        {"code": "north", "name": "北区抢修一队", "areas": ["北区"], "members": ["tech"]},
    )
    assert north.status_code == 201, north.text
    south = await api.post(
        "sup",
        "/api/crews",
        {"code": "south", "name": "南区维修队", "areas": ["南区"], "members": ["tech2"]},
    )
    assert south.status_code == 201, south.text


async def book(api: Api, number: str, technician: str, span: dict[str, str]) -> httpx.Response:
    """The dispatcher books a visit, with the customer's consent, for the window given."""
    return await api.post(
        "disp",
        "/api/visits",
        {"ticket": number, "technician": technician, **span, "consent": True},
    )


def window(clock: FakeClock, hours: float, length: float = 2) -> dict[str, str]:
    start = clock.now + timedelta(hours=hours)
    return {"start": start.isoformat(), "end": (start + timedelta(hours=length)).isoformat()}


async def test_crews_are_technicians_in_one_crew_each(api: Api, crews: None) -> None:
    again = await api.post(
        "sup",
        "/api/crews",
        {"code": "east", "name": "东区", "areas": ["东区"], "members": ["tech"]},
    )
    assert again.status_code == 409
    not_tech = await api.post(
        "sup",
        "/api/crews",
        {"code": "west", "name": "西区", "areas": ["西区"], "members": ["agent"]},
    )
    assert not_tech.status_code == 422 and "members" in not_tech.json()["error"]["fields"]
    bad = await api.post("sup", "/api/crews", {"code": "X!", "name": "", "areas": []})
    assert bad.status_code == 422
    assert (
        await api.post("disp", "/api/crews", {"code": "z1", "name": "z", "areas": []})
    ).status_code == 403


async def test_the_board_pins_gas_smell_and_groups_the_rest_by_area(
    api: Api, crews: None, clock: FakeClock
) -> None:
    stove = await create(api, repair_in("南区", "indoor_equipment", "灶具打不着火"))
    clock.advance(minutes=5)
    main = await create(api, repair_in("北区", "network_fault", "主管道压力低"))
    clock.advance(minutes=5)
    leak = await create(api, repair_in("南区", "gas_smell", "楼道燃气味"))
    board = (await api.get("disp", "/api/dispatch/board")).json()
    assert [item["number"] for item in board["emergencies"]] == [leak]
    assert {area: [i["number"] for i in items] for area, items in board["areas"].items()} == {
        "北区": [main],
        "南区": [stove],
    }
    assert {c["code"]: c["members"] for c in board["crews"]} == {
        "north": ["tech"],
        "south": ["tech2"],
    }
    handle = next(c for c in board["emergencies"][0]["clocks"] if c["name"] == "handle")
    assert handle["state"] == "running"
    assert (await api.get("agent", "/api/dispatch/board")).status_code == 403


async def test_a_visit_needs_consent_and_a_window_that_can_be_kept(
    api: Api, crews: None, clock: FakeClock
) -> None:
    number = await create(api, repair_in("北区", "indoor_equipment", "热水器漏水"))
    base = {"ticket": number, "technician": "tech"}
    cases: list[tuple[dict[str, Any], str]] = [
        ({**window(clock, 3), "consent": False}, "consent"),
        (
            {"start": window(clock, 3)["start"], "end": window(clock, 1)["start"], "consent": True},
            "end",
        ),
        ({**window(clock, -1), "consent": True}, "start"),
        ({**window(clock, 3), "consent": True, "technician": "agent"}, "technician"),
    ]
    for body, field in cases:
        refused = await api.post("disp", "/api/visits", {**base, **body})
        assert refused.status_code == 422, (field, refused.text)
        assert field in refused.json()["error"]["fields"], refused.json()
    ticket = (await api.get("disp", f"/api/tickets/{number}")).json()
    assert ticket["status"] == "new" and ticket["assignee"] is None  # nothing half-done


async def test_booking_assigns_and_moves_the_handle_clock_to_the_window(
    api: Api, crews: None, clock: FakeClock
) -> None:
    number = await create(api, repair_in("北区", "indoor_equipment", "热水器漏水"))
    booked = await book(api, number, "tech", window(clock, 24))
    assert booked.status_code == 201, booked.text
    visit = booked.json()
    # Received at 10:00, fixed within 24 h: a visit until 12:00 tomorrow ends after that.
    fix_due = datetime.fromisoformat(visit["fix_due_before_visit_ends"])
    assert fix_due == clock.now + timedelta(hours=24)
    ticket = (await api.get("disp", f"/api/tickets/{number}")).json()
    assert ticket["assignee"] == "tech" and ticket["status"] == "assigned"
    handle = next(c for c in ticket["clocks"] if c["name"] == "handle")
    assert datetime.fromisoformat(handle["due_at"]) == datetime.fromisoformat(visit["end"])
    work = (await api.get("tech", "/api/my-work")).json()["items"]
    assert [(w["number"], [v["id"] for v in w["visits"]]) for w in work] == [
        (number, [visit["id"]])
    ]
    board = (await api.get("disp", "/api/dispatch/board")).json()
    assert board["areas"] == {}  # no longer waiting
    north = next(c for c in board["crews"] if c["code"] == "north")
    assert north["open_orders"] == 1
    assert [v["id"] for v in north["visits"]] == [visit["id"]]  # tomorrow's, on the board today


async def test_a_visit_lies_within_the_crews_shift(api: Api, clock: FakeClock) -> None:
    # The test clock reads 10:00 in Shanghai; the night crew works 20:00-08:00.
    night = await api.post(
        "sup",
        "/api/crews",
        {
            "code": "night",
            "name": "夜间抢修队",
            "areas": ["北区"],
            "members": ["tech"],
            "shift_start": "20:00",
            "shift_end": "08:00",
        },
    )
    assert night.status_code == 201, night.text
    day = await api.post(
        "sup",
        "/api/crews",
        {"code": "day", "name": "白班", "areas": ["南区"], "members": ["tech2"]},
    )
    assert day.status_code == 201, day.text
    board = (await api.get("disp", "/api/dispatch/board")).json()
    assert [(c["code"], c["on_shift"]) for c in board["crews"]] == [("day", True), ("night", False)]
    number = await create(api, repair_in("北区", "indoor_equipment", "热水器漏水"))
    daytime = await book(api, number, "tech", window(clock, 4))
    assert daytime.status_code == 422
    assert "start" in daytime.json()["error"]["fields"]
    # 07:00-09:00 tomorrow runs past the end of the night.
    late = await book(api, number, "tech", window(clock, 21))
    assert late.status_code == 422
    ticket = (await api.get("disp", f"/api/tickets/{number}")).json()
    assert ticket["assignee"] is None  # nothing changed
    overnight = await book(api, number, "tech", window(clock, 13))
    assert overnight.status_code == 201, overnight.text  # 23:00-01:00
    assert overnight.json()["fix_due_before_visit_ends"] is None  # in time for the fix


async def test_a_paused_repair_is_not_warned_of_a_fix_deadline_its_pause_has_moved(
    api: Api, crews: None, clock: FakeClock
) -> None:
    number = await create(api, repair_in("北区", "indoor_equipment", "热水器漏水"))
    for action, body in (("assign", {"assignee": "tech"}), ("start", {})):
        done = await api.post(
            "tech" if action == "start" else "disp", f"/api/tickets/{number}/actions/{action}", body
        )
        assert done.status_code == 200, done.text
    paused = await api.post(
        "tech", f"/api/tickets/{number}/actions/pause", {"reason": "客户不在家，约定改时"}
    )
    assert paused.status_code == 200, paused.text
    # Waiting for the customer since 10:00; at 16:00 the fix is due 6 h past 10:00 tomorrow.
    clock.advance(hours=6)
    booked = await book(api, number, "tech", window(clock, 18, length=1.5))  # 10:00-11:30
    assert booked.status_code == 201, booked.text
    assert booked.json()["fix_due_before_visit_ends"] is None


async def test_a_technician_is_not_booked_twice_at_once(
    api: Api, crews: None, clock: FakeClock
) -> None:
    first = await create(api, repair_in("北区", "indoor_equipment", "热水器漏水"))
    second = await create(api, repair_in("北区", "indoor_equipment", "壁挂炉漏气声"))
    booked = await book(api, first, "tech", window(clock, 24))
    assert booked.status_code == 201, booked.text
    clash = await book(api, second, "tech", window(clock, 25))
    assert clash.status_code == 422 and "start" in clash.json()["error"]["fields"]
    assert (await api.get("disp", f"/api/tickets/{second}")).json()["assignee"] is None
    after = await book(api, second, "tech", window(clock, 26))
    assert after.status_code == 201, after.text  # right after the first one
    # Moving a visit within its own window is no clash with itself.
    moved = await api.post(
        "disp",
        f"/api/visits/{booked.json()['id']}/reschedule",
        {"reason": "客户要求提前半小时", **window(clock, 23.5)},
    )
    assert moved.status_code == 200, moved.text


async def test_a_repair_handed_to_another_technician_takes_its_visit_along(
    api: Api, crews: None, clock: FakeClock
) -> None:
    number = await create(api, repair_in("北区", "indoor_equipment", "热水器漏水"))
    visit = (await book(api, number, "tech", window(clock, 4))).json()
    # tech2 is busy at the same time with another customer: the hand-over is refused whole.
    other = await create(api, repair_in("南区", "indoor_equipment", "燃气表异响"))
    busy = await book(api, other, "tech2", window(clock, 5))
    assert busy.status_code == 201, busy.text
    refused = await api.post("disp", f"/api/tickets/{number}/actions/assign", {"assignee": "tech2"})
    assert refused.status_code == 422 and "start" in refused.json()["error"]["fields"]
    assert (await api.get("disp", f"/api/tickets/{number}")).json()["assignee"] == "tech"
    cancelled = await api.post(
        "disp",
        f"/api/visits/{busy.json()['id']}/cancel",
        {"reason": "客户改期", "customer_told_at": clock.now.isoformat()},
    )
    assert cancelled.status_code == 200, cancelled.text
    handed = await api.post("disp", f"/api/tickets/{number}/actions/assign", {"assignee": "tech2"})
    assert handed.status_code == 200, handed.text
    # The window the customer agreed stays; the visit is now tech2's to keep and to close.
    work = (await api.get("tech2", "/api/my-work")).json()["items"]
    [order] = [item for item in work if item["number"] == number]
    [moved] = order["visits"]
    assert (moved["id"], moved["start"], moved["end"]) == (
        visit["id"],
        visit["start"],
        visit["end"],
    )
    assert all(
        item["number"] != number for item in (await api.get("tech", "/api/my-work")).json()["items"]
    )
    clock.advance(hours=5)
    assert (await api.post("tech", f"/api/visits/{visit['id']}/done", {})).status_code == 403
    assert (await api.post("tech2", f"/api/visits/{visit['id']}/done", {})).status_code == 200


async def test_a_visit_moved_to_another_technician_and_window_in_one_step(
    api: Api, crews: None, clock: FakeClock
) -> None:
    number = await create(api, repair_in("北区", "indoor_equipment", "热水器漏水"))
    visit = (await book(api, number, "tech", window(clock, 4))).json()
    moved = await api.post(
        "disp",
        f"/api/visits/{visit['id']}/reschedule",
        {
            "reason": "原维修工请假",
            "customer_told_at": clock.now.isoformat(),
            "technician": "tech2",
            **window(clock, 24),
        },
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["replaces"]["against_crew"] is False  # told a day ahead
    ticket = (await api.get("disp", f"/api/tickets/{number}")).json()
    assert ticket["assignee"] == "tech2"
    [order] = (await api.get("tech2", "/api/my-work")).json()["items"]
    assert [v["id"] for v in order["visits"]] == [moved.json()["id"]]
    nonsense = await api.post(
        "disp",
        f"/api/visits/{moved.json()['id']}/cancel",
        {"reason": "客户取消", "technician": "tech"},
    )
    assert nonsense.status_code == 422 and "technician" in nonsense.json()["error"]["fields"]


@pytest.mark.parametrize(
    ("told_before", "against_crew"), [(3.0, False), (2.0, False), (1.5, True), (None, True)]
)
async def test_moving_a_visit_counts_against_the_crew_unless_told_2_h_ahead(
    api: Api, crews: None, clock: FakeClock, told_before: float | None, against_crew: bool
) -> None:
    number = await create(api, repair_in("北区", "indoor_equipment", "热水器漏水"))
    visit = (await book(api, number, "tech", window(clock, 4))).json()
    start = datetime.fromisoformat(visit["start"])
    clock.now = start - timedelta(hours=1)  # the change is made 1 h before the window
    told = None if told_before is None else (start - timedelta(hours=told_before)).isoformat()
    moved = await api.post(
        "disp",
        f"/api/visits/{visit['id']}/reschedule",
        {"reason": "抢修任务冲突", "customer_told_at": told, **window(clock, 24)},
    )
    assert moved.status_code == 200, moved.text
    new = moved.json()
    assert new["replaces"]["id"] == visit["id"]
    assert new["replaces"]["status"] == "rescheduled"
    assert new["replaces"]["against_crew"] is against_crew
    ticket = (await api.get("disp", f"/api/tickets/{number}")).json()
    handle = next(c for c in ticket["clocks"] if c["name"] == "handle")
    assert datetime.fromisoformat(handle["due_at"]) == datetime.fromisoformat(new["end"])
    work = (await api.get("tech", "/api/my-work")).json()["items"][0]["visits"]
    assert [v["id"] for v in work] == [new["id"]]
    again = await api.post("disp", f"/api/visits/{visit['id']}/cancel", {"reason": "again"})
    assert again.status_code == 409  # the old one was moved already


async def test_a_late_change_is_recorded_against_the_crew(
    api: Api, crews: None, clock: FakeClock
) -> None:
    number = await create(api, repair_in("北区", "indoor_equipment", "热水器漏水"))
    visit = (await book(api, number, "tech", window(clock, 3))).json()
    clock.advance(hours=2)  # an hour before the window
    told = clock.now.isoformat()
    cancelled = await api.post(
        "disp",
        f"/api/visits/{visit['id']}/cancel",
        {"reason": "车辆故障", "customer_told_at": told},
    )
    assert cancelled.status_code == 200 and cancelled.json()["against_crew"] is True
    future = (clock.now + timedelta(minutes=5)).isoformat()
    number2 = await create(api, repair_in("北区", "indoor_equipment", "灶具漏气"))
    visit2 = (await book(api, number2, "tech", window(clock, 5))).json()
    early = await api.post(
        "disp", f"/api/visits/{visit2['id']}/cancel", {"reason": "x", "customer_told_at": future}
    )
    assert early.status_code == 422 and "customer_told_at" in early.json()["error"]["fields"]


async def test_a_done_visit_gets_its_callback(api: Api, crews: None, clock: FakeClock) -> None:
    number = await create(api, repair_in("北区", "indoor_equipment", "热水器漏水"))
    visit = (await book(api, number, "tech", window(clock, 1))).json()
    clock.advance(hours=2)
    ahead = await api.post(
        "tech",
        f"/api/visits/{visit['id']}/done",
        {"at": (clock.now + timedelta(hours=1)).isoformat()},
    )
    assert ahead.status_code == 422
    others = await api.post("tech2", f"/api/visits/{visit['id']}/done", {})
    assert others.status_code == 403  # another technician's visit
    done = await api.post("tech", f"/api/visits/{visit['id']}/done", {})
    assert done.status_code == 200 and done.json()["status"] == "done"
    [task] = (await api.get("qa", "/api/callbacks", ticket=number)).json()["items"]
    assert task["kind"] == "visit"
    assert datetime.fromisoformat(task["not_before"]) == clock.now + timedelta(hours=2)
    twice = await api.post("tech", f"/api/visits/{visit['id']}/done", {})
    assert twice.status_code == 409


async def test_a_window_passed_with_nobody_there_is_a_missed_visit(
    api: Api, crews: None, clock: FakeClock
) -> None:
    kept = await create(api, repair_in("北区", "indoor_equipment", "按时上门"))
    missed = await create(api, repair_in("北区", "indoor_equipment", "无人上门"))
    for number, technician in ((kept, "tech"), (missed, "tech2")):
        booked = await book(api, number, technician, window(clock, 1))
        assert booked.status_code == 201
    clock.advance(hours=1, minutes=30)  # inside the window
    await api.post("tech", f"/api/tickets/{kept}/actions/start", {})
    assert (await api.post("tech", f"/api/tickets/{kept}/actions/arrive", {})).status_code == 200
    scheduler = api.app_context.scheduler  # type: ignore[attr-defined]
    assert await scheduler.mark_missed_visits_once() == 0  # the window is still open
    clock.advance(hours=2)
    async with api.app_context.bus.subscribe("ticket") as events:  # type: ignore[attr-defined]
        assert await scheduler.mark_missed_visits_once() == 1
        event = await events.next(timeout=1)
    assert (event.topic, event.data["ticket"], event.data["against_crew"]) == (
        "ticket.visit_missed",
        missed,
        True,
    )
    assert await scheduler.mark_missed_visits_once() == 0
