"""The call tracker against a real Asterisk: every recorded capture, folded, agrees with what
Asterisk wrote to its CDR and queue_log; duplicates, interleaving, truncation and reconnects
change nothing that should not change."""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from truth import capture_names, captures_dir, compare_with_truth

from hotline.telephony.frames import AmiMessage, parse_stream
from hotline.telephony.model import CallRecord, Direction, Disposition, call_json
from hotline.telephony.tracker import CallTracker, CallUpdate, QueueSnapshot, TrackerConfig

CAPTURES = (
    "answered",
    "abandoned",
    "ivr-only",
    "complaint-agent-hangup",
    "callback-answered",
    "callback-noanswer",
    "burst",
    "combined",
)
# Only events without a Timestamp (FullyBooted) or built by the tests fall back to it.
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
CONFIG = TrackerConfig(server="pbx1")


@cache
def events(name: str) -> tuple[AmiMessage, ...]:
    return tuple(parse_stream((captures_dir() / f"{name}.ami").read_bytes()))


@cache
def callbacks(name: str) -> tuple[tuple[str, str], ...]:
    """(ActionID, customer number) of the callbacks the recorder originated."""
    scenario = json.loads((captures_dir() / f"{name}.scenario.json").read_text())
    return tuple(
        (call["action_id"], call["channel"].removeprefix("Local/").split("@")[0])
        for run in scenario["runs"]
        for call in run["calls"]
        if call["kind"] == "callback"
    )


def tracker_for(name: str, *, expect_callbacks: bool = False) -> CallTracker:
    tracker = CallTracker(CONFIG)
    if expect_callbacks:
        for action_id, number in callbacks(name):
            tracker.expect_originate(action_id, caller=number, now=NOW)
    return tracker


def feed(tracker: CallTracker, messages: Iterable[AmiMessage]) -> list[CallUpdate]:
    return [update for message in messages for update in tracker.apply(message, NOW)]


def latest(updates: Iterable[CallUpdate]) -> dict[str, CallRecord]:
    return {update.record.linkedid: update.record for update in updates}


@cache
def folded(name: str, *, expect_callbacks: bool = False) -> dict[str, CallRecord]:
    return latest(feed(tracker_for(name, expect_callbacks=expect_callbacks), events(name)))


def only(name: str, *, expect_callbacks: bool = False) -> CallRecord:
    (record,) = folded(name, expect_callbacks=expect_callbacks).values()
    return record


def event(**headers: str) -> AmiMessage:
    return AmiMessage.of(headers)


# -- the captures against Asterisk's own records -------------------------------------------------


def test_every_capture_is_there() -> None:
    assert captures_dir().is_dir(), f"{captures_dir()} missing"
    assert set(CAPTURES) <= set(capture_names())


@pytest.mark.parametrize("expect_callbacks", [False, True])
@pytest.mark.parametrize("name", CAPTURES)
def test_capture_agrees_with_asterisk(name: str, expect_callbacks: bool) -> None:
    tracker = tracker_for(name, expect_callbacks=expect_callbacks)
    records = latest(feed(tracker, events(name)))
    assert compare_with_truth(records.values(), name) == []
    assert tracker.in_progress() == []
    assert all(record.server == "pbx1" for record in records.values())


def test_the_truth_catches_wrong_records() -> None:
    records = list(folded("burst").values())
    first, second, *rest = records
    assert first.ended_at is not None
    wrong = [
        replace(first, ended_at=first.ended_at + timedelta(seconds=2)),
        replace(second, agent_name="Agent9", wait_seconds=(second.wait_seconds or 0) + 1.5),
        *rest[1:],
        replace(rest[0], linkedid="1.1"),
    ]
    problems = compare_with_truth(wrong, "burst")
    expected = [
        (first.linkedid, "end - CDR end"),
        (first.linkedid, "duration - CDR duration"),
        (second.linkedid, "agent 'Agent9'"),
        (second.linkedid, "wait"),
        ("1.1", "not a call of burst"),
        (rest[0].linkedid, "missing"),
    ]
    for linkedid, what in expected:
        assert any(p.startswith(linkedid) and what in p for p in problems), (linkedid, what)
    assert len(problems) == len(expected)


# -- each scenario ------------------------------------------------------------------------------


def test_answered_call() -> None:
    updates = feed(tracker_for("answered"), events("answered"))
    assert [update.kind for update in updates if update.kind != "updated"] == [
        "started",
        "agent_connected",
        "ended",
    ]
    connected = next(update.record for update in updates if update.kind == "agent_connected")
    assert connected.ended_at is None
    assert connected.agent_interface == "Local/agent1@agents/n"
    record = updates[-1].record
    assert record.direction is Direction.INBOUND
    assert (record.caller, record.dialled) == ("13800138001", "96777")
    assert record.ivr_choice == "repair"
    assert record.queue == "hotline"
    assert (record.agent_name, record.agent_interface) == ("Agent1", "Local/agent1@agents/n")
    assert record.disposition is Disposition.ANSWERED
    assert record.started_at == datetime.fromtimestamp(1795344995.565804, UTC)
    assert record.answered_at == datetime.fromtimestamp(1795344997.778147, UTC)
    assert record.ended_at == datetime.fromtimestamp(1795345001.029038, UTC)
    assert record.wait_seconds == pytest.approx(1.004516)
    assert record.talk_seconds == pytest.approx(3.250891)
    assert record.originate_action_id is None


def test_abandoned_call() -> None:
    record = only("abandoned")
    assert record.disposition is Disposition.ABANDONED
    assert (record.queue, record.ivr_choice) == ("hotline", "consultation")
    assert record.agent_name is record.answered_at is record.talk_seconds is None
    # QueueCallerJoin to QueueCallerAbandon; the duplicate DialEnd CANCEL changes nothing.
    assert record.wait_seconds == pytest.approx(3.250451)


def test_caller_hangs_up_in_the_menu() -> None:
    record = only("ivr-only")
    assert record.disposition is Disposition.IVR_ONLY
    # The dialplan sets TICKETTYPE=none before the menu: that is no choice.
    assert record.ivr_choice is record.queue is record.wait_seconds is None
    assert record.caller == "13800138003"


def test_agent_hangs_up_a_complaint() -> None:
    record = only("complaint-agent-hangup")
    assert record.disposition is Disposition.ANSWERED
    assert (record.ivr_choice, record.agent_name) == ("complaint", "Agent1")
    assert record.talk_seconds == pytest.approx(3.506968)


