"""A crew as an administrator enters it: a code (kept for the record once used), a name, the
areas it covers and its daily shift; every fault of the form found at once."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tickets.visits import Shift
from tickets.wording import N_

CODE = re.compile(r"[a-z][a-z0-9_-]{1,39}")
TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d|24:00")
MAX_AREAS = 50
# Areas typed in one field: separated by commas (either width), 、 or spaces.
AREA_SEPARATORS = re.compile(r"[,，、\s]+")


@dataclass(frozen=True)
class CrewForm:
    name: str
    areas: tuple[str, ...]
    shift_start: str
    shift_end: str


def parse_areas(typed: str) -> tuple[str, ...]:
    """The areas in the order typed, each once."""
    return tuple(dict.fromkeys(area for area in AREA_SEPARATORS.split(typed) if area))


def crew_errors(form: CrewForm, code: str | None = None) -> dict[str, str]:
    """What is wrong with the form, field by field (none: it may be saved). `code` only for
    a new crew: an existing one keeps its own."""
    errors: dict[str, str] = {}
    if code is not None and not CODE.fullmatch(code):
        errors["code"] = N_("2 to 40 lower-case letters, digits, - or _, starting with a letter")
    if not form.name.strip():
        errors["name"] = N_("required")
    elif len(form.name) > 100:
        errors["name"] = N_("100 characters at most")
    if not form.areas:
        errors["areas"] = N_("name at least one area the crew covers")
    elif len(form.areas) > MAX_AREAS or any(len(area) > 64 for area in form.areas):
        errors["areas"] = N_("50 areas of 64 characters at most")
    for name, value in (("shift_start", form.shift_start), ("shift_end", form.shift_end)):
        if not TIME.fullmatch(value) or (name == "shift_start" and value == "24:00"):
            errors[name] = N_("a time of day, like 08:00")
    if "shift_start" not in errors and "shift_end" not in errors:
        Shift.parse(form.shift_start, form.shift_end)
    return errors
