"""Files are checked before they are read: a folder or a pipe named like a file is refused
(a pipe is never waited on), and text that is not UTF-8 is named by line and offset."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from crosswalk.io.text_files import InputFileError, read_utf8


def test_a_folder_a_pipe_and_a_missing_file_are_refused_by_name(tmp_path: Path) -> None:
    (tmp_path / "x.csv").mkdir()
    with pytest.raises(InputFileError, match=r"x.csv: is a folder, not a file"):
        read_utf8(tmp_path / "x.csv")
    os.mkfifo(tmp_path / "pipe.yaml")
    with pytest.raises(InputFileError, match="not a regular file"):
        read_utf8(tmp_path / "pipe.yaml")  # returns at once: nothing opens the pipe
    with pytest.raises(InputFileError, match="no such file"):
        read_utf8(tmp_path / "gone.yaml")


def test_text_that_is_not_utf8_is_named_by_line(tmp_path: Path) -> None:
    path = tmp_path / "A.yaml"
    path.write_bytes(b"id: A\ntitle: caf\xe9\n")
    with pytest.raises(InputFileError, match=r"A.yaml, line 2: byte 0xe9 at offset 16"):
        read_utf8(path)
    path.write_bytes("\ufeffid: A\n".encode())
    assert read_utf8(path) == "id: A\n"


def test_text_past_the_size_limit_is_refused_with_its_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "A.yaml"
    path.write_text("id: A\n" * 1000, encoding="utf-8")
    monkeypatch.setenv("CROSSWALK_MAX_INPUT_BYTES", "4096")
    refusal = r"A.yaml: 5.9 KiB \(6,000 bytes\) is more than the 4 KiB"
    with pytest.raises(InputFileError, match=refusal):
        read_utf8(path)
