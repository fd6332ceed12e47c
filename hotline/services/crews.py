"""Crews (tickets/crews.py says what a crew's form must hold): listed with their technicians,
added, changed, deleted and restored, each audited. A deleted crew is kept for the record (its
visits name it) but leaves the board and frees its technicians; restored within minutes, it
takes back those not in another crew since."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hotline.db.tables import Crew, CrewMember, User
from hotline.i18n import N_
from hotline.services import audit
from hotline.services.errors import Conflict, Invalid, NotFound
from tickets.crews import CrewForm, crew_errors
from tickets.workflow import Role

NOT_SAVED = N_("the crew was not saved")
CODE_TAKEN = N_("a crew has this code already")
NOT_A_TECHNICIAN = N_("only technicians work in a crew")
IN_ANOTHER_CREW = N_("a technician chosen is in another crew already")


@dataclass(frozen=True)
class ListedCrew:
    crew: Crew
    members: list[User]


@dataclass(frozen=True)
class RemovedCrew:
    """A deleted crew and who was in it: what an undo brings back."""

    crew_id: int
    code: str
    members: list[str]


async def list_crews(session: AsyncSession) -> list[ListedCrew]:
    """The crews at work (deleted ones are kept for the record only), by code."""
    crews = (
        await session.exec(select(Crew).where(col(Crew.active)).order_by(col(Crew.code)))
    ).all()
    rows = await session.exec(
        select(CrewMember, User)
        .join(User, col(User.id) == col(CrewMember.user_id))
        .order_by(col(User.username))
    )
    members: dict[int, list[User]] = {}
    for member, user in rows.all():
        members.setdefault(member.crew_id, []).append(user)
    return [ListedCrew(crew, members.get(crew.id or 0, [])) for crew in crews]


async def technicians(session: AsyncSession) -> list[tuple[User, int | None]]:
    """Every active technician with the crew they are in, if any."""
    crew_of = {m.user_id: m.crew_id for m in (await session.exec(select(CrewMember))).all()}
    users = await session.exec(
        select(User)
        .where(col(User.role) == Role.TECHNICIAN.value, col(User.active))
        .order_by(col(User.username))
    )
    return [(user, crew_of.get(user.id or 0)) for user in users.all()]


def _check(form: CrewForm, code: str | None = None) -> None:
    errors = crew_errors(form, code)
    if errors:
        raise Invalid(NOT_SAVED, errors)


async def _technicians_named(session: AsyncSession, usernames: list[str]) -> list[User]:
    if not usernames:
        return []
    found = {
        user.username: user
        for user in (
            await session.exec(select(User).where(col(User.username).in_(usernames)))
        ).all()
    }
    if any(name not in found or found[name].role != Role.TECHNICIAN.value for name in usernames):
        raise Invalid(NOT_SAVED, {"members": NOT_A_TECHNICIAN})
    return [found[name] for name in dict.fromkeys(usernames)]


async def _set_members(session: AsyncSession, crew: Crew, users: list[User]) -> list[str]:
    """The crew's technicians become `users`; one in another crew is refused."""
    assert crew.id is not None
    wanted = {user.id for user in users}
    taken = await session.exec(
        select(CrewMember).where(col(CrewMember.user_id).in_(wanted), CrewMember.crew_id != crew.id)
    )
    if taken.first() is not None:
        raise Conflict(NOT_SAVED, fields={"members": IN_ANOTHER_CREW})
    current = (await session.exec(select(CrewMember).where(CrewMember.crew_id == crew.id))).all()
    for member in current:
        if member.user_id not in wanted:
            await session.delete(member)
    have = {member.user_id for member in current}
    for user in users:
        if user.id not in have:
            assert user.id is not None
            session.add(CrewMember(crew_id=crew.id, user_id=user.id))
    await session.flush()
    return sorted(user.username for user in users)


def _facts(crew: Crew, members: list[str]) -> dict[str, object]:
    return {
        "name": crew.name,
        "areas": list(crew.areas),
        "shift": [crew.shift_start, crew.shift_end],
        "members": members,
    }


