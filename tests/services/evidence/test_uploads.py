"""Upload names: a plain file name passes, anything that reads as a path does not."""

from __future__ import annotations

import pytest

from crosswalk.services.evidence.uploads import (
    UnsafeFileName,
    UnsupportedFileType,
    check_file_name,
    check_file_type,
)


@pytest.mark.parametrize(
    "name", ["access-review-2026-01-01..2026-03-31.pdf", "SOC 2 bridge letter.docx", "ü.csv"]
)
def test_plain_names_pass(name: str) -> None:
    assert check_file_name(name) == name


@pytest.mark.parametrize(
    "name", ["../x.pdf", "..", "a/b.pdf", "a\\b.pdf", ".hidden.pdf", "a\x00.pdf", " a.pdf", ""]
)
def test_names_that_read_as_paths_or_hide_are_refused(name: str) -> None:
    with pytest.raises(UnsafeFileName):
        check_file_name(name)


def test_types_outside_the_evidence_formats_are_refused() -> None:
    assert check_file_type("Report.PDF") == "application/pdf"
    for name in ("setup.exe", "page.html", "noext"):
        with pytest.raises(UnsupportedFileType):
            check_file_type(name)
