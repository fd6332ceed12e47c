"""Times as people say them on the console: "today 14:05", "yesterday 09:10", "11-28 14:30",
in the utility's time zone — never an ISO string."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hotline.web.templating import current_gettext


def when(moment: datetime | None, now: datetime, tz: ZoneInfo) -> str:
    if moment is None:
        return "—"
    _ = current_gettext()
    local, today = moment.astimezone(tz), now.astimezone(tz).date()
    if local.date() == today:
        day = _("today")
    elif local.date() == today - timedelta(days=1):
        day = _("yesterday")
    elif local.year == today.year:
        day = f"{local:%m-%d}"
    else:
        day = f"{local:%Y-%m-%d}"
    return f"{day} {local:%H:%M}"