@pytest.mark.parametrize("expect_callbacks", [False, True])
def test_answered_callback(expect_callbacks: bool) -> None:
    record = only("callback-answered", expect_callbacks=expect_callbacks)
    assert record.direction is Direction.OUTBOUND
    assert (record.caller, record.dialled) == ("13800138001", "13800138001")
    assert record.disposition is Disposition.ANSWERED
    # The customer's answer: the callback-out channel's Dial says ANSWER (DIALSTATUS, then
    # DialEnd 31 µs later); the Originate's own dial to the first leg does not count.
    assert record.answered_at == datetime.fromtimestamp(1795345034.064249, UTC)
    assert record.queue is record.wait_seconds is None
    assert record.originate_action_id == ("originate-2" if expect_callbacks else None)


@pytest.mark.parametrize("expect_callbacks", [False, True])
def test_unanswered_callback(expect_callbacks: bool) -> None:
    """The OriginateResponse says Failure with `Uniqueid: <unknown>`; it is the same call as the
    channels', matched by the Originate's channel name, not a second record."""
    record = only("callback-noanswer", expect_callbacks=expect_callbacks)
    assert record.linkedid == "1795345041.18"
    assert record.direction is Direction.OUTBOUND
    assert record.disposition is Disposition.NO_ANSWER
    assert record.answered_at is record.talk_seconds is None
    assert record.originate_action_id == ("originate-2" if expect_callbacks else None)


def test_only_our_originates_make_a_call_outbound() -> None:
    records = folded("combined", expect_callbacks=True)
    ours = {record.originate_action_id for record in records.values()} - {None}
    assert ours == {"originate-6", "originate-7"}
    outbound = {record.linkedid for record in records.values() if record.direction == "outbound"}
    assert outbound == {"1795345131.106", "1795345140.110"}


def trunk_call(*steps: tuple[float, str, dict[str, str]]) -> list[AmiMessage]:
    """A production-like inbound call: one SIP trunk channel running `hotline-in`."""
    channel = {
        "Channel": "PJSIP/trunk-0000001f",
        "Uniqueid": "1795350100.1",
        "Linkedid": "1795350100.1",
        "CallerIDNum": "13800138001",
        "Context": "hotline-in",
        "Exten": "96777",
    }
    return [
        event(Event=name, Timestamp=str(1795350100 + at), **{**channel, **headers})
        for at, name, headers in steps
    ]


def test_a_call_requeued_to_a_second_agent() -> None:
    repair = (3.0, "VarSet", {"Variable": "__TICKETTYPE", "Value": "repair"})
    messages = trunk_call(
        (0.0, "Newchannel", {"Context": "from-trunk"}),
        (0.1, "Newexten", {}),
        (0.2, "VarSet", {"Variable": "__TICKETTYPE", "Value": "none"}),
        repair,
        (4.0, "QueueCallerJoin", {"Queue": "hotline"}),
        (6.0, "AgentConnect", {"Queue": "hotline", "MemberName": "Agent1", "Interface": "a/1"}),
        (20.0, "VarSet", {"Variable": "__TICKETTYPE", "Value": "complaint"}),
        (21.0, "AgentComplete", {"Queue": "hotline", "MemberName": "Agent1", "Interface": "a/1"}),
        (21.5, "QueueCallerJoin", {"Queue": "hotline"}),
        (30.0, "AgentConnect", {"Queue": "hotline", "MemberName": "Agent2", "Interface": "a/2"}),
        *([repair] * 2),  # re-delivered late: an old choice, not a new one
        (50.0, "Newexten", {"Exten": "h"}),
        (50.5, "Hangup", {"Exten": "h"}),
    )
    updates = feed(CallTracker(CONFIG), messages)
    connected = [update.record.agent_name for update in updates if update.kind == "agent_connected"]
    assert connected == ["Agent1", "Agent2"]
    record = updates[-1].record
    assert updates[-1].kind == "ended"
    assert (record.caller, record.dialled) == ("13800138001", "96777")
    assert record.started_at == datetime.fromtimestamp(1795350100, UTC)
    assert (record.ivr_choice, record.agent_name, record.agent_interface) == (
        "complaint",
        "Agent2",
        "a/2",
    )
    assert record.wait_seconds == pytest.approx(2.0)
    assert record.talk_seconds == pytest.approx(44.5)


def test_agent_connect_lost() -> None:
    """The bridge still says the call was answered (AgentComplete, a hint, names nobody)."""
    messages = [message for message in events("answered") if message.event != "AgentConnect"]
    updates = feed(CallTracker(CONFIG), messages)
    assert [update.kind for update in updates if update.kind != "updated"] == ["started", "ended"]
    record = updates[-1].record
    assert (record.agent_name, record.disposition) == (None, Disposition.ANSWERED)
    assert record.answered_at == datetime.fromtimestamp(1795344997.778342, UTC)  # BridgeEnter
    assert record.wait_seconds == pytest.approx(1.004711)


def test_a_call_first_seen_in_the_middle() -> None:
    """Started before we listened and no reconcile yet: the first event it sends is enough."""
    cut = cut_after("answered", "QueueCallerJoin")
    updates = feed(CallTracker(CONFIG), events("answered")[cut:])
    record = updates[-1].record
    whole = folded("answered")["1795344995.0"]
    assert record.started_at > whole.started_at
    assert record.wait_seconds is None  # it joined the queue before we listened
    assert record.disposition is Disposition.ANSWERED
    assert (record.caller, record.agent_name) == ("13800138001", "Agent1")
    assert (record.answered_at, record.ended_at) == (whole.answered_at, whole.ended_at)


# -- originates ---------------------------------------------------------------------------------


def originate_response(action_id: str, response: str, reason: str, **headers: str) -> AmiMessage:
    return event(
        Event="OriginateResponse",
        Timestamp="1795350000.5",
        ActionID=action_id,
        Response=response,
        Channel=headers.pop("Channel", "PJSIP/agent1"),
        Context="callback-out",
        Exten="13800138009",
        Reason=reason,
        Uniqueid=headers.pop("Uniqueid", "<unknown>"),
        **headers,
    )


@pytest.mark.parametrize(
    ("reason", "disposition"),
    [
        ("0", Disposition.FAILED),
        ("1", Disposition.NO_ANSWER),
        ("3", Disposition.NO_ANSWER),
        ("5", Disposition.BUSY),
        ("8", Disposition.FAILED),
    ],
)
def test_an_originate_that_never_made_a_channel(reason: str, disposition: Disposition) -> None:
    tracker = CallTracker(CONFIG)
    sent = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
    tracker.expect_originate("hl-1", caller="13800138009", now=sent)
    updates = tracker.apply(originate_response("hl-1", "Failure", reason), NOW)
    assert [update.kind for update in updates] == ["started", "ended"]
    record = updates[-1].record
    assert record.linkedid == "originate:hl-1"
    assert record.direction is Direction.OUTBOUND
    assert record.caller == "13800138009"
    assert record.disposition is disposition
    assert record.started_at == sent
    assert record.ended_at == datetime.fromtimestamp(1795350000.5, UTC)
    assert record.originate_action_id == "hl-1"
    assert tracker.apply(originate_response("hl-1", "Failure", reason), NOW) == []
    assert tracker.in_progress() == []


