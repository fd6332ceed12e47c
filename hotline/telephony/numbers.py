"""Caller numbers as Asterisk reports them, in the form the customer file stores."""

from __future__ import annotations

import phonenumbers

from tickets.phones import PhoneError, normalise_phone

# What Asterisk puts in CallerIDNum when it has nothing.
_NO_NUMBER = {"", "<unknown>", "unknown", "anonymous"}


def normalise_caller(raw: str | None, local_area_code: str) -> str | None:
    """E.164 when the number parses; otherwise the number as Asterisk gave it (a short
    service number or a withheld one is still worth showing), None when there is none."""
    if raw is None or raw.strip().lower() in _NO_NUMBER:
        return None
    try:
        return normalise_phone(raw, local_area_code)
    except PhoneError:
        return raw.strip()


def dial_string(e164: str, local_area_code: str) -> str:
    """What the trunk dials for a stored number: a mobile's 11 digits, a fixed line in the
    utility's own area without its area code, any other fixed line with 0 and its area code.
    Short service numbers are stored as dialled and pass through."""
    if not e164.startswith("+"):
        return e164
    number = phonenumbers.parse(e164)
    national = phonenumbers.national_significant_number(number)
    if number.country_code != 86:
        return "00" + e164[1:]
    if phonenumbers.number_type(number) in _MOBILE_TYPES:
        return national
    if national.startswith(local_area_code):
        return national[len(local_area_code) :]
    return "0" + national


_MOBILE_TYPES = {
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
}
