"""The SLA sweep as a use case: clocks due for a warning or a breach are recorded a batch per
transaction, each batch's escalations announced after its commit."""

from __future__ import annotations

from collections.abc import Callable

from hotline.application.unit import Core, unit_of_work
from hotline.services.sweeper import sweep


async def sweep_due(core: Core, stopping: Callable[[], bool] = lambda: False) -> int:
    """Sweep until nothing due is left. Returns the escalations recorded."""
    found = 0
    more = True
    while more and not stopping():
        async with unit_of_work(core) as work:
            result = await sweep(work.session, work.now)
            work.escalated(result.escalations)
        found += len(result.escalations)
        more = result.more
    return found
