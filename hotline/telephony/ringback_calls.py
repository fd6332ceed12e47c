"""The ring-back dialler's phone: the queues now, and an agent-first call through the outbound
context (the agent's phone rings; when they pick up, Asterisk dials the caller), as click-to-call
places it, so the call log shows the attempt under its ActionID and the agent who made it."""

from __future__ import annotations

from dataclasses import dataclass

from hotline.settings import Settings
from hotline.telephony.queues import QueueNow
from hotline.telephony.service import Telephony

# The agent has this long to pick up before the attempt ends unanswered.
AGENT_RING_SECONDS = 30


@dataclass(frozen=True)
class RingbackCalls:
    telephony: Telephony
    settings: Settings

    async def queues_now(self, timeout: float = 2.0) -> dict[str, QueueNow] | None:
        return await self.telephony.queues_now(timeout)

    async def ring_back(self, *, number: str, agent_phone: str, agent_user_id: int | None) -> str:
        return await self.telephony.originate(
            interface=agent_phone,
            number=number,
            context=self.settings.outbound_context,
            caller_id=self.settings.outbound_caller_id,
            ticket_id=None,
            requested_by_user_id=agent_user_id,
            ring_seconds=AGENT_RING_SECONDS,
        )
