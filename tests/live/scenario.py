"""What every live scenario does: wait for a party's call to end, fetch Asterisk's records of
a call and ours, and judge a call that was queued and answered."""

from __future__ import annotations

import contextlib
import subprocess

from .asterisk import CdrRow, QueueLogLine, wait_for
from .conftest import LivePbx
from .judge import Verdict, events, main_leg, summary_of_call, summary_of_records
from .server import Call, Hotline
from .sipp import Party

HOTLINE_NUMBER = "96777"
# How long a party may take at most; every scenario here lasts well under it.
CALL_SECONDS = 60
RECORDS_SECONDS = 10


def finished(party: Party) -> list[str]:
    """The party's call ran to its end; what its scenario logged."""
    status = party.wait(CALL_SECONDS)
    assert status == 0, f"sipp {party.name} exited {status}: {party.errors()}"
    return party.events()


def records(pbx: LivePbx, linkedid: str) -> tuple[list[CdrRow], list[QueueLogLine]]:
    """The main leg's CDR rows and queue_log lines of a call, once Asterisk has written them
    (the CDR at the leg's end, a moment after the last AMI event)."""
    wait_for(
        f"the CDR of {linkedid}",
        lambda: main_leg(pbx.pbx.cdr(), linkedid),
        RECORDS_SECONDS,
    )
    return main_leg(pbx.pbx.cdr(), linkedid), events(pbx.pbx.queue_log(), linkedid)


def events_within(party: Party, seconds: float) -> list[str]:
    """What a party logged, after giving it `seconds` to finish (it may never get a call)."""
    with contextlib.suppress(subprocess.TimeoutExpired):
        party.wait(seconds)
    return party.events()


def inbound_call(hotline: Hotline, caller: str) -> Call:
    return hotline.ended_call(RECORDS_SECONDS, lambda call: True, caller=caller)


def judge_queued_and_answered(
    verdict: Verdict, legs: list[CdrRow], queue: list[QueueLogLine], call: Call
) -> None:
    """An inbound call that waited in the hotline queue and was answered there."""
    kinds = [line.event for line in queue]
    connect = next((line for line in queue if line.event == "CONNECT"), None)
    complete = next((line for line in queue if line.event.startswith("COMPLETE")), None)
    verdict.holds(
        "queue_log",
        " ".join(kinds),
        "ENTERQUEUE CONNECT COMPLETE*",
        kinds[:2] == ["ENTERQUEUE", "CONNECT"] and complete is not None,
    )
    answered = [row for row in legs if row.disposition == "ANSWERED" and row.lastapp == "Queue"]
    verdict.holds(
        "CDR",
        "; ".join(f"{row.disposition} {row.lastapp} {row.dstchannel}" for row in legs),
        "ANSWERED Queue PJSIP/8001-…",
        len(answered) == 1 and answered[0].dstchannel.startswith("PJSIP/8001-"),
    )
    verdict.same("disposition", "answered", call["disposition"])
    verdict.same("queue", queue[0].queue if queue else None, call["queue"])
    agent = call["agent"] or {}
    verdict.same("agent interface", "PJSIP/8001", agent.get("interface"))
    verdict.same("agent name", connect.agent if connect else None, agent.get("name"))
    if connect is not None:
        verdict.near("wait", float(connect.data[0]), call["wait_seconds"], 1.0)
    if complete is not None:
        verdict.near("talk", float(complete.data[1]), call["talk_seconds"], 1.0)


def conclude(verdict: Verdict, legs: list[CdrRow], queue: list[QueueLogLine], call: Call) -> None:
    verdict.asterisk_summary = summary_of_records(legs, queue)
    verdict.ours_summary = summary_of_call(call)
    verdict.assert_all()
