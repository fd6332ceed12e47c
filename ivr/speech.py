"""How the IVR says numbers, dates and times in Mandarin. Asterisk plays files, not text, and
its own Chinese number sounds are not installed: each function here returns the prompt files
(names under the sounds directory, no extension) to play one after the other. Every name is
an entry of `WORDS`, which ivr/prompts.py puts into the recording script, so each one gets
recorded (or rendered by `hotline prompts build`). Pure: no I/O.

Readings follow spoken Chinese:
- `digits` reads a phone or ticket number digit by digit, 1 as 幺 ("yāo", as a hotline
  reads 110 or 12345: on a narrow-band line 一 is easily heard as 七).
- `number` reads a value: 十二, 一百零五, 一千零一十, 一万零五, 一千万一千; 两 for a 2 before
  千 or 万 that leads the number (两千, 两万) and, with `counting=True`, for a count of 2 before
  a measure word (两点, 两小时, 两位).
- `moment` reads a local date and time against today: 明天下午三点半, 十二月一日上午九点零五分.
- `minutes` reads a duration: 十五分钟, 一小时二十分钟, 两小时.
"""

from __future__ import annotations

from datetime import datetime

# prompt file -> what its recording says.
WORDS: dict[str, str] = {
    "custom/say/digit-0": "零",
    "custom/say/digit-1": "一",
    "custom/say/digit-2": "二",
    "custom/say/digit-3": "三",
    "custom/say/digit-4": "四",
    "custom/say/digit-5": "五",
    "custom/say/digit-6": "六",
    "custom/say/digit-7": "七",
    "custom/say/digit-8": "八",
    "custom/say/digit-9": "九",
    "custom/say/yao": "幺",
    "custom/say/liang": "两",
    "custom/say/shi": "十",
    "custom/say/bai": "百",
    "custom/say/qian": "千",
    "custom/say/wan": "万",
    "custom/say/nian": "年",
    "custom/say/yue": "月",
    "custom/say/ri": "日",
    "custom/say/dian": "点",
    "custom/say/fen": "分",
    "custom/say/ban": "半",
    "custom/say/zheng": "整",
    "custom/say/yesterday": "昨天",
    "custom/say/today": "今天",
    "custom/say/tomorrow": "明天",
    "custom/say/day-after-tomorrow": "后天",
    "custom/say/early-morning": "凌晨",
    "custom/say/morning": "上午",
    "custom/say/noon": "中午",
    "custom/say/afternoon": "下午",
    "custom/say/evening": "晚上",
    "custom/say/minutes": "分钟",
    "custom/say/hours": "小时",
}

NUMERALS = (
    "custom/say/digit-0",
    "custom/say/digit-1",
    "custom/say/digit-2",
    "custom/say/digit-3",
    "custom/say/digit-4",
    "custom/say/digit-5",
    "custom/say/digit-6",
    "custom/say/digit-7",
    "custom/say/digit-8",
    "custom/say/digit-9",
)
ZERO = NUMERALS[0]
YAO = "custom/say/yao"
LIANG = "custom/say/liang"
TEN = "custom/say/shi"
HUNDRED = "custom/say/bai"
THOUSAND = "custom/say/qian"
TEN_THOUSAND = "custom/say/wan"
YEAR = "custom/say/nian"
MONTH = "custom/say/yue"
DAY = "custom/say/ri"
HOUR = "custom/say/dian"
MINUTE = "custom/say/fen"
HALF = "custom/say/ban"
SHARP = "custom/say/zheng"
DAY_WORDS = {
    -1: "custom/say/yesterday",
    0: "custom/say/today",
    1: "custom/say/tomorrow",
    2: "custom/say/day-after-tomorrow",
}
EARLY_MORNING = "custom/say/early-morning"
MORNING = "custom/say/morning"
NOON = "custom/say/noon"
AFTERNOON = "custom/say/afternoon"
EVENING = "custom/say/evening"
MINUTES = "custom/say/minutes"
HOURS = "custom/say/hours"

