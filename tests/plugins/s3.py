"""A real S3-compatible server for tests: moto's standalone server on a free local port.

Fixtures:

- ``s3_server`` (session): the endpoint URL of a ``moto_server`` process started for the
  test session (stopped at its end). Skips with a reason when moto's server is not
  installed (``pip install -e .[dev]`` brings it; ``.ci/run`` does that).
- ``s3_url`` (function): ``s3://<fresh bucket>/evidence``, with the standard AWS variables
  (endpoint, region, credentials) set for the test, as a team's nodes would have them.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

SKIP_REASON = "moto's server (moto[server]) is not installed: bash scripts/setup.sh --dev"
READY_TIMEOUT_S = 30


def _moto_server() -> str | None:
    beside = Path(sys.executable).parent / "moto_server"
    return str(beside) if beside.is_file() else shutil.which("moto_server")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    command = _moto_server()
    if command is None:
        pytest.skip(SKIP_REASON)
    port = _free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [command, "-H", "127.0.0.1", "-p", str(port)], stdout=output, stderr=output
        )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while True:
            try:
                urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=2).close()
                break
            except (urllib.error.URLError, ConnectionError, OSError):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"moto_server did not start: {log.read_text(errors='replace')}"
                    ) from None
                time.sleep(0.1)
        yield endpoint
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


AWS_SETTINGS = {
    "AWS_ACCESS_KEY_ID": "crosswalk-test",
    "AWS_SECRET_ACCESS_KEY": "crosswalk-test-secret",
    "AWS_REGION": "us-east-1",
}


def aws_environment(endpoint: str) -> dict[str, str]:
    """The standard variables a node pointed at ``endpoint`` would have."""
    return {**AWS_SETTINGS, "AWS_ENDPOINT_URL": endpoint}


def make_bucket(endpoint: str) -> str:
    import boto3

    bucket = f"crosswalk-{uuid.uuid4().hex[:16]}"
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=AWS_SETTINGS["AWS_REGION"],
        aws_access_key_id=AWS_SETTINGS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=AWS_SETTINGS["AWS_SECRET_ACCESS_KEY"],
    ).create_bucket(Bucket=bucket)
    return bucket


@pytest.fixture
def s3_url(s3_server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL_S3", "AWS_CONFIG_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)  # no developer's profile leaks in
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    for name, value in aws_environment(s3_server).items():
        monkeypatch.setenv(name, value)
    return f"s3://{make_bucket(s3_server)}/evidence"
