"""A ticket's audit rows told in words: what changed, in the reader's language, local times."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from hotline.web.pages.history import describe_change

SHANGHAI = ZoneInfo("Asia/Shanghai")
ZH = {
    "Status": "状态",
    "assigned": "已派单",
    "Department": "部门",
    "handle": "处理",
    "fix": "修复",
    "due %(moment)s": "截止 %(moment)s",
    "stopped": "已停止",
    "paused": "已暂停",
    "resumed": "已恢复",
    "Appointment": "预约",
    "Assignee": "负责人",
    "happened at %(moment)s": "发生于 %(moment)s",
}


def chinese(text: str) -> str:
    return ZH.get(text, text)


def test_an_assignment_with_a_visit_reads_as_words() -> None:
    before = {
        "status": "new",
        "assignee": None,
        "clock.handle": {"due_at": "2026-11-20T08:00:00+00:00", "stopped_at": None},
    }
    after = {
        "status": "assigned",
        "assignee": "tech",
        "appointment_start": "2026-11-21T02:00:00+00:00",
        "appointment_end": "2026-11-21T04:00:00+00:00",
        "clock.handle": {"due_at": "2026-11-21T04:00:00+00:00", "stopped_at": None},
        "department": "repair_south",
    }
    said = describe_change(before, after, SHANGHAI, chinese, {"repair_south": "南区维修队"})
    assert said == [
        "状态: 已派单",
        "负责人: tech",
        "预约: 11-21 10:00–12:00",
        "处理: 截止 11-21 12:00",
        "部门: 南区维修队",
    ]


def test_clocks_stopped_paused_and_resumed() -> None:
    running = {"due_at": "2026-11-20T08:00:00+00:00", "stopped_at": None, "paused_at": None}
    stopped = {**running, "stopped_at": "2026-11-20T05:00:00+00:00"}
    paused = {**running, "paused_at": "2026-11-20T05:00:00+00:00"}
    moved = {**running, "due_at": "2026-11-20T09:00:00+00:00"}
    assert describe_change(
        {"clock.fix": running}, {"clock.fix": stopped}, SHANGHAI, chinese, {}
    ) == ["修复: 已停止"]
    assert describe_change(
        {"clock.fix": running}, {"clock.fix": paused}, SHANGHAI, chinese, {}
    ) == ["修复: 已暂停"]
    assert describe_change({"clock.fix": paused}, {"clock.fix": moved}, SHANGHAI, chinese, {}) == [
        "修复: 截止 11-20 17:00",
        "修复: 已恢复",
    ]


def test_a_new_ticket_says_what_it_has_not_what_it_lacks() -> None:
    created = {
        "type": "repair",
        "status": "new",
        "assignee": None,
        "appointment_start": None,
        "appointment_end": None,
        "clock.fix": {"due_at": "2026-11-21T02:00:00+00:00", "stopped_at": None},
    }
    said = describe_change(None, created, SHANGHAI, chinese, {})
    assert said == ["Type: repair", "状态: new", "修复: 截止 11-21 10:00"]


def test_an_event_recorded_after_the_fact_and_an_unknown_field() -> None:
    said = describe_change(
        None, {"event_at": "2026-11-20T01:30:00+00:00", "weather": "rain"}, SHANGHAI, chinese, {}
    )
    assert said == ["发生于 11-20 09:30", "weather: rain"]


def test_a_photo_added_says_which_and_how_large() -> None:
    after = {"photo": 7, "media_type": "image/jpeg", "bytes": 2_400_000}
    words = {"photo %(id)s, %(kib)s KiB": "照片 %(id)s，%(kib)s KiB"}
    said = describe_change(None, after, SHANGHAI, lambda text: words.get(text, text), {})
    assert said == ["照片 7，2344 KiB"]
