"""Between the pure `Clock` and its row in `sla_clock`."""

from __future__ import annotations

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
    )


def write_clock(row: SlaClockRow, clock: Clock) -> SlaClockRow:
    """Copy the clock's state onto the row, with the derived columns the queries use."""
    row.name = clock.name.value
    row.kind = clock.kind.value
    row.basis = clock.basis.value
    row.started_at = clock.started_at
    row.target_due_at = clock.target_due_at
    row.original_due_at = clock.original_due_at
    row.due_at = clock.due_at
    row.pausable = clock.pausable
    row.estimated = clock.estimated
    row.paused_seconds = clock.paused_seconds
    row.paused_at = clock.paused_at
    row.stopped_at = clock.stopped_at
    row.warned_at = clock.warned_at
    row.breached_at = clock.breached_at
    row.extension_reason = clock.extension_reason
    row.next_check_at = clock.next_check_at()
    return row


def new_clock_row(ticket_id: int, clock: Clock) -> SlaClockRow:
    return write_clock(
        SlaClockRow(
            ticket_id=ticket_id,
            name=clock.name.value,
            kind=clock.kind.value,
            basis=clock.basis.value,
            started_at=clock.started_at,
            target_due_at=clock.target_due_at,
            original_due_at=clock.original_due_at,
            due_at=clock.due_at,
            pausable=clock.pausable,
        ),
        clock,
    )
