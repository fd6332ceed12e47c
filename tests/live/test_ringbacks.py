"""Ring-backs on the real Asterisk: a gas-smell caller gives up in the emergency queue, the
ring-back appears in hotline at once, and as soon as an emergency phone is free the dialler
rings that phone, then the caller through the trunk. Judged against Asterisk's own queue_log
and CDR. On the way, the queue state hotline folds from the real PBX's QueueStatus answer
(read here over a raw AMI connection, byte for byte as Asterisk sends it)."""

from __future__ import annotations

import contextlib
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from hotline.telephony.frames import FrameReader
from hotline.telephony.queues import QueueNow, fold_queue_status

from .asterisk import wait_for
from .conftest import LivePbx
from .judge import (
    Verdict,
    events,
    judge_caller,
    main_leg,
    summary_of_call,
    summary_of_records,
    when,
)
from .overlay import CARRIER_IP, PHONES_IP
from .server import Call, Hotline
from .sipp import Key, Phones, phones

HOTLINE_NUMBER = "96777"
CALLER = "13800138131"
EMERGENCY_PHONES = ("8003", "8004")
CALL_SECONDS = 60
# The gas-smell scan reads the call log a few seconds behind its writer, every few seconds;
# then the phones ring.
RINGBACK_SECONDS = 60
RECORDS_SECONDS = 10


def queue_status(pbx: LivePbx) -> dict[str, QueueNow]:
    """Asterisk's QueueStatus answer, read off a raw AMI connection, folded as hotline does."""
    url = urlsplit(pbx.ami_url)
    assert url.hostname is not None and url.port is not None
    with socket.create_connection((url.hostname, url.port), timeout=10) as ami:
        frames = FrameReader()
        ami.sendall(
            f"Action: Login\r\nUsername: {url.username}\r\nSecret: {url.password}\r\n"
            "Events: off\r\nActionID: login\r\n\r\n"
            "Action: QueueStatus\r\nActionID: status\r\n\r\n".encode()
        )
        answer = []
        while not any(message.event == "QueueStatusComplete" for message in answer):
            chunk = ami.recv(65536)
            assert chunk, "Asterisk closed the AMI connection"
            answer += [m for m in frames.feed(chunk) if m.action_id == "status"]
        ami.sendall(b"Action: Logoff\r\nActionID: bye\r\n\r\n")
    return fold_queue_status(answer)


def ringbacks(hotline: Hotline) -> dict[str, list[dict[str, Any]]]:
    with hotline.client() as client:
        response = client.get("/api/ringbacks")
    response.raise_for_status()
    found: dict[str, list[dict[str, Any]]] = response.json()
    return found


def mine(listed: list[dict[str, Any]], caller: str = CALLER) -> list[dict[str, Any]]:
    return [item for item in listed if item["number"] == f"+86{caller}"]


def dialler_state(pbx: LivePbx, hotline: Hotline, caller: str = CALLER) -> str:
    """What the dialler had to go on: this caller's ring-backs and the queues as Asterisk
    lists them."""
    listed = ringbacks(hotline)
    theirs = {state: mine(items, caller) for state, items in listed.items()}
    return f"ring-backs {theirs}; queues {queue_status(pbx)}"


@contextlib.contextmanager
def withdrawn_at_the_end(hotline: Hotline, caller: str = CALLER) -> Iterator[None]:
    """Whatever happens, no ring-back of this test is left to ring a phone in a later one."""
    try:
        yield
    finally:
        with hotline.client() as client:
            for item in mine(ringbacks(hotline)["open"], caller):
                client.post(f"/api/ringbacks/{item['id']}/withdraw", json={"note": "test over"})


def _quietly_done(party: Any, seconds: float) -> list[str]:
    with contextlib.suppress(subprocess.TimeoutExpired):
        party.wait(seconds)
    events_: list[str] = party.events()
    return events_


