"""A crew's form: every fault found at once, field by field; what passes makes a shift."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tickets.crews import CrewForm, crew_errors, parse_areas
from tickets.visits import Shift

GOOD = CrewForm("北区抢修队", ("北区", "东区"), "08:00", "20:00")


def test_a_good_crew_has_no_errors() -> None:
    assert crew_errors(GOOD, "north") == {}
    assert crew_errors(CrewForm("夜班", ("全市",), "20:00", "08:00"), "night") == {}
    assert crew_errors(CrewForm("值班", ("全市",), "00:00", "24:00"), "day-and-night") == {}


def test_every_fault_at_once() -> None:
    errors = crew_errors(CrewForm(" ", (), "25:00", "8"), "North Crew")
    assert set(errors) == {"code", "name", "areas", "shift_start", "shift_end"}


def test_an_existing_crew_keeps_its_code_unchecked() -> None:
    assert crew_errors(GOOD) == {}


def test_areas_are_split_on_commas_enumeration_marks_and_spaces_each_once() -> None:
    assert parse_areas("北区、东区，西区, 南区  北区") == ("北区", "东区", "西区", "南区")
    assert parse_areas(" ，、 ") == ()


@given(st.integers(0, 23), st.integers(0, 59), st.integers(0, 24), st.integers(0, 59))
def test_whatever_passes_is_a_shift(h1: int, m1: int, h2: int, m2: int) -> None:
    start, end = f"{h1:02}:{m1:02}", f"{h2:02}:{m2:02}"
    if not crew_errors(CrewForm("队", ("北区",), start, end)):
        assert Shift.parse(start, end).length.total_seconds() > 0
