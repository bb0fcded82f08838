"""``file`` against real files: an exact snapshot, substring checks, clear refusals."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from crosswalk.collectors import CollectorError
from crosswalk.collectors.file import FileCollector, FileParams

CONFIG = "PermitRootLogin no\nPasswordAuthentication no\n# é\n"


def run(**params: object):  # type: ignore[no-untyped-def]
    return FileCollector().collect(FileParams.model_validate(params))


@pytest.fixture
def sshd_config(tmp_path: Path) -> Path:
    path = tmp_path / "sshd_config"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def test_snapshot_is_the_exact_bytes(sshd_config: Path) -> None:
    result = run(path=str(sshd_config))
    assert result.content == sshd_config.read_bytes()
    assert result.sha256 == hashlib.sha256(sshd_config.read_bytes()).hexdigest()
    assert result.passed is True
    assert result.filename == "sshd_config"
    assert result.media_type == "text/plain"
    assert result.details["size"] == len(CONFIG.encode())
    assert result.details["path"] == str(sshd_config.resolve())


def test_passes_when_every_required_text_is_present(sshd_config: Path) -> None:
    result = run(path=str(sshd_config), must_contain=["PermitRootLogin no", "# é"])
    assert result.passed is True
    assert result.details["must_contain"] == [
        {"text": "PermitRootLogin no", "found": True},
        {"text": "# é", "found": True},
    ]


def test_fails_naming_what_is_missing(sshd_config: Path) -> None:
    result = run(path=str(sshd_config), must_contain=["PermitRootLogin no", "MaxAuthTries 3"])
    assert result.passed is False
    assert "'MaxAuthTries 3'" in result.summary
    assert result.content == sshd_config.read_bytes()  # the evidence is kept either way


def test_media_type_follows_the_extension(tmp_path: Path) -> None:
    path = tmp_path / "policy.json"
    path.write_text("{}", encoding="utf-8")
    assert run(path=str(path)).media_type == "application/json"
    binary = tmp_path / "blob"
    binary.write_bytes(b"\xff\x00\x01")
    assert run(path=str(binary)).media_type == "application/octet-stream"


def test_missing_file_or_a_directory_cannot_run(tmp_path: Path) -> None:
    with pytest.raises(CollectorError, match="no such file"):
        run(path=str(tmp_path / "absent.conf"))
    with pytest.raises(CollectorError, match="not a regular file"):
        run(path=str(tmp_path))