def agent_channel(uniqueid: str, sequence: str, at: float, **headers: str) -> AmiMessage:
    return event(
        Event="Newchannel",
        Timestamp=str(at),
        Channel=f"PJSIP/agent1-{sequence}",
        Uniqueid=uniqueid,
        Linkedid=headers.pop("Linkedid", uniqueid),
        **headers,
    )


def test_two_originates_to_one_phone_are_told_apart_by_uniqueid() -> None:
    tracker = CallTracker(CONFIG)
    for action_id in ("hl-1", "hl-2"):
        tracker.expect_originate(action_id, caller="13800138009", now=NOW)
    feed(
        tracker,
        [
            agent_channel("1795350000.1", "00000001", 1795350000.1, Context="default"),
            agent_channel("1795350001.1", "00000002", 1795350001.1, Context="default"),
        ],
    )
    (update,) = tracker.apply(
        originate_response("hl-1", "Success", "4", Uniqueid="1795350000.1"), NOW
    )
    assert (update.kind, update.record.linkedid) == ("started", "1795350000.1")
    assert update.record.originate_action_id == "hl-1"


def test_a_failed_originate_is_not_pinned_on_an_inbound_call_ringing_that_phone() -> None:
    tracker = CallTracker(CONFIG)
    tracker.expect_originate("hl-1", caller="13800138009", now=NOW)
    inbound = feed(
        tracker,
        [
            *trunk_call((0.0, "Newchannel", {}), (1.0, "QueueCallerJoin", {"Queue": "hotline"})),
            agent_channel("1795350101.2", "0000000a", 1795350101.2, Linkedid="1795350100.1"),
        ],
    )
    assert {update.record.direction for update in inbound} == {Direction.INBOUND}
    updates = tracker.apply(originate_response("hl-1", "Failure", "3"), NOW)
    assert {update.record.linkedid for update in updates} == {"originate:hl-1"}
    (call,) = tracker.in_progress()
    assert (call.direction, call.originate_action_id) == (Direction.INBOUND, None)


def test_a_failed_originate_is_not_pinned_on_an_earlier_call_of_that_phone() -> None:
    tracker = CallTracker(CONFIG)
    earlier = agent_channel("1795349000.1", "00000001", 1795349000.1, Context="default")
    feed(tracker, [earlier, replace(earlier, headers=(("Event", "Hangup"), *earlier.headers))])
    tracker.expect_originate("hl-1", caller="13800138009", now=NOW)
    updates = tracker.apply(originate_response("hl-1", "Failure", "0"), NOW)
    assert [(update.kind, update.record.linkedid) for update in updates] == [
        ("started", "originate:hl-1"),
        ("ended", "originate:hl-1"),
    ]


def test_a_response_to_someone_elses_originate_is_ignored() -> None:
    tracker = CallTracker(CONFIG)
    assert tracker.apply(originate_response("theirs-1", "Failure", "0"), NOW) == []
    assert tracker.in_progress() == []


def agent_first_callback(busy_customer: bool) -> list[AmiMessage]:
    """Our production Originate: the agent's phone first (it carries HOTLINE_ORIGINATE), then
    callback-out dials the customer."""
    agent = {
        "Channel": "PJSIP/agent1-0000002b",
        "Uniqueid": "1795350000.7",
        "Linkedid": "1795350000.7",
        "CallerIDNum": "<unknown>",
    }
    in_callback = {**agent, "Context": "callback-out", "Exten": "13800138009"}
    status = "BUSY" if busy_customer else "ANSWER"
    return [
        event(Event="Newchannel", Timestamp="1795350000.1", Context="default", Exten="s", **agent),
        event(
            Event="VarSet",
            Timestamp="1795350000.2",
            Variable="HOTLINE_ORIGINATE",
            Value="hl-7",
            Context="default",
            **agent,
        ),
        event(Event="Newexten", Timestamp="1795350003.0", Application="Dial", **in_callback),
        event(Event="DialEnd", Timestamp="1795350009.0", DialStatus=status, **in_callback),
        event(Event="Hangup", Timestamp="1795350030.0", **in_callback),
    ]


@pytest.mark.parametrize("busy_customer", [False, True])
def test_our_originate_variable_ties_the_call_from_its_first_event(busy_customer: bool) -> None:
    tracker = CallTracker(CONFIG)
    tracker.expect_originate("hl-7", caller="+8613800138009", now=NOW)
    newchannel, varset, *rest = agent_first_callback(busy_customer)
    assert tracker.apply(newchannel, NOW) == []  # not a hotline call yet: no configured context
    (started,) = tracker.apply(varset, NOW)
    assert started.kind == "started"
    assert started.record.direction is Direction.OUTBOUND
    assert started.record.caller == "+8613800138009"  # until callback-out shows what it dials
    assert started.record.originate_action_id == "hl-7"
    record = latest(feed(tracker, rest))["1795350000.7"]
    assert record.caller == "13800138009"
    if busy_customer:
        assert record.disposition is Disposition.BUSY
        assert record.talk_seconds is None
    else:
        assert record.disposition is Disposition.ANSWERED
        assert record.talk_seconds == pytest.approx(21.0)
    response = originate_response("hl-7", "Success", "4", Uniqueid="1795350000.7")
    assert tracker.apply(response, NOW) == []  # already known as ours


def test_a_call_heard_before_word_of_its_originate_is_tied_when_the_word_comes() -> None:
    """Another worker placed the call: its channels carry our ActionID before that worker's
    word of the Originate (relayed through the database) reaches the tracking worker."""
    tracker = CallTracker(CONFIG)
    newchannel, varset, dialling, *rest = agent_first_callback(busy_customer=False)
    feed(tracker, [newchannel, varset])
    tracker.expect_originate(
        "hl-7", caller="+8613800138009", now=NOW, agent_interface="PJSIP/agent1"
    )
    (update,) = tracker.apply(dialling, NOW)
    assert update.record.originate_action_id == "hl-7"
    assert update.record.direction is Direction.OUTBOUND
    assert update.record.agent_interface == "PJSIP/agent1"
    record = latest(feed(tracker, rest))["1795350000.7"]
    assert (record.originate_action_id, record.disposition) == ("hl-7", Disposition.ANSWERED)


def test_a_call_over_before_word_of_its_originate_comes_is_tied_then() -> None:
    """A survey call answered and ended within moments, all of it heard before the word of its
    Originate from the worker that placed it: the word ties the ended call, and says so."""
    tracker = CallTracker(CONFIG)
    untied = latest(feed(tracker, events("callback-answered")))
    (action_id, number), *_ = callbacks("callback-answered")
    assert all(record.originate_action_id is None for record in untied.values())
    tied = latest(tracker.expect_originate(action_id, caller=number, now=NOW))
    expected = folded("callback-answered", expect_callbacks=True)
    (linkedid,) = [key for key, record in expected.items() if record.originate_action_id]
    assert tied[linkedid].originate_action_id == action_id
    assert tied[linkedid].ended_at == expected[linkedid].ended_at


