from __future__ import annotations

import pytest

from hotline.telephony.numbers import dial_string, normalise_caller


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13800138001", "+8613800138001"),
        ("+8613800138001", "+8613800138001"),
        ("013800138001", "+8613800138001"),
        ("88886666", "+8657188886666"),
        ("96777", "96777"),
        ("<unknown>", None),
        ("", None),
        (None, None),
    ],
)
def test_callers_normalise_like_the_customer_file(raw: str | None, expected: str | None) -> None:
    assert normalise_caller(raw, "571") == expected


@pytest.mark.parametrize(
    ("stored", "dialled"),
    [
        ("+8613800138001", "13800138001"),
        ("+8657188886666", "88886666"),
        ("+861012345678", "01012345678"),
        ("96777", "96777"),
        ("+85291234567", "0085291234567"),
    ],
)
def test_dial_strings_for_the_trunk(stored: str, dialled: str) -> None:
    assert dial_string(stored, "571") == dialled
