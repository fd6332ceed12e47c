"""Numbers, dates and times said in Mandarin with prompt files (ivr/speech.py): the readings a
caller expects, checked by example, by a small independent reader of Chinese numerals that
must get every number back, and by hypothesis over any pair of dates."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ivr.prompts import RECORDING_SCRIPT
from ivr.speech import LARGEST, digits, minutes, moment, number

SHANGHAI = ZoneInfo("Asia/Shanghai")


def said(prompts: list[str]) -> str:
    """What the caller hears: the words of each prompt, run together."""
    return "".join(RECORDING_SCRIPT[prompt] for prompt in prompts)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


NUMERALS = {"零": 0, "一": 1, "幺": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
NUMERALS |= {"六": 6, "七": 7, "八": 8, "九": 9}
UNITS = {"十": 10, "百": 100, "千": 1000}


def _read_part(part: str, unit_before: int) -> int:
    """Below 10000: a numeral multiplies the unit after it, a unit with no numeral before it
    is one of it (十二), 零 marks a gap; a last numeral straight after a unit counts the next
    lower unit, as a listener hears it (一百五 is 150, 两万五 is 25000)."""
    total, pending, last_unit, gap = 0, None, unit_before, False
    for ch in part:
        if ch in UNITS:
            total += (1 if pending is None else pending) * UNITS[ch]
            pending, last_unit, gap = None, UNITS[ch], False
        elif ch in NUMERALS:
            if pending is not None:
                raise ValueError(f"{part!r}: two numerals in a row")
            if ch == "零":
                gap = True
            else:
                pending = NUMERALS[ch]
        else:
            raise ValueError(f"{part!r}: {ch!r} is not a numeral")
    if pending is None:
        return total
    return total + (pending if gap or last_unit < 100 else pending * last_unit // 10)


def read_chinese(text: str) -> int:
    """A Chinese numeral below 一亿 read back as a number."""
    if "万" not in text:
        return _read_part(text, 1)
    high, low = text.split("万")
    if not high:
        raise ValueError(f"{text!r}: nothing before 万")
    return _read_part(high, 1) * 10_000 + _read_part(low, 10_000)


def test_the_reader_reads_as_a_listener_hears() -> None:
    assert read_chinese("一百五") == 150 and read_chinese("一百零五") == 105
    assert read_chinese("两万五") == 25000 and read_chinese("两万零五") == 20005
    assert read_chinese("十二") == 12 and read_chinese("一千万一千") == 10_001_000


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "零"),
        (7, "七"),
        (10, "十"),
        (12, "十二"),
        (20, "二十"),
        (105, "一百零五"),
        (110, "一百一十"),
        (1010, "一千零一十"),
        (1001, "一千零一"),
        (2000, "两千"),
        (2022, "两千零二十二"),
        (10000, "一万"),
        (10005, "一万零五"),
        (10500, "一万零五百"),
        (20000, "两万"),
        (100010, "十万零一十"),
        (150000, "十五万"),
        (10001000, "一千万一千"),
        (99999999, "九千九百九十九万九千九百九十九"),
    ],
)
def test_numbers_read_as_chinese_reads_them(n: int, words: str) -> None:
    assert said(number(n)) == words


def test_two_is_liang_only_when_it_counts_something() -> None:
    assert said(number(2)) == "二"
    assert said(number(2, counting=True)) == "两"
    assert said(number(12, counting=True)) == "十二"
    assert said(number(22, counting=True)) == "二十二"


@pytest.mark.parametrize("n", [-1, LARGEST + 1])
def test_numbers_out_of_range_are_refused(n: int) -> None:
    with pytest.raises(ValueError, match="outside"):
        number(n)


def test_digits_one_by_one_with_yao_for_one() -> None:
    assert said(digits("13800138001")) == "幺三八零零幺三八零零幺"
    assert said(digits("WX-0071")) == "零零七幺"
    assert digits("") == []


@pytest.mark.parametrize(
    ("when", "now", "words"),
    [
        ("2026-12-01 15:30", "2026-11-30 09:00", "明天下午三点半"),
        ("2026-11-30 00:00", "2026-11-30 09:00", "今天凌晨零点整"),
        ("2026-11-30 05:59", "2026-11-30 09:00", "今天凌晨五点五十九分"),
        ("2026-11-30 06:05", "2026-11-30 09:00", "今天上午六点零五分"),
        ("2026-11-30 12:00", "2026-11-30 09:00", "今天中午十二点整"),
        ("2026-11-30 12:30", "2026-11-30 09:00", "今天中午十二点半"),
        ("2026-11-30 14:10", "2026-11-30 09:00", "今天下午两点十分"),
        ("2026-11-30 18:00", "2026-11-30 09:00", "今天晚上六点整"),
        ("2026-12-02 02:15", "2026-11-30 09:00", "后天凌晨两点十五分"),
        ("2026-11-29 23:45", "2026-11-30 09:00", "昨天晚上十一点四十五分"),
        ("2026-12-25 09:00", "2026-11-30 09:00", "十二月二十五日上午九点整"),
        ("2027-01-03 10:20", "2026-12-30 09:00", "二零二七年一月三日上午十点二十分"),
    ],
)
def test_moments_said_against_today(when: str, now: str, words: str) -> None:
    assert said(moment(at(when), at(now))) == words


def test_day_words_turn_over_at_local_midnight() -> None:
    # 23:59:59 and 00:00 a second apart are today and tomorrow; UTC's date is another.
    now = at("2026-11-30 23:59:59")
    assert said(moment(now, now)).startswith("今天")
    assert said(moment(now + timedelta(seconds=1), now)).startswith("明天凌晨零点整")
    in_utc = at("2026-12-01 07:00").astimezone(ZoneInfo("UTC"))  # 2026-11-30 23:00 UTC
    assert said(moment(in_utc, now)).startswith("明天上午七点")


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "零分钟"),
        (2, "两分钟"),
        (15, "十五分钟"),
        (60, "一小时"),
        (80, "一小时二十分钟"),
        (120, "两小时"),
        (125, "两小时五分钟"),
    ],
)
def test_durations(n: int, words: str) -> None:
    assert said(minutes(n)) == words


def test_a_negative_duration_is_refused() -> None:
    with pytest.raises(ValueError, match="minutes"):
        minutes(-1)


@given(st.integers(min_value=0, max_value=LARGEST), st.booleans())
@settings(max_examples=2000)
def test_every_number_reads_back_to_itself(n: int, counting: bool) -> None:
    prompts = number(n, counting=counting)
    assert set(prompts) <= set(RECORDING_SCRIPT)
    assert read_chinese(said(prompts)) == n


@given(st.text(alphabet="0123456789-# ABC", max_size=20))
def test_digits_name_only_recorded_prompts_one_per_digit(text: str) -> None:
    prompts = digits(text)
    assert set(prompts) <= set(RECORDING_SCRIPT)
    assert [NUMERALS[word] for word in said(prompts)] == [int(ch) for ch in text if ch.isdigit()]


@given(st.integers(min_value=0, max_value=LARGEST * 60))
def test_durations_read_back_to_themselves(n: int) -> None:
    prompts = minutes(n)
    assert set(prompts) <= set(RECORDING_SCRIPT)
    hours, _, rest = said(prompts).rpartition("小时")
    in_hours = read_chinese(hours) * 60 if hours else 0
    assert in_hours + (read_chinese(rest.removesuffix("分钟")) if rest else 0) == n


# Any date and time a datetime holds, in the zone callers live in or another one.
ZONES = st.sampled_from([SHANGHAI, ZoneInfo("UTC"), ZoneInfo("America/New_York")])
RANGE = {"min_value": datetime(1, 1, 2), "max_value": datetime(9999, 12, 30)}


@given(st.datetimes(**RANGE, timezones=ZONES), st.datetimes(**RANGE, timezones=st.just(SHANGHAI)))
@settings(max_examples=500)
def test_any_two_moments_are_said_with_recorded_prompts(when: datetime, now: datetime) -> None:
    prompts = moment(when, now)
    assert set(prompts) <= set(RECORDING_SCRIPT)
    words = said(prompts)
    local = when.astimezone(SHANGHAI)
    day_word = {-1: "昨天", 0: "今天", 1: "明天", 2: "后天"}.get((local.date() - now.date()).days)
    if day_word:
        assert words.startswith(day_word)
    else:
        assert f"{said(number(local.month))}月{said(number(local.day))}日" in words
        assert ("年" in words) == (local.year != now.year)
    assert words.endswith(("整", "半", "分"))