def test_a_success_response_before_its_channel_still_ties_the_call() -> None:
    tracker = CallTracker(CONFIG)
    tracker.expect_originate("originate-2", caller="13800138001", now=NOW)
    records = latest(feed(tracker, events("callback-answered")))
    assert records["1795345032.14"].originate_action_id == "originate-2"
    early = CallTracker(CONFIG)
    early.expect_originate("hl-7", caller="13800138009", now=NOW)
    messages = agent_first_callback(busy_customer=False)
    response = originate_response("hl-7", "Success", "4", Uniqueid="1795350000.7")
    assert early.apply(response, NOW) == []
    messages = [message for message in messages if message.get("Variable") is None]
    assert latest(feed(early, messages))["1795350000.7"].originate_action_id == "hl-7"


# -- robustness ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", CAPTURES)
def test_every_event_twice_changes_nothing(name: str) -> None:
    tracker = tracker_for(name, expect_callbacks=True)
    updates = []
    for message in events(name):
        updates += tracker.apply(message, NOW)
        assert tracker.apply(message, NOW) == []
    assert latest(updates) == folded(name, expect_callbacks=True)


def test_a_late_duplicate_does_not_bring_an_ended_call_back() -> None:
    tracker = tracker_for("burst")
    feed(tracker, events("burst"))
    assert feed(tracker, events("burst")) == []
    assert tracker.in_progress() == []


def test_ended_calls_are_remembered_only_up_to_the_limit() -> None:
    tracker = CallTracker(replace(CONFIG, recently_ended_limit=0))
    first = feed(tracker, events("burst"))
    assert feed(tracker, events("burst")) == first  # nothing kept: the replay is new calls


GARBAGE = [
    event(),
    event(Response="Success", ActionID="x"),
    event(Event="SomethingNew", Linkedid="1.1", Uniqueid="1.1"),
    event(Event="Newchannel", Channel="PJSIP/x-00000001", Uniqueid="1.2"),
    event(Event="Hangup", Linkedid="1.3"),
    event(Event="Newexten", Linkedid="", Uniqueid="1.4", Context="hotline-in"),
    event(Event="OriginateResponse"),
    event(Event="Cdr", Linkedid="1.5", Uniqueid="1.5", Context="hotline-in"),
]


@pytest.mark.parametrize("message", GARBAGE)
def test_messages_without_what_a_call_needs_are_ignored(message: AmiMessage) -> None:
    tracker = CallTracker(CONFIG)
    assert tracker.apply(message, NOW) == []
    assert tracker.in_progress() == []


@pytest.mark.parametrize("stamp", ["garbage", "nan", "inf", "1e300", "-1e300", ""])
def test_an_unreadable_timestamp_means_now(stamp: str) -> None:
    tracker = CallTracker(CONFIG)
    (update,) = tracker.apply(
        event(
            Event="Newchannel",
            Timestamp=stamp,
            Channel="PJSIP/trunk-00000001",
            Uniqueid="1.1",
            Linkedid="1.1",
            Context="hotline-in",
            Exten="96777",
            CallerIDNum="13800138001",
        ),
        NOW,
    )
    assert update.record.started_at == NOW


def test_customer_id_from_the_ivr_when_it_is_a_number() -> None:
    tracker = CallTracker(CONFIG)
    base = {"Channel": "PJSIP/trunk-00000001", "Uniqueid": "1.1", "Linkedid": "1.1"}
    feed(tracker, [event(Event="Newexten", Timestamp="100", Context="hotline-in", **base)])
    for value in ["42", "abc", ""]:
        tracker.apply(
            event(
                Event="VarSet",
                Timestamp="101",
                Variable="HOTLINE_CUSTOMER_ID",
                Value=value,
                Context="hotline-in",
                **base,
            ),
            NOW,
        )
    (record,) = tracker.in_progress()
    assert record.customer_id == 42


HEADER_NAMES = [
    "Event", "Timestamp", "Channel", "Uniqueid", "Linkedid", "Context", "Exten", "CallerIDNum",
    "Variable", "Value", "Queue", "MemberName", "Interface", "DialStatus", "ActionID",
    "Response", "Reason", "Duration", "BridgeId", "Application", "ApplicationData",
]  # fmt: skip
EVENT_NAMES = [
    "Newchannel", "Newexten", "VarSet", "Hangup", "QueueCallerJoin", "QueueCallerAbandon",
    "QueueCallerLeave", "AgentConnect", "AgentComplete", "DialEnd", "BridgeEnter",
    "OriginateResponse", "CoreShowChannel",
]  # fmt: skip
VALUES = st.one_of(
    st.sampled_from(["1.1", "1.2", "hotline-in", "callback-out", "ANSWER", "BUSY", "a-1",
                     "Failure", "TICKETTYPE", "HOTLINE_ORIGINATE", "PJSIP/x", "00:01:02",
                     "<unknown>", "", "nan", "1795345000.5"]),
    st.text(max_size=8),
)  # fmt: skip
MESSAGES = st.lists(
    st.tuples(
        st.sampled_from(EVENT_NAMES),
        st.lists(st.tuples(st.sampled_from(HEADER_NAMES), VALUES), max_size=10),
    ),
    max_size=30,
).map(lambda items: [AmiMessage((("Event", name), *headers)) for name, headers in items])


@settings(max_examples=50, deadline=None)
@given(MESSAGES)
def test_no_message_makes_the_tracker_raise(messages: list[AmiMessage]) -> None:
    tracker = CallTracker(CONFIG)
    tracker.expect_originate("a-1", caller="13800138001", now=NOW)
    for message in messages:
        tracker.apply(message, NOW)
    tracker.reconcile(messages, NOW)
    tracker.reconcile([], NOW + timedelta(hours=1))
    assert tracker.in_progress() == []


# -- reconnects ---------------------------------------------------------------------------------