@pytest.mark.scenario("gas smell given up, rung back: emergency phone, then the caller")
def test_a_gas_smell_caller_who_gave_up_is_rung_back_through_a_free_emergency_phone(
    pbx: LivePbx,
    hotline: Hotline,
    parties: Phones,
    hotline_unreachable: None,
    verdict: Verdict,
    tmp_path: Path,
) -> None:
    """Through the dialplan's own menu (key 4: the safety message, then the emergency queue,
    ringall), whatever our IVR does: both emergency phones ring unanswered and the caller hangs
    up. The abandoned gas-smell call becomes a ring-back without the missed-call grace time;
    once both phones are free again, one rings (the dialler's Originate, agent first) and,
    answered, Asterisk dials the caller through the trunk, who answers: connected."""
    ringing = [
        parties.phone(agent, PHONES_IP, pbx.ports.agents[agent], answer=False)
        for agent in EMERGENCY_PHONES
    ]
    customer = parties.customer(
        CALLER,
        keys=[Key("4", after_ms=1000)],
        stay_ms=6000,
        host=CARRIER_IP,
        dialled=HOTLINE_NUMBER,
    )
    # The caller joins the queue a moment before its phones start ringing: wait for both.
    waiting = wait_for(
        "the caller waiting in the emergency queue, both phones ringing",
        lambda: (
            (now := queue_status(pbx).get("emergency"))
            and now.waiting == 1
            and now.busy == 2
            and now
        ),
        CALL_SECONDS,
        interval=0.5,
    )
    assert isinstance(waiting, QueueNow)
    verdict.holds(
        "QueueStatus while the caller waits",
        "emergency: 1 caller, both phones ringing",
        f"{waiting.waiting} waiting, {waiting.busy} busy, {waiting.ready} ready",
        (waiting.waiting, waiting.busy, waiting.ready) == (1, 2, 0),
    )
    assert customer.wait(CALL_SECONDS) == 0, customer.errors()
    assert customer.events()[-1] == "the caller hung up"
    for phone in ringing:
        assert "the caller gave up while it rang" in _quietly_done(phone, 10)
    inbound = hotline.ended_call(
        RECORDS_SECONDS, lambda call: True, caller=f"+86{CALLER}", direction="inbound"
    )
    reserved = frozenset([*pbx.ports.agents.values(), pbx.ports.carrier])
    with (
        withdrawn_at_the_end(hotline),
        phones(tmp_path / "ringback", (PHONES_IP, pbx.ports.sip), reserved) as answering,
    ):
        desks = {
            agent: answering.phone(agent, PHONES_IP, pbx.ports.agents[agent], ring_ms=500)
            for agent in EMERGENCY_PHONES
        }
        carrier = answering.phone(CALLER, CARRIER_IP, pbx.ports.carrier, ring_ms=1000, talk_ms=3000)
        finished = wait_for(
            "the ring-back connected",
            lambda: mine(ringbacks(hotline)["finished"]),
            RINGBACK_SECONDS,
            interval=0.5,
            explain=lambda: dialler_state(pbx, hotline),
        )
        assert isinstance(finished, list)
        assert carrier.wait(CALL_SECONDS) == 0, carrier.errors()
        said = carrier.events()
        rung = {agent: _quietly_done(desk, 5) for agent, desk in desks.items()}
    [ringback] = finished
    back = hotline.ended_call(
        RECORDS_SECONDS,
        lambda call: call["linkedid"] == ringback["answered_call_linkedid"],
        direction="outbound",
    )
    _judge(pbx, verdict, inbound, ringback, back, said, rung)


