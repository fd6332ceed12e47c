"""`hotline demo` shows the field side: crews, a visit booked for tomorrow, callbacks due —
made through the services, and made once however often the demo runs."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from conftest import SHANGHAI, app_settings
from sqlmodel import col, func, select

from hotline.db.engine import create_engine, session_factory
from hotline.db.tables import AuditEntry, CallbackTask, Crew, CrewMember, Ticket, User, Visit
from hotline.demo import seed_demo
from hotline.services import callbacks, dispatch
from hotline.services.rulebook import load_rulebook
from tickets.callbacks import TaskStatus


@pytest.mark.parametrize(
    "local_now",
    # Mid-morning, and late at night (quiet hours; "tomorrow" is only hours away).
    [
        datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI),
        datetime(2026, 11, 20, 23, 50, tzinfo=SHANGHAI),
    ],
    ids=["morning", "late-night"],
)
async def test_demo_seeds_the_field_side_once(database_url: str, local_now: datetime) -> None:
    now = local_now.astimezone(UTC)
    settings = app_settings(database_url)
    first = await seed_demo(settings, now)
    # A rerun the next day (as `make run` does) adds nothing.
    second = await seed_demo(settings, now + timedelta(days=1))
    assert (first.tickets, first.past_tickets, first.crews, first.visits) == (5, 2, 3, 1)
    assert len(first.users) == 9
    assert (second.users, second.tickets, second.past_tickets, second.crews, second.visits) == (
        [],
        0,
        0,
        0,
        0,
    )

    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            crews = {c.code: c for c in (await session.exec(select(Crew))).all()}
            members = dict(
                (
                    await session.exec(
                        select(User.username, Crew.code)
                        .join(CrewMember, col(CrewMember.user_id) == col(User.id))
                        .join(Crew, col(Crew.id) == col(CrewMember.crew_id))
                    )
                ).all()
            )
            assert set(crews) == {"north-1", "south-1", "standby-night"}
            assert crews["north-1"].areas == ["北区"] and crews["south-1"].areas == ["南区"]
            shifts = {code: (c.shift_start, c.shift_end) for code, c in crews.items()}
            assert shifts == {
                "north-1": ("08:00", "20:00"),
                "south-1": ("08:00", "20:00"),
                "standby-night": ("20:00", "08:00"),
            }
            assert members == {
                "liu.tech": "north-1",
                "zhou.tech": "south-1",
                "wu.tech": "standby-night",
            }

            # One visit, booked by the dispatcher with consent, tomorrow 09:00–11:00 local,
            # within the crew's shift; the repair is now zhou.tech's with that appointment.
            (visit,) = (await session.exec(select(Visit))).all()
            ticket = await session.get(Ticket, visit.ticket_id)
            technician = await session.get(User, visit.technician_id)
            assert ticket is not None and technician is not None
            assert (ticket.type, ticket.subtype, ticket.area) == (
                "repair",
                "indoor_equipment",
                "南区",
            )
            assert technician.username == "zhou.tech" and ticket.assignee_id == technician.id
            assert visit.status == "booked" and visit.customer_consent
            assert visit.crew_id == crews["south-1"].id and visit.created_by == "zhao.dispatcher"
            start, end = (
                visit.window_start.astimezone(SHANGHAI),
                visit.window_end.astimezone(SHANGHAI),
            )
            assert start.date() == local_now.date() + timedelta(days=1)
            assert (start.time(), end.time()) == (time(9, 0), time(11, 0))
            south_shift = crews["south-1"]
            assert (
                south_shift.shift_start
                <= f"{start:%H:%M}"
                < f"{end:%H:%M}"
                <= south_shift.shift_end
            )
            assert (ticket.appointment_start, ticket.appointment_end) == (
                visit.window_start,
                visit.window_end,
            )

            # The dispatcher's board: today the repair has left the waiting lists for the
            # crew's open orders; on the day, the visit is on the crew's row. The technician's
            # work orders show it.
            rulebook = await load_rulebook(session, SHANGHAI)
            today = await dispatch.board(session, rulebook, now, SHANGHAI)
            waiting = [v.ticket.number for vs in today.by_area.values() for v in vs]
            assert ticket.number not in waiting
            (south,) = [day for day in today.crews if day.crew.code == "south-1"]
            assert south.open_orders == 1
            board = await dispatch.board(session, rulebook, visit.window_start, SHANGHAI)
            (south,) = [day for day in board.crews if day.crew.code == "south-1"]
            assert [t.number for _, t in south.visits] == [ticket.number]
            assert technician.id is not None
            orders = await dispatch.work_orders(session, rulebook, technician.id)
            assert [(o.ticket.number, [v.id for v in vs]) for o, vs in orders] == [
                (ticket.number, [visit.id])
            ]

            # The callback rules made one task for the fixed repair and one for the resolved
            # complaint, at their past moments, and they are due now.
            tasks = (await session.exec(select(CallbackTask))).all()
            assert sorted(task.kind for task in tasks) == ["complaint", "repair"]
            assert all(task.status == TaskStatus.PENDING.value for task in tasks)
            assert all(task.event_at < now and task.created_at == task.event_at for task in tasks)
            due = await callbacks.list_tasks(session, callbacks.TaskFilter(due=True), now)
            assert len(due.items) == 2
            finished = [view.ticket for view in due.items]
            assert {(t.type, t.status) for t in finished} == {
                ("repair", "resolved"),
                ("complaint", "resolved"),
            }

            # Nothing doubled: tickets, crews' and visits' audit rows.
            assert (await session.exec(select(func.count()).select_from(Ticket))).one() == 7
            audited = (
                await session.exec(
                    select(AuditEntry.entity, func.count())
                    .where(col(AuditEntry.entity).in_(["crew", "visit", "callback"]))
                    .group_by(col(AuditEntry.entity))
                )
            ).all()
            assert dict(audited) == {"crew": 3, "visit": 1, "callback": 2}
    finally:
        await engine.dispose()
