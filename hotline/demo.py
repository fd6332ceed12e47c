"""`hotline demo`: a small utility to try the product on. Reruns add only what is missing."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hotline.application import customers, rules, staff
from hotline.application import dispatch as dispatch_cases
from hotline.application import tickets as ticket_cases
from hotline.application.unit import Core, CoreServices
from hotline.db.tables import (
    CallbackTask,
    Crew,
    CrewMember,
    Customer,
    Department,
    RoutingRuleRow,
    Ticket,
    User,
    Visit,
)
from hotline.runtime import command_core
from hotline.services.actor import Actor
from hotline.services.customers import NewCustomer
from hotline.services.departments import DepartmentForm
from hotline.services.routing_rules import RuleForm
from hotline.services.tickets import ActionRequest, NewTicket
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

# (type, subtype, area, department), in order: the first match wins.
ROUTING = [
    (TicketType.REPAIR, GAS_SMELL, None, "dispatch"),
    (TicketType.REPAIR, None, "北区", "repair_north"),
    (TicketType.REPAIR, None, "南区", "repair_south"),
    (TicketType.REPAIR, None, None, "dispatch"),
    (TicketType.OUTAGE, None, None, "dispatch"),
    (TicketType.COMPLAINT, None, None, "quality"),
    (TicketType.CONSULTATION, None, None, "customer_service"),
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


async def _actor(core: Core, username: str) -> Actor:
    async with core.sessions() as session:
        user = (await session.exec(select(User).where(col(User.username) == username))).one()
    assert user.id is not None
    return Actor(user.id, user.username, Role(user.role), user.interface, user.department_id)


async def _seed_users(core: Core) -> list[tuple[str, str, str]]:
    """Made from the command line, as the first admin is: by the operator."""
    async with core.sessions() as session:
        existing = set((await session.exec(select(User.username))).all())
    created = []
    for username, role, display_name, interface in USERS:
        if username in existing:
            continue
        password = secrets.token_urlsafe(12)
        await staff.add_user(
            core,
            username=username,
            role=role.value,
            password=password,
            display_name=display_name,
            interface=interface,
            by="demo",
        )
        created.append((username, role.value, password))
    return created


async def _seed_departments(core: Core, admin: Actor) -> None:
    """As the admin makes them at the console; the routing rules only into a hotline that
    has none yet (an admin's own rules are left alone)."""
    async with core.sessions() as session:
        existing = set((await session.exec(select(Department.code))).all())
        has_rules = (await session.exec(select(func.count()).select_from(RoutingRuleRow))).one()
    for code, name, lead in DEPARTMENTS:
        if code not in existing:
            await rules.create_department(core, admin, DepartmentForm(code, name, lead))
    if has_rules:
        return
    for ticket_type, subtype, area, department in ROUTING:
        await rules.add_routing_rule(
            core, admin, RuleForm(department, ticket_type.value, subtype, area)
        )


async def _seed_customers(core: Core, agent: Actor) -> None:
    """As an agent opens a file for a caller not on file."""
    async with core.sessions() as session:
        existing = set((await session.exec(select(Customer.account_number))).all())
    for account, name, phone, address, area, care in CUSTOMERS:
        if account not in existing:
            await customers.open_file(
                core,
                agent,
                NewCustomer(
                    name=name,
                    phone=phone,
                    account_number=account,
                    address=address,
                    area=area,
                    special_care=care,
                ),
            )


async def _customer(session: AsyncSession, account: str) -> Customer:
    return (
        await session.exec(select(Customer).where(col(Customer.account_number) == account))
    ).one()


async def _caller(core: Core, account: str) -> dict[str, object]:
    """The ticket fields of a demo customer calling in."""
    async with core.sessions() as session:
        customer = await _customer(session, account)
    [(phone, address, area)] = [(c[2], c[3], c[4]) for c in CUSTOMERS if c[0] == account]
    return {
        "customer_id": customer.id,
        "caller_phone": phone,
        "caller_name": customer.name,
        "address": address,
        "area": area,
    }


async def _seed_tickets(core: Core, agent: Actor) -> int:
    async with core.sessions() as session:
        if (await session.exec(select(func.count()).select_from(Ticket))).one() > 0:
            return 0
    now = core.clock()
    samples = [
        NewTicket(
            type=TicketType.REPAIR,
            subtype="gas_smell",
            description="厨房有明显燃气味，已开窗通风，未开关电器",
            received_at=now - timedelta(minutes=12),
            **await _caller(core, "GS10000001"),  # type: ignore[arg-type]
        ),
        NewTicket(
            type=TicketType.REPAIR,
            subtype="indoor_equipment",
            description="燃气表不走字，灶具无法点火",
            received_at=now - timedelta(hours=5),
            **await _caller(core, "GS10000002"),  # type: ignore[arg-type]
        ),
        NewTicket(
            type=TicketType.CONSULTATION,
            subtype="billing",
            description="询问阶梯气价及本月账单金额",
            received_at=now - timedelta(hours=1),
            **await _caller(core, "GS10000003"),  # type: ignore[arg-type]
        ),
        NewTicket(
            type=TicketType.COMPLAINT,
            subtype="timeliness",
            description="上周报修后维修人员迟到两小时且未提前告知",
            named_staff=("liu.tech",),
            received_at=now - timedelta(days=2),
            **await _caller(core, "GS10000004"),  # type: ignore[arg-type]
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
        await ticket_cases.open_ticket(core, agent, sample)
    return len(samples)


async def _seed_crews(core: Core, dispatcher: Actor) -> int:
    added = 0
    for code, name, areas, members, shift in CREWS:
        async with core.sessions() as session:
            if (await session.exec(select(Crew.id).where(col(Crew.code) == code))).first():
                continue
            # A technician works in one crew: one already put in another stays there.
            placed = set(
                (
                    await session.exec(
                        select(User.username).join(
                            CrewMember, col(CrewMember.user_id) == col(User.id)
                        )
                    )
                ).all()
            )
        await dispatch_cases.create_crew(
            core,
            dispatcher,
            code=code,
            name=name,
            areas=areas,
            members=[member for member in members if member not in placed],
            shift=shift,
        )
        added += 1
    return added


def _local(today: date, moment: tuple[int, str], tz: ZoneInfo) -> datetime:
    days, clock = moment
    hours, minutes = clock.split(":")
    local = datetime.combine(today - timedelta(days=days), time(int(hours), int(minutes)), tz)
    return local.astimezone(UTC)


def _at(core: CoreServices, moment: datetime) -> CoreServices:
    """The core with its clock stopped at a past moment, to replay work done then."""
    return replace(core, clock=lambda: moment)


async def _seed_past_tickets(core: CoreServices, agent: Actor) -> int:
    """Each past ticket once (found again by its customer and description), created and worked
    at its own past moments, so the callback tasks its fix or resolution makes are due now."""
    tz = core.settings.timezone
    today = core.clock().astimezone(tz).date()
    added = 0
    for past in PAST_TICKETS:
        async with core.sessions() as session:
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
            **await _caller(core, past.account),  # type: ignore[arg-type]
        )
        view = await ticket_cases.open_ticket(_at(core, received), agent, ticket)
        for step in past.steps:
            await ticket_cases.act_on_ticket(
                _at(core, _local(today, step.at, tz)),
                await _actor(core, step.by),
                view.ticket.number,
                step.action,
                ActionRequest(assignee=step.assignee, note=step.note),
            )
        added += 1
    return added


async def _book_visit(core: Core, dispatcher: Actor) -> int:
    """The sample repair's visit tomorrow, unless it has had one (booked, done, missed...) or
    is no longer open."""
    account, subtype = VISIT_FOR
    async with core.sessions() as session:
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
    tz = core.settings.timezone
    tomorrow = core.clock().astimezone(tz).date() + timedelta(days=1)
    start, end = (datetime.combine(tomorrow, moment, tz).astimezone(UTC) for moment in VISIT_WINDOW)
    await dispatch_cases.book_visit(
        core,
        dispatcher,
        ticket.number,
        technician=VISIT_TECHNICIAN,
        start=start,
        end=end,
        consent=True,
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
    """Everything made through the use cases, as people make it in hotline, so the demo's data
    obeys the rules theirs does."""
    moment = now or datetime.now(UTC)
    async with command_core(settings, lambda: moment) as core:
        seeded = Seeded(await _seed_users(core))
        await _seed_departments(core, await _actor(core, "admin"))
        agent = await _actor(core, "li.agent")
        await _seed_customers(core, agent)
        seeded.tickets = await _seed_tickets(core, agent)
        dispatcher = await _actor(core, DISPATCHER)
        # Crews are set up by who may administer them (tickets/workflow.py's CREW_ADMINS).
        seeded.crews = await _seed_crews(core, await _actor(core, "admin"))
        seeded.past_tickets = await _seed_past_tickets(core, agent)
        seeded.visits = await _book_visit(core, dispatcher)
        async with core.sessions() as session:
            summary = await _field_summary(session, moment, settings.timezone)
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
