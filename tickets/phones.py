"""Phone numbers as callers give them: +86, 0086, a leading trunk 0, spaces and dashes all
reduce to one E.164 form, so a caller is found whichever way the number was written."""

from __future__ import annotations

import re

import phonenumbers

_SEPARATORS = re.compile(r"[\s\-().]")


class PhoneError(ValueError):
    pass


def normalise_phone(raw: str, local_area_code: str) -> str:
    """E.164 for a Chinese mobile or fixed line; a bare 7–8 digit number is a fixed line in the
    utility's own area (`local_area_code`, without the trunk 0)."""
    digits = _SEPARATORS.sub("", raw.strip())
    if not digits:
        raise PhoneError("the phone number is empty")
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    elif digits.isdigit() and len(digits) in (7, 8):
        digits = f"0{local_area_code}{digits}"
    elif digits.isdigit() and len(digits) == 13 and digits.startswith("86"):
        digits = "+" + digits
    try:
        number = phonenumbers.parse(digits, "CN")
    except phonenumbers.NumberParseException as error:
        raise PhoneError(f"not a phone number: {raw!r}") from error
    if not phonenumbers.is_valid_number(number):
        raise PhoneError(f"not a valid phone number: {raw!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(e164: str | None) -> str | None:
    """What logs and unauthorised readers see of a phone number: +86138****5678."""
    if not e164:
        return e164
    if len(e164) <= 10:
        return e164[:3] + "*" * (len(e164) - 3)
    return e164[:6] + "*" * (len(e164) - 10) + e164[-4:]


# Where click-to-call may ring, as E.164 prefixes: mainland mobiles (1[3-9]…) and fixed lines
# with their area code (10, 2x, 3xx … 9xx). Anything else (abroad, premium) is toll fraud's way.
MAINLAND_PREFIXES = (
    *(f"+861{second}" for second in "3456789"),
    "+8610",
    *(f"+86{first}" for first in "23456789"),
)


def may_dial(e164: str, prefixes: tuple[str, ...]) -> bool:
    """Whether a normalised number begins with one of the allowed prefixes."""
    return any(e164.startswith(prefix) for prefix in prefixes)