def live_channels(messages: Sequence[AmiMessage], now: datetime) -> list[AmiMessage]:
    """The CoreShowChannel events Asterisk would list after `messages`."""
    channels: dict[str, dict[str, str]] = {}
    created: dict[str, float] = {}
    for message in messages:
        uniqueid = message.get("Uniqueid")
        name = message.event
        if not uniqueid or name in {"CEL", "Cdr", "OriginateResponse"}:
            continue
        if name == "Newchannel":
            created[uniqueid] = message.timestamp or now.timestamp()
            channels[uniqueid] = {"Event": "CoreShowChannel", "BridgeId": ""}
        channel = channels.get(uniqueid)
        if channel is None:
            continue
        if name == "Hangup":
            del channels[uniqueid]
            continue
        for header in ("Channel", "Uniqueid", "Linkedid", "Context", "Exten", "CallerIDNum"):
            channel[header] = message.get(header) or channel.get(header, "")
        if name == "Newexten":
            channel["Application"] = message.get("Application") or ""
            channel["ApplicationData"] = message.get("AppData") or ""
        elif name == "BridgeEnter":
            channel["BridgeId"] = message.get("BridgeUniqueid") or ""
        elif name == "BridgeLeave":
            channel["BridgeId"] = ""
    listed = []
    for uniqueid, channel in channels.items():
        seconds = int(now.timestamp() - created[uniqueid])
        duration = f"{seconds // 3600:02}:{seconds // 60 % 60:02}:{seconds % 60:02}"
        listed.append(AmiMessage.of({**channel, "Duration": duration}))
    return listed


def moment_of(messages: Sequence[AmiMessage]) -> datetime:
    """The time of the last of `messages` (before any call, when there is none)."""
    stamps = [message.timestamp for message in messages if message.timestamp is not None]
    return datetime.fromtimestamp(max(stamps, default=0), UTC)


def cut_after(name: str, kind: str) -> int:
    return next(index for index, message in enumerate(events(name)) if message.event == kind) + 1


def test_a_call_that_ended_while_we_were_away_is_incomplete() -> None:
    before = events("answered")[: cut_after("answered", "AgentConnect")]
    tracker = CallTracker(CONFIG)
    feed(tracker, before)
    (update,) = tracker.reconcile([], NOW)
    assert update.kind == "ended"
    record = update.record
    assert record.disposition is Disposition.INCOMPLETE
    assert record.ended_at == moment_of(before)  # the last we know it was up
    assert record.agent_name == "Agent1"
    assert tracker.in_progress() == []
    assert feed(tracker, events("answered")) == []


def test_a_call_that_started_while_we_were_away_is_rebuilt() -> None:
    cut = cut_after("answered", "AgentConnect")
    now = moment_of(events("answered")[:cut])
    tracker = CallTracker(CONFIG)
    (update,) = tracker.reconcile(live_channels(events("answered")[:cut], now), now)
    assert update.kind == "started"
    record = update.record
    assert record.linkedid == "1795344995.0"
    assert record.direction is Direction.INBOUND
    assert (record.caller, record.dialled, record.queue) == ("13800138001", "96777", "hotline")
    # Duration is whole seconds: the oldest channel is 2.2 s old, listed as 00:00:02.
    assert record.started_at == now - timedelta(seconds=2)
    assert tracker.reconcile(live_channels(events("answered")[:cut], now), now) == []
    after = latest(feed(tracker, events("answered")[cut:]))["1795344995.0"]
    assert after.disposition is Disposition.ANSWERED
    assert after.ended_at == folded("answered")["1795344995.0"].ended_at


def test_a_call_answered_while_we_were_away_is_rebuilt_answered_with_its_agent() -> None:
    """Answered no earlier than the agent's phone began to ring: the agent's channel is the one
    in the caller's bridge, and QueueStatus names its member."""
    cut = max(i for i, message in enumerate(events("answered")) if message.event == "BridgeEnter")
    now = moment_of(events("answered")[: cut + 1])
    members = QueueSnapshot.of(
        [event(Event="QueueMember", Name="Agent1", Location="Local/agent1@agents/n")]
    )
    tracker = CallTracker(CONFIG)
    live = live_channels(events("answered")[: cut + 1], now)
    updates = tracker.reconcile(live, now, members)
    assert [update.kind for update in updates] == ["started", "agent_connected"]
    record = updates[-1].record
    assert record.disposition is Disposition.ANSWERED
    assert (record.agent_name, record.agent_interface) == ("Agent1", "Local/agent1@agents/n")
    ringing = next(
        message
        for message in events("answered")
        if message.event == "Newchannel" and message["Channel"].startswith("Local/agent1@")
    )
    rang_for = int(now.timestamp() - (ringing.timestamp or 0))
    assert record.answered_at == now - timedelta(seconds=rang_for)
    assert record.answered_at <= folded("answered")["1795344995.0"].answered_at  # type: ignore[operator]


def test_without_queue_status_the_agent_is_the_bridged_channel_s_interface() -> None:
    cut = max(i for i, message in enumerate(events("answered")) if message.event == "BridgeEnter")
    now = moment_of(events("answered")[: cut + 1])
    tracker = CallTracker(CONFIG)
    (_, connected) = tracker.reconcile(live_channels(events("answered")[: cut + 1], now), now)
    assert (connected.record.agent_name, connected.record.agent_interface) == (
        None,
        "Local/agent1@agents",
    )


def test_a_reconnect_drops_the_channels_that_hung_up_meanwhile() -> None:
    cut = cut_after("callback-answered", "BridgeEnter")
    tracker = CallTracker(CONFIG)
    feed(tracker, events("callback-answered")[:cut])
    live = live_channels(
        events("callback-answered")[:cut], moment_of(events("callback-answered")[:cut])
    )
    survivor = next(channel for channel in live if channel["Context"] == "callback-out")
    assert tracker.reconcile([survivor], NOW) == []
    hangup = next(
        message
        for message in events("callback-answered")[cut:]
        if message.event == "Hangup" and message.get("Uniqueid") == survivor["Uniqueid"]
    )
    (update,) = tracker.apply(hangup, NOW)
    assert update.kind == "ended"
    assert update.record.disposition is Disposition.ANSWERED


# -- properties over the burst and everything-at-once captures ----------------------------------


# Thousands of events: hypothesis picks a seed, not each random choice.
SEEDS = st.integers(min_value=0, max_value=2**32)


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(["burst", "combined"]), SEEDS)
def test_duplicates_anywhere_later_change_nothing(name: str, seed: int) -> None:
    """Any event delivered again, at any later point."""
    rng = random.Random(seed)
    stream = list(events(name))
    for _ in range(rng.randrange(1, 200)):
        original = rng.randrange(len(stream))
        stream.insert(rng.randrange(original + 1, len(stream) + 1), stream[original])
    assert latest(feed(CallTracker(CONFIG), stream)) == folded(name)


