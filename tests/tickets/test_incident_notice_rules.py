"""Which SMS an outage's step sends and what it says, without I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tickets.incident_notices import (
    NO_AREA,
    NoticeStep,
    area_words,
    is_emergency,
    notice_for,
)
from tickets.incidents import Cause, Kind, Plan
from tickets.sms_templates import SmsTemplate, render

SHANGHAI = ZoneInfo("Asia/Shanghai")
REPORTED = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
START = datetime(2026, 12, 10, 1, 0, tzinfo=UTC)

PLANNED = Plan(
    Kind.PLANNED,
    Cause.PIPELINE_INSPECTION,
    ("西湖区-文新街道",),
    (),
    REPORTED,
    START,
    START + timedelta(hours=8),
)
UNPLANNED = Plan(Kind.UNPLANNED, Cause.ACCIDENT, ("拱墅区",), (), REPORTED)
SIGNATURE = {"sender": "燃气热线", "hotline": "96777"}


def test_a_planned_outage_announced_sends_the_planned_notice_not_as_an_emergency() -> None:
    notice = notice_for(
        7, PLANNED, NoticeStep.ANNOUNCED, started_at=None, restored_at=None, tz=SHANGHAI
    )
    assert notice.event == "incident:7:planned"
    assert notice.template is SmsTemplate.PLANNED_OUTAGE
    assert notice.emergency is False
    assert notice.parameters == {
        "cause": "管网检测",
        "area": "西湖区-文新街道",
        "start": "12月10日 09:00",
        "end": "12月10日 17:00",
    }


def test_an_unplanned_outage_announced_is_its_start_and_an_emergency() -> None:
    announced = notice_for(
        8, UNPLANNED, NoticeStep.ANNOUNCED, started_at=None, restored_at=None, tz=SHANGHAI
    )
    started = notice_for(
        8, UNPLANNED, NoticeStep.STARTED, started_at=None, restored_at=None, tz=SHANGHAI
    )
    assert announced == started
    assert announced.event == "incident:8:started" and announced.emergency
    # Expected back: 24 h from the report when nobody said otherwise.
    assert announced.parameters["start"] == "11月30日 10:00"
    assert announced.parameters["restore"] == "12月1日 10:00"


def test_a_short_notice_emergency_repair_is_an_emergency() -> None:
    short = Plan(
        Kind.PLANNED,
        Cause.MAINTENANCE,
        ("拱墅区",),
        (),
        REPORTED,
        REPORTED + timedelta(hours=4),
        REPORTED + timedelta(hours=8),
        short_notice_reason="阀门漏气需抢修",
    )
    assert is_emergency(short) and not is_emergency(PLANNED)


def test_the_restoration_notice_says_when_gas_came_back() -> None:
    back = START + timedelta(hours=7)
    notice = notice_for(
        7, PLANNED, NoticeStep.RESTORED, started_at=START, restored_at=back, tz=SHANGHAI
    )
    assert notice.template is SmsTemplate.GAS_RESTORED
    assert notice.parameters == {"area": "西湖区-文新街道", "restored": "12月10日 16:00"}
    with pytest.raises(ValueError):
        notice_for(7, PLANNED, NoticeStep.RESTORED, started_at=START, restored_at=None, tz=SHANGHAI)


def test_many_areas_are_cut_short_and_accounts_alone_name_no_area() -> None:
    assert area_words(["甲", "乙", "丙", "丁"]) == "甲、乙、丙等区域"
    assert area_words(["甲", " "]) == "甲"
    assert area_words([]) == NO_AREA


@given(
    kind=st.sampled_from(Kind),
    step=st.sampled_from(NoticeStep),
    areas=st.lists(st.text(min_size=1, max_size=12).filter(str.strip), max_size=6),
    hours=st.integers(min_value=49, max_value=24 * 60),
)
def test_every_notice_renders_with_its_template(
    kind: Kind, step: NoticeStep, areas: list[str], hours: int
) -> None:
    cause = Cause.MAINTENANCE if kind is Kind.PLANNED else Cause.EMERGENCY_REPAIR
    start = REPORTED + timedelta(hours=hours)
    plan = Plan(kind, cause, tuple(areas), ("GS1",), REPORTED, start, start + timedelta(hours=3))
    notice = notice_for(
        1, plan, step, started_at=start, restored_at=start + timedelta(hours=2), tz=SHANGHAI
    )
    text = render(notice.template, {**SIGNATURE, **notice.parameters})
    assert text.startswith("【燃气热线】")
    assert notice.emergency is (kind is Kind.UNPLANNED)
