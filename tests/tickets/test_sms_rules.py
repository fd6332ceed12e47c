"""SMS notices (tickets/sms_templates.py, tickets/sms_sending.py): the Chinese templates, the
quiet hours, retries with backoff, delivery receipts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tickets.sms_sending import (
    ESME_RMSGQFUL,
    ESME_ROK,
    ESME_RSYSERR,
    ESME_RTHROTTLED,
    SmsPolicy,
    SmsStatus,
    SubmitOutcome,
    dedupe_key,
    may_send,
    outcome_of,
    retry_after,
    send_at,
    status_from_receipt,
)
from tickets.sms_templates import (
    SmsTemplate,
    SmsTemplateError,
    Window,
    parameters_of,
    parts,
    render,
    window_parameters,
)

TZ = ZoneInfo("Asia/Shanghai")
POLICY = SmsPolicy()


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=TZ)


PLANNED = {
    "sender": "城市燃气",
    "cause": "管网检测",
    "area": "西湖区文三路",
    "start": "12月10日 09:00",
    "end": "12月10日 17:00",
    "hotline": "96777",
}


def test_planned_outage_notice_names_cause_area_and_times() -> None:
    assert render(SmsTemplate.PLANNED_OUTAGE, PLANNED) == (
        "【城市燃气】尊敬的用户：因管网检测，西湖区文三路将于12月10日 09:00至12月10日 17:00"
        "暂停供气，请提前做好准备，停气期间请关闭燃气阀门。如有疑问请致电96777。"
    )


def test_a_missing_parameter_is_refused_by_name() -> None:
    with pytest.raises(SmsTemplateError, match="area"):
        render(SmsTemplate.PLANNED_OUTAGE, {**PLANNED, "area": "  "})


def test_every_template_renders_with_its_parameters() -> None:
    for template in SmsTemplate:
        text = render(template, {name: "某" for name in parameters_of(template)})
        assert text.startswith("【某】")
        assert "{" not in text


def test_visit_window_in_local_time() -> None:
    window = Window(
        datetime(2026, 12, 1, 1, 0, tzinfo=UTC), datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    )
    assert window_parameters(window, TZ) == {"date": "12月1日", "window": "09:00-11:00"}


values = st.text(min_size=1, max_size=30).filter(lambda value: value.strip() != "")


@given(st.dictionaries(st.sampled_from(sorted(parameters_of(SmsTemplate.VISIT_CHANGED))), values))
def test_rendering_keeps_values_as_text(given_values: dict[str, str]) -> None:
    parameters = {name: "x" for name in parameters_of(SmsTemplate.VISIT_CHANGED)} | given_values
    text = render(SmsTemplate.VISIT_CHANGED, parameters)
    # No control characters reach the handset, and braces in a value are not a template.
    assert not any(ord(char) < 0x20 for char in text)
    for value in parameters.values():
        cleaned = "".join(" " if ord(c) < 0x20 or c == "\x7f" else c for c in value)
        assert " ".join(cleaned.split()) in " ".join(text.split())


@given(st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), max_size=400))
def test_parts_cover_the_text(text: str) -> None:
    count = parts(text)
    assert count >= 1
    assert len(text) <= (70 if count == 1 else 67 * count)


def test_quiet_hours_hold_a_notice_until_eight() -> None:
    evening = local(9, 22, 30)
    assert not may_send(False, evening, TZ, POLICY)
    assert send_at(False, evening, TZ, POLICY) == local(10, 8, 0)


def test_an_emergency_goes_in_the_quiet_hours() -> None:
    assert may_send(True, local(9, 23), TZ, POLICY)


@given(st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 1, 1)))
def test_send_at_is_never_in_the_quiet_hours_nor_before_now(naive: datetime) -> None:
    now = naive.replace(tzinfo=UTC)
    at = send_at(False, now, TZ, POLICY)
    assert at >= now
    assert not POLICY.quiet.holds(at.astimezone(TZ).time())
    assert at - now <= timedelta(hours=11)


def test_submit_statuses() -> None:
    assert outcome_of(ESME_ROK) is SubmitOutcome.ACCEPTED
    assert outcome_of(ESME_RTHROTTLED) is SubmitOutcome.THROTTLED
    assert outcome_of(ESME_RMSGQFUL) is SubmitOutcome.THROTTLED
    assert outcome_of(ESME_RSYSERR) is SubmitOutcome.TRANSIENT
    assert outcome_of(0x0B) is SubmitOutcome.REJECTED  # invalid destination address


def test_throttled_is_tried_again_shortly() -> None:
    now = local(9, 10)
    retry = retry_after(
        SubmitOutcome.THROTTLED,
        attempts=0,
        throttles=1,
        emergency=False,
        now=now,
        tz=TZ,
        policy=POLICY,
    )
    assert retry.at == now + POLICY.throttle_backoff


def test_rejected_is_not_tried_again() -> None:
    retry = retry_after(
        SubmitOutcome.REJECTED,
        attempts=1,
        throttles=0,
        emergency=False,
        now=local(9, 10),
        tz=TZ,
        policy=POLICY,
    )
    assert retry.at is None


def test_a_retry_falling_in_the_quiet_hours_waits_for_morning() -> None:
    retry = retry_after(
        SubmitOutcome.TRANSIENT,
        attempts=3,
        throttles=0,
        emergency=False,
        now=local(9, 20, 59),
        tz=TZ,
        policy=POLICY,
    )
    assert retry.at == local(10, 8)


@given(st.integers(min_value=1, max_value=10))
def test_backoff_grows_and_is_capped_then_gives_up(attempts: int) -> None:
    now = local(9, 10)
    retry = retry_after(
        SubmitOutcome.TRANSIENT,
        attempts=attempts,
        throttles=0,
        emergency=True,
        now=now,
        tz=TZ,
        policy=POLICY,
    )
    if attempts >= POLICY.max_attempts:
        assert retry.at is None
    else:
        assert retry.at is not None
        wait = retry.at - now
        assert POLICY.first_backoff <= wait <= POLICY.max_backoff
        assert wait == min(POLICY.first_backoff * 2 ** (attempts - 1), POLICY.max_backoff)


def test_receipts() -> None:
    assert status_from_receipt("DELIVRD") is SmsStatus.DELIVERED
    assert status_from_receipt("UNDELIV") is SmsStatus.FAILED
    assert status_from_receipt("ENROUTE") is None


def test_dedupe_key_is_event_and_recipient() -> None:
    assert dedupe_key("incident:7:planned", "+8613800000001") != dedupe_key(
        "incident:7:planned", "+8613800000002"
    )
