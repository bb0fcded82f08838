"""Workers build their settings from the environment the serving process leaves them."""

from __future__ import annotations

from pathlib import Path

import pytest

from crosswalk.web.settings import WebSettings


def test_every_worker_gets_the_same_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    given = WebSettings(workspace=tmp_path, warm=False, concurrency=6)
    for name, value in given.to_env().items():
        monkeypatch.setenv(name, value)
    read = WebSettings.from_env()
    assert (read.workspace, read.warm, read.concurrency) == (tmp_path.resolve(), False, 6)
    assert WebSettings().warm  # by default a worker builds its live program before serving
