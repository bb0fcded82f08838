"""Policy files that would crash or hang the reader (an impossible date, aliases expanding to
a billion values, a pipe named like a policy, a file of megabytes) are refused by name."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from crosswalk.catalogs.loader import Library
from crosswalk.domain.errors import CrosswalkError
from crosswalk.io.policy_files import PolicyFileError, import_folder, read_policies
from crosswalk.services.policies.policies import (
    PolicyError,
    PolicyInput,
    add_policy,
    import_policies,
)
from crosswalk.store.engine import session_scope
from crosswalk.store.workspace import Workspace

HEADER = "---\nid: POL-AC\ntitle: Access control\nstatus: in force\napproved_on: {date}\n---\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_an_impossible_date_in_the_front_matter_is_named_by_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path / "policies" / "POL-AC.md", HEADER.format(date="2026-02-30") + "# Hi\n")
    with pytest.raises(PolicyFileError) as caught:
        read_policies(tmp_path)
    assert str(caught.value) == (
        f"{path} at line 5: the front matter is not valid YAML:"
        " '2026-02-30': day is out of range for month"
    )
    with pytest.raises(PolicyFileError, match="line 5"):
        import_folder(tmp_path / "policies")


def test_aliases_expanding_to_a_billion_values_are_refused_at_once(tmp_path: Path) -> None:
    """``terms`` turned each value into text with ``str()``: minutes and gigabytes."""
    laughs = "".join(
        f"  l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 10) if n else 'lol'}]\n" for n in range(9)
    )
    path = write(
        tmp_path / "docs" / "ac.md", f"---\ntitle: Access\nglossary:\n{laughs}  k: *l8\n---\n"
    )
    started = time.perf_counter()
    with pytest.raises(PolicyFileError, match="anchors and aliases") as caught:
        import_folder(tmp_path / "docs")
    assert time.perf_counter() - started < 2
    assert str(caught.value).startswith(f"{path}: the front matter is not valid YAML")


def test_a_pipe_named_like_a_policy_is_refused_not_waited_on(tmp_path: Path) -> None:
    (tmp_path / "policies").mkdir()
    os.mkfifo(tmp_path / "policies" / "POL-X.md")
    with pytest.raises(PolicyFileError, match=r"POL-X\.md: not a regular file"):
        read_policies(tmp_path)


def test_a_policy_of_megabytes_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = write(
        tmp_path / "policies" / "POL-AC.md",
        HEADER.format(date="2026-02-01") + "All work and no play.\n" * 300_000,
    )
    with pytest.raises(PolicyFileError) as caught:
        read_policies(tmp_path)
    assert str(caught.value) == (
        f"{path}: 6.3 MiB, more than the 5 MiB a policy file may be; nothing was read"
    )


def test_a_policy_id_too_long_for_a_file_name_is_refused_naming_the_source(
    sqlite_workspace: Workspace, library: Library, tmp_path: Path
) -> None:
    """Found by fuzzing: the id names the policy's file, and a 300-character id stopped
    `policies import` with 'File name too long' on a file the user never named."""
    source = write(tmp_path / "docs" / "ac.md", f"---\nid: {'x' * 300}\ntitle: Access\n---\n")
    with pytest.raises(PolicyFileError) as caught:
        import_folder(tmp_path / "docs")
    assert str(caught.value).startswith(f"{source}: id: policy id 'xxxx")
    assert "is 300 characters long" in str(caught.value)
    with session_scope(sqlite_workspace.engine) as session, pytest.raises(CrosswalkError):
        import_policies(session, library, sqlite_workspace.root, tmp_path / "docs")
    assert not (sqlite_workspace.root / "policies").exists()
    with session_scope(sqlite_workspace.engine) as session, pytest.raises(PolicyError):
        add_policy(session, library, sqlite_workspace.root, PolicyInput("P" * 101, "Access"))


def test_a_heading_line_of_spaces_is_read_at_once(tmp_path: Path) -> None:
    """The title of a policy without one in its front matter came from a regular expression
    that took 6 s on a heading line of 2,000 spaces (and hours on a longer one)."""
    body = "# Access" + " " * 200_000 + "control\n"
    write(tmp_path / "docs" / "ac.md", "---\nid: POL-AC\n---\n" + body)
    started = time.perf_counter()
    [found] = import_folder(tmp_path / "docs")
    assert time.perf_counter() - started < 1
    assert found.policy.title == "Access" + " " * 200_000 + "control"


@pytest.mark.parametrize(
    ("body", "title"),
    [
        ("\n# Access control policy\n\ntext\n", "Access control policy"),
        ("intro\n#not a heading\n#  Backups  ##  \n", "Backups"),
        ("# C#\n", "C#"),
        ("#\n# \n# Third\n", "Third"),
    ],
)
def test_the_title_comes_from_the_first_heading(tmp_path: Path, body: str, title: str) -> None:
    write(tmp_path / "docs" / "p.md", "---\nid: P-1\n---\n" + body)
    [found] = import_folder(tmp_path / "docs")
    assert found.policy.title == title
