"""The automated survey call end to end over real TCP: the fake Asterisk connects to our
FastAGI server as Asterisk does and presses keys as a customer would — a full survey, an
unhappy one, an invalid key, silence, a hang-up in the middle, an unknown script."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from conftest import FakeClock, LiveServer
from sqlmodel import col, select

from hotline.db.tables import CallbackPolicyRow, CallbackTask, Ticket
from hotline.services import callbacks as callback_service
from hotline.telephony.simulator import FakeAsterisk
from hotline.telephony.simulator.agi_client import ScriptedCaller, run_agi_call
from hotline.telephony.survey_calls import survey_token
from hotline.web.context import AppContext
from ivr import speech
from ivr import survey as prompts

REPAIR = {
    "type": "repair",
    "subtype": "indoor_equipment",
    "description": "壁挂炉不点火",
    "caller_phone": "13800138001",
    "address": "北区 光明路 20号",
}


@pytest.fixture
def phones(phones_once: LiveServer) -> LiveServer:
    return phones_once


async def due_callback(
    server: LiveServer, clock: FakeClock, *, resolve: bool = False, phone: str = "13800138001"
) -> int:
    async with httpx.AsyncClient(base_url=server.base_url) as client:
        body = {**REPAIR, "caller_phone": phone}
        number = (
            await client.post("/api/tickets", json=body, headers=server.auth("agent"))
        ).json()["number"]
        for user, action, body in (
            ("disp", "assign", {"assignee": "tech"}),
            ("tech", "start", {}),
            ("tech", "arrive", {}),
            ("tech", "fix", {"note": "更换点火器"}),
            *((("disp", "resolve", {}),) if resolve else ()),
        ):
            response = await client.post(
                f"/api/tickets/{number}/actions/{action}", json=body, headers=server.auth(user)
            )
            assert response.status_code == 200, response.text
        clock.advance(hours=3)
        tasks = await client.get(
            "/api/callbacks", params={"ticket": number}, headers=server.auth("qa")
        )
        return int(tasks.json()["items"][0]["id"])


async def dialling(server: LiveServer, task_id: int) -> dict[str, str]:
    """The task claimed for dialling as the scheduler claims it; the channel variables our
    Originate gives its call."""
    context = server.app_context
    assert isinstance(context, AppContext)
    settings = context.settings
    async with context.sessions() as session, session.begin():
        claimed = await callback_service.claim_for_dialling(
            session, context.clock(), settings.timezone, settings.local_area_code
        )
    [action_id] = [view.task.dial_action_id for view in claimed if view.task.id == task_id]
    assert action_id is not None
    return {
        "HOTLINE_CALLBACK": str(task_id),
        "HOTLINE_ORIGINATE": action_id,
        "HOTLINE_SURVEY_TOKEN": survey_token(settings.secret_key, action_id),
    }


async def call(
    server: LiveServer, caller: ScriptedCaller, script: str = "survey"
) -> ScriptedCaller:
    context = server.app_context
    assert isinstance(context, AppContext) and context.agi_port is not None
    return await run_agi_call("127.0.0.1", context.agi_port, script, caller)


async def task(server: LiveServer, task_id: int) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=server.base_url) as client:
        listed = await client.get(
            "/api/callbacks", headers=server.auth("qa"), params={"per_page": 200}
        )
    return next(item for item in listed.json()["items"] if item["id"] == task_id)


def prompts_heard(caller: ScriptedCaller) -> list[str]:
    return [
        line.split()[2] for line in caller.heard if line.startswith(("STREAM FILE", "GET DATA"))
    ]


async def test_a_customer_answers_every_question(phones: LiveServer, clock: FakeClock) -> None:
    task_id = await due_callback(phones, clock)
    caller = ScriptedCaller(
        keys=["4", "1", "5", "1", "1"], variables=await dialling(phones, task_id)
    )
    await call(phones, caller)
    ticket_number = (await task(phones, task_id))["ticket"]
    assert prompts_heard(caller) == [
        prompts.WELCOME,
        prompts.TICKET,
        # The ticket's sequence number, digit by digit (1 as 幺).
        *speech.digits(ticket_number.rsplit("-", 1)[-1]),
        prompts.SCORE,
        prompts.YOU_CHOSE,
        "custom/say/digit-4",  # the score read back before confirming
        prompts.CONFIRM,
        prompts.COURTESY,
        prompts.RESOLVED,
        prompts.ON_TIME,
        prompts.THANKS,
    ]
    assert caller.heard[-1] == "HANGUP"
    after = await task(phones, task_id)
    assert after["status"] == "done"
    assert after["survey"] == {
        "score": 4,
        "resolved": True,
        "on_time": True,
        "courtesy": 5,
        "comment": None,
    }
    assert [(h["outcome"], h["by"]) for h in after["history"]] == [("reached", "ivr")]


async def test_an_unhappy_customer_reopens_the_resolved_ticket(
    phones: LiveServer, clock: FakeClock
) -> None:
    task_id = await due_callback(phones, clock, resolve=True)
    await call(
        phones,
        ScriptedCaller(keys=["2", "1", "3", "2", "1"], variables=await dialling(phones, task_id)),
    )
    after = await task(phones, task_id)
    assert after["survey"]["score"] == 2 and after["survey"]["resolved"] is False
    async with httpx.AsyncClient(base_url=phones.base_url) as client:
        ticket = (
            await client.get(f"/api/tickets/{after['ticket']}", headers=phones.auth("sup"))
        ).json()
    assert ticket["status"] == "assigned"
    assert ("survey", "unhappy") in [(e["clock"], e["kind"]) for e in ticket["escalations"]]


async def test_a_wrong_key_is_asked_again(phones: LiveServer, clock: FakeClock) -> None:
    task_id = await due_callback(phones, clock)
    caller = ScriptedCaller(
        keys=["9", "5", "1", "4", "1", "1"], variables=await dialling(phones, task_id)
    )
    await call(phones, caller)
    said = [prompt for prompt in prompts_heard(caller) if prompt not in speech.WORDS]
    assert said[2:5] == [prompts.SCORE, prompts.INVALID, prompts.SCORE]
    assert (await task(phones, task_id))["survey"]["score"] == 5


async def test_silence_leaves_the_task_for_a_person_or_a_later_attempt(
    phones: LiveServer, clock: FakeClock
) -> None:
    task_id = await due_callback(phones, clock)
    caller = ScriptedCaller(keys=["", ""], variables=await dialling(phones, task_id))
    await call(phones, caller)
    assert prompts.SORRY in prompts_heard(caller) and caller.heard[-1] == "HANGUP"
    after = await task(phones, task_id)
    assert after["status"] == "pending" and after["survey"] is None
    assert [(h["outcome"], h["by"], h["note"]) for h in after["history"]] == [
        ("no_answer", "ivr", "no usable answer")
    ]


async def test_a_hang_up_in_the_middle_records_the_attempt_only(
    phones: LiveServer, clock: FakeClock
) -> None:
    task_id = await due_callback(phones, clock)
    # The customer hangs up after hearing the ticket number and the first question.
    caller = ScriptedCaller(keys=["4"], variables=await dialling(phones, task_id), hang_up_after=5)
    await call(phones, caller)
    after = await task(phones, task_id)
    assert after["status"] == "pending" and after["survey"] is None
    assert [h["note"] for h in after["history"]] == ["hung up during the survey"]
    assert after["not_before"] > after["history"][0]["at"]  # a retry, on another half-day


async def test_missing_prompts_do_not_end_the_survey(phones: LiveServer, clock: FakeClock) -> None:
    """A survey prompt nobody recorded (and the digits of the ticket number) is silence, not
    the end of the call: the customer still answers, and the survey is taken."""
    task_id = await due_callback(phones, clock)
    missing = frozenset({prompts.TICKET, prompts.SCORE, *speech.WORDS})
    caller = ScriptedCaller(
        keys=["4", "1", "5", "1", "1"],
        variables=await dialling(phones, task_id),
        missing=missing,
    )
    await call(phones, caller)
    assert "WAIT FOR DIGIT 6000" in caller.heard  # the score, keyed with no question heard
    assert caller.heard[-1] == "HANGUP"
    after = await task(phones, task_id)
    assert after["status"] == "done"
    assert after["survey"]["score"] == 4 and after["survey"]["courtesy"] == 5
    assert [(h["outcome"], h["note"]) for h in after["history"]] == [
        ("reached", "automated survey")
    ]


async def test_a_call_without_its_callback_or_to_an_unknown_script_is_handed_back(
    phones: LiveServer,
) -> None:
    """Not hung up: the dialplan apologises (survey) or takes the caller on (menu)."""
    no_task = await call(phones, ScriptedCaller(keys=[]))
    assert no_task.heard == ["GET VARIABLE HOTLINE_CALLBACK"] and no_task.handed_back
    unknown = await call(phones, ScriptedCaller(keys=[]), script="lottery")
    assert unknown.heard == [] and unknown.handed_back


ANSWERS = ["4", "1", "5", "1", "1"]


async def test_a_connection_naming_a_task_never_dialled_is_handed_back(
    phones: LiveServer, clock: FakeClock
) -> None:
    """Anyone reaching the FastAGI port could set HOTLINE_CALLBACK to a pending task and
    record a survey (and reopen and escalate its ticket): only our Originate's call counts."""
    task_id = await due_callback(phones, clock)
    caller = await call(
        phones, ScriptedCaller(keys=ANSWERS, variables={"HOTLINE_CALLBACK": str(task_id)})
    )
    assert caller.handed_back and not prompts_heard(caller)
    after = await task(phones, task_id)
    assert after["status"] == "pending" and after["survey"] is None and after["history"] == []