LARGEST = 99_999_999
# Units of a four-digit group, from its first digit: 千 百 十 and the ones (no unit).
_GROUP_UNITS = (THOUSAND, HUNDRED, TEN, None)


def digits(text: str) -> list[str]:
    """Each digit of `text` on its own (a phone or ticket number); other characters are not
    said."""
    return [YAO if ch == "1" else NUMERALS[int(ch)] for ch in text if "0" <= ch <= "9"]


def _group(value: int, leading: bool) -> list[str]:
    """1..9999 as a four-digit group. `leading`: nothing of the number comes before it, so
    10..19 say 十…, not 一十…, and a 2 before 千 is 两. Zeros between digits say one 零;
    zeros at the end say nothing."""
    said: list[str] = []
    zero_between = False
    for position, ch in enumerate(f"{value:04d}"):
        digit, unit = int(ch), _GROUP_UNITS[position]
        if digit == 0:
            zero_between = bool(said)
            continue
        if zero_between:
            said.append(ZERO)
            zero_between = False
        first = leading and not said
        if first and unit == TEN and digit == 1:
            said.append(TEN)
            continue
        said.append(LIANG if first and unit == THOUSAND and digit == 2 else NUMERALS[digit])
        if unit is not None:
            said.append(unit)
    return said


def number(n: int, *, counting: bool = False) -> list[str]:
    """A whole number from 0 to 99,999,999 as Chinese reads it. `counting`: it counts
    something before a measure word (点, 小时, 分钟, 位), where a lone 2 is 两."""
    if not 0 <= n <= LARGEST:
        raise ValueError(f"{n} is outside 0..{LARGEST}")
    if n == 0:
        return [ZERO]
    if n == 2 and counting:
        return [LIANG]
    high, low = divmod(n, 10_000)
    said: list[str] = []
    if high:
        # 两万 for 20000, but 十二万, 二十万, 一百二十万.
        said += [LIANG] if high == 2 else _group(high, leading=True)
        said.append(TEN_THOUSAND)
        if 0 < low < 1000:
            said.append(ZERO)
    if low:
        said += _group(low, leading=not high)
    return said


def _day(at: datetime, now: datetime) -> list[str]:
    days = (at.date() - now.date()).days
    if days in DAY_WORDS:
        return [DAY_WORDS[days]]
    year = [NUMERALS[int(ch)] for ch in str(at.year)] + [YEAR] if at.year != now.year else []
    return [*year, *number(at.month), MONTH, *number(at.day), DAY]


def _part_of_day(hour: int) -> str:
    if hour < 6:
        return EARLY_MORNING
    if hour < 12:
        return MORNING
    if hour == 12:
        return NOON
    if hour < 18:
        return AFTERNOON
    return EVENING


def moment(at: datetime, now: datetime) -> list[str]:
    """When `at` is, said to a caller on `now`: the day (今天, 明天, 后天, 昨天, else the date,
    with the year when it is another year's), the part of the day, the hour on the 12-hour
    clock and the minutes (整, 半, 零五分, 二十分). Both aware; `at` is read in `now`'s zone."""
    if at.tzinfo is not None and now.tzinfo is not None:
        at = at.astimezone(now.tzinfo)
    hour = at.hour if at.hour <= 12 else at.hour - 12
    said = [*_day(at, now), _part_of_day(at.hour), *number(hour, counting=True), HOUR]
    if at.minute == 0:
        said.append(SHARP)
    elif at.minute == 30:
        said.append(HALF)
    else:
        said += [ZERO] * (at.minute < 10) + number(at.minute) + [MINUTE]
    return said


def minutes(n: int) -> list[str]:
    """A duration of `n` minutes: 十五分钟; from an hour on, 一小时二十分钟, 两小时."""
    if n < 0:
        raise ValueError(f"a duration of {n} minutes")
    hours, rest = divmod(n, 60)
    if not hours:
        return [*number(rest, counting=True), MINUTES]
    said = [*number(hours, counting=True), HOURS]
    if rest:
        said += [*number(rest, counting=True), MINUTES]
    return said
