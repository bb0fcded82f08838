"""Every file importer answers any input with success or a clean refusal, and a refusal
leaves the workspace as it was (issue 18).

Each property starts from a small valid input (a 3-row controls CSV and XLSX, a framework
sheet, a STRM CSV, a program folder with two control files and four ISMS records, a policy
with front matter), mutates it (``tests/io/fuzz_inputs.py``) and runs the real service
into a workspace: ``import controls``, ``frameworks import``, ``mappings import``,
``apply``, ``policies import`` and ``policies check``. A refusal must be a
``CrosswalkError`` (the CLI's exit 2); the database rows, and the files the import would
write, must be unchanged. CI runs ``CROSSWALK_FUZZ_EXAMPLES`` cases per property (40);
``bench/bench_fuzz.py`` runs them longer.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, given
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.domain.errors import CrosswalkError
from crosswalk.io.program_files import ControlFile, TagEntry, dump_control
from crosswalk.io.strm_csv import CSV_COLUMNS
from crosswalk.services.controls.imports import import_controls
from crosswalk.services.mapping.formats import (
    convert_framework_file,
    convert_mapping_file,
    install,
)
from crosswalk.services.mapping.library import catalogs_folder
from crosswalk.services.policies.check import check
from crosswalk.services.policies.policies import import_policies, list_policies
from crosswalk.services.program.files import apply_program
from crosswalk.store.engine import session_scope
from crosswalk.store.workspace import Workspace
from tests.fuzzing import fuzz, fuzz_settings, workspace_fingerprint
from tests.io.fuzz_inputs import (
    csv_bytes,
    damaged_workbook,
    mutated_bytes,
    mutated_table,
    mutated_yaml,
    shared_strings_workbook,
    xlsx_bytes,
)

pytestmark = fuzz

INVENTORY = [
    ["Control ID", "Control Name", "TSC", "Owner", "Frequency", "Status"],
    ["AC-1", "Access review", "CC6.1, CC6.2", "Dana", "quarterly", "operating"],
    ["AC-2", "Backups tested", "A1.2", "Sam", "annually", "implemented"],
    ["AC-3", "Change approval", "CC8.1", "", "per change", ""],
]
FRAMEWORK = [
    ["ref", "title", "parent", "description", "kind"],
    ["POL", "Policies", "", "Governance of the policy set.", "domain"],
    ["POL-1", "Policy approved", "POL", "Management approves the policy.", "control"],
    ["POL-2", "Policy reviewed", "POL", "", ""],
]
STRM = [
    list(CSV_COLUMNS),
    ["CC6.1", "Logical access", "Semantic", "subset of", "A.5.15", "Access control", "7", "ok"],
    ["CC6.2", "", "", "intersects with", "A.5.16", "", "", ""],
    ["CC1.1", "", "Functional", "no relationship", "", "", "", "nothing"],
]
RECORDS = {
    "assets/API.yaml": (
        "format: crosswalk/asset@1\nasset_id: API\nname: Public API\nkind: service\n"
        "owner: Tom\nclassification: confidential\nin_soc2_boundary: true\n"
        "in_isms_scope: true\ndepends_on: []\ncontrols:\n- AC-1\ndescription: ''\n"
    ),
    "risks/R-01.yaml": (
        "format: crosswalk/risk@1\nrisk_id: R-01\ntitle: Stolen credentials\ndescription: ''\n"
        "category: information asset\nassets:\n- API\nowner: Dana\ninherent_likelihood: 4\n"
        "inherent_impact: 5\ntreatment: modify\ncontrols:\n- AC-1\nannex_a:\n- A.5.17\n"
        "plan: Enforce MFA\ndue: '2026-12-31'\nresidual_likelihood: 2\nresidual_impact: 5\n"
        "accepted_by: null\naccepted_on: null\n"
    ),
    "objectives/OBJ-01.yaml": (
        "format: crosswalk/objective@1\nobjective_id: OBJ-01\ntitle: Patch fast\n"
        "measure: Days to fix\ntarget: 14 days\nowner: Jonas\ndue_on: '2026-12-31'\n"
        "status: on track\n"
    ),
    "scope/v1.yaml": (
        "format: crosswalk/scope-statement@1\nversion: v1\ntext: The platform and its people\n"
        "includes:\n- API\nexcludes:\n- asset: WEB\n  reason: Holds no customer data\n"
        "approved_by: Elena\napproved_on: '2026-03-02'\n"
    ),
    "audits/IA-01.yaml": (
        "format: crosswalk/internal-audit@1\naudit_id: IA-01\ntitle: First internal audit\n"
        "scope:\n- '4.3'\n- A.5.15\nauditor: Consultant\nplanned_on: '2026-09-10'\n"
        "performed_on: '2026-09-15'\nfindings: 'Minor: SoA not approved'\n"
    ),
    "reviews/MR-01.yaml": (
        "format: crosswalk/management-review@1\nreview_id: MR-01\nheld_on: '2026-10-05'\n"
        "chair: Elena\nattendees: Elena, Marcus\ninputs:\n  issues: 'Discussed: changes'\n"
        "  risks: 'Discussed: risks'\ndecisions: Fund the extension\noutputs: New objectives\n"
    ),
    "nonconformities/NC-01.yaml": (
        "format: crosswalk/nonconformity@1\nnc_id: NC-01\nsource: audit\n"
        "description: SoA not approved\nsource_ref: IA-1\nowner: Priya\n"
        "raised_on: '2026-09-15'\ndue_on: '2026-12-15'\ncorrection: meeting\n"
        "root_cause: no step\ncorrective_action: add a step\neffectiveness_check: ''\n"
        "effectiveness_checked_on: null\nclosed_on: null\n"
    ),
}
POLICY = """---
id: POL-AC
title: Access control policy
version: '2.0'
status: in force
owner: Dana
approver: Marcus
approved_on: 2026-01-15
review_frequency: annual
last_reviewed: 2026-01-15
scope: All production systems in the ISMS scope
terms:
  MFA: multi-factor authentication
