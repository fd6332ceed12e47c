"""Customer files: one opened at the desk for a caller not on file, and the utility's register
imported in bulk from the command line."""

from __future__ import annotations

from pathlib import Path

from hotline.application.unit import Core, unit_of_work
from hotline.importing import customers as register
from hotline.services import customers as service
from hotline.services.actor import Actor, require
from tickets.workflow import FILE_OPENERS


async def open_file(core: Core, actor: Actor, new: service.NewCustomer) -> service.CustomerFile:
    """A file for a caller not on file yet, with the phone they called from."""
    require(actor, FILE_OPENERS)
    async with unit_of_work(core) as work:
        return await service.open_customer_file(
            work.session,
            new,
            core.settings.local_area_code,
            work.now,
            work.now.astimezone(work.tz).date(),
            actor.username,
        )


async def import_register(
    core: Core, path: Path, progress: register.Progress | None = None
) -> register.ImportReport:
    """Every good row of the file in, a batch per transaction (a failure keeps the batches
    before it); the bad ones reported by line."""
    now = core.clock()
    report = register.ImportReport()
    for batch in register.batches(path, core.settings.local_area_code, report, progress):
        async with unit_of_work(core, now) as work:
            await register.write_batch(work.session, batch, work.now, report)
    report.rejected.sort()
    return report
