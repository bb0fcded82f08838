"""A newcomer's first minutes, as printed: in a fresh clone, the README's first command, then
every hint the demo prints, run exactly as printed. Any of them failing fails the test."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _first_command() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```bash\n(.*?)```", readme, re.S)
    assert block, "the README starts with a bash block"
    return block.group(1).splitlines()[0].strip()


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def test_the_readme_and_the_demo_hints_work_as_printed(tmp_path: Path) -> None:
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("needs git and a git checkout to clone")
    clone = tmp_path / "crosswalk"
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], check=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CROSSWALK_FORMAT")}
    env["COLUMNS"] = "200"
    first = _first_command()
    assert first == "bash scripts/setup.sh && .venv/bin/crosswalk demo demo"
    done = subprocess.run(
        ["bash", "-c", first],
        check=False,
        cwd=clone,
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    printed = done.stdout + done.stderr
    tried = re.search(r"\(try: (.+)\)\s*$", printed, re.M)
    web = re.search(r"^Web app: (.+)$", printed, re.M)
    assert tried and web, printed[-2000:]

    hint = subprocess.run(
        ["bash", "-c", tried.group(1)],
        check=False,
        cwd=clone,
        capture_output=True,
        text=True,
        env=env,
    )
    assert hint.returncode == 0, hint.stderr
    assert "A.5.15 Access control" in hint.stdout

    if not _port_free(8000):
        pytest.skip("port 8000 is taken on this machine: the web hint serves there")
    server = subprocess.Popen(
        ["bash", "-c", web.group(1)],
        cwd=clone,
        env=env,
        stdin=subprocess.PIPE,  # `users add` asks for the password, as it would a newcomer
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    assert server.stdin is not None
    server.stdin.write("a long demo passphrase\na long demo passphrase\n")
    server.stdin.flush()
    try:
        deadline = time.monotonic() + 60
        answered = None
        while time.monotonic() < deadline and answered is None:
            if server.poll() is not None:
                output = server.stdout.read() if server.stdout else ""
                pytest.fail(f"the web hint ended: {output[-2000:]}")
            try:
                with urllib.request.urlopen("http://127.0.0.1:8000/login", timeout=2) as page:
                    answered = page.status
            except OSError:
                time.sleep(0.5)
        assert answered == 200, "the web app answers at the address the hint serves"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
