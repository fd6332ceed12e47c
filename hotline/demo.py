"""`hotline demo`: a small utility to try the product on. Reruns add only what is missing."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hotline.db.engine import create_engine, session_factory
from hotline.db.tables import (
    CallbackTask,
    Crew,
    CrewMember,
    Customer,
    CustomerAddress,
    CustomerPhone,
    Department,
    RoutingRuleRow,
    Ticket,
    User,
    Visit,
)
from hotline.services import dispatch
from hotline.services import users as user_service
from hotline.services.actor import Actor
from hotline.services.rulebook import Rulebook, load_rulebook
from hotline.services.tickets import (
    ActionRequest,
    NewTicket,
    TicketView,
    create_ticket,
    perform_action,
)
from hotline.settings import Settings
from tickets.callbacks import TaskStatus
from tickets.types import GAS_SMELL, TicketType
from tickets.visits import VisitStatus
from tickets.workflow import OPEN_STATUSES, Action, Role, Status

DEPARTMENTS = [
    ("customer_service", "客户服务部", "wang.supervisor"),
    ("dispatch", "调度抢修中心", "zhao.dispatcher"),
    ("repair_north", "北区维修队", "zhao.dispatcher"),
    ("repair_south", "南区维修队", "zhao.dispatcher"),
    ("quality", "质量监督部", "sun.quality"),
]

# (position, type, subtype, area, department): the first match wins.
ROUTING = [
    (10, TicketType.REPAIR, GAS_SMELL, None, "dispatch"),
    (20, TicketType.REPAIR, None, "北区", "repair_north"),
    (30, TicketType.REPAIR, None, "南区", "repair_south"),
    (40, TicketType.REPAIR, None, None, "dispatch"),
    (50, TicketType.OUTAGE, None, None, "dispatch"),
    (60, TicketType.COMPLAINT, None, None, "quality"),
    (70, TicketType.CONSULTATION, None, None, "customer_service"),
]

USERS = [
    ("admin", Role.ADMIN, "系统管理员", None),
    ("wang.supervisor", Role.SUPERVISOR, "王主管", None),
    ("li.agent", Role.AGENT, "李娜", "PJSIP/8001"),
    ("chen.agent", Role.AGENT, "陈明", "PJSIP/8002"),
    ("zhao.dispatcher", Role.DISPATCHER, "赵强", None),
    ("liu.tech", Role.TECHNICIAN, "刘师傅", None),
    ("zhou.tech", Role.TECHNICIAN, "周师傅", None),
    ("wu.tech", Role.TECHNICIAN, "吴师傅", None),
    ("sun.quality", Role.QUALITY, "孙丽", None),
]

CUSTOMERS = [
    ("GS10000001", "张伟", "+8613812345678", "北区 光明路 12号 3单元 501", "北区", None),
    ("GS10000002", "王秀英", "+8613987654321", "南区 湖滨街 8号 1201", "南区", "elderly"),
    ("GS10000003", "李强", "+8657188886666", "北区 建设路 66号", "北区", None),
    ("GS10000004", "刘芳", "+8615900001111", "南区 滨江花园 2幢 702", "南区", "disabled"),
    ("GS10000005", "陈静", "+8618611112222", "北区 东风小区 5幢 101", "北区", None),
    # The callers of the recorded Asterisk calls, so that replaying them pops real files.
    ("GS10000011", "赵磊", "+8613800138001", "北区 光明路 20号 1单元 302", "北区", None),
    ("GS10000012", "孙丽", "+8613800138002", "南区 湖滨街 16号 801", "南区", "elderly"),
    ("GS10000013", "周杰", "+8613800138003", "北区 建设路 88号 2幢 402", "北区", None),
    ("GS10000014", "吴敏", "+8613800138004", "南区 滨江花园 5幢 1101", "南区", None),
    ("GS10000020", "郑华", "+8613800138010", "北区 东风小区 9幢 201", "北区", None),
]


# (code, name, areas, members, shift in local time): made as a dispatcher makes them.
CREWS = [
    ("north-1", "北区抢修一队", ["北区"], ["liu.tech"], ("08:00", "20:00")),
    ("south-1", "南区抢修一队", ["南区"], ["zhou.tech"], ("08:00", "20:00")),
    ("standby-night", "夜间应急班", ["北区", "南区"], ["wu.tech"], ("20:00", "08:00")),
]

# The sample repair (indoor equipment, 南区) gets a visit tomorrow in this local window, inside
# the day crews' shift, booked by the dispatcher with the customer's consent.
VISIT_FOR = ("GS10000002", "indoor_equipment")
VISIT_WINDOW = (time(9, 0), time(11, 0))
VISIT_TECHNICIAN = "zhou.tech"
DISPATCHER = "zhao.dispatcher"


@dataclass(frozen=True)
class Step:
    at: tuple[int, str]  # (days before today, local HH:MM)
    by: str
    action: Action
    assignee: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class PastTicket:
    """Work finished in the days before, taken through the real workflow: the callback rules
    make its follow-up call, already due, and every clock and audit row carries its time."""

    account: str
    type: TicketType
    subtype: str
    description: str
    received: tuple[int, str]
    steps: tuple[Step, ...]


PAST_TICKETS = (
    PastTicket(
        "GS10000005",
        TicketType.REPAIR,
        "indoor_equipment",
        "灶具点火后几秒即熄火，熄火保护反复动作",
        (1, "14:20"),
        (
            Step((1, "14:30"), DISPATCHER, Action.ASSIGN, assignee="liu.tech"),
            Step((1, "15:10"), "liu.tech", Action.ARRIVE),
            Step((1, "16:05"), "liu.tech", Action.FIX, note="更换灶具热电偶，试火正常"),
            Step((1, "16:10"), "liu.tech", Action.RESOLVE),
            Step((1, "16:30"), "li.agent", Action.FEEDBACK, note="已电话告知客户维修完成"),
        ),
    ),
    PastTicket(
        "GS10000014",
        TicketType.COMPLAINT,
        "construction",
        "小区门口燃气管道施工结束一周，路面仍未恢复，围挡占道",
        (3, "10:15"),
        (
            Step((3, "10:40"), "wang.supervisor", Action.ASSIGN, assignee="sun.quality"),
            Step((3, "11:30"), "sun.quality", Action.START),
            Step(
                (1, "10:30"),
                "sun.quality",
                Action.REPLY,
                note="已协调施工单位恢复路面、拆除围挡，并向客户致歉",
            ),
            Step((1, "10:45"), "sun.quality", Action.RESOLVE),
            Step((1, "11:00"), "sun.quality", Action.FEEDBACK, note="已电话告知客户处理结果"),
        ),
    ),
)


@dataclass
class Seeded:
    """What one run added."""

    users: list[tuple[str, str, str]]
    tickets: int = 0
    past_tickets: int = 0
    crews: int = 0
    visits: int = 0


async def _seed_departments(session: AsyncSession) -> None:
    for code, name, lead in DEPARTMENTS:
        if (await session.exec(select(Department).where(Department.code == code))).first() is None:
            session.add(Department(code=code, name=name, lead_username=lead))
    await session.flush()
    if (await session.exec(select(func.count()).select_from(RoutingRuleRow))).one() == 0:
        codes = {d.code: d.id or 0 for d in (await session.exec(select(Department))).all()}
        for position, ticket_type, subtype, area, department in ROUTING:
            session.add(
                RoutingRuleRow(
                    position=position,
                    ticket_type=ticket_type.value,
                    subtype=subtype,
                    area=area,
                    department_id=codes[department],
                )
            )


async def _seed_users(session: AsyncSession, now: datetime) -> list[tuple[str, str, str]]:
    created = []
    for username, role, display_name, interface in USERS:
        if (await session.exec(select(User).where(User.username == username))).first():
            continue
        password = secrets.token_urlsafe(12)
        await user_service.add_user(
            session,
            username=username,
            role=role.value,
            password=password,
            now=now,
            display_name=display_name,
            interface=interface,
            by="demo",
        )
        created.append((username, role.value, password))
    return created


async def _seed_customers(session: AsyncSession, now: datetime) -> None:
    for account, name, phone, address, area, care in CUSTOMERS:
        exists = (
            await session.exec(select(Customer).where(Customer.account_number == account))
        ).first()
        if exists is not None:
            continue
        customer = Customer(account_number=account, name=name, special_care=care, created_at=now)
        session.add(customer)
        await session.flush()
        assert customer.id is not None
        session.add(CustomerPhone(customer_id=customer.id, number=phone, label="mobile"))
        session.add(
            CustomerAddress(customer_id=customer.id, address=address, area=area, is_primary=True)
        )
    await session.flush()


async def _actor(session: AsyncSession, username: str) -> Actor:
    user = (await session.exec(select(User).where(col(User.username) == username))).one()
    assert user.id is not None
    return Actor(user.id, user.username, Role(user.role), user.interface)


async def _customer(session: AsyncSession, account: str) -> Customer:
    return (
        await session.exec(select(Customer).where(col(Customer.account_number) == account))
    ).one()


async def _caller(session: AsyncSession, account: str) -> dict[str, object]:
    """The ticket fields of a demo customer calling in."""
    customer = await _customer(session, account)
    [(phone, address, area)] = [(c[2], c[3], c[4]) for c in CUSTOMERS if c[0] == account]
    return {
        "customer_id": customer.id,
        "caller_phone": phone,
        "caller_name": customer.name,
        "address": address,
        "area": area,
    }


async def _seed_tickets(
    session: AsyncSession, rulebook: Rulebook, agent: Actor, now: datetime
) -> int:
    if (await session.exec(select(func.count()).select_from(Ticket))).one() > 0:
        return 0
    samples = [
        NewTicket(
            type=TicketType.REPAIR,
            subtype="gas_smell",
            description="厨房有明显燃气味，已开窗通风，未开关电器",
            received_at=now - timedelta(minutes=12),
            **await _caller(session, "GS10000001"),  # type: ignore[arg-type]
        ),
        NewTicket(
            type=TicketType.REPAIR,
            subtype="indoor_equipment",
            description="燃气表不走字，灶具无法点火",
            received_at=now - timedelta(hours=5),
            **await _caller(session, "GS10000002"),  # type: ignore[arg-type]
        ),
        NewTicket(
            type=TicketType.CONSULTATION,
            subtype="billing",
            description="询问阶梯气价及本月账单金额",
            received_at=now - timedelta(hours=1),
            **await _caller(session, "GS10000003"),  # type: ignore[arg-type]
        ),
        NewTicket(
            type=TicketType.COMPLAINT,
            subtype="timeliness",
            description="上周报修后维修人员迟到两小时且未提前告知",
            named_staff=("liu.tech",),
            received_at=now - timedelta(days=2),
            **await _caller(session, "GS10000004"),  # type: ignore[arg-type]
        ),
        NewTicket(
            type=TicketType.OUTAGE,
            subtype="unplanned",
            description="南区滨江花园整片停气，疑似中压管线受损",
            area="南区",
            received_at=now - timedelta(minutes=40),
        ),
    ]
    for sample in samples:
        await create_ticket(session, rulebook, agent, sample, now)
    return len(samples)


async def _seed_crews(session: AsyncSession, now: datetime) -> int:
    added = 0
    for code, name, areas, members, shift in CREWS:
        if (await session.exec(select(Crew.id).where(col(Crew.code) == code))).first() is not None:
            continue
        # A technician works in one crew: one already put in another stays there.
        placed = set(
            (
                await session.exec(
                    select(User.username).join(CrewMember, col(CrewMember.user_id) == col(User.id))
                )
            ).all()
        )
        await dispatch.create_crew(
            session,
            code=code,
            name=name,
            areas=areas,
            members=[member for member in members if member not in placed],
            shift=shift,
            now=now,
            by="demo",
        )
        added += 1
    return added


def _local(today: date, moment: tuple[int, str], tz: ZoneInfo) -> datetime:
    days, clock = moment
    hours, minutes = clock.split(":")
    local = datetime.combine(today - timedelta(days=days), time(int(hours), int(minutes)), tz)
    return local.astimezone(UTC)


async def _seed_past_tickets(
    session: AsyncSession, rulebook: Rulebook, agent: Actor, now: datetime
) -> int:
    """Each past ticket once (found again by its customer and description), created and worked
    at its own past moments, so the callback tasks its fix or resolution makes are due now."""
    tz = rulebook.timezone
    today = now.astimezone(tz).date()
    added = 0
    for past in PAST_TICKETS:
        customer = await _customer(session, past.account)
        found = await session.exec(
            select(Ticket.id).where(
                col(Ticket.customer_id) == customer.id,
                col(Ticket.type) == past.type.value,
                col(Ticket.description) == past.description,
            )
        )
        if found.first() is not None:
            continue
        received = _local(today, past.received, tz)
        ticket = NewTicket(
            type=past.type,
            subtype=past.subtype,
            description=past.description,
            received_at=received,
            **await _caller(session, past.account),  # type: ignore[arg-type]
        )
        view: TicketView = await create_ticket(session, rulebook, agent, ticket, received)
        for step in past.steps:
            await perform_action(
                session,
                rulebook,
                await _actor(session, step.by),
                view.ticket.number,
                step.action,
                ActionRequest(assignee=step.assignee, note=step.note),
                _local(today, step.at, tz),
            )
        added += 1
    return added


async def _book_visit(session: AsyncSession, rulebook: Rulebook, now: datetime) -> int:
    """The sample repair's visit tomorrow, unless it has had one (booked, done, missed...) or
    is no longer open."""
    account, subtype = VISIT_FOR
    customer = await _customer(session, account)
    ticket = (
        await session.exec(
            select(Ticket)
            .where(
                col(Ticket.customer_id) == customer.id,
                col(Ticket.type) == TicketType.REPAIR.value,
                col(Ticket.subtype) == subtype,
            )
            .order_by(col(Ticket.id))
        )
    ).first()
    if ticket is None or Status(ticket.status) not in OPEN_STATUSES:
        return 0
    if (
        await session.exec(select(Visit.id).where(col(Visit.ticket_id) == ticket.id))
    ).first() is not None:
        return 0
    tz = rulebook.timezone
    tomorrow = now.astimezone(tz).date() + timedelta(days=1)
    start, end = (datetime.combine(tomorrow, moment, tz).astimezone(UTC) for moment in VISIT_WINDOW)
    await dispatch.book_visit(
        session,
        rulebook,
        await _actor(session, DISPATCHER),
        ticket.number,
        technician=VISIT_TECHNICIAN,
        start=start,
        end=end,
        consent=True,
        now=now,
    )
    return 1


async def _field_summary(session: AsyncSession, now: datetime, tz: ZoneInfo) -> list[str]:
    """Where a newcomer sees the field side: crews, booked visits, callbacks due."""
    lines = []
    members: dict[int, list[str]] = {}
    for crew_id, username in (
        await session.exec(
            select(CrewMember.crew_id, User.username)
            .join(User, col(User.id) == col(CrewMember.user_id))
            .order_by(col(User.username))
        )
    ).all():
        members.setdefault(crew_id, []).append(username)
    crews = (
        await session.exec(select(Crew).where(col(Crew.active)).order_by(col(Crew.code)))
    ).all()
    for index, crew in enumerate(crews):
        page = "/dispatch" if index == 0 else ""
        lines.append(
            f"  {page:<11} {crew.name} ({crew.code}): {' '.join(crew.areas)}, "
            f"{crew.shift_start}–{crew.shift_end}, {', '.join(members.get(crew.id or 0, []))}"
        )
    visits = (
        await session.exec(
            select(Visit, Ticket, User)
            .join(Ticket, col(Ticket.id) == col(Visit.ticket_id))
            .join(User, col(User.id) == col(Visit.technician_id))
            .where(col(Visit.status) == VisitStatus.BOOKED.value)
            .order_by(col(Visit.window_start))
            .limit(5)
        )
    ).all()
    for index, (visit, ticket, technician) in enumerate(visits):
        page = "/my-work" if index == 0 else ""
        start, end = visit.window_start.astimezone(tz), visit.window_end.astimezone(tz)
        lines.append(
            f"  {page:<11} {technician.username}: {ticket.number} {ticket.address or ''}, "
            f"visit {start:%Y-%m-%d %H:%M}–{end:%H:%M}"
        )
    pending = col(CallbackTask.status) == TaskStatus.PENDING.value
    due = (
        await session.exec(
            select(func.count())
            .select_from(CallbackTask)
            .where(pending, col(CallbackTask.not_before) <= now)
        )
    ).one()
    later = (
        await session.exec(
            select(func.count())
            .select_from(CallbackTask)
            .where(pending, col(CallbackTask.not_before) > now)
        )
    ).one()
    lines.append(f"  {'/callbacks':<11} {due} callback tasks due now, {later} coming up")
    return lines


async def seed_demo(settings: Settings, now: datetime | None = None) -> Seeded:
    now = now or datetime.now(UTC)
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session, session.begin():
            await _seed_departments(session)
            seeded = Seeded(await _seed_users(session, now))
            await _seed_customers(session, now)
            rulebook = await load_rulebook(session, settings.timezone)
            agent = await _actor(session, "li.agent")
            seeded.tickets = await _seed_tickets(session, rulebook, agent, now)
            seeded.crews = await _seed_crews(session, now)
            seeded.past_tickets = await _seed_past_tickets(session, rulebook, agent, now)
            seeded.visits = await _book_visit(session, rulebook, now)
            summary = await _field_summary(session, now, settings.timezone)
    finally:
        await engine.dispose()
    console = Console()
    if seeded.users:
        table = Table(title="Demo users — one-time passwords, shown only now")
        for column in ("user", "role", "password"):
            table.add_column(column)
        for row in seeded.users:
            table.add_row(*row)
        console.print(table)
    added = ", ".join(
        f"{count} {noun if count == 1 else noun + 's'}"
        for count, noun in (
            (seeded.tickets, "sample ticket"),
            (seeded.past_tickets, "finished ticket"),
            (seeded.crews, "crew"),
            (seeded.visits, "booked visit"),
        )
    )
    console.print(f"demo data ready (added {added})", highlight=False, soft_wrap=True)
    for line in summary:
        console.print(line, highlight=False, soft_wrap=True, markup=False)
    return seeded
