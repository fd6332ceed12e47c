"""What the regulations themselves fix, next to what the admins configure: each SLA policy's
target and each KPI's target as the rules state them, and whether a configured value is looser
than the rules (more time for a deadline, a lower share for a KPI) — which takes a second
admin's confirmation and is flagged wherever it applies."""

from __future__ import annotations

from tickets.sla import DEFAULT_POLICIES, ClockName, SlaPolicy, StartEvent
from tickets.types import TicketType

PolicyKey = tuple[ClockName, TicketType | None, str | None, bool | None, StartEvent]

# The KPI targets of the service regulations, as shares from 0 to 1.
KPI_RULE_TARGETS: dict[str, float] = {
    "repair_timeliness": 1.0,  # 维修及时率
    "first_time_fix_rate": 0.96,  # 一次性维修合格率
    "callback_rate": 1.0,  # 回访率
    "consultation_reply_rate": 1.0,
    "complaint_reply_rate_agreed": 1.0,
}


def policy_key(policy: SlaPolicy) -> PolicyKey:
    return (policy.clock, policy.ticket_type, policy.subtype, policy.special, policy.starts_on)


_RULE_AMOUNTS = {policy_key(policy): policy.amount for policy in DEFAULT_POLICIES}


def rule_amount(policy: SlaPolicy) -> int | None:
    """The target the rules give this policy's clock, or None for a policy of the admins' own
    that the rules do not name."""
    return _RULE_AMOUNTS.get(policy_key(policy))


def policy_looser(policy: SlaPolicy, amount: int) -> bool:
    """A target giving more time than the rules: minutes, working days or days alike."""
    rule = rule_amount(policy)
    return rule is not None and amount > rule


def kpi_looser(name: str, target: float) -> bool:
    """A KPI target below the rules' share."""
    rule = KPI_RULE_TARGETS.get(name)
    return rule is not None and target < rule