def interleaved(messages: Sequence[AmiMessage], rng: random.Random) -> list[AmiMessage]:
    """Each call's events in their order, the calls merged at random."""
    per_call: dict[str, list[AmiMessage]] = {}
    for message in messages:
        per_call.setdefault(message.get("Linkedid") or "", []).append(message)
    queues = [list(reversed(call)) for call in per_call.values()]
    merged = []
    while queues:
        queue = rng.choice(queues)
        merged.append(queue.pop())
        if not queue:
            queues.remove(queue)
    return merged


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(["burst", "combined"]), SEEDS)
def test_calls_interleaved_any_way_give_the_same_calls(name: str, seed: int) -> None:
    rng = random.Random(seed)
    assert latest(feed(CallTracker(CONFIG), interleaved(events(name), rng))) == folded(name)


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(["burst", "combined"]), st.floats(min_value=0, max_value=1))
def test_a_reconnect_at_any_point_loses_no_call(name: str, fraction: float) -> None:
    stream = events(name)
    cut = int(fraction * len(stream))
    now = moment_of(stream[:cut])
    live = live_channels(stream[:cut], now)
    live_calls = {channel["Linkedid"] for channel in live}
    hotline = CONFIG.inbound_contexts | CONFIG.outbound_contexts
    live_hotline_calls = {channel["Linkedid"] for channel in live if channel["Context"] in hotline}

    tracker = CallTracker(CONFIG)
    seen = latest(feed(tracker, stream[:cut]))
    # Listed at `now` on the PBX's clock: NOW on ours, the clock the events arrived by.
    seen |= latest(tracker.reconcile(live, NOW))
    in_progress = {record.linkedid: record for record in tracker.in_progress()}
    assert live_hotline_calls <= in_progress.keys()
    for linkedid, record in seen.items():
        if linkedid in in_progress:
            assert linkedid in live_calls
            assert record == in_progress[linkedid]
        else:
            assert record == folded(name)[linkedid]  # it ended before the cut
    closed = latest(tracker.reconcile([], NOW + timedelta(minutes=5)))
    assert closed.keys() == in_progress.keys()
    assert all(record.disposition is Disposition.INCOMPLETE for record in closed.values())
    assert tracker.in_progress() == []

    rebuilt = CallTracker(CONFIG)
    rebuilt.reconcile(live, now)
    assert {record.linkedid for record in rebuilt.in_progress()} == live_hotline_calls
    finished = latest(feed(rebuilt, stream[cut:]))
    assert rebuilt.in_progress() == []
    for linkedid, record in folded(name).items():
        if record.started_at > now:
            assert finished[linkedid] == record
        elif linkedid in live_calls and linkedid in finished:
            assert finished[linkedid].ended_at == record.ended_at
            assert finished[linkedid].disposition is not Disposition.INCOMPLETE


# -- queue timeouts on the real Asterisk (tests/telephony/captures/README.md) --------------------

TIMEOUT_CAPTURES = Path(__file__).parent / "captures"


def timeout_call(name: str) -> CallRecord:
    messages = parse_stream((TIMEOUT_CAPTURES / f"queue-{name}.ami").read_bytes())
    (record,) = latest(feed(CallTracker(CONFIG), messages)).values()
    return record


def queue_log_seconds(name: str, first: str, last: str) -> int:
    """Seconds between the first `first` and the last `last` line of the capture's queue_log."""
    text = (TIMEOUT_CAPTURES / f"queue-{name}.queue_log").read_text()
    lines = [line.split("|") for line in text.splitlines()]
    start = next(int(fields[0]) for fields in lines if fields[4] == first)
    end = [int(fields[0]) for fields in lines if fields[4] == last][-1]
    return end - start


def test_a_caller_queued_again_after_a_timeout_is_one_answered_call_waiting_all_along() -> None:
    record = timeout_call("timeout-answered")
    assert record.disposition is Disposition.ANSWERED
    assert record.agent_name == "Agent1"
    # From the first ENTERQUEUE to CONNECT, across two EXITWITHTIMEOUTs.
    assert record.wait_seconds == pytest.approx(
        queue_log_seconds("timeout-answered", "ENTERQUEUE", "CONNECT"), abs=1.0
    )


def test_a_caller_who_hangs_up_in_the_queue_after_timeouts_abandoned_after_the_whole_wait() -> None:
    record = timeout_call("timeout-abandoned")
    assert record.disposition is Disposition.ABANDONED
    assert record.wait_seconds == pytest.approx(
        queue_log_seconds("timeout-abandoned", "ENTERQUEUE", "ABANDON"), abs=1.0
    )


def test_a_caller_who_books_a_callback_at_the_timeout_did_not_abandon() -> None:
    """The queue timed out, the IVR offered a callback, the caller took it and the dialplan
    said goodbye: served by self-service, not lost."""
    record = timeout_call("timeout-callback")
    assert record.disposition is Disposition.IVR_ONLY
    assert record.queue == "hotline"
    assert record.wait_seconds == pytest.approx(
        queue_log_seconds("timeout-callback", "ENTERQUEUE", "EXITWITHTIMEOUT"), abs=1.0
    )


def test_a_goodbye_before_the_caller_queued_again_does_not_make_the_hang_up_in_the_queue_ok() -> (
    None
):
    goodbye = (5.0, "VarSet", {"Variable": "HOTLINE_IVR", "Value": "goodbye"})
    messages = trunk_call(
        (0.0, "Newexten", {}),
        (1.0, "QueueCallerJoin", {"Queue": "hotline"}),
        (4.0, "QueueCallerAbandon", {"Queue": "hotline"}),
        (4.0, "QueueCallerLeave", {"Queue": "hotline"}),
        goodbye,
        (6.0, "QueueCallerJoin", {"Queue": "hotline"}),
        (9.0, "QueueCallerAbandon", {"Queue": "hotline"}),
        (9.0, "QueueCallerLeave", {"Queue": "hotline"}),
        (9.1, "Hangup", {}),
    )
    record = latest(feed(CallTracker(CONFIG), messages))["1795350100.1"]
    assert record.disposition is Disposition.ABANDONED
    assert record.wait_seconds == pytest.approx(8.0)


def test_a_caller_who_hangs_up_during_the_callback_offer_left_by_the_timeout() -> None:
    """The queue let the caller go at its timeout (QUEUESTATUS=TIMEOUT; queue_log
    EXITWITHTIMEOUT, not ABANDON), the callback offer played and the caller hung up in it:
    timed out, not abandoned, with the wait the queue had."""
    messages = trunk_call(
        (0.0, "Newexten", {}),
        (1.0, "QueueCallerJoin", {"Queue": "hotline"}),
        (4.0, "QueueCallerAbandon", {"Queue": "hotline"}),
        (4.0, "QueueCallerLeave", {"Queue": "hotline"}),
        (4.0, "VarSet", {"Variable": "QUEUESTATUS", "Value": "TIMEOUT"}),
        (4.1, "VarSet", {"Variable": "HOTLINE_IVR", "Value": ""}),
        (7.0, "Hangup", {}),
    )
    record = latest(feed(CallTracker(CONFIG), messages))["1795350100.1"]
    assert record.disposition is Disposition.TIMED_OUT
    assert record.wait_seconds == pytest.approx(3.0)


