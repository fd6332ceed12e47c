"""A ticket's audit rows in words a person reads: what an action changed, values in the
reader's language and times in local time — not the dictionaries the audit log stores."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from hotline.i18n import N_

Translate = Callable[[str], str]

# Fields whose values are domain words the catalogues translate (status, type, ...).
WORDS = {"type": N_("Type"), "subtype": N_("Subtype"), "status": N_("Status")}
WORDS |= {"priority": N_("Priority")}


def _moment(value: str | None, tz: ZoneInfo) -> str:
    if not value:
        return "—"
    return datetime.fromisoformat(value).astimezone(tz).strftime("%m-%d %H:%M")


def _clock(
    name: str, old: Mapping[str, Any], new: Mapping[str, Any], tz: ZoneInfo, _: Translate
) -> list[str]:
    label = _(name)
    said = []
    if new.get("due_at") != old.get("due_at"):
        said.append(f"{label}: {_('due %(moment)s') % {'moment': _moment(new.get('due_at'), tz)}}")
    if new.get("stopped_at") and not old.get("stopped_at"):
        said.append(f"{label}: {_('stopped')}")
    if new.get("paused_at") and not old.get("paused_at"):
        said.append(f"{label}: {_('paused')}")
    elif old.get("paused_at") and not new.get("paused_at"):
        said.append(f"{label}: {_('resumed')}")
    return said


def describe_change(
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    tz: ZoneInfo,
    _: Translate,
    departments: Mapping[str, str],
) -> list[str]:
    """One phrase per thing the action changed, in the order the audit row keeps them."""
    before, after = before or {}, after or {}
    said: list[str] = []
    for key, value in after.items():
        if value is None and before.get(key) is None:
            continue  # nothing there before or after: nothing to tell
        if key.startswith("clock."):
            said += _clock(key.removeprefix("clock."), before.get(key) or {}, value or {}, tz, _)
        elif key in WORDS:
            said.append(f"{_(WORDS[key])}: {_(value) if value else '—'}")
        elif key == "department":
            said.append(f"{_('Department')}: {departments.get(value, value) or '—'}")
        elif key == "assignee":
            said.append(f"{_('Assignee')}: {value or '—'}")
        elif key == "appointment_start":
            end = _moment(after.get("appointment_end"), tz)[-5:]
            said.append(f"{_('Appointment')}: {_moment(value, tz)}–{end}")
        elif key == "event_at":
            said.append(_("happened at %(moment)s") % {"moment": _moment(value, tz)})
        elif key == "photo":
            # A photo of the work added: which, and how large (its type is in the photo).
            kib = max(1, round((after.get("bytes") or 0) / 1024))
            said.append(_("photo %(id)s, %(kib)s KiB") % {"id": value, "kib": kib})
        elif key in ("bytes", "media_type"):
            continue
        elif key != "appointment_end":
            said.append(f"{key}: {value}")
    return said
