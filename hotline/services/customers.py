"""The customer file (一户一档): finding a customer by phone however it is written, reading the
whole file — phones, addresses, meters, open and recent tickets, recent calls, visits."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hotline.db.search import contains
from hotline.db.tables import (
    CallRow,
    Customer,
    CustomerAddress,
    CustomerMeter,
    CustomerPhone,
    Ticket,
    Visit,
)
from hotline.services import audit
from hotline.services.errors import Conflict, Invalid
from tickets.phones import PhoneError, normalise_phone
from tickets.workflow import Status

RECENT_CALLS = 10
OPEN_TICKETS = 20
RECENT_TICKETS = 10
RECENT_VISITS = 10
# A repeat repair for the same fault within 30 days counts against first-time fix, so the
# agent sees what was closed for this customer in that window.
RECENT_TICKET_WINDOW = timedelta(days=30)


@dataclass
class CustomerFile:
    customer: Customer
    phones: list[CustomerPhone] = field(default_factory=list)
    addresses: list[CustomerAddress] = field(default_factory=list)
    meters: list[CustomerMeter] = field(default_factory=list)
    open_tickets: list[Ticket] = field(default_factory=list)
    recent_tickets: list[Ticket] = field(default_factory=list)
    recent_calls: list[CallRow] = field(default_factory=list)
    # Door-to-door visits for their repairs, latest window first: "when is the technician
    # coming?" is asked on the phone.
    visits: list[tuple[Visit, Ticket]] = field(default_factory=list)
    # Other customers on file with the same phone number (a shared landline, a relative).
    also_on_this_number: list[int] = field(default_factory=list)

    @property
    def ambiguous(self) -> bool:
        return bool(self.also_on_this_number)


@dataclass
class CustomerPage:
    items: list[CustomerFile]
    page: int
    per_page: int
    has_more: bool


def lookup_phone(raw_phone: str, local_area_code: str) -> str:
    """The stored (E.164) form of a phone as someone typed it; `Invalid` naming `phone`."""
    try:
        return normalise_phone(raw_phone, local_area_code)
    except PhoneError as error:
        raise Invalid("not a phone number", {"phone": str(error)}) from error


def most_recent_first() -> tuple[ColumnElement[Any], ...]:
    # Equal times (a bulk import) fall back to the newest file.
    touched = func.coalesce(col(Customer.updated_at), col(Customer.created_at))
    return touched.desc(), col(Customer.id).desc()


def on_number(number: str) -> ColumnElement[bool]:
    """Customers with this phone number (as stored, E.164), over the phone number index."""
    sharing = select(CustomerPhone.customer_id).where(col(CustomerPhone.number) == number)
    return col(Customer.id).in_(sharing)


async def _files_on_number(session: AsyncSession, number: str) -> list[CustomerFile]:
    """Every customer with this number, each with all their phones, most recent first: one
    query over the phone number index and the customers' primary keys."""
    rows = await session.exec(
        select(Customer, CustomerPhone)
        .join(CustomerPhone, col(CustomerPhone.customer_id) == col(Customer.id))
        .where(on_number(number))
        .order_by(*most_recent_first(), col(CustomerPhone.id))
    )
    files: dict[int | None, CustomerFile] = {}
    for customer, phone in rows.all():
        files.setdefault(customer.id, CustomerFile(customer)).phones.append(phone)
    return list(files.values())


async def _attach_addresses(session: AsyncSession, files: Sequence[CustomerFile]) -> None:
    by_id = {file.customer.id: file for file in files}
    if not by_id:
        return
    rows = await session.exec(
        select(CustomerAddress)
        .where(col(CustomerAddress.customer_id).in_(by_id))
        .order_by(col(CustomerAddress.is_primary).desc(), col(CustomerAddress.id))
    )
    for address in rows.all():
        by_id[address.customer_id].addresses.append(address)


async def _attach_phones(session: AsyncSession, files: Sequence[CustomerFile]) -> None:
    by_id = {file.customer.id: file for file in files}
    if not by_id:
        return
    rows = await session.exec(
        select(CustomerPhone)
        .where(col(CustomerPhone.customer_id).in_(by_id))
        .order_by(col(CustomerPhone.id))
    )
    for phone in rows.all():
        by_id[phone.customer_id].phones.append(phone)


async def find_by_phone(
    session: AsyncSession, raw_phone: str, local_area_code: str
) -> list[CustomerFile]:
    """Everyone on file with this phone, written any way (+86, 0086, 86, a leading 0, spaces,
    dashes), the most recently updated or filed first."""
    files = await _files_on_number(session, lookup_phone(raw_phone, local_area_code))
    await _attach_addresses(session, files)
    return files


async def lookup_for_screen_pop(
    session: AsyncSession, caller_number: str | None
) -> CustomerFile | None:
    """The caller's file for the screen pop: who they are, where they live. Runs on every
    answered call: two indexed queries. `caller_number` is normalised as the call log stores
    it. When several customers share the number the most recently updated or filed one leads
    and the file is `ambiguous`, naming the others."""
    if not caller_number:
        return None
    files = await _files_on_number(session, caller_number)
    if not files:
        return None
    lead = files[0]
    lead.also_on_this_number = [other.customer.id for other in files[1:] if other.customer.id]
    await _attach_addresses(session, [lead])
    return lead