def test_a_hang_up_in_the_queue_after_an_earlier_timeout_is_abandoned() -> None:
    messages = trunk_call(
        (0.0, "Newexten", {}),
        (1.0, "QueueCallerJoin", {"Queue": "hotline"}),
        (4.0, "QueueCallerLeave", {"Queue": "hotline"}),
        (4.0, "VarSet", {"Variable": "QUEUESTATUS", "Value": "TIMEOUT"}),
        (5.0, "VarSet", {"Variable": "QUEUESTATUS", "Value": ""}),
        (5.0, "QueueCallerJoin", {"Queue": "hotline"}),
        (8.0, "QueueCallerAbandon", {"Queue": "hotline"}),
        (8.0, "QueueCallerLeave", {"Queue": "hotline"}),
        (8.1, "Hangup", {}),
    )
    record = latest(feed(CallTracker(CONFIG), messages))["1795350100.1"]
    assert record.disposition is Disposition.ABANDONED


# -- the connection lost, hotline restarted -------------------------------------------------------


def test_an_incomplete_call_ends_when_the_connection_was_lost_not_at_its_last_event() -> None:
    """Answered, then nothing is heard of it while it talks (a talk sends no events) until the
    connection drops 40 s later: it was up until then at least."""
    before = events("answered")[: cut_after("answered", "AgentConnect")]
    last_event = moment_of(before)
    tracker = CallTracker(CONFIG)
    feed_arriving(tracker, before)
    tracker.connection_lost(last_heard=last_event + timedelta(seconds=40) - CLOCKS_APART)
    (update,) = tracker.reconcile([], NOW)
    record = update.record
    assert record.disposition is Disposition.INCOMPLETE
    assert record.ended_at == pytest.approx(last_event + timedelta(seconds=40), abs=DELAY)
    assert record.answered_at is not None
    assert record.talk_seconds == pytest.approx(
        (last_event + timedelta(seconds=40) - record.answered_at).total_seconds(), abs=0.01
    )
    assert call_json(record, UTC)["times_are_lower_bounds"] is True
    assert call_json(folded("answered")["1795344995.0"], UTC)["times_are_lower_bounds"] is False


CLOCKS_APART = timedelta(hours=3)
DELAY = timedelta(milliseconds=2)


def arrival(message: AmiMessage) -> datetime:
    """When a message of the PBX reaches us, on our clock (3 h behind the PBX's)."""
    assert message.timestamp is not None
    return datetime.fromtimestamp(message.timestamp, UTC) - CLOCKS_APART + DELAY


def feed_arriving(tracker: CallTracker, messages: Iterable[AmiMessage]) -> list[CallUpdate]:
    """Each message at its `arrival`; one without a Timestamp with the one before it."""
    updates: list[CallUpdate] = []
    now = NOW
    for message in messages:
        now = arrival(message) if message.timestamp is not None else now
        updates += tracker.apply(message, now)
    return updates


def test_a_call_rebuilt_after_a_reconnect_has_its_times_on_the_pbx_clock() -> None:
    """Our clock 3 h behind the PBX's: the listing's `Duration` is counted back from the PBX's
    time, never from ours, so the call's times are all on one clock."""
    stream = events("answered")
    cut = cut_after("answered", "QueueCallerJoin")
    pbx_now = moment_of(stream[:cut])
    tracker = CallTracker(CONFIG)
    tracker.observe_clock(pbx_now, pbx_now - CLOCKS_APART)
    tracker.reconcile(live_channels(stream[:cut], pbx_now), pbx_now - CLOCKS_APART)
    ended = latest(feed_arriving(tracker, stream[cut:]))["1795344995.0"]
    truth = folded("answered")["1795344995.0"]
    assert ended.started_at == pytest.approx(truth.started_at, abs=timedelta(seconds=1))
    assert (ended.answered_at, ended.ended_at) == (truth.answered_at, truth.ended_at)
    assert ended.talk_seconds == truth.talk_seconds


def test_an_event_without_a_timestamp_is_placed_on_the_pbx_clock() -> None:
    tracker = CallTracker(CONFIG)
    stamped, *_ = trunk_call((0.0, "Newexten", {}))
    tracker.apply(stamped, arrival(stamped))
    bare = AmiMessage(tuple((k, v) for k, v in stamped.headers if k != "Timestamp"))
    hangup = replace(bare, headers=(("Event", "Hangup"), *bare.headers[1:]))
    (update,) = tracker.apply(hangup, arrival(stamped) + timedelta(seconds=30))
    # 30 s after the first event, by the offset it showed.
    assert update.record.ended_at == datetime.fromtimestamp(1795350130, UTC)


def stored(record: CallRecord) -> CallRecord:
    """A call as the call log holds it (numbers normalised, no channel known)."""
    return replace(record, caller="+86" + (record.caller or ""))


def test_a_restart_with_calls_up_keeps_every_stored_fact() -> None:
    """hotline stops while a call talks and starts again: the new tracker resumes the call from
    the log and the rebuild adds only what it knows better."""
    stream = events("answered")
    cut = cut_after("answered", "BridgeEnter") + 1
    before_restart = latest(feed(CallTracker(CONFIG), stream[:cut]))["1795344995.0"]
    assert before_restart.answered_at is not None and before_restart.ivr_choice == "repair"
    pbx_now = moment_of(stream[:cut]) + timedelta(seconds=1)

    restarted = CallTracker(CONFIG)
    restarted.resume([stored(before_restart)])
    updates = restarted.reconcile(live_channels(stream[:cut], pbx_now), pbx_now)
    assert all(update.kind == "updated" for update in updates)  # no second start, no pop
    (rebuilt,) = restarted.in_progress()
    for fact in ("answered_at", "ivr_choice", "queue", "agent_name", "agent_interface"):
        assert getattr(rebuilt, fact) == getattr(before_restart, fact), fact
    assert rebuilt.started_at == before_restart.started_at
    finished = latest(feed(restarted, stream[cut:]))["1795344995.0"]
    truth = folded("answered")["1795344995.0"]
    for fact in ("answered_at", "ended_at", "wait_seconds", "talk_seconds", "disposition"):
        assert getattr(finished, fact) == getattr(truth, fact), fact


def test_a_resumed_call_gone_when_hotline_is_back_ends_incomplete_at_its_last_known_moment() -> (
    None
):
    stream = events("answered")
    cut = cut_after("answered", "AgentConnect")
    before_restart = latest(feed(CallTracker(CONFIG), stream[:cut]))["1795344995.0"]
    restarted = CallTracker(CONFIG)
    restarted.resume([stored(before_restart)])
    (update,) = restarted.reconcile([], NOW)
    assert update.record.disposition is Disposition.INCOMPLETE
    assert update.record.ended_at == before_restart.answered_at
    assert update.record.agent_name == "Agent1"


# -- click-to-call -------------------------------------------------------------------------------


