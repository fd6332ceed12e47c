"""Writing the audit log. Rows are only ever added (the database refuses anything else)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from hotline.db.tables import AuditEntry
from hotline.db.writes import insert_rows


async def record(
    session: AsyncSession,
    *,
    at: datetime,
    actor: str,
    entity: str,
    key: str,
    action: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str | None = None,
) -> None:
    await insert_rows(
        session,
        AuditEntry,
        [
            {
                "at": at,
                "actor": actor,
                "entity": entity,
                "entity_key": key,
                "action": action,
                "before": before,
                "after": after,
                "note": note,
            }
        ],
    )


def changed_fields(
    before: dict[str, Any], after: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only what differs, so an audit row says exactly what an action changed."""
    keys = [key for key in after if before.get(key) != after.get(key)]
    return {key: before.get(key) for key in keys}, {key: after[key] for key in keys}


async def record_changes(
    session: AsyncSession,
    *,
    at: datetime,
    actor: str,
    entity: str,
    key: str,
    before: dict[str, Any],
    after: dict[str, Any],
) -> None:
    """An update audited with only the fields it changed; nothing when it changed nothing."""
    old, new = changed_fields(before, after)
    if new:
        await record(
            session,
            at=at,
            actor=actor,
            entity=entity,
            key=key,
            action="update",
            before=old,
            after=new,
        )
