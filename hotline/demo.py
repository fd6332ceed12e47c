"""`hotline demo`: a small utility to try the product on. Reruns add only what is missing."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from rich.console import Console
from rich.table import Table
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hotline.db.engine import create_engine, session_factory
from hotline.db.tables import (
    Customer,
    CustomerAddress,
    CustomerPhone,
    Department,
    RoutingRuleRow,
    Ticket,
    User,
)
from hotline.services import users as user_service
from hotline.services.actor import Actor
from hotline.services.rulebook import load_rulebook
from hotline.services.tickets import NewTicket, create_ticket
from hotline.settings import Settings
from tickets.types import TicketType
from tickets.workflow import Role

DEPARTMENTS = [
    ("customer_service", "客户服务部", "wang.supervisor"),
    ("dispatch", "调度抢修中心", "zhao.dispatcher"),
    ("repair_north", "北区维修队", "zhao.dispatcher"),
    ("repair_south", "南区维修队", "zhao.dispatcher"),
    ("quality", "质量监督部", "sun.quality"),
]

# (position, type, subtype, area, department): the first match wins.
ROUTING = [
    (10, "repair", "gas_smell", None, "dispatch"),
    (20, "repair", None, "北区", "repair_north"),
    (30, "repair", None, "南区", "repair_south"),
    (40, "repair", None, None, "dispatch"),
    (50, "outage", None, None, "dispatch"),
    (60, "complaint", None, None, "quality"),
    (70, "consultation", None, None, "customer_service"),
]

USERS = [
    ("admin", Role.ADMIN, "系统管理员", None),
    ("wang.supervisor", Role.SUPERVISOR, "王主管", None),
    ("li.agent", Role.AGENT, "李娜", "PJSIP/8001"),
    ("chen.agent", Role.AGENT, "陈明", "PJSIP/8002"),
    ("zhao.dispatcher", Role.DISPATCHER, "赵强", None),
    ("liu.tech", Role.TECHNICIAN, "刘师傅", None),
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
                    ticket_type=ticket_type,
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


async def _seed_tickets(session: AsyncSession, settings: Settings, now: datetime) -> int:
    if (await session.exec(select(func.count()).select_from(Ticket))).one() > 0:
        return 0
    agent = (await session.exec(select(User).where(User.username == "li.agent"))).one()
    assert agent.id is not None
    actor = Actor(agent.id, agent.username, Role.AGENT, agent.interface)
    rulebook = await load_rulebook(session, settings.timezone)
    customers = {c.account_number: c for c in (await session.exec(select(Customer))).all()}
    seeded = {account: (phone, address, area) for account, _, phone, address, area, _ in CUSTOMERS}

    def customer_fields(account: str) -> dict[str, object]:
        customer = customers[account]
        phone, address, area = seeded[account]
        return {
            "customer_id": customer.id,
            "caller_phone": phone,
            "caller_name": customer.name,
            "address": address,
            "area": area,
        }

    samples = [
        NewTicket(
            type=TicketType.REPAIR,
            subtype="gas_smell",
            description="厨房有明显燃气味，已开窗通风，未开关电器",
            received_at=now - timedelta(minutes=12),
            **customer_fields("GS10000001"),  # type: ignore[arg-type]
        ),
        NewTicket(
            type=TicketType.REPAIR,
            subtype="indoor_equipment",
            description="燃气表不走字，灶具无法点火",
            received_at=now - timedelta(hours=5),
            **customer_fields("GS10000002"),  # type: ignore[arg-type]
        ),
        NewTicket(
            type=TicketType.CONSULTATION,
            subtype="billing",
            description="询问阶梯气价及本月账单金额",
            received_at=now - timedelta(hours=1),
            **customer_fields("GS10000003"),  # type: ignore[arg-type]
        ),
        NewTicket(
            type=TicketType.COMPLAINT,
            subtype="timeliness",
            description="上周报修后维修人员迟到两小时且未提前告知",
            named_staff=("liu.tech",),
            received_at=now - timedelta(days=2),
            **customer_fields("GS10000004"),  # type: ignore[arg-type]
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
        await create_ticket(session, rulebook, actor, sample, now)
    return len(samples)


async def seed_demo(settings: Settings) -> None:
    now = datetime.now(UTC)
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session, session.begin():
            await _seed_departments(session)
            created = await _seed_users(session, now)
            await _seed_customers(session, now)
            tickets = await _seed_tickets(session, settings, now)
    finally:
        await engine.dispose()
    console = Console()
    if created:
        table = Table(title="Demo users — one-time passwords, shown only now")
        for column in ("user", "role", "password"):
            table.add_column(column)
        for row in created:
            table.add_row(*row)
        console.print(table)
    console.print(f"demo data ready ({tickets} sample tickets added)")
