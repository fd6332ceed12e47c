"""A technician's fix says what was done; other steps need no words; a fix is taken back only
within its few minutes, and only its own clock runs again."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tickets import sla
from tickets.calendar import BusinessCalendar
from tickets.field_work import (
    FIX_NEEDS_REPORT,
    NEEDS_REPORT,
    UNDO_FIX_WINDOW,
    FixNotUndoable,
    check_report,
    fix_undoable,
    fixed_at,
    undo_fix,
)
from tickets.sla import Clock, ClockName, StartEvent
from tickets.types import TicketType
from tickets.workflow import Action, ActionInvalid


@pytest.mark.parametrize("note", [None, "", "   \n\t"])
def test_a_fix_without_a_word_is_refused_at_the_note(note: str | None) -> None:
    with pytest.raises(ActionInvalid) as refused:
        check_report(Action.FIX, note)
    assert (refused.value.field, refused.value.message) == ("note", FIX_NEEDS_REPORT)


@given(st.text(min_size=1).filter(lambda note: note.strip() != ""))
def test_a_fix_that_says_anything_is_accepted(note: str) -> None:
    check_report(Action.FIX, note)


@given(st.sampled_from([a for a in Action if a is not Action.FIX]), st.none() | st.text())
def test_no_other_action_needs_a_report(action: Action, note: str | None) -> None:
    """Setting out and arriving need no words; an action with a note of its own to give (a
    reply, a pause's reason) says so in the workflow."""
    assert action not in NEEDS_REPORT
    check_report(action, note)


TZ = ZoneInfo("Asia/Shanghai")
RECEIVED = datetime(2026, 11, 20, 10, tzinfo=TZ)


def repair_clocks(fixed_at: datetime) -> dict[ClockName, Clock]:
    policies = sla.select_policies(
        sla.DEFAULT_POLICIES, TicketType.REPAIR, "indoor_equipment", False, StartEvent.RECEIVED
    )
    clocks = {p.clock: sla.start_clock(p, RECEIVED, BusinessCalendar(), TZ) for p in policies}
    return {**clocks, ClockName.FIX: sla.stop(clocks[ClockName.FIX], fixed_at)}


@given(st.integers(min_value=0, max_value=int(UNDO_FIX_WINDOW.total_seconds())))
def test_a_fix_is_taken_back_within_the_window_and_only_its_clock_runs_again(
    seconds_later: int,
) -> None:
    fixed = RECEIVED + timedelta(hours=2)
    clocks = repair_clocks(fixed)
    now = fixed + timedelta(seconds=seconds_later)
    assert fix_undoable(TicketType.REPAIR, clocks, now)
    undone = undo_fix(TicketType.REPAIR, clocks, now)
    assert undone[ClockName.FIX].stopped_at is None
    assert fixed_at(TicketType.REPAIR, undone) is None
    assert {name: clock for name, clock in undone.items() if name is not ClockName.FIX} == {
        name: clock for name, clock in clocks.items() if name is not ClockName.FIX
    }


@given(st.integers(min_value=1, max_value=10**6))
def test_a_fix_older_than_the_window_stays(seconds_past: int) -> None:
    fixed = RECEIVED + timedelta(hours=2)
    clocks = repair_clocks(fixed)
    now = fixed + UNDO_FIX_WINDOW + timedelta(seconds=seconds_past)
    assert not fix_undoable(TicketType.REPAIR, clocks, now)
    with pytest.raises(FixNotUndoable):
        undo_fix(TicketType.REPAIR, clocks, now)


def test_no_fix_recorded_is_nothing_to_undo() -> None:
    clocks = repair_clocks(RECEIVED + timedelta(hours=1))
    running = {**clocks, ClockName.FIX: replace(clocks[ClockName.FIX], stopped_at=None)}
    with pytest.raises(FixNotUndoable):
        undo_fix(TicketType.REPAIR, running, RECEIVED + timedelta(hours=1))
    assert not fix_undoable(TicketType.COMPLAINT, clocks, RECEIVED)
