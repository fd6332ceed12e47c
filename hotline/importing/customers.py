"""`hotline import customers FILE`: the utility's customer register (CSV or XLSX, headers in
Chinese or English) into customer files. Every row is checked on its own; a bad row is
reported with its line number and reason and the rest go in. Importing the same file again
updates the customers it names and duplicates nothing. The use case
(hotline/application/customers.py) writes each batch in a transaction of its own."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hotline.db.tables import Customer, CustomerAddress, CustomerMeter, CustomerPhone
from tickets.phones import PhoneError, normalise_phone

BATCH_ROWS = 500
_BOM = "\ufeff"

COLUMNS = {
    "户号": "account_number",
    "account_number": "account_number",
    "account": "account_number",
    "姓名": "name",
    "name": "name",
    "电话": "phone",
    "phone": "phone",
    "phones": "phone",
    "地址": "address",
    "address": "address",
    "片区": "area",
    "area": "area",
    "表号": "meter",
    "meter": "meter",
    "meters": "meter",
    "关怀": "special_care",
    "special_care": "special_care",
}
CARE = {
    "老人": "elderly",
    "高龄": "elderly",
    "elderly": "elderly",
    "残疾": "disabled",
    "残障": "disabled",
    "disabled": "disabled",
    "独居": "living_alone",
    "living_alone": "living_alone",
}
_ACCOUNT = re.compile(r"[A-Za-z0-9\-]{4,32}")
# A phone may contain spaces and dashes; only these part two numbers (or two meters).
_LIST_SEPARATORS = re.compile(r"[;；,，/、]+")


class ImportFileError(ValueError):
    """The file as a whole cannot be read (not a row's problem)."""


@dataclass(frozen=True)
class CustomerRow:
    line: int
    account_number: str
    name: str
    phones: tuple[str, ...]
    address: str | None
    area: str | None
    meters: tuple[str, ...]
    special_care: str | None


@dataclass
class ImportReport:
    imported: int = 0
    updated: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.imported + self.updated + len(self.rejected)


Progress = Callable[[int, int | None], None]


def read_table(path: Path) -> tuple[Iterator[tuple[int, dict[str, str]]], int | None]:
    """Rows as (line as a person counts it, header → value), and how many if known."""
    if not path.is_file():
        raise ImportFileError(f"no such file: {path}")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _xlsx_rows(path)
    if path.suffix.lower() in (".csv", ".txt"):
        return _csv_rows(path)
    raise ImportFileError("give a .csv or .xlsx file")


def _csv_rows(path: Path) -> tuple[Iterator[tuple[int, dict[str, str]]], int | None]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Chinese Excel saves CSV in the GBK family.
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError as error:
            raise ImportFileError("the CSV is neither UTF-8 nor GB18030 text") from error
    lines = list(csv.reader(io.StringIO(text)))
    if not lines:
        raise ImportFileError("the file is empty")
    header = _header(lines[0])

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        for number, cells in enumerate(lines[1:], start=2):
            if any(cell.strip() for cell in cells):
                yield number, _row(header, cells)

    return rows(), len(lines) - 1


def _xlsx_rows(path: Path) -> tuple[Iterator[tuple[int, dict[str, str]]], int | None]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:
        raise ImportFileError(f"not a readable XLSX workbook: {type(error).__name__}") from error
    sheet = workbook.worksheets[0]
    values = sheet.iter_rows(values_only=True)
    first = next(values, None)
    if first is None:
        workbook.close()
        raise ImportFileError("the workbook's first sheet is empty")
    header = _header(["" if cell is None else str(cell) for cell in first])
    total = (sheet.max_row - 1) if sheet.max_row else None

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        try:
            for number, cells in enumerate(values, start=2):
                texts = ["" if cell is None else _cell_text(cell) for cell in cells]
                if any(texts):
                    yield number, _row(header, texts)
        finally:
            workbook.close()

    return rows(), total


def _cell_text(cell: object) -> str:
    # Excel turns long digit strings (phones, accounts) into floats: 13800138001.0.
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def _header(cells: list[str]) -> list[str | None]:
    header = [COLUMNS.get(cell.strip().lstrip(_BOM).lower()) for cell in cells]
    missing = {"account_number", "name"} - set(header)
    if missing:
        raise ImportFileError(
            "the header row lacks " + ", ".join(sorted(missing)) + " (户号, 姓名 …)"
        )
    return header


def _row(header: list[str | None], cells: list[str]) -> dict[str, str]:
    return {
        name: cell.strip() for name, cell in zip(header, cells, strict=False) if name is not None
    }


def parse_row(line: int, row: dict[str, str], local_area_code: str) -> CustomerRow | str:
    """The row as a customer, or the reason it cannot be one."""
    account = row.get("account_number", "")
    if not account:
        return "户号 (account number) is empty"
    if not _ACCOUNT.fullmatch(account):
        return f"户号 {account!r} is not 4–32 letters, digits or dashes"
    name = row.get("name", "")
    if not name:
        return "姓名 (name) is empty"
    if len(name) > 100:
        return "姓名 (name) is longer than 100 characters"
    phones = []
    for raw in _split(row.get("phone", "")):
        try:
            phones.append(normalise_phone(raw, local_area_code))
        except PhoneError:
            return f"电话 {raw!r} is not a phone number"
    address = row.get("address") or None
    if address is not None and len(address) > 200:
        return "地址 (address) is longer than 200 characters"
    if not phones and address is None:
        return "neither a phone number nor an address"
    area = row.get("area") or None
    if area is not None and len(area) > 64:
        return "片区 (area) is longer than 64 characters"
    meters = tuple(_split(row.get("meter", "")))
    if any(len(meter) > 32 for meter in meters):
        return "表号 (meter) is longer than 32 characters"
    care_text = row.get("special_care") or ""
    care = CARE.get(care_text.lower(), care_text) or None
    if care is not None and len(care) > 40:
        return "关怀 (special care) is longer than 40 characters"
    return CustomerRow(
        line, account, name, tuple(dict.fromkeys(phones)), address, area, meters, care
    )


def _split(value: str) -> list[str]:
    return [part.strip() for part in _LIST_SEPARATORS.split(value) if part.strip()]


def batches(
    path: Path, local_area_code: str, report: ImportReport, progress: Progress | None = None
) -> Iterator[list[CustomerRow]]:
    """The file's good rows, BATCH_ROWS at a time; each bad one goes in the report with its
    line and reason."""
    rows, total = read_table(path)
    batch: list[CustomerRow] = []
    seen_accounts: set[str] = set()
    seen_meters: dict[str, str] = {}
    for done, (line, row) in enumerate(rows, start=1):
        parsed = parse_row(line, row, local_area_code)
        if isinstance(parsed, str):
            report.rejected.append((line, parsed))
        elif parsed.account_number in seen_accounts:
            report.rejected.append((line, f"户号 {parsed.account_number} appears twice"))
        elif clash := next((m for m in parsed.meters if m in seen_meters), None):
            report.rejected.append((line, f"表号 {clash} is already on {seen_meters[clash]}"))
        else:
            seen_accounts.add(parsed.account_number)
            seen_meters.update(dict.fromkeys(parsed.meters, parsed.account_number))
            batch.append(parsed)
        if len(batch) >= BATCH_ROWS:
            yield batch
            batch = []
        if progress is not None:
            progress(done, total)
    if batch:
        yield batch


async def write_batch(
    session: AsyncSession, batch: list[CustomerRow], now: datetime, report: ImportReport
) -> None:
    """A batch into the transaction it is given; a row whose meter belongs to another customer
    on file is rejected before anything of it is written."""
    accounts = [row.account_number for row in batch]
    existing = {
        c.account_number: c
        for c in (
            await session.exec(select(Customer).where(col(Customer.account_number).in_(accounts)))
        ).all()
    }
    meter_numbers = [meter for row in batch for meter in row.meters]
    meter_owner = {
        meter.meter_number: meter.customer_id
        for meter in (
            await session.exec(
                select(CustomerMeter).where(col(CustomerMeter.meter_number).in_(meter_numbers))
            )
        ).all()
    }
    for row in batch:
        customer = existing.get(row.account_number)
        owner_id = customer.id if customer is not None else None
        clash = next(
            (m for m in row.meters if m in meter_owner and meter_owner[m] != owner_id), None
        )
        if clash is not None:
            report.rejected.append((row.line, f"表号 {clash} belongs to another customer"))
            continue
        if customer is None:
            customer = Customer(
                account_number=row.account_number,
                name=row.name,
                special_care=row.special_care,
                created_at=now,
            )
            session.add(customer)
            await session.flush()
            report.imported += 1
        else:
            customer.name = row.name
            customer.special_care = row.special_care
            customer.updated_at = now
            session.add(customer)
            report.updated += 1
        assert customer.id is not None
        await _attach(session, customer.id, row, meter_owner)


async def _attach(
    session: AsyncSession, customer_id: int, row: CustomerRow, meter_owner: dict[str, int]
) -> None:
    phones = set(
        (
            await session.exec(
                select(CustomerPhone.number).where(col(CustomerPhone.customer_id) == customer_id)
            )
        ).all()
    )
    for number in row.phones:
        if number not in phones:
            session.add(CustomerPhone(customer_id=customer_id, number=number))
    address_id = None
    if row.address is not None:
        addresses = (
            await session.exec(
                select(CustomerAddress).where(col(CustomerAddress.customer_id) == customer_id)
            )
        ).all()
        match = next((a for a in addresses if a.address == row.address), None)
        if match is None:
            match = CustomerAddress(
                customer_id=customer_id,
                address=row.address,
                area=row.area,
                is_primary=not addresses,
            )
            session.add(match)
            await session.flush()
        elif row.area and match.area != row.area:
            match.area = row.area
            session.add(match)
        address_id = match.id
    for meter in row.meters:
        if meter not in meter_owner:
            session.add(
                CustomerMeter(customer_id=customer_id, meter_number=meter, address_id=address_id)
            )
            meter_owner[meter] = customer_id
