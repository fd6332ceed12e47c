"""What a technician's steps at the door must say, and what follows them: a fix says what was
done (the callback and the dispatcher read it), the card then tells what comes next, and a
fix tapped by mistake can be taken back for a few minutes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta

from tickets.sla import Clock, ClockName
from tickets.types import TicketType
from tickets.wording import N_
from tickets.workflow import Action, ActionInvalid

FIX_NEEDS_REPORT = N_("say what was done")
AFTER_FIX = N_(
    "Fixed. Next: the dispatcher confirms and closes the order; quality calls the customer back."
)


# The actions that must say what was done, in their note, whoever takes them and from where
# (the technician's card, the ticket page, the API): the one rule all of them consult.
NEEDS_REPORT = frozenset({Action.FIX})


def check_report(action: Action, note: str | None) -> None:
    """A fix without a word of what was done is refused at the note."""
    if action in NEEDS_REPORT and not (note or "").strip():
        raise ActionInvalid("note", FIX_NEEDS_REPORT)


# How long a technician may take back a "fixed" tapped by mistake (the callback is hours away).
UNDO_FIX_WINDOW = timedelta(minutes=5)
FIX_CLOCK = {TicketType.REPAIR: ClockName.FIX, TicketType.OUTAGE: ClockName.RESTORE}


class FixNotUndoable(ValueError):
    """No fix to take back: none recorded, or it is older than the undo window."""


def fixed_at(ticket_type: TicketType, clocks: Mapping[ClockName, Clock]) -> datetime | None:
    name = FIX_CLOCK.get(ticket_type)
    clock = clocks.get(name) if name is not None else None
    return clock.stopped_at if clock is not None else None


def fix_undoable(ticket_type: TicketType, clocks: Mapping[ClockName, Clock], now: datetime) -> bool:
    at = fixed_at(ticket_type, clocks)
    return at is not None and now - at <= UNDO_FIX_WINDOW


def undo_fix(
    ticket_type: TicketType, clocks: Mapping[ClockName, Clock], now: datetime
) -> dict[ClockName, Clock]:
    """The clocks as if the fix had not been recorded: the fix clock runs again. A breach it
    already had stays (the due time has passed either way); the sweeper finds a later one."""
    if not fix_undoable(ticket_type, clocks, now):
        raise FixNotUndoable(N_("the fix can no longer be undone"))
    name = FIX_CLOCK[ticket_type]
    clock = clocks[name]
    running = replace(clock, stopped_at=None)
    if running.breached_at is not None and running.breached_at > now:
        running = replace(running, breached_at=None)
    return {**clocks, name: running}