async def test_a_call_with_a_forged_token_or_another_dials_id_is_handed_back(
    phones: LiveServer, clock: FakeClock
) -> None:
    task_id = await due_callback(phones, clock)
    ours = await dialling(phones, task_id)
    forged = {**ours, "HOTLINE_SURVEY_TOKEN": "0" * 64}
    guessed = {
        **ours,
        "HOTLINE_ORIGINATE": "survey-guessed",
        "HOTLINE_SURVEY_TOKEN": survey_token("not our key", "survey-guessed"),
    }
    for variables in (forged, guessed):
        caller = await call(phones, ScriptedCaller(keys=ANSWERS, variables=variables))
        assert caller.handed_back and not prompts_heard(caller)
    assert (await task(phones, task_id))["history"] == []
    # The real call still goes through, once: replayed, it is handed back.
    await call(phones, ScriptedCaller(keys=ANSWERS, variables=ours))
    assert (await task(phones, task_id))["status"] == "done"
    replay = await call(phones, ScriptedCaller(keys=["1", "1", "1", "2", "2"], variables=ours))
    assert replay.handed_back and not prompts_heard(replay)
    assert (await task(phones, task_id))["survey"]["score"] == 4


async def automated(server: LiveServer, fake: FakeAsterisk) -> AppContext:
    context = server.app_context
    assert isinstance(context, AppContext) and context.agi_port is not None
    async with context.sessions() as session, session.begin():
        policy = await session.get(CallbackPolicyRow, 1)
        assert policy is not None
        policy.automated_calls = True
        session.add(policy)
    fake.agi_endpoint = ("127.0.0.1", context.agi_port)
    return context


