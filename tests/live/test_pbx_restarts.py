"""The real Asterisk restarting under a call, queue timeouts, and click-to-call's agent: what
hotline's call log says must be what Asterisk's CDR and queue_log say, or (for a call whose end
hotline could not see) `incomplete` with lower bounds that hold; the AMI link must come back by
itself within seconds of the PBX.

Every scenario goes through the dialplan's own menu (HOTLINE_AGI unreachable for the test: the
route into the queue that works whatever our IVR does), and leaves the PBX as it found it."""

from __future__ import annotations

import contextlib
import subprocess
import time
from collections.abc import Iterator

import pytest

from .asterisk import CdrRow, QueueLogLine, wait_for
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
from .server import AGENT_INTERFACE, Call, Hotline
from .sipp import Key, Party, Phones

HOTLINE_NUMBER = "96777"
CALL_SECONDS = 60
RECORDS_SECONDS = 10
# The AMI client's backoff is capped at 4 s: a PBX back from a restart is rejoined well within
# this (a refused login used to wait 30 s).
RELINK_SECONDS = 10.0
BOOT_SECONDS = 60.0
# The caller's Queue() timeout for the timeout scenarios (120 s as shipped).
QUEUE_WAIT_SECONDS = 3


def _calls_of(hotline: Hotline, caller: str) -> list[Call]:
    return hotline.calls(caller=caller)


def _talking(hotline: Hotline, caller: str) -> Call:
    """The caller's call, once our log shows it answered."""
    found = wait_for(
        f"the call of {caller} answered in our log",
        lambda: [call for call in _calls_of(hotline, caller) if call["answered_at"]],
        RECORDS_SECONDS,
    )
    assert isinstance(found, list)
    (call,) = found
    return call


def _ended(hotline: Hotline, caller: str) -> Call:
    return hotline.ended_call(RECORDS_SECONDS, lambda call: True, caller=caller)


def _finish(party: Party) -> list[str]:
    with contextlib.suppress(subprocess.TimeoutExpired):
        party.wait(CALL_SECONDS)
    return party.events()


def _booted(pbx: LivePbx) -> None:
    """The restarted PBX takes commands again; its run-time state as the fixtures left it (a
    restart forgets what the CLI set: agent 2 away)."""

    def answers() -> bool:
        try:
            pbx.pbx.cli("core waitfullybooted", timeout=BOOT_SECONDS)
        except (RuntimeError, subprocess.TimeoutExpired):
            return False
        return True

    wait_for("the restarted Asterisk", answers, BOOT_SECONDS, interval=0.2)
    pbx.pbx.cli("queue pause member PJSIP/8002 queue hotline reason away")


def _relinked(hotline: Hotline) -> float:
    """Seconds until hotline's AMI link is up again."""
    start = time.monotonic()
    wait_for(
        "hotline's AMI link back",
        lambda: all(
            server["state"] == "connected" for server in hotline.health()["telephony"]["servers"]
        ),
        RELINK_SECONDS,
    )
    return time.monotonic() - start


def _records(pbx: LivePbx, linkedid: str) -> tuple[list[CdrRow], list[QueueLogLine]]:
    wait_for(f"the CDR of {linkedid}", lambda: main_leg(pbx.pbx.cdr(), linkedid), RECORDS_SECONDS)
    return main_leg(pbx.pbx.cdr(), linkedid), events(pbx.pbx.queue_log(), linkedid)


def _judge_cut_call(
    verdict: Verdict, legs: list[CdrRow], queue: list[QueueLogLine], call: Call
) -> None:
    """A call the restart ended: complete and the same as Asterisk's, or `incomplete` with an
    end and a talk that are lower bounds of Asterisk's."""
    answered = [row for row in legs if row.disposition == "ANSWERED" and row.lastapp == "Queue"]
    verdict.holds(
        "CDR",
        "; ".join(f"{row.disposition} {row.lastapp} {row.dstchannel}" for row in legs),
        "ANSWERED Queue PJSIP/8001-…",
        len(answered) == 1,
    )
    verdict.same("agent interface", AGENT_INTERFACE, (call["agent"] or {}).get("interface"))
    verdict.same("queue", "hotline", call["queue"])
    end = max(row.end for row in legs)
    ours_end = when(call["ended_at"])
    if call["disposition"] == "incomplete":
        verdict.same("lower bounds said", True, call.get("times_are_lower_bounds"))
        verdict.holds(
            "end (a lower bound)",
            f"≥ ours, CDR end {end.isoformat()} (+1 s)",
            str(ours_end),
            ours_end is not None and (ours_end - end).total_seconds() < 1,
        )
    else:
        verdict.same("disposition", "answered", call["disposition"])
        verdict.same("lower bounds said", False, call.get("times_are_lower_bounds"))
        verdict.in_second("end", end, ours_end)
        complete = next((line for line in queue if line.event.startswith("COMPLETE")), None)
        if complete is not None:
            verdict.near("talk", float(complete.data[1]), call["talk_seconds"], 1.0)
    verdict.in_second("start", min(row.start for row in legs), when(call["started_at"]))


