"""The automated survey call end to end on the real Asterisk, placed by `hotline serve` itself:
a repair is fixed, its follow-up callback falls due, the scheduler's dialler originates the
survey call over AMI, Asterisk rings the customer through the trunk (sipp as the carrier,
answering and keying the answers), runs our `survey` script over FastAGI, and the survey lands
in the database. Judged against the CDR Asterisk wrote for the call."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest

from .asterisk import wait_for
from .conftest import LivePbx
from .judge import Verdict, judge_caller, summary_of_call, summary_of_records
from .overlay import CARRIER_IP
from .server import ON_CALL, Hotline
from .sipp import Key, Phones

SURVEYED = "13800138140"
CALL_SECONDS = 60
# The scheduler looks for due callbacks every 5 s (HOTLINE_CALLBACK_INTERVAL_SECONDS), then
# the call is placed and the survey takes some 15 s.
SURVEY_SECONDS = 60
RECORDS_SECONDS = 10
# The prompts are 0.4 s tones (tests/live/sounds.py): greeting, "your ticket", its four digits,
# then the score question waits for a key; each next key inside the next question's wait.
ANSWERS = [
    Key("4", after_ms=4000),  # score 4
    Key("1", after_ms=2000),  # confirmed
    Key("5", after_ms=2000),  # courtesy 5
    Key("1", after_ms=2000),  # solved
    Key("1", after_ms=2000),  # on time
]
POLICY_COLUMNS = ("repair_delay_minutes", "quiet_start", "quiet_end", "automated_calls")


@contextlib.contextmanager
def surveys_dialled_at_once(hotline: Hotline) -> Iterator[None]:
    """The callback policy as an admin would set it for this test: automated survey calls on,
    a repair's callback due at once, no quiet hours; set back afterwards."""
    with sqlite3.connect(hotline.database) as connection:
        before = connection.execute(
            f"SELECT {', '.join(POLICY_COLUMNS)} FROM callback_policy WHERE id = 1"
        ).fetchone()
        connection.execute(
            "UPDATE callback_policy SET repair_delay_minutes = 0, quiet_start = '00:00', "
            "quiet_end = '00:00', automated_calls = 1 WHERE id = 1"
        )
    try:
        yield
    finally:
        with sqlite3.connect(hotline.database) as connection:
            connection.execute(
                "UPDATE callback_policy SET repair_delay_minutes = ?, quiet_start = ?, "
                "quiet_end = ?, automated_calls = ? WHERE id = 1",
                before,
            )


def fixed_repair(hotline: Hotline) -> str:
    """A repair taken by the agent, then assigned, worked and fixed by the on-call dispatcher:
    its number."""
    ticket = {
        "type": "repair",
        "subtype": "indoor_equipment",
        "description": "壁挂炉不点火",
        "caller_phone": SURVEYED,
        "address": "拱墅区测试路 1 号",
    }
    with hotline.client() as client:
        response = client.post("/api/tickets", json=ticket)
    assert response.status_code == 201, response.text
    number: str = response.json()["number"]
    with hotline.client(hotline.on_call_token) as client:
        for action, body in (("assign", {"assignee": ON_CALL}), ("start", {}), ("arrive", {})):
            response = client.post(f"/api/tickets/{number}/actions/{action}", json=body)
            assert response.status_code == 200, response.text
        response = client.post(f"/api/tickets/{number}/actions/fix", json={"note": "换了灶前阀"})
        assert response.status_code == 200, response.text
    return number


def task_of(hotline: Hotline, ticket: str) -> dict[str, Any] | None:
    """The ticket's callback task and its attempts, as the database holds them."""
    with sqlite3.connect(hotline.database) as connection:
        connection.row_factory = sqlite3.Row
        task = connection.execute(
            "SELECT callback_task.* FROM callback_task JOIN ticket "
            "ON ticket.id = callback_task.ticket_id WHERE ticket.number = ?",
            (ticket,),
        ).fetchone()
        if task is None:
            return None
        attempts = connection.execute(
            "SELECT outcome, by, note, call_linkedid FROM callback_attempt WHERE task_id = ?",
            (task["id"],),
        ).fetchall()
    return {**dict(task), "attempts": [dict(attempt) for attempt in attempts]}


@pytest.mark.scenario("automated survey: hotline serve dials, the customer keys the answers")
def test_hotline_dials_the_survey_call_and_the_customer_s_answers_land_in_the_database(
    pbx: LivePbx, hotline: Hotline, parties: Phones, verdict: Verdict
) -> None:
    customer = parties.phone(SURVEYED, CARRIER_IP, pbx.ports.carrier, ring_ms=500, keys=ANSWERS)
    with surveys_dialled_at_once(hotline):
        ticket = fixed_repair(hotline)
        try:
            done = wait_for(
                "the survey in the database",
                lambda: (task := task_of(hotline, ticket)) and task["survey_score"] and task,
                SURVEY_SECONDS,
                interval=0.5,
            )
        except TimeoutError as error:
            raise AssertionError(
                f"{error}\ntask: {task_of(hotline, ticket)}\nsipp: {customer.events()}\n"
                f"hotline serve:\n{hotline.tail(30)}"
            ) from error
    assert isinstance(done, dict)
    assert customer.wait(CALL_SECONDS) == 0, customer.errors()
    heard = customer.events()
    call = hotline.ended_call(
        RECORDS_SECONDS,
        lambda call: call["originate_action_id"] is not None,
        caller=f"+86{SURVEYED}",
        direction="outbound",
    )
    action_id = call["originate_action_id"]
    rows = wait_for(
        "the survey call's CDR",
        lambda: [row for row in pbx.pbx.cdr() if row.userfield.endswith(f":{action_id}")],
        RECORDS_SECONDS,
    )
    assert isinstance(rows, list)
    to_customer = [row for row in rows if row.dstchannel.startswith("PJSIP/trunk-")]
    surveyed = [row for row in rows if row.userfield == f"survey:{action_id}"]

    verdict.holds(
        "CDR",
        "; ".join(f"{r.channel} {r.lastapp} {r.dstchannel} {r.disposition}" for r in rows),
        "the trunk answered, the survey context ran AGI",
        len(to_customer) == 1
        and to_customer[0].disposition == "ANSWERED"
        and len(surveyed) >= 1
        and any(row.lastapp == "AGI" for row in surveyed),
    )
    verdict.same(
        "the customer keyed every answer, then the survey hung up",
        ["ringing", "answered", *(f"key {key.digit}" for key in ANSWERS), "the other side hung up"],
        heard,
    )
    verdict.same(
        "survey in the database",
        {"score": 4, "courtesy": 5, "resolved": True, "on_time": True, "comment": None},
        json.loads(done["survey"]),
    )
    verdict.same("survey score", 4, done["survey_score"])
    verdict.same("callback task", "done", done["status"])
    verdict.same(
        "attempts",
        [("reached", "ivr", "automated survey")],
        [(a["outcome"], a["by"], a["note"]) for a in done["attempts"]],
    )
    verdict.same("direction", "outbound", call["direction"])
    verdict.same("disposition", "answered", call["disposition"])
    judge_caller(verdict, to_customer[0].dst if to_customer else "", call)
    if to_customer:
        billsec = to_customer[0].billsec
        talk = call["talk_seconds"]
        verdict.holds(
            "talk",
            f"billsec {billsec} (+1)",
            str(talk),
            isinstance(talk, float) and billsec - 1 < talk < billsec + 1.1,
        )
    verdict.asterisk_summary = summary_of_records(rows, [])
    verdict.ours_summary = summary_of_call(call) + f"; survey {done['survey_score']}/5"
    verdict.assert_all()
