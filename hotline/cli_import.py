"""`hotline import …`: bringing existing records in, with a progress bar and a report."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from hotline.application.customers import import_register
from hotline.importing.customers import ImportFileError, ImportReport
from hotline.importing.customers import Progress as ProgressCallback
from hotline.runtime import command_core
from hotline.settings import Settings, SettingsError

import_app = typer.Typer(help="Import records from files", no_args_is_help=True)
# soft_wrap: a path or a reason is never broken across lines, even without a terminal.
console = Console(stderr=True, soft_wrap=True)

REJECTS_SHOWN = 200


@import_app.command("customers")
def customers(
    file: Annotated[Path, typer.Argument(help="a .csv (UTF-8 or GB18030) or .xlsx file")],
) -> None:
    """Customer files: 户号/account_number, 姓名/name, 电话/phone, 地址/address, 片区/area,
    表号/meter, 关怀/special_care. Bad rows are listed with their line numbers; the rest go in."""
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        console.print(f"[red]configuration error:[/red] {error}")
        raise typer.Exit(2) from error
    with Progress(
        TextColumn("[bold]importing[/bold]"), BarColumn(), MofNCompleteColumn(), console=console
    ) as bar:
        task = bar.add_task("rows", total=None)

        def advance(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        problem: ImportFileError | None = None
        try:
            report = asyncio.run(_import(settings, file, advance))
        except ImportFileError as error:
            problem = error
    if problem is not None:
        console.print(f"[red]cannot import {file}:[/red] {problem}")
        raise typer.Exit(1) from problem
    _print(report)


async def _import(settings: Settings, file: Path, progress: ProgressCallback) -> ImportReport:
    async with command_core(settings) as core:
        return await import_register(core, file, progress)


def _print(report: ImportReport) -> None:
    console.print(
        f"{report.imported} imported, {report.updated} updated, {len(report.rejected)} rejected"
    )
    for line, reason in report.rejected[:REJECTS_SHOWN]:
        console.print(f"  line {line}: {reason}")
    if len(report.rejected) > REJECTS_SHOWN:
        console.print(f"  … and {len(report.rejected) - REJECTS_SHOWN} more")