def _judge(
    pbx: LivePbx,
    verdict: Verdict,
    inbound: Call,
    ringback: dict[str, Any],
    back: Call,
    said: list[str],
    rung: dict[str, list[str]],
) -> None:
    queue = events(pbx.pbx.queue_log(), inbound["linkedid"])
    kinds = [line.event for line in queue]
    verdict.holds(
        "queue_log of the call given up",
        " ".join(kinds),
        f"{inbound['disposition']} in {inbound['queue']}, IVR {inbound['ivr_choice']}",
        "ABANDON" in kinds
        and queue[0].queue == "emergency"
        and (inbound["disposition"], inbound["queue"], inbound["ivr_choice"])
        == ("abandoned", "emergency", "gas-smell"),
    )
    verdict.same(
        "ring-back", "gas_smell_missed connected", f"{ringback['reason']} {ringback['status']}"
    )
    verdict.same("ring-back's queue", "emergency", ringback["queue"])
    verdict.same("answered on the first attempt", 1, ringback["attempts"])
    action_id = back["originate_action_id"]
    rows = wait_for(
        "the ring-back's CDR",
        lambda: [row for row in pbx.pbx.cdr() if row.userfield == f"callback:{action_id}"],
        RECORDS_SECONDS,
    )
    assert isinstance(rows, list)
    dial = [row for row in rows if row.lastapp == "Dial"]
    answered_by = [agent for agent, heard in rung.items() if "answered" in heard]
    verdict.holds(
        "CDR of the ring-back",
        "; ".join(f"{r.channel} {r.lastapp} {r.dstchannel} {r.disposition}" for r in rows),
        f"phone {', '.join(answered_by) or 'none'} answered, then the caller: {said[-1]}",
        len(dial) == 1
        and len(answered_by) == 1
        and dial[0].channel.startswith(f"PJSIP/{answered_by[0]}-")
        and dial[0].dstchannel.startswith("PJSIP/trunk-")
        and dial[0].disposition == "ANSWERED"
        and "answered" in said,
    )
    verdict.same("direction", "outbound", back["direction"])
    verdict.same("disposition", "answered", back["disposition"])
    judge_caller(verdict, rows[0].dst, back)
    if dial:
        leg = dial[0]
        assert leg.answer is not None
        verdict.in_span("answered", leg.answer, leg.end, when(back["answered_at"]))
    gave_up = next((line.time for line in queue if line.event == "ABANDON"), None)
    dialled = when(back["started_at"])
    verdict.holds(
        "rung back after the caller gave up",
        f"ABANDON at {gave_up}",
        str(back["started_at"]),
        gave_up is not None and dialled is not None and dialled.timestamp() >= gave_up,
    )
    legs = main_leg(pbx.pbx.cdr(), inbound["linkedid"])
    verdict.asterisk_summary = summary_of_records([*legs, *rows], queue)
    verdict.ours_summary = f"{summary_of_call(inbound)} → ring-back {summary_of_call(back)}"
    verdict.assert_all()


HOLD_CALLER = "13800138132"


@pytest.fixture
def short_hotline_wait(pbx: LivePbx) -> Iterator[None]:
    """The hotline queue's wait before the callback offer, shortened for one test."""
    with pbx.dialplan_global("HOTLINE_WAIT", "3", afterwards="120"):
        yield


@pytest.mark.scenario("queue wait runs out: callback booked in our menu, then rung back")
def test_a_caller_whose_wait_runs_out_books_a_callback_and_is_rung_back(
    pbx: LivePbx,
    hotline: Hotline,
    parties: Phones,
    short_hotline_wait: None,
    verdict: Verdict,
    tmp_path: Path,
) -> None:
    """Key 2 in our menu, then the hotline queue with nobody free (agent 8001 busy elsewhere,
    8002 away): at the queue's timeout the dialplan runs our `callback-offer`, the caller
    presses 1 and confirms their number, and hears a goodbye. Once 8001 is free the dialler
    rings it, then the caller through the trunk."""
    pbx.pbx.cli("queue pause member PJSIP/8001 queue hotline reason busy")
    try:
        customer = parties.customer(
            HOLD_CALLER,
            keys=[Key("2", after_ms=1500), Key("1", after_ms=6500), Key("1", after_ms=7000)],
            stay_ms=30000,
            host=CARRIER_IP,
            dialled=HOTLINE_NUMBER,
        )
        assert customer.wait(CALL_SECONDS) == 0, customer.errors()
        said_first = customer.events()
    finally:
        pbx.pbx.cli("queue unpause member PJSIP/8001 queue hotline")
    inbound = hotline.ended_call(
        RECORDS_SECONDS, lambda call: True, caller=f"+86{HOLD_CALLER}", direction="inbound"
    )
    reserved = frozenset([*pbx.ports.agents.values(), pbx.ports.carrier])
    with (
        withdrawn_at_the_end(hotline, HOLD_CALLER),
        phones(tmp_path / "ringback", (PHONES_IP, pbx.ports.sip), reserved) as answering,
    ):
        desk = answering.phone("8001", PHONES_IP, pbx.ports.agents["8001"], ring_ms=500)
        carrier = answering.phone(
            HOLD_CALLER, CARRIER_IP, pbx.ports.carrier, ring_ms=1000, talk_ms=2000
        )
        finished = wait_for(
            "the ring-back connected",
            lambda: mine(ringbacks(hotline)["finished"], HOLD_CALLER),
            RINGBACK_SECONDS,
            interval=0.5,
            explain=lambda: dialler_state(pbx, hotline, HOLD_CALLER),
        )
        assert isinstance(finished, list)
        assert carrier.wait(CALL_SECONDS) == 0, carrier.errors()
        said = carrier.events()
        rung = {"8001": _quietly_done(desk, 5)}
    [ringback] = finished
    queue = events(pbx.pbx.queue_log(), inbound["linkedid"])
    kinds = [line.event for line in queue]
    verdict.holds(
        "the queue's wait ran out, the caller let go after booking",
        " ".join(kinds),
        f"caller: {said_first[-1]}; IVR {inbound['ivr_choice']}",
        "EXITWITHTIMEOUT" in kinds
        and "CONNECT" not in kinds
        and said_first[-1] == "the PBX hung up"
        and inbound["ivr_choice"] == "repair",
    )
    verdict.same(
        "ring-back",
        "virtual_hold connected repair",
        f"{ringback['reason']} {ringback['status']} {ringback['ticket_type']}",
    )
    back = hotline.ended_call(
        RECORDS_SECONDS,
        lambda call: call["linkedid"] == ringback["answered_call_linkedid"],
        direction="outbound",
    )
    action_id = back["originate_action_id"]
    rows = wait_for(
        "the ring-back's CDR",
        lambda: [row for row in pbx.pbx.cdr() if row.userfield == f"callback:{action_id}"],
        RECORDS_SECONDS,
    )
    assert isinstance(rows, list)
    dial = [row for row in rows if row.lastapp == "Dial"]
    verdict.holds(
        "CDR of the ring-back",
        "; ".join(f"{r.channel} {r.lastapp} {r.dstchannel} {r.disposition}" for r in rows),
        f"8001: {', '.join(rung['8001'])}; the caller: {said[-1]}",
        len(dial) == 1
        and dial[0].channel.startswith("PJSIP/8001-")
        and dial[0].dstchannel.startswith("PJSIP/trunk-")
        and dial[0].disposition == "ANSWERED"
        and "answered" in said,
    )
    verdict.same("direction", "outbound", back["direction"])
    verdict.same("disposition", "answered", back["disposition"])
    judge_caller(verdict, rows[0].dst, back)
    verdict.asterisk_summary = summary_of_records(rows, queue)
    verdict.ours_summary = summary_of_call(back)
    verdict.assert_all()


