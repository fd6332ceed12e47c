"""Which SMS an outage's affected customers get at each of its steps, and what it says: a
planned outage's notice when it is announced, the start of the outage (at once for an
unplanned one, which is announced when gas is already off), and the restoration. The notices
of an unplanned outage or of an emergency repair announced at short notice are emergencies:
the quiet hours do not hold them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from tickets.incidents import Cause, Kind, Plan, expected_back
from tickets.sms_templates import SmsTemplate, local_time

# The cause as the notice words it (the customers read Chinese).
CAUSE_WORDS: dict[Cause, str] = {
    Cause.PIPELINE_INSPECTION: "管网检测",
    Cause.MAINTENANCE: "管网维修",
    Cause.ACCIDENT: "供气设施故障",
    Cause.EMERGENCY_REPAIR: "管网抢修",
}
# Areas named in one notice; more would split it into many parts.
AREAS_NAMED = 3
# An outage given only by accounts names no area.
NO_AREA = "您所在区域"


class NoticeStep(StrEnum):
    ANNOUNCED = "announced"
    STARTED = "started"
    RESTORED = "restored"


@dataclass(frozen=True)
class Notice:
    # Idempotence: one notice per event and recipient, however often it is queued.
    event: str
    template: SmsTemplate
    parameters: dict[str, str]
    emergency: bool


def area_words(areas: Sequence[str]) -> str:
    named = [area for area in areas if area.strip()]
    if not named:
        return NO_AREA
    if len(named) > AREAS_NAMED:
        return "、".join(named[:AREAS_NAMED]) + "等区域"
    return "、".join(named)


def is_emergency(plan: Plan) -> bool:
    """Unplanned outages, and planned ones announced at short notice for an emergency repair."""
    return plan.kind is Kind.UNPLANNED or bool(plan.short_notice_reason)


def notice_for(
    incident_id: int,
    plan: Plan,
    step: NoticeStep,
    *,
    started_at: datetime | None,
    restored_at: datetime | None,
    tz: ZoneInfo,
) -> Notice:
    """The notice of one step. An unplanned outage announced is an outage started (the same
    event: its later start step queues nothing more)."""
    area = area_words(plan.areas)
    cause = CAUSE_WORDS[plan.cause]
    emergency = is_emergency(plan)
    if step is NoticeStep.ANNOUNCED and plan.kind is Kind.PLANNED:
        assert plan.planned_start is not None and plan.planned_end is not None
        return Notice(
            f"incident:{incident_id}:planned",
            SmsTemplate.PLANNED_OUTAGE,
            {
                "cause": cause,
                "area": area,
                "start": local_time(plan.planned_start, tz),
                "end": local_time(plan.planned_end, tz),
            },
            emergency,
        )
    if step is NoticeStep.RESTORED:
        if restored_at is None:
            raise ValueError("a restoration notice needs the time gas came back")
        return Notice(
            f"incident:{incident_id}:restored",
            SmsTemplate.GAS_RESTORED,
            {"area": area, "restored": local_time(restored_at, tz)},
            emergency,
        )
    start = started_at or plan.reported_at
    return Notice(
        f"incident:{incident_id}:started",
        SmsTemplate.OUTAGE_STARTED,
        {
            "cause": cause,
            "area": area,
            "start": local_time(start, tz),
            "restore": local_time(expected_back(plan), tz),
        },
        emergency,
    )
