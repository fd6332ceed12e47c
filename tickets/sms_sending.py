"""When an SMS in the outbox may go, and what becomes of it: queued → sending → sent (the
gateway's message id) → delivered or failed (the delivery receipt); a throttled or failed
submit is tried again later, backing off, until the attempts run out. Quiet hours hold every
notice but an emergency's."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from tickets.callbacks import QuietHours

# SMPP 3.4 command_status values (section 5.1.3) the outbox tells apart.
ESME_ROK = 0x00000000
ESME_RMSGQFUL = 0x00000014
ESME_RSYSERR = 0x00000008
ESME_RTHROTTLED = 0x00000058
ESME_RSUBMITFAIL = 0x00000045
ESME_RX_T_APPN = 0x00000064


class SmsStatus(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"


FINISHED = frozenset({SmsStatus.DELIVERED, SmsStatus.FAILED})


class SubmitOutcome(StrEnum):
    ACCEPTED = "accepted"
    # The gateway asks us to slow down: tried again soon, whatever the attempts so far.
    THROTTLED = "throttled"
    # The gateway or the connection failed on its side: tried again, backing off.
    TRANSIENT = "transient"
    # The gateway refused this message (a bad number, say): trying again would not help.
    REJECTED = "rejected"


_TRANSIENT_STATUSES = frozenset({ESME_RSYSERR, ESME_RSUBMITFAIL, ESME_RX_T_APPN})


def outcome_of(command_status: int) -> SubmitOutcome:
    """What a submit_sm_resp's command_status means for the message."""
    if command_status == ESME_ROK:
        return SubmitOutcome.ACCEPTED
    if command_status in (ESME_RTHROTTLED, ESME_RMSGQFUL):
        return SubmitOutcome.THROTTLED
    if command_status in _TRANSIENT_STATUSES:
        return SubmitOutcome.TRANSIENT
    return SubmitOutcome.REJECTED


@dataclass(frozen=True)
class SmsPolicy:
    """Defaults: notices held from 21:00 to 08:00 local time (emergencies excepted), five
    attempts, 30 s doubling to at most 30 min between them, 5 s after a throttle."""

    quiet: QuietHours = field(default_factory=QuietHours)
    max_attempts: int = 5
    first_backoff: timedelta = timedelta(seconds=30)
    max_backoff: timedelta = timedelta(minutes=30)
    throttle_backoff: timedelta = timedelta(seconds=5)
    # Throttles do not use up attempts, but a gateway that never stops throttling must not
    # keep a notice forever.
    max_throttles: int = 50


def send_at(emergency: bool, now: datetime, tz: ZoneInfo, policy: SmsPolicy) -> datetime:
    """`now` when a notice may go now, else the end of the quiet hours."""
    if emergency:
        return now
    return policy.quiet.next_allowed(now, tz)


def may_send(emergency: bool, now: datetime, tz: ZoneInfo, policy: SmsPolicy) -> bool:
    return send_at(emergency, now, tz, policy) <= now


@dataclass(frozen=True)
class Retry:
    """Try again at `at`; None: give up, the message has failed."""

    at: datetime | None
    reason: str


def retry_after(
    outcome: SubmitOutcome,
    *,
    attempts: int,
    throttles: int,
    emergency: bool,
    now: datetime,
    tz: ZoneInfo,
    policy: SmsPolicy,
) -> Retry:
    """After an unsuccessful submit: `attempts` counts the submits that failed (this one
    included) other than throttles, `throttles` the throttled ones (this one included)."""
    if outcome is SubmitOutcome.ACCEPTED:
        raise ValueError("an accepted submit is not retried")
    if outcome is SubmitOutcome.REJECTED:
        return Retry(None, "rejected by the gateway")
    if outcome is SubmitOutcome.THROTTLED:
        if throttles >= policy.max_throttles:
            return Retry(None, "throttled too often")
        wait = policy.throttle_backoff
    else:
        if attempts >= policy.max_attempts:
            return Retry(None, "attempts exhausted")
        wait = min(policy.first_backoff * 2 ** max(attempts - 1, 0), policy.max_backoff)
    return Retry(send_at(emergency, now + wait, tz, policy), outcome.value)


# Delivery receipts' `stat` (SMPP 3.4 appendix B): final states only; ENROUTE and ACCEPTD
# leave the message sent.
_RECEIPT_STATES = {
    "DELIVRD": SmsStatus.DELIVERED,
    "EXPIRED": SmsStatus.FAILED,
    "DELETED": SmsStatus.FAILED,
    "UNDELIV": SmsStatus.FAILED,
    "REJECTD": SmsStatus.FAILED,
    "UNKNOWN": SmsStatus.FAILED,
}


def status_from_receipt(stat: str) -> SmsStatus | None:
    """The final status a delivery receipt gives, or None when it is not final."""
    return _RECEIPT_STATES.get(stat.strip().upper())


def dedupe_key(event: str, phone: str) -> str:
    """One notice per event and recipient, however often it is queued."""
    return f"{event}|{phone}"


def receives_sms(phone: str) -> bool:
    """A mainland mobile number in E.164 (+86 1xx xxxx xxxx): fixed lines get no SMS."""
    return len(phone) == 14 and phone.startswith("+861") and phone[1:].isdigit()
