"""Between the pure `Clock` and its row in `sla_clock`."""

from __future__ import annotations

from typing import Any

from hotline.db.tables import SlaClockRow
from tickets.sla import Clock, ClockName, DueBasis, TargetKind


def clock_from_row(row: SlaClockRow) -> Clock:
    return Clock(
        name=ClockName(row.name),
        kind=TargetKind(row.kind),
        started_at=row.started_at,
        target_due_at=row.target_due_at,
        original_due_at=row.original_due_at,
        pausable=row.pausable,
        basis=DueBasis(row.basis),
        estimated=row.estimated,
        paused_seconds=row.paused_seconds,
        paused_at=row.paused_at,
        stopped_at=row.stopped_at,
        warned_at=row.warned_at,
        breached_at=row.breached_at,
        extension_reason=row.extension_reason,
        pause_limit_seconds=row.pause_limit_seconds,
        extensions=row.extensions,
        extension_agreed_via=row.extension_agreed_via,
        extension_agreed_at=row.extension_agreed_at,
        looser_than_rules=row.looser_than_rules,
    )


def clock_values(clock: Clock) -> dict[str, Any]:
    """The clock as column values, with the derived columns the queries use."""
    return {
        "name": clock.name.value,
        "kind": clock.kind.value,
        "basis": clock.basis.value,
        "started_at": clock.started_at,
        "target_due_at": clock.target_due_at,
        "original_due_at": clock.original_due_at,
        "due_at": clock.due_at,
        "pausable": clock.pausable,
        "estimated": clock.estimated,
        "paused_seconds": clock.paused_seconds,
        "pause_limit_seconds": clock.pause_limit_seconds,
        "extensions": clock.extensions,
        "extension_agreed_via": clock.extension_agreed_via,
        "extension_agreed_at": clock.extension_agreed_at,
        "looser_than_rules": clock.looser_than_rules,
        "paused_at": clock.paused_at,
        "stopped_at": clock.stopped_at,
        "warned_at": clock.warned_at,
        "breached_at": clock.breached_at,
        "extension_reason": clock.extension_reason,
        "next_check_at": clock.next_check_at(),
    }


def write_clock(row: SlaClockRow, clock: Clock) -> SlaClockRow:
    for column, value in clock_values(clock).items():
        setattr(row, column, value)
    return row


def new_clock_row(ticket_id: int, clock: Clock) -> SlaClockRow:
    return SlaClockRow(ticket_id=ticket_id, **clock_values(clock))