OFFER_CALLER = "13800138133"


@pytest.mark.scenario("queue wait runs out, caller hangs up during the callback offer")
def test_a_caller_who_hangs_up_during_the_callback_offer_timed_out_as_the_queue_log_says(
    pbx: LivePbx,
    hotline: Hotline,
    parties: Phones,
    short_hotline_wait: None,
    verdict: Verdict,
) -> None:
    """Key 2, then the hotline queue with nobody free: at the queue's timeout Asterisk writes
    EXITWITHTIMEOUT (not ABANDON) and the dialplan runs our `callback-offer`; the caller hangs
    up while it is offered. Our call log says what the queue_log says: timed out, not
    abandoned, with the queue's wait."""
    pbx.pbx.cli("queue pause member PJSIP/8001 queue hotline reason busy")
    try:
        customer = parties.customer(
            OFFER_CALLER,
            keys=[Key("2", after_ms=1500)],
            stay_ms=8000,
            host=CARRIER_IP,
            dialled=HOTLINE_NUMBER,
        )
        assert customer.wait(CALL_SECONDS) == 0, customer.errors()
    finally:
        pbx.pbx.cli("queue unpause member PJSIP/8001 queue hotline")
    assert customer.events()[-1] == "the caller hung up"
    call = hotline.ended_call(
        RECORDS_SECONDS, lambda call: True, caller=f"+86{OFFER_CALLER}", direction="inbound"
    )
    queue = events(pbx.pbx.queue_log(), call["linkedid"])
    kinds = [line.event for line in queue]
    timeout = next((line for line in queue if line.event == "EXITWITHTIMEOUT"), None)
    verdict.holds(
        "queue_log",
        " ".join(kinds),
        "ENTERQUEUE … EXITWITHTIMEOUT, no ABANDON",
        kinds[:1] == ["ENTERQUEUE"]
        and timeout is not None
        and "ABANDON" not in kinds
        and "CONNECT" not in kinds,
    )
    verdict.same("disposition", "timed_out", call["disposition"])
    verdict.same("queue", "hotline", call["queue"])
    verdict.same("IVR choice", "repair", call["ivr_choice"])
    verdict.same("agent", None, call["agent"])
    if timeout is not None:
        verdict.near("wait", float(timeout.data[2]), call["wait_seconds"], 1.0)
    legs = main_leg(pbx.pbx.cdr(), call["linkedid"])
    verdict.asterisk_summary = summary_of_records(legs, queue)
    verdict.ours_summary = summary_of_call(call)
    verdict.assert_all()