@pytest.fixture
def restarted_afterwards(pbx: LivePbx) -> Iterator[None]:
    """The test restarts Asterisk: whatever happens, it is up and as the fixtures want it."""
    yield
    _booted(pbx)


@pytest.mark.scenario("core restart now mid-call: complete or incomplete, link back")
def test_core_restart_now_mid_call(
    pbx: LivePbx,
    hotline: Hotline,
    parties: Phones,
    hotline_unreachable: None,
    restarted_afterwards: None,
    verdict: Verdict,
) -> None:
    caller = "13800138111"
    agent = parties.phone("8001", PHONES_IP, pbx.ports.agents["8001"], ring_ms=500)
    customer = parties.customer(
        caller,
        keys=[Key("2", after_ms=1000)],
        stay_ms=40_000,
        host=CARRIER_IP,
        dialled=HOTLINE_NUMBER,
    )
    _talking(hotline, caller)
    time.sleep(2)
    pbx.pbx.cli("core restart now")
    said = _finish(customer)
    _finish(agent)
    _booted(pbx)
    relinked = _relinked(hotline)
    call = _ended(hotline, caller)
    legs, queue = _records(pbx, call["linkedid"])
    verdict.same("the caller", "the PBX hung up", said[-1] if said else "—")
    judge_caller(verdict, legs[0].src, call)
    _judge_cut_call(verdict, legs, queue, call)
    verdict.asterisk_summary = summary_of_records(legs, queue)
    verdict.ours_summary = f"{summary_of_call(call)}; AMI back {relinked:.1f} s after boot"
    verdict.assert_all()


@pytest.mark.scenario("core restart gracefully mid-call: the call drains, link back")
def test_core_restart_gracefully_mid_call(
    pbx: LivePbx,
    hotline: Hotline,
    parties: Phones,
    hotline_unreachable: None,
    restarted_afterwards: None,
    verdict: Verdict,
) -> None:
    """Asterisk lets the call finish, refusing every login and Ping meanwhile ("Asterisk is
    shutting down"), then restarts: hotline keeps the draining link (so it sees the call end
    as it is) and logs in again within its backoff."""
    caller = "13800138112"
    agent = parties.phone("8001", PHONES_IP, pbx.ports.agents["8001"], ring_ms=500)
    customer = parties.customer(
        caller,
        keys=[Key("2", after_ms=1000)],
        stay_ms=12_000,
        host=CARRIER_IP,
        dialled=HOTLINE_NUMBER,
    )
    _talking(hotline, caller)
    pbx.pbx.cli("core restart gracefully")
    said = _finish(customer)
    _finish(agent)
    _booted(pbx)
    relinked = _relinked(hotline)
    call = _ended(hotline, caller)
    legs, queue = _records(pbx, call["linkedid"])
    verdict.same("the caller", "the caller hung up", said[-1] if said else "—")
    verdict.same("complete: seen to its end", "answered", call["disposition"])
    judge_caller(verdict, legs[0].src, call)
    _judge_cut_call(verdict, legs, queue, call)
    verdict.asterisk_summary = summary_of_records(legs, queue)
    verdict.ours_summary = f"{summary_of_call(call)}; AMI back {relinked:.1f} s after boot"
    verdict.assert_all()


@pytest.fixture
def queue_timeout(pbx: LivePbx) -> Iterator[None]:
    """The caller's Queue() timeout at 3 s, agent 1 busy (paused) until the test says."""
    pbx.pbx.cli(f"dialplan set global HOTLINE_WAIT {QUEUE_WAIT_SECONDS}")
    pbx.pbx.cli("queue pause member PJSIP/8001 queue hotline reason busy")
    try:
        yield
    finally:
        if pbx.pbx.running:
            pbx.pbx.cli("queue unpause member PJSIP/8001 queue hotline")
            pbx.pbx.cli("dialplan set global HOTLINE_WAIT 120")


def _judge_one_queued_call(verdict: Verdict, queue: list[QueueLogLine], end_event: str) -> None:
    kinds = [line.event for line in queue]
    verdict.holds(
        "queue_log",
        " ".join(kinds),
        f"ENTERQUEUE EXITWITHTIMEOUT … ENTERQUEUE {end_event}",
        kinds[:2] == ["ENTERQUEUE", "EXITWITHTIMEOUT"] and end_event in kinds,
    )


def _waited(queue: list[QueueLogLine], end_event: str) -> float:
    """From the first ENTERQUEUE to `end_event`, whole seconds of the PBX's clock."""
    start = next(line.time for line in queue if line.event == "ENTERQUEUE")
    end = next(line.time for line in queue if line.event == end_event)
    return float(end - start)


