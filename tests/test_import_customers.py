"""Importing the customer register: CSV in UTF-8 or GB18030, XLSX; bad rows reported by line,
the rest imported; importing again updates and duplicates nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlmodel import col, func, select

from hotline.application.customers import import_register
from hotline.application.unit import CoreServices
from hotline.db.tables import Customer, CustomerAddress, CustomerMeter, CustomerPhone
from hotline.importing.customers import ImportFileError

HEADER = "户号,姓名,电话,地址,片区,表号,关怀\n"
GOOD = [
    "GS20000001,张伟,13812345678,北区 光明路 12号,北区,M-1001,\n",
    "GS20000002,王秀英,+86 139 8765 4321；0571-88886666,南区 湖滨街 8号,南区,M-1002;M-1003,老人\n",
]
BAD = [
    ",无户号,13812345678,北区,北区,,\n",  # line 4: no account
    "GS20000004,,13812345678,北区,北区,,\n",  # line 5: no name
    "GS20000005,李强,12345,北区,北区,,\n",  # line 6: bad phone
    "GS20000006,刘芳,,,北区,,\n",  # line 7: neither phone nor address
    "GS20000001,重复,13800000000,北区,北区,,\n",  # line 8: account twice
    "GS20000008,陈静,13811112222,北区,北区,M-1001,\n",  # line 9: meter already taken
]


async def counts(core: CoreServices) -> tuple[int, int, int, int]:
    async with core.sessions() as session:
        return tuple(  # type: ignore[return-value]
            [
                (await session.exec(select(func.count()).select_from(table))).one()
                for table in (Customer, CustomerPhone, CustomerAddress, CustomerMeter)
            ]
        )


def write_csv(path: Path, encoding: str) -> Path:
    path.write_bytes((HEADER + "".join(GOOD + BAD)).encode(encoding))
    return path


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
async def test_csv_rows_go_in_and_bad_rows_are_reported_by_line(
    core: CoreServices, tmp_path: Path, encoding: str
) -> None:
    seen: list[int] = []
    report = await import_register(
        core,
        write_csv(tmp_path / "register.csv", encoding),
        progress=lambda done, _total: seen.append(done),
    )
    assert (report.imported, report.updated) == (2, 0)
    assert [line for line, _ in report.rejected] == [4, 5, 6, 7, 8, 9]
    reasons = dict(report.rejected)
    assert "户号" in reasons[4] and "姓名" in reasons[5] and "12345" in reasons[6]
    assert "M-1001" in reasons[9]
    assert seen[-1] == len(GOOD) + len(BAD)
    assert await counts(core) == (2, 3, 2, 3)
    async with core.sessions() as session:
        wang = (
            await session.exec(select(Customer).where(col(Customer.account_number) == "GS20000002"))
        ).one()
        phones = (
            await session.exec(
                select(CustomerPhone.number).where(col(CustomerPhone.customer_id) == wang.id)
            )
        ).all()
    assert wang.special_care == "elderly"
    assert sorted(phones) == ["+8613987654321", "+8657188886666"]


async def test_importing_again_updates_without_duplicates(
    core: CoreServices, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "register.csv", "utf-8-sig")
    await import_register(core, path)
    before = await counts(core)
    path.write_text(HEADER + GOOD[0].replace("张伟", "张伟强"), encoding="utf-8")
    report = await import_register(core, path)
    assert (report.imported, report.updated, report.rejected) == (0, 1, [])
    assert await counts(core) == before
    async with core.sessions() as session:
        names = (await session.exec(select(Customer.name).order_by(col(Customer.id)))).all()
    assert names[0] == "张伟强"


async def test_xlsx_with_english_headers_and_numeric_cells(
    core: CoreServices, tmp_path: Path
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["account_number", "name", "phone", "address", "area"])
    sheet.append(["GS30000001", "赵磊", 13800138001, "北区 建设路 1号", "北区"])
    sheet.append(["GS30000002", "孙丽", "not a phone", "南区", "南区"])
    path = tmp_path / "register.xlsx"
    book.save(path)
    report = await import_register(core, path)
    assert report.imported == 1
    assert report.rejected == [(3, "电话 'not a phone' is not a phone number")]
    async with core.sessions() as session:
        number = (await session.exec(select(CustomerPhone.number))).one()
    assert number == "+8613800138001"


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("register.pdf", b"%PDF", "csv or .xlsx"),
        ("register.csv", b"", "empty"),
        ("register.csv", "编号,名字\n1,2\n".encode(), "header row lacks"),
        ("register.xlsx", b"not a zip", "XLSX"),
    ],
)
async def test_unreadable_files_are_refused_whole(
    core: CoreServices, tmp_path: Path, name: str, content: bytes, problem: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ImportFileError, match=problem):
        await import_register(core, path)
    assert await counts(core) == (0, 0, 0, 0)


def test_the_command_reports_lines_and_exits_zero(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "HOTLINE_DATABASE_URL": f"sqlite:///{tmp_path / 'import.db'}",
        "HOTLINE_SECRET_KEY": "x",
    }
    hotline = [sys.executable, "-m", "hotline.cli"]
    subprocess.run([*hotline, "db", "upgrade"], env=env, check=True, capture_output=True)
    register = write_csv(tmp_path / "register.csv", "gb18030")
    done = subprocess.run(
        [*hotline, "import", "customers", str(register)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "2 imported, 0 updated, 6 rejected" in done.stderr
    assert "line 6:" in done.stderr
    missing = subprocess.run(
        [*hotline, "import", "customers", str(tmp_path / "nope.csv")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert missing.returncode == 1 and "no such file" in missing.stderr
