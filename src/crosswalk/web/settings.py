"""How the server is configured: from `crosswalk serve` options, or from the environment
when Uvicorn starts several worker processes that each build the app."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ENV_WORKSPACE = "CROSSWALK_WORKSPACE"
ENV_DATABASE = "CROSSWALK_DATABASE_URL"
ENV_TODAY = "CROSSWALK_TODAY"
ENV_SECURE = "CROSSWALK_SECURE_COOKIES"
ENV_MAX_UPLOAD = "CROSSWALK_MAX_UPLOAD_MB"
ENV_CATALOG_PATH = "CROSSWALK_CATALOG_PATH"
ENV_WARM = "CROSSWALK_WARM"
ENV_CONCURRENCY = "CROSSWALK_WEB_CONCURRENCY"

MIB = 1024 * 1024


@dataclass
class WebSettings:
    workspace: Path | None = None  # None: found from the current folder up
    database_url: str | None = None
    catalog_paths: list[Path] = field(default_factory=list)
    today: date | None = None  # pinned "today" (demos, tests); None: the real date
    secure_cookies: bool | None = None  # None: Secure when the request came over TLS
    max_upload_bytes: int = 50 * MIB
    session_hours: int = 12
    warm: bool = True  # build the live program before taking requests (no slow first page)
    # Requests one worker runs at once (the rest wait their turn): within the database pool
    # (a burst never opens connections beyond it), and few, since more threads only contend
    # for the interpreter (bench_web: 4 beat 2 and 10 on throughput and tail under edits).
    concurrency: int = 4

    def to_env(self) -> dict[str, str]:
        """The same settings as environment variables, for worker processes."""
        env: dict[str, str] = {}
        if self.workspace is not None:
            env[ENV_WORKSPACE] = str(self.workspace.resolve())
        if self.database_url:
            env[ENV_DATABASE] = self.database_url
        if self.today is not None:
            env[ENV_TODAY] = self.today.isoformat()
        if self.secure_cookies is not None:
            env[ENV_SECURE] = "1" if self.secure_cookies else "0"
        if self.catalog_paths:
            env[ENV_CATALOG_PATH] = os.pathsep.join(str(p) for p in self.catalog_paths)
        env[ENV_MAX_UPLOAD] = str(self.max_upload_bytes // MIB)
        env[ENV_WARM] = "1" if self.warm else "0"
        env[ENV_CONCURRENCY] = str(self.concurrency)
        return env

    @classmethod
    def from_env(cls) -> WebSettings:
        secure = os.environ.get(ENV_SECURE)
        workspace = os.environ.get(ENV_WORKSPACE)
        today = os.environ.get(ENV_TODAY)
        paths = os.environ.get(ENV_CATALOG_PATH, "")
        return cls(
            workspace=Path(workspace) if workspace else None,
            database_url=os.environ.get(ENV_DATABASE) or None,
            catalog_paths=[Path(p) for p in paths.split(os.pathsep) if p],
            today=date.fromisoformat(today) if today else None,
            secure_cookies=None if secure is None else secure == "1",
            max_upload_bytes=int(os.environ.get(ENV_MAX_UPLOAD, "50")) * MIB,
            warm=os.environ.get(ENV_WARM, "1") != "0",
            concurrency=int(os.environ.get(ENV_CONCURRENCY, "4")),
        )
