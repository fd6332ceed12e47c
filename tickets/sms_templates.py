"""The SMS notices, in Chinese as the customers read them: a planned outage announced ahead,
an outage begun, gas restored, the relighting visit the day before, and a visit appointment
confirmed or changed. A notice is its template and parameters; the text is rendered once, when
it is queued, and kept as sent."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

# One SMS carries 70 UCS2 characters; a longer one is split into parts of 67 (the rest is the
# concatenation header), which the operator bills one by one.
SINGLE_PART_CHARACTERS = 70
MULTI_PART_CHARACTERS = 67
# Control characters would garble the SMS (a line feed splits some handsets' preview).
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


class SmsTemplate(StrEnum):
    PLANNED_OUTAGE = "planned_outage"
    OUTAGE_STARTED = "outage_started"
    GAS_RESTORED = "gas_restored"
    RELIGHTING_REMINDER = "relighting_reminder"
    VISIT_CONFIRMED = "visit_confirmed"
    VISIT_CHANGED = "visit_changed"


class SmsTemplateError(ValueError):
    """A notice whose parameters do not fit its template."""


_TEXTS: dict[SmsTemplate, str] = {
    SmsTemplate.PLANNED_OUTAGE: (
        "【{sender}】尊敬的用户：因{cause}，{area}将于{start}至{end}暂停供气，"
        "请提前做好准备，停气期间请关闭燃气阀门。如有疑问请致电{hotline}。"
    ),
    SmsTemplate.OUTAGE_STARTED: (
        "【{sender}】尊敬的用户：因{cause}，{area}已于{start}暂停供气，预计{restore}恢复。"
        "给您带来不便，我们深表歉意。咨询请致电{hotline}。"
    ),
    SmsTemplate.GAS_RESTORED: (
        "【{sender}】尊敬的用户：{area}已于{restored}恢复供气。需要上门开气的用户，"
        "工作人员将另行预约，请勿自行开启燃气表阀。咨询请致电{hotline}。"
    ),
    SmsTemplate.RELIGHTING_REMINDER: (
        "【{sender}】尊敬的用户：工作人员将于{date} {window}上门为您开气，请家中留人。"
        "如需改约请致电{hotline}。"
    ),
    SmsTemplate.VISIT_CONFIRMED: (
        "【{sender}】尊敬的用户：您的工单{ticket}已预约上门服务，时间为{date} {window}。"
        "如需改约请致电{hotline}。"
    ),
    SmsTemplate.VISIT_CHANGED: (
        "【{sender}】尊敬的用户：您的工单{ticket}的上门服务已改约至{date} {window}。"
        "给您带来不便，敬请谅解。如有疑问请致电{hotline}。"
    ),
}


def parameters_of(template: SmsTemplate) -> frozenset[str]:
    """The parameters a template needs, every one of them."""
    return frozenset(
        name for _text, name, _spec, _conv in string.Formatter().parse(_TEXTS[template]) if name
    )


def render(template: SmsTemplate, parameters: dict[str, str]) -> str:
    """The notice's text. Every parameter the template names must be given and not blank;
    control characters in a value are replaced by a space."""
    needed = parameters_of(template)
    missing = sorted(name for name in needed if not parameters.get(name, "").strip())
    if missing:
        raise SmsTemplateError(f"{template.value} needs {', '.join(missing)}")
    clean = {name: _CONTROL.sub(" ", parameters[name]).strip() for name in needed}
    # format_map substitutes once: braces inside a value stay text.
    return _TEXTS[template].format_map(clean)


def parts(text: str) -> int:
    """How many SMS parts the text takes in UCS2."""
    length = len(text.encode("utf-16-be")) // 2
    if length <= SINGLE_PART_CHARACTERS:
        return 1
    return -(-length // MULTI_PART_CHARACTERS)


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime


def local_day(moment: datetime, tz: ZoneInfo) -> str:
    """12月10日 as the notices write a day."""
    local = moment.astimezone(tz)
    return f"{local.month}月{local.day}日"


def local_time(moment: datetime, tz: ZoneInfo) -> str:
    """12月10日 09:00 as the notices write a moment."""
    local = moment.astimezone(tz)
    return f"{local_day(moment, tz)} {local:%H:%M}"


def window_parameters(window: Window, tz: ZoneInfo) -> dict[str, str]:
    """`date` and `window` (09:00-11:00) of an appointment, in local time."""
    start, end = window.start.astimezone(tz), window.end.astimezone(tz)
    return {"date": local_day(window.start, tz), "window": f"{start:%H:%M}-{end:%H:%M}"}