async def until(check: Callable[[], Awaitable[bool]], seconds: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "not within the time"
        await asyncio.sleep(0.05)


async def test_the_scheduler_dials_a_due_callback_and_the_customer_answers(
    phones: LiveServer, clock: FakeClock, fake_asterisk: FakeAsterisk
) -> None:
    context = await automated(phones, fake_asterisk)
    fake_asterisk.survey_callers["13800138001"] = ScriptedCaller(keys=["5", "1", "5", "1", "1"])
    task_id = await due_callback(phones, clock)
    assert await context.scheduler.dial_surveys_once() == 1
    assert await context.scheduler.dial_surveys_once() == 0  # not twice while it is being called

    async def surveyed() -> bool:
        return (await task(phones, task_id))["status"] == "done"

    await until(surveyed)
    after = await task(phones, task_id)
    assert after["survey"]["score"] == 5
    assert [(h["outcome"], h["by"]) for h in after["history"]] == [("reached", "ivr")]


async def test_an_unanswered_survey_call_is_retried_on_another_half_day(
    phones: LiveServer, clock: FakeClock, fake_asterisk: FakeAsterisk
) -> None:
    context = await automated(phones, fake_asterisk)
    assert context.telephony is not None
    task_id = await due_callback(phones, clock, phone="13800138002")  # never answers
    assert await context.scheduler.dial_surveys_once() == 1
    await fake_asterisk.calls_done()
    await asyncio.sleep(0.3)
    await context.telephony.writer.flushed()
    clock.advance(seconds=31)
    await context.scheduler.dial_surveys_once()
    after = await task(phones, task_id)
    assert after["status"] == "pending"
    [attempt] = after["history"]
    assert (attempt["outcome"], attempt["by"]) == ("no_answer", "ivr")
    assert attempt["call_linkedid"] is not None
    assert after["not_before"] > attempt["at"]


async def test_a_callback_a_person_holds_is_not_dialled(
    phones: LiveServer, clock: FakeClock, fake_asterisk: FakeAsterisk
) -> None:
    context = await automated(phones, fake_asterisk)
    task_id = await due_callback(phones, clock)
    async with httpx.AsyncClient(base_url=phones.base_url) as client:
        taken = await client.post(
            f"/api/callbacks/{task_id}/assign", json={"assignee": "qa"}, headers=phones.auth("qa")
        )
    assert taken.status_code == 200, taken.text
    assert await context.scheduler.dial_surveys_once() == 0
    assert (await task(phones, task_id))["history"] == []


async def test_quiet_hours_and_undiallable_numbers(
    phones: LiveServer, clock: FakeClock, fake_asterisk: FakeAsterisk
) -> None:
    context = await automated(phones, fake_asterisk)
    task_id = await due_callback(phones, clock)
    clock.now = clock.now.replace(hour=14)  # 22:00 in Shanghai: quiet
    assert await context.scheduler.dial_surveys_once() == 0
    clock.advance(hours=11)  # 09:00 the next morning
    async with context.sessions() as session, session.begin():
        ticket = (
            await session.exec(
                select(Ticket)
                .join(CallbackTask, col(CallbackTask.ticket_id) == col(Ticket.id))
                .where(col(CallbackTask.id) == task_id)
            )
        ).one()
        ticket.caller_phone = "12"  # an old record's number, not a phone number
        session.add(ticket)
    assert await context.scheduler.dial_surveys_once() == 0
    after = await task(phones, task_id)
    assert after["status"] == "wrong_number"
    assert after["history"][0]["note"] == "the number on the ticket cannot be dialled"