@pytest.mark.scenario("queue timeout, queued again, answered: one answered call")
def test_a_caller_queued_again_after_a_timeout_is_one_answered_call(
    pbx: LivePbx,
    hotline: Hotline,
    parties: Phones,
    hotline_unreachable: None,
    queue_timeout: None,
    verdict: Verdict,
) -> None:
    caller = "13800138113"
    agent = parties.phone("8001", PHONES_IP, pbx.ports.agents["8001"], ring_ms=500, talk_ms=2000)
    customer = parties.customer(
        caller,
        keys=[Key("1", after_ms=1000)],
        stay_ms=30_000,
        host=CARRIER_IP,
        dialled=HOTLINE_NUMBER,
    )
    wait_for(
        "the caller in the queue",
        lambda: any(call["queue"] for call in _calls_of(hotline, caller)),
        RECORDS_SECONDS,
    )
    time.sleep(QUEUE_WAIT_SECONDS + 1.5)  # one timeout at least
    pbx.pbx.cli("queue unpause member PJSIP/8001 queue hotline")
    _finish(agent)
    _finish(customer)
    call = _ended(hotline, caller)
    legs, queue = _records(pbx, call["linkedid"])
    _judge_one_queued_call(verdict, queue, "CONNECT")
    verdict.same("calls in our log", 1, len(_calls_of(hotline, caller)))
    verdict.same("disposition", "answered", call["disposition"])
    verdict.same("agent interface", AGENT_INTERFACE, (call["agent"] or {}).get("interface"))
    verdict.near(
        "wait (first ENTERQUEUE to CONNECT)", _waited(queue, "CONNECT"), call["wait_seconds"], 1.0
    )
    judge_caller(verdict, legs[0].src, call)
    verdict.asterisk_summary = summary_of_records(legs, queue)
    verdict.ours_summary = summary_of_call(call)
    verdict.assert_all()


@pytest.mark.scenario("queue timeouts, then a hang-up in the queue: abandoned")
def test_a_caller_who_hangs_up_after_queue_timeouts_abandoned_after_the_whole_wait(
    pbx: LivePbx,
    hotline: Hotline,
    parties: Phones,
    hotline_unreachable: None,
    queue_timeout: None,
    verdict: Verdict,
) -> None:
    caller = "13800138114"
    customer = parties.customer(
        caller,
        keys=[Key("3", after_ms=1000)],
        stay_ms=8_000,
        host=CARRIER_IP,
        dialled=HOTLINE_NUMBER,
    )
    assert _finish(customer)[-1] == "the caller hung up"
    call = _ended(hotline, caller)
    legs, queue = _records(pbx, call["linkedid"])
    _judge_one_queued_call(verdict, queue, "ABANDON")
    verdict.same("calls in our log", 1, len(_calls_of(hotline, caller)))
    verdict.same("disposition", "abandoned", call["disposition"])
    verdict.near(
        "wait (first ENTERQUEUE to ABANDON)", _waited(queue, "ABANDON"), call["wait_seconds"], 1.0
    )
    judge_caller(verdict, legs[0].src, call)
    verdict.asterisk_summary = summary_of_records(legs, queue)
    verdict.ours_summary = summary_of_call(call)
    verdict.assert_all()


@pytest.mark.scenario("click-to-call carries the agent who clicked")
def test_click_to_call_carries_the_agent_and_the_number_as_stored(
    pbx: LivePbx, hotline: Hotline, parties: Phones, verdict: Verdict
) -> None:
    number = "13800138115"
    agent = parties.phone("8001", PHONES_IP, pbx.ports.agents["8001"], ring_ms=500)
    carrier = parties.phone(number, CARRIER_IP, pbx.ports.carrier, ring_ms=500, talk_ms=2000)
    with hotline.client() as client:
        response = client.post("/api/calls/originate", json={"number": number})
    assert response.status_code == 202, response.text
    action_id = response.json()["originate_action_id"]
    _finish(carrier)
    _finish(agent)
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
    dial = next((row for row in rows if row.lastapp == "Dial"), None)
    verdict.holds(
        "the agent's phone dialled the customer",
        dial.channel if dial else "no Dial row",
        str((call["agent"] or {}).get("interface")),
        dial is not None
        and dial.channel.startswith(f"{AGENT_INTERFACE}-")
        and (call["agent"] or {}).get("interface") == AGENT_INTERFACE,
    )
    judge_caller(verdict, rows[0].dst, call)
    verdict.same("dialled, stored as the caller", call["caller"], call["dialled"])
    verdict.same("disposition", "answered", call["disposition"])
    verdict.asterisk_summary = summary_of_records(rows, [])
    verdict.ours_summary = summary_of_call(call)
    verdict.assert_all()