def test_a_click_to_call_carries_the_agent_it_rang_first_without_a_screen_pop() -> None:
    tracker = CallTracker(CONFIG)
    tracker.reconcile(
        [],
        NOW,
        QueueSnapshot.of([event(Event="QueueMember", Name="Agent1", Location="PJSIP/8001")]),
    )
    tracker.expect_originate("hl-7", caller="+8613800138009", now=NOW, agent_interface="PJSIP/8001")
    updates = feed(tracker, agent_first_callback(busy_customer=False))
    assert "agent_connected" not in {update.kind for update in updates}
    record = updates[-1].record
    assert (record.agent_name, record.agent_interface) == ("Agent1", "PJSIP/8001")
    assert record.direction is Direction.OUTBOUND


def test_an_agent_on_a_local_member_interface_is_found_by_its_channel() -> None:
    """FreePBX's members are `Local/8001@from-queue/n`; the channel in the caller's bridge is
    `Local/8001@from-queue-0000001a;1`."""
    members = QueueSnapshot.of(
        [event(Event="QueueMember", Name="Li Wei", Location="Local/8001@from-queue/n")]
    )
    caller = {
        "Event": "CoreShowChannel",
        "Channel": "PJSIP/trunk-00000007",
        "Uniqueid": "1795350200.1",
        "Linkedid": "1795350200.1",
        "CallerIDNum": "13800138001",
        "Context": "hotline-in",
        "Exten": "96777",
        "Application": "Queue",
        "ApplicationData": "hotline,,,,120",
        "Duration": "00:00:40",
        "BridgeId": "b-1",
    }
    agent = {
        **caller,
        "Channel": "Local/8001@from-queue-0000001a;1",
        "Uniqueid": "1795350210.2",
        "Context": "from-queue",
        "Exten": "8001",
        "Application": "AppQueue",
        "ApplicationData": "(Outgoing Line)",
        "Duration": "00:00:30",
    }
    now = datetime.fromtimestamp(1795350240, UTC)
    updates = CallTracker(CONFIG).reconcile(
        [AmiMessage.of(caller), AmiMessage.of(agent)], now, members
    )
    record = updates[-1].record
    assert (record.agent_name, record.agent_interface) == ("Li Wei", "Local/8001@from-queue/n")
    assert record.answered_at == now - timedelta(seconds=30)
    assert record.started_at == now - timedelta(seconds=40)


def test_a_rebuilt_call_takes_what_the_ivr_set_from_the_listed_channel_variables() -> None:
    """Asterisk 22 with our manager.conf `channelvars` lists them with each channel."""
    listed = AmiMessage.of(
        [
            ("Event", "CoreShowChannel"),
            ("Channel", "PJSIP/trunk-00000000"),
            ("CallerIDNum", "13800138202"),
            ("Context", "hotline-in"),
            ("Exten", "96777"),
            ("Uniqueid", "1796057526.0"),
            ("Linkedid", "1796057526.0"),
            ("ChanVariable", "TICKETTYPE=repair"),
            ("ChanVariable", "HOTLINE_CHOICE=2"),
            ("ChanVariable", "HOTLINE_CUSTOMER_ID=42"),
            ("ChanVariable", "HOTLINE_ORIGINATE="),
            ("Application", "Queue"),
            ("ApplicationData", "hotline,,,,120"),
            ("Duration", "00:00:06"),
            ("BridgeId", ""),
        ]
    )
    waiting = QueueSnapshot.of(
        [event(Event="QueueEntry", Queue="hotline", Uniqueid="1796057526.0", Wait="2")]
    )
    now = datetime.fromtimestamp(1796057533, UTC)
    (started,) = CallTracker(CONFIG).reconcile([listed], now, waiting)
    record = started.record
    assert (record.ivr_choice, record.customer_id, record.queue) == ("repair", 42, "hotline")
    assert record.disposition is None


# -- a takeover by another worker (telephony/lease.py) -------------------------------------------


def test_a_takeover_finishes_a_call_the_last_holder_answered() -> None:
    """The last holder saw the answer and wrote it; the new one heard the rest while standing
    by and finds no channel left: the call ends as it did, with its agent, not incomplete."""
    stream = events("answered")
    kill = cut_after("answered", "AgentConnect")
    (written,) = latest(feed(CallTracker(CONFIG), stream[:kill])).values()
    assert written.agent_name == "Agent1" and written.ended_at is None
    tracker = CallTracker(CONFIG)
    tracker.resume([written])
    now = moment_of(stream)
    heard = [(message, now) for message in stream[kill:]]
    (record,) = latest(tracker.reconcile([], now, heard=heard)).values()
    assert record == only("answered")


def test_events_heard_again_of_a_call_that_ended_change_nothing() -> None:
    stream = events("answered")
    (written,) = latest(feed(CallTracker(CONFIG), stream)).values()
    tracker = CallTracker(CONFIG)
    tracker.resume([written])
    heard = [(message, NOW) for message in stream[len(stream) // 2 :]]
    assert tracker.reconcile([], NOW, heard=heard) == []
    assert tracker.in_progress() == []


@settings(max_examples=30, deadline=None)
@given(
    st.sampled_from(["burst", "combined"]),
    st.floats(min_value=0, max_value=1),
    st.floats(min_value=0, max_value=1),
    st.integers(min_value=0, max_value=400),
)
def test_a_takeover_at_any_point_keeps_every_call_right(
    name: str, kill_at: float, take_at: float, overlap: int
) -> None:
    """One tracker folds the events up to the kill and writes its calls (the call log);
    another, which heard the PBX while standing by, resumes what was written, reconciles with
    Asterisk's channels when it takes over and with what it heard, then goes on. Every call
    ends as if one tracker had seen it all; only a wait that began before anything the new one
    heard of an unanswered call is unknown (None), never wrong."""
    stream = events(name)
    kill = int(kill_at * len(stream))
    take = kill + int(take_at * (len(stream) - kill))
    written = latest(feed(CallTracker(CONFIG), stream[:kill]))
    # The standby heard since some time before the kill, at least since the first event of
    # every call the last holder had not written (the writer's last batch).
    unwritten = [
        index
        for index, message in enumerate(stream[:kill])
        if message.get("Linkedid") and message["Linkedid"] not in written
    ]
    heard_from = min([max(0, kill - overlap), *unwritten[:1]])

    tracker = CallTracker(CONFIG)
    tracker.resume(written.values())
    now = moment_of(stream[:take])
    heard = [(message, now) for message in stream[heard_from:take]]
    final = written | latest(tracker.reconcile(live_channels(stream[:take], now), now, heard=heard))
    final |= latest(feed(tracker, stream[take:]))
    assert tracker.in_progress() == []
    for linkedid, truth in folded(name).items():
        record = final[linkedid]
        if record.wait_seconds is None:
            record = replace(record, wait_seconds=truth.wait_seconds)
        assert record == truth
