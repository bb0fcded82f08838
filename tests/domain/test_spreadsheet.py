"""Text made inert for spreadsheets, and read back as it was typed."""

from __future__ import annotations

import pytest

from crosswalk.domain.spreadsheet import csv_safe, from_csv_safe


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@A1", "\tx", "\rx"])
def test_risky_text_is_quoted_and_read_back_as_typed(text: str) -> None:
    assert csv_safe(text) == "'" + text
    assert from_csv_safe(str(csv_safe(text))) == text


@pytest.mark.parametrize("value", ["plain", "A=B", "'quoted", 5, -5, 2.5, None])
def test_safe_values_are_untouched(value: object) -> None:
    assert csv_safe(value) == value
