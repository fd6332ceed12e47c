"""Our voice menu (FastAGI `menu`, ivr/menu.py) on a real Asterisk running our dialplan: a known
caller's choice reaches the queue and the call log with their file; a caller in an outage
area hears the notice and, pressing 1, is counted on the outage and politely let go; a gas
smell hears the safety instructions and reaches the emergency desk. Each judged against the
CDR and queue_log Asterisk wrote."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from .asterisk import wait_for
from .conftest import LivePbx
from .judge import Verdict, judge_caller, judge_span
from .overlay import CARRIER_IP, PHONES_IP
from .scenario import (
    HOTLINE_NUMBER,
    RECORDS_SECONDS,
    conclude,
    finished,
    inbound_call,
    judge_queued_and_answered,
    records,
)
from .server import ON_CALL, Hotline
from .sipp import Key, Phones

# The menu's prompts are 0.4 s tones here (tests/live/sounds.py): the greeting and the menu
# have played well within this, and GET DATA waits 5 s for the key.
MENU_KEY_MS = 1500


def a_customer(hotline: Hotline, phone: str, area: str, **extra: str) -> int:
    with hotline.client() as client:
        response = client.post(
            "/api/customers",
            json={"name": "测试用户", "phone": phone, "address": f"{area}测试路 1 号", "area": area}
            | extra,
        )
    assert response.status_code == 201, response.text
    customer_id: int = response.json()["id"]
    return customer_id


def menu_sessions(hotline: Hotline, caller: str) -> list[sqlite3.Row]:
    """The menu's own log of this caller's sessions (the server's SQLite database), once
    written: sessions are logged in batches a moment after the call left the menu."""
    database = Path(hotline.log).parent / "hotline.db"

    def logged() -> list[sqlite3.Row]:
        with sqlite3.connect(database) as connection:
            connection.row_factory = sqlite3.Row
            return list(
                connection.execute(
                    "SELECT * FROM ivr_session WHERE caller = ? ORDER BY id", (f"+86{caller}",)
                )
            )

    sessions = wait_for(f"the menu log of {caller}", logged, RECORDS_SECONDS)
    assert isinstance(sessions, list)
    return sessions


# The menu's keys that put the caller through to the hotline desk (1, consultation, is the
# abandoned call's key in test_calls_on_real_asterisk.py), each with what the call log says.
DESK_KEYS = [
    pytest.param(
        key, choice, caller, marks=pytest.mark.scenario(f"menu: key {key} ({what}), agent answers")
    )
    for key, choice, caller, what in (
        ("2", "repair", "13800138201", "repair"),
        ("3", "complaint", "13800138211", "complaint"),
        ("5", "no-gas", "13800138212", "no gas"),
        ("0", "none", "13800138213", "a person"),
    )
]


@pytest.mark.parametrize(("key", "choice", "caller"), DESK_KEYS)
def test_a_known_callers_choice_reaches_the_agent_with_their_file(
    pbx: LivePbx,
    hotline: Hotline,
    parties: Phones,
    verdict: Verdict,
    key: str,
    choice: str,
    caller: str,
) -> None:
    customer_id = a_customer(hotline, caller, "拱墅区")
    agent = parties.phone("8001", PHONES_IP, pbx.ports.agents["8001"], ring_ms=800, talk_ms=2000)
    customer = parties.customer(
        caller,
        keys=[Key(key, after_ms=MENU_KEY_MS)],
        stay_ms=15000,
        host=CARRIER_IP,
        dialled=HOTLINE_NUMBER,
    )
    finished(customer)
    assert "answered" in finished(agent)
    call = inbound_call(hotline, caller)
    legs, queue = records(pbx, call["linkedid"])

    judge_caller(verdict, legs[0].src, call)
    verdict.same("IVR choice (CDR userfield)", legs[-1].userfield, f"hotline:{choice}")
    # "none" (a person, no service chosen) is no IVR choice in our call log.
    verdict.same("IVR choice", None if choice == "none" else choice, call["ivr_choice"])
    verdict.same("customer file", customer_id, call["customer_id"])
    judge_queued_and_answered(verdict, legs, queue, call)
    judge_span(verdict, legs, call)
    [session] = menu_sessions(hotline, caller)
    verdict.same("menu log", f"routed {choice}", f"{session['outcome']} {session['service']}")
    conclude(verdict, legs, queue, call)


@pytest.mark.scenario("menu: outage notice, key 1, counted and goodbye")
def test_a_caller_in_an_outage_area_hears_the_notice_and_is_counted_on_it(
    pbx: LivePbx, hotline: Hotline, parties: Phones, verdict: Verdict
) -> None:
    caller = "13800138202"
    a_customer(hotline, caller, "上城区")
    with hotline.client() as client:
        response = client.post(
            "/api/tickets",
            json={
                "type": "outage",
                "subtype": "unplanned",
                "description": "上城区中压管道抢修",
                "area": "上城区",
            },
        )
    assert response.status_code == 201, response.text
    outage_number = response.json()["number"]
    # The notice (greeting, area, cause, the restoration time in words, apology) takes a few
    # seconds of 0.4 s tones; the key comes while "press 1" waits for it.
    customer = parties.customer(
        caller,
        keys=[Key("1", after_ms=7000)],
        stay_ms=15000,
        host=CARRIER_IP,
        dialled=HOTLINE_NUMBER,
    )
    said = finished(customer)
    call = inbound_call(hotline, caller)
    legs, queue = records(pbx, call["linkedid"])

    verdict.holds(
        "the PBX said goodbye and hung up",
        f"CDR lastapp {legs[-1].lastapp}",
        said[-1],
        said[-1] == "the PBX hung up" and legs[-1].lastapp in ("Hangup", "Playback"),
    )
    verdict.same("queue_log", [], [line.event for line in queue])
    verdict.same("disposition", "ivr_only", call["disposition"])
    verdict.same("IVR choice", "outage-noted", call["ivr_choice"])
    verdict.same("queue", None, call["queue"])
    judge_caller(verdict, legs[0].src, call)
    judge_span(verdict, legs, call)
    menu_sessions(hotline, caller)  # the count comes from the menu's log
    with hotline.client() as client:
        outage = client.get(f"/api/tickets/{outage_number}").json()
    verdict.same(
        "the outage's callers",
        {"heard_notice": 1, "called_about_it": 1},
        outage.get("outage_callers"),
    )
    conclude(verdict, legs, queue, call)


@pytest.mark.scenario("menu: gas smell, safety instructions, emergency desk answers")
def test_a_gas_smell_hears_the_safety_instructions_and_reaches_the_emergency_desk(
    pbx: LivePbx, hotline: Hotline, parties: Phones, verdict: Verdict
) -> None:
    caller = "13800138203"
    desk = parties.phone("8003", PHONES_IP, pbx.ports.agents["8003"], ring_ms=500, talk_ms=2000)
    customer = parties.customer(
        caller,
        keys=[Key("4", after_ms=MENU_KEY_MS)],
        stay_ms=15000,
        host=CARRIER_IP,
        dialled=HOTLINE_NUMBER,
    )
    finished(customer)
    assert "answered" in finished(desk)
    call = inbound_call(hotline, caller)
    legs, queue = records(pbx, call["linkedid"])

    verdict.same("queue (queue_log)", "emergency", queue[0].queue if queue else None)
    verdict.same("queue", "emergency", call["queue"])
    verdict.same("IVR choice", "gas-smell", call["ivr_choice"])
    verdict.same("disposition", "answered", call["disposition"])
    agent = call["agent"] or {}
    verdict.same("emergency desk", "PJSIP/8003", agent.get("interface"))
    judge_caller(verdict, legs[0].src, call)
    judge_span(verdict, legs, call)
    conclude(verdict, legs, queue, call)


@pytest.mark.scenario("menu: key 6, a caller hears their own ticket's status")
def test_a_caller_keys_their_tickets_number_and_hears_its_status(
    pbx: LivePbx, hotline: Hotline, parties: Phones, verdict: Verdict
) -> None:
    caller = "13800138204"
    with hotline.client() as client:
        response = client.post(
            "/api/tickets",
            json={
                "type": "repair",
                "subtype": "indoor_equipment",
                "description": "壁挂炉不点火",
                "caller_phone": caller,
                "address": "上城区 解放路 8号",
            },
        )
    assert response.status_code == 201, response.text
    digits = "".join(character for character in response.json()["number"] if character.isdigit())
    keyed = [Key("6", after_ms=MENU_KEY_MS), Key(digits[0], after_ms=1500)]
    keyed += [Key(digit, after_ms=150) for digit in digits[1:]] + [Key("#", after_ms=150)]
    customer = parties.customer(
        caller, keys=keyed, stay_ms=20000, host=CARRIER_IP, dialled=HOTLINE_NUMBER
    )
    said = finished(customer)
    call = inbound_call(hotline, caller)
    legs, queue = records(pbx, call["linkedid"])

    verdict.same("the PBX said goodbye and hung up", "the PBX hung up", said[-1])
    verdict.same("queue_log", [], [line.event for line in queue])
    verdict.same("disposition", "ivr_only", call["disposition"])
    verdict.same("IVR choice", "status-read", call["ivr_choice"])
    judge_caller(verdict, legs[0].src, call)
    judge_span(verdict, legs, call)
    [session] = menu_sessions(hotline, caller)
    verdict.same(
        "menu log",
        "finished status-read, 1 lookup",
        f"{session['outcome']} {session['finished']}, {session['status_lookups']} lookup",
    )
    conclude(verdict, legs, queue, call)


@pytest.fixture
def short_emergency_wait(pbx: LivePbx) -> Iterator[None]:
    """The emergency queue's wait before the on-call phones ring, shortened for one test."""
    with pbx.dialplan_global("EMERGENCY_WAIT", "4", afterwards="60"):
        yield


@pytest.mark.scenario("menu: gas smell, emergency desk silent, on-call dispatcher answers")
def test_a_gas_smell_nobody_at_the_desk_takes_is_answered_by_the_on_call_dispatcher(
    pbx: LivePbx,
    hotline: Hotline,
    parties: Phones,
    short_emergency_wait: None,
    verdict: Verdict,
) -> None:
    caller = "13800138205"
    for desk in ("8003", "8004"):
        parties.phone(desk, PHONES_IP, pbx.ports.agents[desk], answer=False)
    on_call = parties.phone("8005", PHONES_IP, pbx.ports.agents["8005"], ring_ms=500, talk_ms=2000)
    customer = parties.customer(
        caller,
        keys=[Key("4", after_ms=MENU_KEY_MS)],
        stay_ms=30000,
        host=CARRIER_IP,
        dialled=HOTLINE_NUMBER,
    )
    said = finished(customer)
    assert "answered" in finished(on_call)
    call = inbound_call(hotline, caller)
    legs, queue = records(pbx, call["linkedid"])

    kinds = [line.event for line in queue]
    verdict.holds(
        "queue_log",
        " ".join(kinds),
        "ENTERQUEUE … EXITWITHTIMEOUT",
        kinds[:1] == ["ENTERQUEUE"] and "EXITWITHTIMEOUT" in kinds and "CONNECT" not in kinds,
    )
    dial = [row for row in legs if row.lastapp == "Dial" and row.disposition == "ANSWERED"]
    verdict.holds(
        "CDR",
        "; ".join(f"{row.disposition} {row.lastapp}→{row.dstchannel}" for row in legs),
        "ANSWERED Dial→PJSIP/8005-…",
        len(dial) == 1 and dial[0].dstchannel.startswith("PJSIP/8005-"),
    )
    verdict.same("the on-call dispatcher hung up on the caller", "the PBX hung up", said[-1])
    verdict.same("IVR choice", "gas-smell", call["ivr_choice"])
    verdict.same("queue", "emergency", call["queue"])
    verdict.same("disposition", "answered", call["disposition"])
    agent = call["agent"] or {}
    verdict.same("answered by", "PJSIP/8005", agent.get("interface"))
    verdict.same("named as the user of that phone", ON_CALL, agent.get("name"))
    judge_caller(verdict, legs[0].src, call)
    judge_span(verdict, legs, call)
    conclude(verdict, legs, queue, call)
