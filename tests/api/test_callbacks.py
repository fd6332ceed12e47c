"""Follow-up callbacks over the API: tasks made by ticket events, attempts and retries, surveys
(an unhappy one reopens and escalates), the scheduler putting due tasks forward exactly once —
also across a restart."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from asgi_lifespan import LifespanManager
from conftest import Api, FakeClock, add_due_callbacks, add_staff, app_settings
from sqlmodel import col, func, select

from hotline.db.tables import CallbackTask
from hotline.web.app import create_app
from hotline.web.context import AppContext

REPAIR = {
    "type": "repair",
    "subtype": "indoor_equipment",
    "description": "燃气灶打不着火",
    "caller_phone": "13812345678",
    "address": "北区 光明路 20号",
}
COMPLAINT = {"type": "complaint", "subtype": "timeliness", "description": "维修人员迟到"}


async def create(api: Api, body: dict[str, object]) -> str:
    response = await api.post("agent", "/api/tickets", body)
    assert response.status_code == 201, response.text
    return str(response.json()["number"])


async def act(
    api: Api, user: str, number: str, action: str, body: dict[str, Any] | None = None
) -> None:
    response = await api.post(user, f"/api/tickets/{number}/actions/{action}", body or {})
    assert response.status_code == 200, response.text


async def fixed_repair(api: Api, clock: FakeClock) -> str:
    number = await create(api, REPAIR)
    await act(api, "disp", number, "assign", {"assignee": "tech"})
    await act(api, "tech", number, "start")
    await act(api, "tech", number, "arrive")
    clock.advance(hours=1)
    await act(api, "tech", number, "fix", {"note": "更换点火器"})
    return number


async def tasks(api: Api, **params: object) -> list[dict[str, Any]]:
    response = await api.get("qa", "/api/callbacks", **params)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def local(moment: str) -> datetime:
    return datetime.fromisoformat(moment)


async def test_a_fixed_repair_gets_a_callback_two_hours_later(api: Api, clock: FakeClock) -> None:
    # The test clock starts at 10:00 Shanghai time; the fix is at 11:00.
    number = await fixed_repair(api, clock)
    [task] = await tasks(api, ticket=number)
    fixed_at = clock.now
    assert task["kind"] == "repair" and task["status"] == "pending"
    assert local(task["not_before"]) == fixed_at + timedelta(hours=2)
    assert local(task["due_by"]) == fixed_at + timedelta(days=3)
    assert task["attempts"] == 0 and task["caller_phone"] == "+8613812345678"
    assert await tasks(api, ticket=number, due="true") == []
    clock.advance(hours=2)
    assert [t["id"] for t in await tasks(api, due="true")] == [task["id"]]


async def test_a_complaint_resolved_late_in_the_evening_waits_for_the_morning(
    api: Api, clock: FakeClock
) -> None:
    number = await create(api, COMPLAINT)
    await act(api, "sup", number, "assign", {"assignee": "qa"})
    await act(api, "qa", number, "start")
    await act(api, "qa", number, "reply", {"note": "已向投诉人说明处理意见"})
    clock.advance(hours=10, minutes=30)  # 20:30 in Shanghai
    await act(api, "qa", number, "resolve")
    [task] = await tasks(api, ticket=number)
    # An hour later is 21:30, inside the quiet hours: the first attempt is at 08:00.
    assert task["kind"] == "complaint"
    assert task["not_before"].endswith("T08:00:00+08:00")
    assert local(task["not_before"]) - clock.now == timedelta(hours=11, minutes=30)


async def test_attempts_retry_on_another_half_day_then_the_survey(
    api: Api, clock: FakeClock
) -> None:
    number = await fixed_repair(api, clock)
    [task] = await tasks(api, ticket=number)
    clock.advance(hours=2)  # 13:00
    path = f"/api/callbacks/{task['id']}"
    missed = await api.post("qa", f"{path}/attempts", {"outcome": "no_answer"})
    assert missed.status_code == 200, missed.text
    assert missed.json()["status"] == "pending"
    # The afternoon is used; this evening is quiet from 21:00: tomorrow morning at 08:00.
    assert missed.json()["not_before"].endswith("T08:00:00+08:00")
    clock.advance(hours=20)  # 09:00 the next day
    reached = await api.post("qa", f"{path}/attempts", {"outcome": "reached", "note": "本人接听"})
    assert reached.json()["status"] == "in_progress"
    assert [h["outcome"] for h in reached.json()["history"]] == ["no_answer", "reached"]
    survey = {"score": 5, "resolved": True, "on_time": True, "courtesy": 5, "comment": "很满意"}
    done = await api.post("qa", f"{path}/survey", survey)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "done" and done.json()["reopened"] is False
    assert done.json()["survey"]["score"] == 5
    twice = await api.post("qa", f"{path}/survey", survey)
    assert twice.status_code == 409
    ticket = (await api.get("sup", f"/api/tickets/{number}")).json()
    assert ticket["status"] == "in_progress"


async def test_an_unhappy_survey_reopens_the_ticket_and_tells_the_supervisor(
    api: Api, clock: FakeClock
) -> None:
    number = await fixed_repair(api, clock)
    await act(api, "disp", number, "resolve")
    [task] = await tasks(api, ticket=number)
    clock.advance(hours=3)
    path = f"/api/callbacks/{task['id']}"
    await api.post("qa", f"{path}/attempts", {"outcome": "reached"})
    context = api.app_context
    assert isinstance(context, AppContext)
    async with context.bus.subscribe("sla") as events:
        answer = await api.post(
            "qa",
            f"{path}/survey",
            {
                "score": 2,
                "resolved": False,
                "on_time": True,
                "courtesy": 3,
                "comment": "还是打不着",
            },
        )
        event = await events.next(timeout=1)
    assert answer.status_code == 200 and answer.json()["reopened"] is True
    assert (event.topic, event.data["ticket"], event.data["notify"]) == (
        "sla.unhappy",
        number,
        ["role:supervisor"],
    )
    ticket = (await api.get("sup", f"/api/tickets/{number}")).json()
    assert ticket["status"] == "assigned"
    assert ("survey", "unhappy") in [(e["clock"], e["kind"]) for e in ticket["escalations"]]
    assert "回访不满意" in (ticket["history"][-1]["note"] or "")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"score": 6, "resolved": True, "on_time": True, "courtesy": 3}, "score"),
        ({"score": 3, "resolved": True, "on_time": True, "courtesy": 0}, "courtesy"),
        ({"score": 3, "on_time": True, "courtesy": 3}, "resolved"),
    ],
)
async def test_a_bad_survey_names_the_field_and_changes_nothing(
    api: Api, clock: FakeClock, body: dict[str, object], field: str
) -> None:
    number = await fixed_repair(api, clock)
    [task] = await tasks(api, ticket=number)
    clock.advance(hours=2)
    await api.post("qa", f"/api/callbacks/{task['id']}/attempts", {"outcome": "reached"})
    refused = await api.post("qa", f"/api/callbacks/{task['id']}/survey", body)
    assert refused.status_code == 422
    assert field in refused.json()["error"]["fields"]
    [after] = await tasks(api, ticket=number)
    assert after["status"] == "in_progress" and after["survey"] is None


async def test_bad_attempts_and_surveys_are_refused(api: Api, clock: FakeClock) -> None:
    number = await fixed_repair(api, clock)
    [task] = await tasks(api, ticket=number)
    path = f"/api/callbacks/{task['id']}"
    survey = {"score": 4, "resolved": True, "on_time": True, "courtesy": 4}
    pending = await api.post("qa", f"{path}/survey", survey)
    assert pending.status_code == 409  # nobody was reached yet
    future = (clock.now + timedelta(minutes=5)).isoformat()
    ahead = await api.post("qa", f"{path}/attempts", {"outcome": "busy", "at": future})
    assert ahead.status_code == 422 and "at" in ahead.json()["error"]["fields"]
    unknown = await api.post("qa", f"{path}/attempts", {"outcome": "maybe"})
    assert unknown.status_code == 422 and "outcome" in unknown.json()["error"]["fields"]
    assert (
        await api.post("qa", "/api/callbacks/999999/attempts", {"outcome": "busy"})
    ).status_code == 404
    assert (await api.get("agent", "/api/callbacks")).status_code == 403
    assert (await api.post("tech", f"{path}/attempts", {"outcome": "busy"})).status_code == 403
    [after] = await tasks(api, ticket=number)
    assert after["attempts"] == 0 and after["history"] == []


async def test_three_failed_attempts_leave_the_task_unreachable(api: Api, clock: FakeClock) -> None:
    number = await fixed_repair(api, clock)
    [task] = await tasks(api, ticket=number)
    path = f"/api/callbacks/{task['id']}"
    for _ in range(3):
        clock.now = max(clock.now, local(task["not_before"]))
        answer = await api.post("qa", f"{path}/attempts", {"outcome": "no_answer"})
        assert answer.status_code == 200, answer.text
        task = answer.json()
    assert task["status"] == "unreachable" and task["attempts"] == 3
    more = await api.post("qa", f"{path}/attempts", {"outcome": "reached"})
    assert more.status_code == 409


async def test_a_callback_is_taken_handed_out_and_given_back(api: Api, clock: FakeClock) -> None:
    number = await fixed_repair(api, clock)
    [task] = await tasks(api, ticket=number)
    path = f"/api/callbacks/{task['id']}/assign"
    assert [t["id"] for t in await tasks(api, unassigned="true")] == [task["id"]]
    taken = await api.post("qa", path, {"assignee": "qa"})
    assert taken.status_code == 200, taken.text
    assert taken.json()["assignee"] == "qa"
    assert [t["id"] for t in await tasks(api, assignee="qa")] == [task["id"]]
    assert await tasks(api, unassigned="true") == []
    # Quality staff hand out nothing but themselves; a supervisor hands out anything.
    assert (await api.post("qa", path, {"assignee": "sup"})).status_code == 403
    moved = await api.post("sup", path, {"assignee": "sup"})
    assert moved.status_code == 200 and moved.json()["assignee"] == "sup"
    assert (await api.post("qa", path, {"assignee": "qa"})).status_code == 403
    assert (await api.post("qa", path, {"assignee": None})).status_code == 403
    not_quality = await api.post("sup", path, {"assignee": "tech"})
    assert not_quality.status_code == 422
    assert "assignee" in not_quality.json()["error"]["fields"]
    assert (await api.post("sup", path, {"assignee": "nobody"})).status_code == 422
    assert (await api.post("sup", path, {})).status_code == 422  # say who, or null
    assert (await api.post("agent", path, {"assignee": None})).status_code == 403
    [held] = await tasks(api, ticket=number)
    assert held["assignee"] == "sup"
    back = await api.post("sup", path, {"assignee": None})
    assert back.status_code == 200 and back.json()["assignee"] is None


async def test_a_finished_callback_is_not_handed_out(api: Api, clock: FakeClock) -> None:
    number = await fixed_repair(api, clock)
    [task] = await tasks(api, ticket=number)
    clock.advance(hours=2)
    refused = await api.post("qa", f"/api/callbacks/{task['id']}/attempts", {"outcome": "refused"})
    assert refused.json()["status"] == "refused"
    late = await api.post("sup", f"/api/callbacks/{task['id']}/assign", {"assignee": "qa"})
    assert late.status_code == 409
    [after] = await tasks(api, ticket=number)
    assert after["assignee"] is None


async def test_the_scheduler_puts_due_callbacks_forward_once_per_attempt(
    api: Api, clock: FakeClock
) -> None:
    number = await fixed_repair(api, clock)
    [task] = await tasks(api, ticket=number)
    context = api.app_context
    assert isinstance(context, AppContext)
    scheduler = context.scheduler
    async with context.bus.subscribe("callback") as events:
        assert await scheduler.offer_callbacks_once() == 0  # not due yet
        clock.advance(hours=2)
        assert await scheduler.offer_callbacks_once() == 1
        assert await scheduler.offer_callbacks_once() == 0
        due = await events.next(timeout=1)
        assert (due.topic, due.data["id"], due.data["ticket"]) == (
            "callback.due",
            task["id"],
            number,
        )
        await api.post("qa", f"/api/callbacks/{task['id']}/attempts", {"outcome": "busy"})
        assert await scheduler.offer_callbacks_once() == 0  # the retry is not due yet
        clock.advance(hours=24)
        assert await scheduler.offer_callbacks_once() == 1  # the retry, once
        assert await scheduler.offer_callbacks_once() == 0


TASKS_AT_RESTART = 10_000


async def test_every_task_is_put_forward_exactly_once_across_a_restart(
    database_url: str, clock: FakeClock
) -> None:
    """Tasks that fell due while no server ran are put forward at start; a server stopped in
    the middle leaves the rest to the next one, and none is put forward twice."""
    await add_staff(database_url, clock.now)
    await add_due_callbacks(database_url, clock.now, TASKS_AT_RESTART)
    announced: list[int] = []
    for run in range(2):
        app = create_app(app_settings(database_url, scheduler="on"), clock=clock)
        async with LifespanManager(app):
            context = app.state.context
            assert isinstance(context, AppContext)
            async with context.bus.subscribe("callback", queue_size=2 * TASKS_AT_RESTART) as feed:
                if not announced:
                    # The first server is stopped as soon as its first batch is out.
                    announced.append((await feed.next(timeout=30)).data["id"])
                else:
                    while len(set(announced)) < TASKS_AT_RESTART:
                        announced.append((await feed.next(timeout=30)).data["id"])
                await context.scheduler.stop()
                announced += [event.data["id"] for event in feed.drain()]
            async with context.sessions() as session:
                left = await session.exec(
                    select(func.count()).where(col(CallbackTask.offered_at).is_(None))
                )
                waiting = left.one()
        if run == 0:
            assert 0 < waiting < TASKS_AT_RESTART, "the first server was not stopped midway"
    assert waiting == 0
    assert len(announced) == len(set(announced)) == TASKS_AT_RESTART