async def _activate(
    session: AsyncSession, crew: Crew, users: list[User], *, now: datetime, by: str, action: str
) -> None:
    """The crew on the board with `users` as its technicians, audited as `action`."""
    crew.active = True
    session.add(crew)
    await session.flush()
    named = await _set_members(session, crew, users)
    await audit.record(
        session,
        at=now,
        actor=by,
        entity="crew",
        key=crew.code,
        action=action,
        after=_facts(crew, named),
    )


async def create_crew(
    session: AsyncSession,
    *,
    code: str,
    form: CrewForm,
    members: list[str],
    now: datetime,
    by: str,
) -> Crew:
    """A new crew; the code of a deleted one brings that one back with what the form says
    (its visits keep naming it)."""
    _check(form, code)
    crew = (await session.exec(select(Crew).where(col(Crew.code) == code))).first()
    if crew is not None and crew.active:
        raise Conflict(NOT_SAVED, fields={"code": CODE_TAKEN})
    users = await _technicians_named(session, members)
    crew = crew or Crew(code=code, name=form.name)
    crew.name, crew.areas = form.name.strip(), list(form.areas)
    crew.shift_start, crew.shift_end = form.shift_start, form.shift_end
    await _activate(session, crew, users, now=now, by=by, action="create")
    return crew


async def _active(session: AsyncSession, crew_id: int) -> Crew:
    crew = await session.get(Crew, crew_id)
    if crew is None or not crew.active:
        raise NotFound(f"no crew {crew_id}")
    return crew


async def _member_names(session: AsyncSession, crew_id: int) -> list[str]:
    rows = await session.exec(
        select(User.username)
        .join(CrewMember, col(CrewMember.user_id) == col(User.id))
        .where(CrewMember.crew_id == crew_id)
    )
    return sorted(rows.all())


async def update_crew(
    session: AsyncSession, crew_id: int, form: CrewForm, members: list[str], now: datetime, by: str
) -> Crew:
    _check(form)
    crew = await _active(session, crew_id)
    users = await _technicians_named(session, members)
    before = _facts(crew, await _member_names(session, crew_id))
    crew.name, crew.areas = form.name.strip(), list(form.areas)
    crew.shift_start, crew.shift_end = form.shift_start, form.shift_end
    session.add(crew)
    named = await _set_members(session, crew, users)
    await audit.record_changes(
        session,
        at=now,
        actor=by,
        entity="crew",
        key=crew.code,
        before=before,
        after=_facts(crew, named),
    )
    return crew


async def delete_crew(session: AsyncSession, crew_id: int, now: datetime, by: str) -> RemovedCrew:
    """Off the board and the lists; its technicians free to join another crew."""
    crew = await _active(session, crew_id)
    members = await _member_names(session, crew_id)
    for member in (
        await session.exec(select(CrewMember).where(CrewMember.crew_id == crew_id))
    ).all():
        await session.delete(member)
    crew.active = False
    session.add(crew)
    await audit.record(
        session,
        at=now,
        actor=by,
        entity="crew",
        key=crew.code,
        action="delete",
        before=_facts(crew, members),
    )
    await session.flush()
    return RemovedCrew(crew_id, crew.code, members)


async def restore_crew(
    session: AsyncSession, removed: RemovedCrew, now: datetime, by: str
) -> list[str]:
    """The deleted crew back as it was, with those of its technicians in no other crew since;
    the names of those who stay where they went."""
    crew = await session.get(Crew, removed.crew_id)
    if crew is None or crew.active:
        raise Conflict(N_("the crew is not deleted: nothing to undo"))
    users = await _technicians_named(session, removed.members)
    elsewhere = {
        member.user_id
        for member in (
            await session.exec(
                select(CrewMember).where(col(CrewMember.user_id).in_([u.id for u in users]))
            )
        ).all()
    }
    back = [user for user in users if user.id not in elsewhere]
    await _activate(session, crew, back, now=now, by=by, action="restore")
    return sorted(user.username for user in users if user.id in elsewhere)
