"""Whole calls through a real Asterisk running our shipped configuration, with `hotline serve`
connected over AMI and FastAGI: for each scenario our call log (GET /api/calls) is judged
against the CDR and queue_log Asterisk wrote for the same call (tests/live/judge.py)."""

from __future__ import annotations

import pytest

from .asterisk import wait_for
from .conftest import LivePbx
from .judge import (
    SPREAD,
    Verdict,
    judge_caller,
    judge_span,
    summary_of_call,
    summary_of_records,
    when,
)
from .overlay import CARRIER_IP, PHONES_IP
from .scenario import (
    HOTLINE_NUMBER,
    RECORDS_SECONDS,
    conclude,
    events_within,
    finished,
    inbound_call,
    judge_queued_and_answered,
    records,
)
from .server import Hotline
from .sipp import Key, Phones


@pytest.mark.scenario("hotline down: fallback menu, key 2, agent answers")
def test_hotline_down_the_fallback_menu_queues_a_repair_call_and_the_agent_answers(
    pbx: LivePbx,
    hotline: Hotline,
    parties: Phones,
    hotline_unreachable: None,
    verdict: Verdict,
) -> None:
    """With hotline unreachable the dialplan's own Read() menu must still put the caller
    through; the call log must tell the same story as Asterisk although no script of ours ran
    (the IVR choice comes from the dialplan's TICKETTYPE)."""
    caller = "13800138101"
    agent = parties.phone("8001", PHONES_IP, pbx.ports.agents["8001"], ring_ms=800)
    customer = parties.customer(
        caller,
        keys=[Key("2", after_ms=1000)],
        stay_ms=4000,
        host=CARRIER_IP,
        dialled=HOTLINE_NUMBER,
    )
    assert finished(customer)[-1] == "the caller hung up"
    assert "answered" in finished(agent)
    call = inbound_call(hotline, caller)
    legs, queue = records(pbx, call["linkedid"])

    verdict.same("direction", "inbound", call["direction"])
    judge_caller(verdict, legs[0].src, call)
    verdict.same("IVR choice", legs[-1].userfield.removeprefix("hotline:"), call["ivr_choice"])
    verdict.same("IVR choice is repair", "repair", call["ivr_choice"])
    judge_queued_and_answered(verdict, legs, queue, call)
    judge_span(verdict, legs, call)
    conclude(verdict, legs, queue, call)


@pytest.mark.scenario("hotline up, no key: the caller must reach an agent")
def test_a_caller_who_presses_nothing_reaches_an_agent_through_our_ivr(
    pbx: LivePbx, hotline: Hotline, parties: Phones, verdict: Verdict
) -> None:
    """DESIGN.md (IVR): the server never answers HANGUP for its own failure, and a caller the
    IVR did not finish must reach a person. With hotline up the dialplan hands the call to
    agi://…/menu; whatever the menu does with a caller who keys nothing, the caller ends up
    in the hotline queue and agent 8001 answers."""
    caller = "13800138102"
    agent = parties.phone("8001", PHONES_IP, pbx.ports.agents["8001"], ring_ms=800, talk_ms=3000)
    customer = parties.customer(caller, stay_ms=20000, host=CARRIER_IP, dialled=HOTLINE_NUMBER)
    said = finished(customer)
    call = inbound_call(hotline, caller)
    legs, queue = records(pbx, call["linkedid"])

    first = legs[0]
    answered = events_within(agent, 5)
    verdict.holds(
        "agent 8001 answered, then hung up on the caller",
        f"CDR lastapp {legs[-1].lastapp}, duration {first.duration} s",
        f"caller: {said[-1]}; agent: {', '.join(answered) or 'never rung'}",
        said[-1] == "the PBX hung up" and "this phone hung up" in answered,
    )
    verdict.same("direction", "inbound", call["direction"])
    judge_caller(verdict, first.src, call)
    judge_queued_and_answered(verdict, legs, queue, call)
    judge_span(verdict, legs, call)
    if verdict.failures:
        fastagi = [line for line in hotline.tail(400).splitlines() if "FastAGI" in line]
        verdict.holds("hotline's FastAGI log", "", " / ".join(fastagi[-3:]), False)
    conclude(verdict, legs, queue, call)


