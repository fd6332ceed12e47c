"""A technician's fix says what was done; other steps need no words."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tickets.field_work import FIX_NEEDS_REPORT, check_field_step
from tickets.workflow import Action, ActionInvalid


@pytest.mark.parametrize("note", [None, "", "   \n\t"])
def test_a_fix_without_a_word_is_refused_at_the_note(note: str | None) -> None:
    with pytest.raises(ActionInvalid) as refused:
        check_field_step(Action.FIX, note)
    assert (refused.value.field, refused.value.message) == ("note", FIX_NEEDS_REPORT)


@given(st.text(min_size=1).filter(lambda note: note.strip() != ""))
def test_a_fix_that_says_anything_is_accepted(note: str) -> None:
    check_field_step(Action.FIX, note)


@given(st.sampled_from([Action.START, Action.ARRIVE]), st.none() | st.text())
def test_setting_out_and_arriving_need_no_words(step: Action, note: str | None) -> None:
    check_field_step(step, note)
