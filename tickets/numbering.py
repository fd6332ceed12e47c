"""Ticket numbers people can read out on the phone: a type prefix, the local date of receipt
and a sequence within that day, e.g. BX-20261122-0007 for the seventh repair of the day."""

from __future__ import annotations

import re
from datetime import date

from tickets.types import TicketType

PREFIXES: dict[TicketType, str] = {
    TicketType.CONSULTATION: "ZX",  # 咨询
    TicketType.REPAIR: "BX",  # 报修
    TicketType.COMPLAINT: "TS",  # 投诉
    TicketType.OUTAGE: "TQ",  # 停气
}

# \Z, not $: a trailing newline is not part of a number; ASCII: nor are full-width digits.
NUMBER_PATTERN = re.compile(r"^(ZX|BX|TS|TQ)-(\d{8})-(\d{4,})\Z", re.ASCII)


def sequence_key(ticket_type: TicketType, local_day: date) -> str:
    """The counter a number's sequence is drawn from: one per type and local day."""
    return f"{PREFIXES[ticket_type]}-{local_day:%Y%m%d}"


def format_number(ticket_type: TicketType, local_day: date, sequence: int) -> str:
    if sequence < 1:
        raise ValueError("sequence starts at 1")
    return f"{sequence_key(ticket_type, local_day)}-{sequence:04d}"


def is_ticket_number(text: str) -> bool:
    return NUMBER_PATTERN.match(text) is not None


def numbers_from_keys(keys: str) -> list[str]:
    """The ticket numbers a caller may mean by keying a number's digits on the phone (no
    letters on a keypad: the date and the sequence, e.g. 202611220007 for BX-20261122-0007),
    one per type, in the order of PREFIXES. Nothing when the keys cannot be a number."""
    if not keys.isascii() or not keys.isdigit() or len(keys) < 12:
        return []
    day, sequence = keys[:8], keys[8:]
    if int(sequence) < 1:
        return []
    return [f"{prefix}-{day}-{int(sequence):04d}" for prefix in PREFIXES.values()]


def keys_of(number: str) -> str:
    """What a caller keys for `number`: its digits."""
    return "".join(character for character in number if character.isdigit())