@pytest.mark.scenario("abandoned: key 1, agent rings, caller hangs up")
def test_a_caller_who_hangs_up_while_queued_is_abandoned_with_the_queue_s_wait(
    pbx: LivePbx,
    hotline: Hotline,
    parties: Phones,
    hotline_unreachable: None,
    verdict: Verdict,
) -> None:
    """Abandoned calls are the hotline's first KPI: ours must say abandoned exactly when the
    queue does, with the queue's wait. (Through the fallback menu: the route into the queue
    that works whatever our IVR does.)"""
    caller = "13800138103"
    parties.phone("8001", PHONES_IP, pbx.ports.agents["8001"], answer=False)
    customer = parties.customer(
        caller,
        keys=[Key("1", after_ms=1000)],
        stay_ms=6000,
        host=CARRIER_IP,
        dialled=HOTLINE_NUMBER,
    )
    assert finished(customer)[-1] == "the caller hung up"
    call = inbound_call(hotline, caller)
    legs, queue = records(pbx, call["linkedid"])

    kinds = [line.event for line in queue]
    abandon = next((line for line in queue if line.event == "ABANDON"), None)
    verdict.holds(
        "queue_log",
        " ".join(kinds),
        "ENTERQUEUE … ABANDON",
        kinds[:1] == ["ENTERQUEUE"] and abandon is not None and "CONNECT" not in kinds,
    )
    # The leg was answered by the IVR; its CDR says NO ANSWER when an agent was ringing at
    # the hang-up (the CDR follows the last dial attempt), ANSWERED when none was.
    ringing = "RINGCANCELED" in kinds
    verdict.same(
        "CDR disposition",
        "NO ANSWER" if ringing else "ANSWERED",
        legs[-1].disposition,
    )
    verdict.same("direction", "inbound", call["direction"])
    judge_caller(verdict, legs[0].src, call)
    verdict.same("disposition", "abandoned", call["disposition"])
    verdict.same("queue", "hotline", call["queue"])
    verdict.same("agent", None, call["agent"])
    verdict.same("IVR choice", "consultation", call["ivr_choice"])
    verdict.same("talk", None, call["talk_seconds"])
    if abandon is not None:
        verdict.near("wait", float(abandon.data[2]), call["wait_seconds"], 1.0)
    judge_span(verdict, legs, call)
    conclude(verdict, legs, queue, call)


@pytest.mark.scenario("click-to-call: agent 8001, then the customer")
def test_click_to_call_rings_the_agent_then_the_customer_and_logs_it_as_asterisk_does(
    pbx: LivePbx, hotline: Hotline, parties: Phones, verdict: Verdict
) -> None:
    """POST /api/calls/originate as agent1: Asterisk rings PJSIP/8001, then dials the customer
    through the trunk ([callback-out]); the carrier (sipp on 127.0.0.2) answers. Our call must
    be the outbound call Asterisk's CDR shows, tied to our Originate's ActionID."""
    number = "13800138104"
    agent = parties.phone("8001", PHONES_IP, pbx.ports.agents["8001"], ring_ms=500)
    carrier = parties.phone(number, CARRIER_IP, pbx.ports.carrier, ring_ms=1000, talk_ms=3000)
    with hotline.client() as client:
        response = client.post("/api/calls/originate", json={"number": number})
    assert response.status_code == 202, response.text
    action_id = response.json()["originate_action_id"]
    assert finished(carrier)[-1] == "this phone hung up"
    assert finished(agent)[-1] == "the other side hung up"
    call = hotline.ended_call(
        RECORDS_SECONDS,
        lambda call: call["originate_action_id"] == action_id,
        direction="outbound",
    )
    rows = wait_for(
        "the click-to-call CDR",
        lambda: [row for row in pbx.pbx.cdr() if row.userfield == f"callback:{action_id}"],
        RECORDS_SECONDS,
    )
    assert isinstance(rows, list)
    dial = [row for row in rows if row.lastapp == "Dial"]

    verdict.holds(
        "CDR",
        "; ".join(
            f"{row.channel} {row.lastapp} {row.dstchannel} {row.disposition}" for row in rows
        ),
        "PJSIP/8001-… Dial PJSIP/trunk-… ANSWERED",
        len(dial) == 1
        and dial[0].channel.startswith("PJSIP/8001-")
        and dial[0].dstchannel.startswith("PJSIP/trunk-")
        and dial[0].disposition == "ANSWERED",
    )
    verdict.same("direction", "outbound", call["direction"])
    verdict.same("disposition", "answered", call["disposition"])
    judge_caller(verdict, rows[0].dst, call)
    verdict.same("queue", None, call["queue"])
    if dial:
        # The row is the agent's leg: its answer is the agent's pick-up, before the customer's,
        # so our talk (the customer's answer to the hang-up) falls inside its billsec.
        leg = dial[0]
        assert leg.answer is not None
        verdict.in_span("answered", leg.answer, leg.end, when(call["answered_at"]))
        talk = call["talk_seconds"]
        verdict.holds(
            "talk",
            f"≤ billsec {leg.billsec} (+1)",
            str(talk),
            isinstance(talk, float) and 0 < talk < leg.billsec + 1 + SPREAD,
        )
    judge_span(verdict, rows, call)
    verdict.asterisk_summary = summary_of_records(rows, [])
    verdict.ours_summary = summary_of_call(call)
    verdict.assert_all()