async def search_customers(
    session: AsyncSession, text: str, page: int, per_page: int
) -> CustomerPage:
    """By name, account number or address text, ordered by account number."""
    addressed = select(CustomerAddress.customer_id).where(contains(CustomerAddress.address, text))
    statement = (
        select(Customer)
        .where(
            or_(
                contains(Customer.name, text),
                contains(Customer.account_number, text),
                col(Customer.id).in_(addressed),
            )
        )
        .order_by(col(Customer.account_number))
        .offset((page - 1) * per_page)
        .limit(per_page + 1)
    )
    found = list((await session.exec(statement)).all())
    files = [CustomerFile(customer) for customer in found[:per_page]]
    await _attach_phones(session, files)
    await _attach_addresses(session, files)
    return CustomerPage(files, page, per_page, has_more=len(found) > per_page)


def _theirs(
    customer_column: Any, phone_column: Any, customer_id: int, numbers: Sequence[str]
) -> ColumnElement[bool]:
    """Rows filed under the customer, or made from one of their numbers and filed under no
    one: a shared number's calls filed under someone else are that person's."""
    owned: ColumnElement[bool] = col(customer_column) == customer_id
    if not numbers:
        return owned
    return or_(owned, and_(col(customer_column).is_(None), col(phone_column).in_(numbers)))


async def customer_file(
    session: AsyncSession, customer_id: int, now: datetime
) -> CustomerFile | None:
    customer = await session.get(Customer, customer_id)
    if customer is None:
        return None
    file = CustomerFile(customer)
    await _attach_phones(session, [file])
    await _attach_addresses(session, [file])
    file.meters = list(
        (
            await session.exec(
                select(CustomerMeter)
                .where(col(CustomerMeter.customer_id) == customer_id)
                .order_by(col(CustomerMeter.id))
            )
        ).all()
    )
    numbers = [phone.number for phone in file.phones]
    tickets = _theirs(Ticket.customer_id, Ticket.caller_phone, customer_id, numbers)
    file.open_tickets = list(
        (
            await session.exec(
                select(Ticket)
                .where(tickets, col(Ticket.status) != Status.CLOSED.value)
                .order_by(col(Ticket.received_at).desc(), col(Ticket.id).desc())
                .limit(OPEN_TICKETS)
            )
        ).all()
    )
    file.recent_tickets = list(
        (
            await session.exec(
                select(Ticket)
                .where(
                    tickets,
                    col(Ticket.status) == Status.CLOSED.value,
                    col(Ticket.received_at) >= now - RECENT_TICKET_WINDOW,
                )
                .order_by(col(Ticket.received_at).desc(), col(Ticket.id).desc())
                .limit(RECENT_TICKETS)
            )
        ).all()
    )
    file.recent_calls = list(
        (
            await session.exec(
                select(CallRow)
                .where(_theirs(CallRow.customer_id, CallRow.caller, customer_id, numbers))
                .order_by(col(CallRow.started_at).desc(), col(CallRow.id).desc())
                .limit(RECENT_CALLS)
            )
        ).all()
    )
    file.visits = list(
        (
            await session.exec(
                select(Visit, Ticket)
                .join(Ticket, col(Ticket.id) == col(Visit.ticket_id))
                .where(tickets, col(Visit.window_end) >= now - RECENT_TICKET_WINDOW)
                .order_by(col(Visit.window_start).desc(), col(Visit.id).desc())
                .limit(RECENT_VISITS)
            )
        ).all()
    )
    return file


def customer_summary_json(file: CustomerFile) -> dict[str, Any]:
    """Who the customer is, for lists and the screen pop. Phones in full: staff call back."""
    customer = file.customer
    primary = file.addresses[0] if file.addresses else None
    return {
        "id": customer.id,
        "account_number": customer.account_number,
        "name": customer.name,
        "special_care": customer.special_care,
        "phones": [{"number": phone.number, "label": phone.label} for phone in file.phones],
        "addresses": [
            {"address": a.address, "area": a.area, "primary": a.is_primary} for a in file.addresses
        ],
        "area": primary.area if primary else None,
        "ambiguous": file.ambiguous,
        "also_on_this_number": file.also_on_this_number,
    }


@dataclass(frozen=True)
class NewCustomer:
    name: str
    phone: str
    account_number: str | None = None
    address: str | None = None
    area: str | None = None
    special_care: str | None = None
    note: str | None = None


def provisional_account(local_day: date) -> str:
    """A file opened at the desk before billing has given the customer an account number:
    marked HL-, readable, and replaced when the register import brings the real one."""
    return f"HL-{local_day:%Y%m%d}-{secrets.token_hex(3).upper()}"


async def open_customer_file(
    session: AsyncSession,
    new: NewCustomer,
    local_area_code: str,
    now: datetime,
    local_day: date,
    by: str,
) -> CustomerFile:
    """A file for a caller not on file yet, with the phone they called from. Refused when
    the account number is on file already. The phone may be on another file too (a shared
    landline): the screen pop then names both."""
    phone = lookup_phone(new.phone, local_area_code)
    account = new.account_number or provisional_account(local_day)
    taken = await session.exec(select(Customer.id).where(col(Customer.account_number) == account))
    if taken.first() is not None:
        raise Conflict(f"account {account} is on file already")
    customer = Customer(
        account_number=account,
        name=new.name,
        special_care=new.special_care,
        note=new.note,
        created_at=now,
    )
    session.add(customer)
    await session.flush()
    assert customer.id is not None
    file = CustomerFile(customer)
    file.phones.append(CustomerPhone(customer_id=customer.id, number=phone))
    if new.address:
        file.addresses.append(
            CustomerAddress(
                customer_id=customer.id, address=new.address, area=new.area, is_primary=True
            )
        )
    session.add_all([*file.phones, *file.addresses])
    await audit.record(
        session,
        at=now,
        actor=by,
        entity="customer",
        key=account,
        action="create",
        after={"name": new.name, "address": new.address, "area": new.area},
    )
    await session.flush()
    return file
