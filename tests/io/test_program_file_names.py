"""A record's file name is its id, escaped: different ids never share a file, the id can be
read back from the name, and no id becomes a path or a hidden file."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crosswalk.domain.controls import ID_MAX_CHARACTERS, RecordIdError, check_record_id
from crosswalk.io.program_files import ProgramError, file_name, file_names, id_from_file_name


def _valid(text: str) -> bool:
    try:
        return check_record_id(text) == text
    except RecordIdError:
        return False


IDS = st.text(min_size=1, max_size=ID_MAX_CHARACTERS).filter(_valid)


@given(IDS)
def test_a_name_reads_back_as_its_id_and_is_one_plain_file(record_id: str) -> None:
    name = file_name(record_id)
    assert id_from_file_name(name) == record_id
    assert "/" not in name and "\\" not in name and not name.startswith(".")
    assert len(name.encode("utf-8")) <= 240


@given(IDS, IDS)
def test_different_ids_never_share_a_name(first: str, second: str) -> None:
    assert (file_name(first) == file_name(second)) == (first == second)


def test_ids_that_used_to_collide_get_their_own_files() -> None:
    assert [file_name(i) for i in ("X 1", "X_1", "X/1", "..", "NW-AC-04")] == [
        "X%201.yaml",
        "X_1.yaml",
        "X%2F1.yaml",
        "%2E..yaml",
        "NW-AC-04.yaml",
    ]


def test_ids_that_differ_only_in_case_are_refused_together() -> None:
    with pytest.raises(ProgramError, match="'AC-1' and 'ac-1' would share the file"):
        file_names(["AC-1", "ac-1"], "controls")


def test_an_id_too_long_for_a_file_is_refused_where_it_is_made() -> None:
    with pytest.raises(RecordIdError, match="is 5000 characters long"):
        check_record_id("A" * 5000)
    with pytest.raises(RecordIdError, match="bytes as a file"):
        check_record_id("\U0001f512" * 90)  # 90 characters, 360 bytes
    with pytest.raises(RecordIdError, match="U\\+000A"):
        check_record_id("AC\n1")