governs:
- CC6.1
- AC-1
activities:
- activity: access review
  frequency: quarterly
  quote: Access is reviewed quarterly.
---
# Access control policy

Access is reviewed quarterly. MFA is required for every administrator.
"""


def files_fingerprint(*folders: Path) -> dict[str, str]:
    """Every file under the folders, by path, with its content's hash."""
    return {
        str(path): hashlib.sha256(path.read_bytes()).hexdigest()
        for folder in folders
        if folder.exists()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def attempt(workspace: Workspace, action: Callable[[Session], Any], *folders: Path) -> bool:
    """Run ``action`` as the CLI does (commit on success); a refusal must be a
    ``CrosswalkError`` and change neither the database nor the files under ``folders``."""
    before = (workspace_fingerprint(workspace), files_fingerprint(*folders))
    started = time.perf_counter()
    try:
        with session_scope(workspace.engine) as session:
            action(session)
            session.commit()
    except CrosswalkError as refusal:
        slow(started)
        note(f"refused: {type(refusal).__name__}")
        assert str(refusal).strip(), "a refusal says why"
        assert (workspace_fingerprint(workspace), files_fingerprint(*folders)) == before
        return False
    slow(started)
    note("imported")
    return True


def slow(started: float) -> None:
    """No input of these sizes (a few hundred KB at most) may take 10 s: a pattern that
    backtracks or a loop that walks every row again shows up here."""
    elapsed = time.perf_counter() - started
    assert elapsed < 10, f"took {elapsed:.1f} s"


def note(outcome: str) -> None:
    """Count the outcome in ``--hypothesis-show-statistics`` (within a property only)."""
    if currently_in_test_context():
        event(outcome)


def program_folder(folder: Path) -> Path:
    """The valid program: two control files and four ISMS records."""
    controls = [
        ControlFile(
            format="crosswalk/control@1",
            id="AC-1",
            title="Access review",
            owner="Dana",
            status="operating",  # type: ignore[arg-type]
            tags=[TagEntry(requirement="soc2-tsc-2017:CC6.1")],
        ),
        ControlFile(
            format="crosswalk/control@1",
            id="AC-2",
            title="Backups tested",
            status="implemented",  # type: ignore[arg-type]
            frequency="annual",  # type: ignore[arg-type]
        ),
    ]
    for control in controls:
        path = folder / "controls" / f"{control.id}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dump_control(control), encoding="utf-8")
    for name, text in RECORDS.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


class Ground:
    """What a property works on; its repr is short, so a failing case prints readably."""

    def __init__(self, library: Library, workspace: Workspace, folder: Path) -> None:
        self.library = library
        self.workspace = workspace
        self.folder = folder  # for the inputs

    def __repr__(self) -> str:
        return f"Ground(folder={self.folder})"


@pytest.fixture
def ground(sqlite_workspace: Workspace, library: Library, tmp_path: Path) -> Ground:
    return Ground(library, sqlite_workspace, tmp_path)


@pytest.fixture
def ground_on_both(workspace: Workspace, library: Library, tmp_path: Path) -> Ground:
    """On SQLite and on PostgreSQL, which refuses what SQLite stores (a NUL, a text longer
    than its column)."""
    return Ground(library, workspace, tmp_path)


def test_the_valid_inputs_import_cleanly(
    sqlite_workspace: Workspace, library: Library, tmp_path: Path
) -> None:
    """The starting points are valid: every mutation below starts from a file that works."""
    ws = sqlite_workspace
    (tmp_path / "inventory.csv").write_bytes(csv_bytes(INVENTORY))
    (tmp_path / "inventory.xlsx").write_bytes(xlsx_bytes(INVENTORY))
    (tmp_path / "shared.xlsx").write_bytes(shared_strings_workbook(INVENTORY))
    for name in ("inventory.csv", "inventory.xlsx", "shared.xlsx"):
        assert attempt(ws, lambda s, n=name: import_controls(s, library, tmp_path / n))
    for suffix, data in (("csv", csv_bytes(FRAMEWORK)), ("xlsx", xlsx_bytes(FRAMEWORK))):
        path = tmp_path / f"framework.{suffix}"
        path.write_bytes(data)
        convert_framework_file(path, library, "fuzz-sheet", None, "Fuzz", "1")
    (tmp_path / "strm.csv").write_bytes(csv_bytes(STRM))
    convert_mapping_file(
        tmp_path / "strm.csv", library, "s", None, "soc2-tsc-2017", "iso27001-2022"
    )
    folder = program_folder(tmp_path / "program")
    reports = []
    assert attempt(ws, lambda s: reports.append(apply_program(s, library, folder)))
    created = {kind.folder for kind in reports[0].records if kind.created}
    assert sorted(reports[0].updated) == ["AC-1", "AC-2"]  # imported above from the sheet
    assert created == {name.partition("/")[0] for name in RECORDS}
    policies = tmp_path / "docs"
    policies.mkdir()
    (policies / "ac.md").write_text(POLICY, encoding="utf-8")
    assert attempt(ws, lambda s: import_policies(s, library, ws.root, policies))
    with session_scope(ws.engine) as session:
        assert check(session, library, ws.root, date(2026, 6, 1)) == []


@fuzz_settings
@given(data=st.data())
def test_import_controls_answers_any_csv(ground_on_both: Ground, data: st.DataObject) -> None:
    ground = ground_on_both
    library, workspace, tmp_path = ground.library, ground.workspace, ground.folder
    raw = data.draw(mutated_bytes(csv_bytes(data.draw(mutated_table(INVENTORY)))))
    path = tmp_path / "inventory.csv"
    path.write_bytes(raw)
    attempt(workspace, lambda s: import_controls(s, library, path))


@fuzz_settings
@given(data=st.data())
def test_import_controls_answers_any_workbook(ground: Ground, data: st.DataObject) -> None:
    library, workspace, tmp_path = ground.library, ground.workspace, ground.folder
    path = tmp_path / "inventory.xlsx"
    path.write_bytes(data.draw(damaged_workbook(data.draw(mutated_table(INVENTORY)))))
    attempt(workspace, lambda s: import_controls(s, library, path))


@fuzz_settings
@given(data=st.data())
def test_frameworks_import_answers_any_sheet(ground: Ground, data: st.DataObject) -> None:
    library, workspace, tmp_path = ground.library, ground.workspace, ground.folder
    table = data.draw(mutated_table(FRAMEWORK))
    if data.draw(st.booleans()):
        path = tmp_path / "framework.csv"
        path.write_bytes(data.draw(mutated_bytes(csv_bytes(table))))
    else:
        path = tmp_path / "framework.xlsx"
        path.write_bytes(data.draw(damaged_workbook(table, "Framework")))
    target = catalogs_folder(workspace.root)

    def run(_session: Session) -> None:
        imported = convert_framework_file(path, library, "fuzz-sheet", None, "Fuzz", "1")
        install(library, target, imported)

    attempt(workspace, run, target)


@fuzz_settings
@given(data=st.data())
def test_mappings_import_answers_any_strm_csv(ground: Ground, data: st.DataObject) -> None:
    library, workspace, tmp_path = ground.library, ground.workspace, ground.folder
    raw = data.draw(mutated_bytes(csv_bytes(data.draw(mutated_table(STRM)))))
    path = tmp_path / "strm.csv"
    path.write_bytes(raw)
    target = catalogs_folder(workspace.root)

    def run(_session: Session) -> None:
        imported = convert_mapping_file(
            path, library, "fuzz-strm", None, "soc2-tsc-2017", "iso27001-2022"
        )
        install(library, target, imported)

    attempt(workspace, run, target)


@fuzz_settings
@given(data=st.data())
def test_apply_answers_any_control_file(ground_on_both: Ground, data: st.DataObject) -> None:
    ground = ground_on_both
    library, workspace, tmp_path = ground.library, ground.workspace, ground.folder
    folder = program_folder(tmp_path / "program")
    for path in sorted((folder / "controls").glob("*.yaml")):
        if data.draw(st.booleans()):
            path.write_bytes(data.draw(mutated_yaml(path.read_text(encoding="utf-8"))))
    attempt(workspace, lambda s: apply_program(s, library, folder))


@fuzz_settings
@given(data=st.data())
def test_apply_answers_any_isms_record_file(ground_on_both: Ground, data: st.DataObject) -> None:
    ground = ground_on_both
    library, workspace, tmp_path = ground.library, ground.workspace, ground.folder
    folder = program_folder(tmp_path / "program")
    chosen = data.draw(st.sampled_from(sorted(RECORDS)))
    (folder / chosen).write_bytes(data.draw(mutated_yaml(RECORDS[chosen])))
    attempt(workspace, lambda s: apply_program(s, library, folder))


@st.composite
def mutated_policy(draw: st.DrawFn) -> bytes:
    header, _, body = POLICY.removeprefix("---\n").partition("---\n")
    front = draw(mutated_yaml(header))
    text = b"---\n" + front + b"---\n" + body.encode("utf-8")
    return draw(mutated_bytes(text, most=1))


@fuzz_settings
@given(data=st.data())
def test_policies_import_and_check_answer_any_policy_file(
    ground: Ground, data: st.DataObject
) -> None:
    library, workspace, tmp_path = ground.library, ground.workspace, ground.folder
    ws = workspace
    source = tmp_path / "docs"
    source.mkdir(exist_ok=True)
    (source / "ac.md").write_bytes(data.draw(mutated_policy()))
    policies = ws.root / "policies"
    if attempt(ws, lambda s: import_policies(s, library, ws.root, source), policies):
        list_policies(ws.root)
        with session_scope(ws.engine) as session:
            check(session, library, ws.root, date(2026, 6, 1))
    policies.mkdir(exist_ok=True)
    (policies / "broken.md").write_bytes(data.draw(mutated_policy()))
    try:  # the workspace's own folder holding a broken file: read by every policies command
        with session_scope(ws.engine) as session:
            check(session, library, ws.root, date(2026, 6, 1))
        list_policies(ws.root)
    except CrosswalkError:
        pass
    finally:
        (policies / "broken.md").unlink()
