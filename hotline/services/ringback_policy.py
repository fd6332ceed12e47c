"""The ring-back policy row admins edit (/admin/ringbacks), read as the rules' RingbackPolicy
with the callback policy's quiet hours (one setting for every outbound call)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from hotline.db.tables import RingbackPolicyRow
from hotline.i18n import N_
from hotline.services import audit
from hotline.services import callbacks as callback_service
from hotline.services.errors import Invalid
from tickets.callbacks import QuietHours
from tickets.ringbacks import RingbackPolicy


def policy_from_row(row: RingbackPolicyRow, quiet: QuietHours) -> RingbackPolicy:
    return RingbackPolicy(
        missed_call_grace=timedelta(minutes=row.missed_call_grace_minutes),
        retry_after=timedelta(minutes=row.retry_minutes),
        max_attempts=row.max_attempts,
        offer_wait_seconds=row.offer_wait_seconds,
        fresh_for=timedelta(minutes=row.fresh_minutes),
        quiet=quiet,
        automatic_dialling=row.automatic_dialling,
    )


async def load_policy(session: AsyncSession) -> RingbackPolicy:
    """The ring-back policy, with the quiet hours of the callback policy (one setting for
    every outbound call)."""
    quiet = (await callback_service.load_policy(session)).quiet
    row = await session.get(RingbackPolicyRow, 1) or RingbackPolicyRow()
    return policy_from_row(row, quiet)


POLICY_FIELDS = {
    "missed_call_grace_minutes": (0, 120),
    "retry_minutes": (1, 24 * 60),
    "max_attempts": (1, 10),
    "offer_wait_seconds": (0, 3600),
    "fresh_minutes": (0, 24 * 60),
}


async def update_policy(
    session: AsyncSession,
    numbers: Mapping[str, int],
    automatic_dialling: bool,
    now: datetime,
    by: str,
) -> RingbackPolicyRow:
    """Change the ring-back policy, each number within its bounds. Ring-backs already waiting
    keep their next attempt; what comes after follows the new policy."""
    errors = {
        name: N_("outside the allowed range")
        for name, (low, high) in POLICY_FIELDS.items()
        if name not in numbers or not low <= numbers[name] <= high
    }
    if errors:
        raise Invalid(N_("the ring-back policy was not saved"), errors)
    row = await session.get(RingbackPolicyRow, 1) or RingbackPolicyRow()
    before = row.model_dump()
    for name in POLICY_FIELDS:
        setattr(row, name, numbers[name])
    row.automatic_dialling = automatic_dialling
    session.add(row)
    await audit.record_changes(
        session,
        at=now,
        actor=by,
        entity="ringback_policy",
        key="1",
        before=before,
        after=row.model_dump(),
    )
    return row
