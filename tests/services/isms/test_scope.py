"""The ISMS scope: versioned statements, the asset inventory, the scope check, and files."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.domain.errors import CrosswalkError, UnknownReferenceError
from crosswalk.io.program_files import ProgramError
from crosswalk.services.controls.controls import ControlInput, add_control
from crosswalk.services.isms.assets import (
    ASSET_RECORDS,
    AssetInput,
    ScopeError,
    add_asset,
    asset_data,
    check_asset_references,
    edit_asset,
    get_asset,
    link_asset_controls,
    list_assets,
    unlink_asset_controls,
)
from crosswalk.services.isms.records import apply_kind, export_kind, read_kind
from crosswalk.services.isms.scope import (
    SCOPE_KINDS,
    SCOPE_RECORDS,
    approve_scope,
    check_scope,
    current_scope,
    describe_asset,
    scope_versions,
    set_scope_statement,
    statement_data,
    statement_excludes,
    statement_includes,
)
from crosswalk.store.engine import session_scope
from crosswalk.store.isms_models import AssetRow, ScopeStatementRow
from crosswalk.store.workspace import Workspace, init_workspace


def codes(session: Session) -> set[tuple[str, str]]:
    return {(f.code, f.item) for f in check_scope(session).findings}


def seed(session: Session) -> None:
    """A clean scope: two in-scope assets, owned, controlled, named, approved."""
    add_control(session, ControlInput("AC-1", "Access review", owner="Dana"))
    add_control(session, ControlInput("OPS-1", "Backups", owner="Sam"))
    add_asset(
        session,
        AssetInput(
            "aws-prod",
            "AWS production",
            owner="Sam",
            classification="confidential",
            in_soc2_boundary=True,
            in_isms_scope=True,
            controls=["OPS-1"],
        ),
    )
    add_asset(
        session,
        AssetInput(
            "app",
            "SaaS platform",
            owner="Dana",
            in_soc2_boundary=True,
            in_isms_scope=True,
            depends_on=["aws-prod"],
            controls=["AC-1", "OPS-1"],
            description="The product",
        ),
    )
    set_scope_statement(session, "The SaaS platform", ["app", "aws-prod"], [])
    approve_scope(session, 1, "CEO", date(2026, 1, 15))


def test_a_clean_scope_passes(workspace: Workspace) -> None:
    with session_scope(workspace.engine) as session:
        seed(session)
        result = check_scope(session)
    assert result.ok and result.findings == []
    assert (result.statement_version, result.statement_approved) == (1, True)
    assert (result.assets, result.in_scope, result.in_boundary) == (2, 2, 2)


def test_soc2_boundary_asset_outside_the_isms_scope_is_found(workspace: Workspace) -> None:
    """The acceptance case: the narrow SOC 2 boundary must not become the ISMS scope."""
    with session_scope(workspace.engine) as session:
        seed(session)
        add_asset(
            session, AssetInput("billing", "Billing service", owner="Ana", in_soc2_boundary=True)
        )
        result = check_scope(session)
    assert not result.ok
    assert [(f.code, f.item) for f in result.findings] == [("boundary-outside-scope", "billing")]
    assert "SOC 2 system boundary but outside the ISMS scope" in result.findings[0].message


def test_in_scope_assets_need_an_owner_and_a_control(workspace: Workspace) -> None:
    with session_scope(workspace.engine) as session:
        seed(session)
        add_asset(session, AssetInput("laptops", "Staff laptops", in_isms_scope=True))
        set_scope_statement(session, "Platform and laptops", ["app", "aws-prod", "laptops"], [])
        approve_scope(session, 2, "CEO", date(2026, 2, 1))
        assert codes(session) == {
            ("in-scope-no-owner", "laptops"),
            ("in-scope-no-control", "laptops"),
        }
        edit_asset(session, "laptops", owner="IT")
        link_asset_controls(session, "laptops", ["AC-1"])
        assert check_scope(session).ok


def test_statement_and_inventory_mismatches(workspace: Workspace) -> None:
    with session_scope(workspace.engine) as session:
        seed(session)
        add_asset(session, AssetInput("wifi", "Office wifi", owner="IT"))
        add_asset(
            session, AssetInput("crm", "CRM", owner="Ana", in_isms_scope=True, controls=["AC-1"])
        )
        # v2 names wifi as included though it is out of scope, excludes app though it is in,
        # and says nothing of crm, which the inventory puts in scope
        set_scope_statement(session, "v2", ["aws-prod", "wifi"], [("app", "run by a vendor")])
        approve_scope(session, 2, "CEO", date(2026, 2, 1))
        assert codes(session) == {
            ("included-not-in-scope", "wifi"),
            ("excluded-but-in-scope", "app"),
            ("not-in-statement", "crm"),
        }


def test_an_exclusion_without_reason_and_an_unknown_asset_in_the_statement(
    workspace: Workspace,
) -> None:
    with session_scope(workspace.engine) as session:
        seed(session)
        add_asset(session, AssetInput("wifi", "Office wifi"))
        # `scope set` refuses both; a statement applied from files can still carry them
        session.add(
            ScopeStatementRow(
                version=2,
                text="From a file",
                includes='["app", "aws-prod", "gone"]',
                excludes='[{"asset": "wifi", "reason": ""}]',
                approved_by="CEO",
                approved_on=date(2026, 3, 1),
            )
        )
        session.flush()
        assert codes(session) == {
            ("statement-unknown-asset", "gone"),
            ("exclusion-without-reason", "wifi"),
        }


def test_an_unconsidered_interface_is_found_unless_the_statement_excludes_it(
    workspace: Workspace,
) -> None:
    with session_scope(workspace.engine) as session:
        seed(session)
        add_asset(session, AssetInput("hr-saas", "HR system", owner="People"))
        edit_asset(session, "app", depends_on=["aws-prod", "hr-saas"])
        found = check_scope(session).findings
        assert [(f.code, f.item) for f in found] == [("out-of-scope-dependency", "app")]
        assert "hr-saas" in found[0].message
        set_scope_statement(
            session, "v2", ["app", "aws-prod"], [("hr-saas", "vendor-run; covered by A.5.19")]
        )
        approve_scope(session, 2, "CEO", date(2026, 2, 1))
        assert check_scope(session).ok


def test_no_approved_statement_and_a_draft_is_compared(workspace: Workspace) -> None:
    with session_scope(workspace.engine) as session:
        add_control(session, ControlInput("AC-1", "Access review"))
        add_asset(
            session,
            AssetInput("app", "App", owner="Dana", in_isms_scope=True, controls=["AC-1"]),
        )
        result = check_scope(session)
        assert [(f.code, f.item) for f in result.findings] == [
            ("no-approved-statement", "statement")
        ]
        assert "crosswalk scope set" in result.findings[0].message
        set_scope_statement(session, "Draft", [], [])
        result = check_scope(session)
        assert (result.statement_version, result.statement_approved) == (1, False)
        assert {(f.code, f.item) for f in result.findings} == {
            ("no-approved-statement", "statement"),
            ("not-in-statement", "app"),
        }
        assert "approve 1" in result.findings[0].message


def test_versions_are_never_overwritten_and_approval_freezes(workspace: Workspace) -> None:
    with session_scope(workspace.engine) as session:
        seed(session)
        second = set_scope_statement(session, "  Wider scope  ", ["app"], [])
        assert second.version == 2 and second.text == "Wider scope"
        assert current_scope(session) is not None
        assert current_scope(session).version == 1  # type: ignore[union-attr]  # draft not in force
        assert [v.version for v in scope_versions(session)] == [1, 2]
        assert scope_versions(session)[0].text == "The SaaS platform"
        with pytest.raises(ScopeError, match="already approved"):
            approve_scope(session, 1, "Someone else", date(2026, 3, 1))
        approve_scope(session, 2, "CEO", date(2026, 3, 1))
        assert current_scope(session).version == 2  # type: ignore[union-attr]
        set_scope_statement(session, "Third", ["app"], [])
        approve_scope(session, 3, "CEO", date(2026, 4, 1))
        with pytest.raises(UnknownReferenceError, match="v9"):
            approve_scope(session, 9, "CEO", date(2026, 4, 1))
        set_scope_statement(session, "Fourth", [], [])
        with pytest.raises(ScopeError, match="approver"):
            approve_scope(session, 4, " ", date(2026, 4, 1))
        session.commit()
    with session_scope(workspace.engine) as session:
        rows = scope_versions(session)
        assert [(r.version, r.approved_by, r.approved_on) for r in rows] == [
            (1, "CEO", date(2026, 1, 15)),
            (2, "CEO", date(2026, 3, 1)),
            (3, "CEO", date(2026, 4, 1)),
            (4, None, None),
        ]


def test_an_older_draft_cannot_be_approved_over_the_one_in_force(workspace: Workspace) -> None:
    with session_scope(workspace.engine) as session:
        seed(session)
        set_scope_statement(session, "v2", ["app"], [])
        set_scope_statement(session, "v3", ["app"], [])
        approve_scope(session, 3, "CEO", date(2026, 3, 1))
        with pytest.raises(ScopeError, match="older"):
            approve_scope(session, 2, "CEO", date(2026, 3, 2))


def test_statement_input_is_checked_before_anything_is_written(workspace: Workspace) -> None:
    with session_scope(workspace.engine) as session:
        seed(session)
        session.commit()
        with pytest.raises(UnknownReferenceError, match="did you mean app"):
            set_scope_statement(session, "Typo", ["ap"], [])
        with pytest.raises(ScopeError, match="needs a reason"):
            set_scope_statement(session, "No reason", [], [("app", " ")])
        with pytest.raises(ScopeError, match="both included and excluded"):
            set_scope_statement(session, "Both", ["app"], [("app", "why")])
        with pytest.raises(ScopeError, match="needs its text"):
            set_scope_statement(session, "  ", [], [])
        assert session.scalar(select(func.count()).select_from(ScopeStatementRow)) == 1


def test_statement_stores_includes_and_excludes_as_json(workspace: Workspace) -> None:
    with session_scope(workspace.engine) as session:
        seed(session)
        add_asset(session, AssetInput("wifi", "Office wifi"))
        row = set_scope_statement(
            session, "v2", ["app", "aws-prod", "app"], [("wifi", " guest only ")]
        )
        assert statement_includes(row) == ["app", "aws-prod"]
        assert [(e.asset, e.reason) for e in statement_excludes(row)] == [("wifi", "guest only")]


def test_assets_filters_and_edits(workspace: Workspace) -> None:
    with session_scope(workspace.engine) as session:
        seed(session)
        add_asset(session, AssetInput("wifi", "Office wifi", owner="IT lead"))
        assert [a.asset_id for a in list_assets(session, in_scope=True)] == ["app", "aws-prod"]
        assert [a.asset_id for a in list_assets(session, in_scope=False)] == ["wifi"]
        assert [a.asset_id for a in list_assets(session, in_boundary=False)] == ["wifi"]
        assert [a.asset_id for a in list_assets(session, owner="it")] == ["wifi"]
        assert edit_asset(session, "wifi", owner="IT lead", kind="network") == ["kind"]
        assert edit_asset(session, "wifi", owner="  ") == ["owner"]
        assert get_asset(session, "wifi").owner is None
        assert link_asset_controls(session, "wifi", ["AC-1", "AC-1"]) == ["AC-1"]
        assert link_asset_controls(session, "wifi", ["AC-1"]) == []
        assert unlink_asset_controls(session, "wifi", ["AC-1"]) == ["AC-1"]
        assert get_asset(session, "wifi").controls == ()
        detail = describe_asset(session, "aws-prod")
        assert detail.depended_on_by == ["app"]
        assert [c["control_id"] for c in detail.controls] == ["OPS-1"]
        assert detail.findings == []


def test_bad_asset_input_is_a_clear_error_and_changes_nothing(workspace: Workspace) -> None:
    with session_scope(workspace.engine) as session:
        seed(session)
        session.commit()
    with session_scope(workspace.engine) as session:
        with pytest.raises(UnknownReferenceError, match="unknown control 'AC-9'"):
            add_asset(session, AssetInput("crm", "CRM", controls=["AC-1", "AC-9"]))
        with pytest.raises(UnknownReferenceError, match=r"unknown asset 'aws-prd'.*aws-prod"):
            add_asset(session, AssetInput("crm", "CRM", depends_on=["aws-prd"]))
        with pytest.raises(ScopeError, match="itself"):
            add_asset(session, AssetInput("crm", "CRM", depends_on=["crm"]))
        with pytest.raises(ScopeError, match="already exists"):
            add_asset(session, AssetInput("app", "Again"))
        with pytest.raises(ScopeError, match="without spaces"):
            add_asset(session, AssetInput("my app", "Spaces"))
        with pytest.raises(UnknownReferenceError, match="did you mean app"):
            get_asset(session, "ap")
        with pytest.raises(UnknownReferenceError):  # nothing of the edit is applied
            edit_asset(session, "app", owner="Someone", depends_on=["nope"])
        with pytest.raises(ScopeError, match="not an editable field"):
            edit_asset(session, "app", controls=["AC-1"])
        with pytest.raises(UnknownReferenceError):
            link_asset_controls(session, "app", ["AC-9"])
        assert get_asset(session, "app").owner == "Dana"
        assert session.scalar(select(func.count()).select_from(AssetRow)) == 2
        assert isinstance(ScopeError("x"), CrosswalkError)


# --- the program format ---------------------------------------------------------------------


def export_all(session: Session, folder: Path) -> dict[str, bytes]:
    for kind in SCOPE_KINDS:
        export_kind(session, kind, folder)
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*.yaml"))}


def apply_all(session: Session, library: Library, folder: Path) -> list[tuple[str, list[str]]]:
    """Apply as the program's apply does: inventory first, then statements."""
    result = []
    for kind in SCOPE_KINDS:
        report = apply_kind(session, library, kind, read_kind(kind, folder), dry_run=False)
        result.append((kind.folder, sorted(report.created + report.updated)))
        if kind is ASSET_RECORDS:
            check_asset_references(session)
    return result


def seed_for_files(session: Session) -> None:
    seed(session)
    # "zz-db" is depended on by "app", an earlier file: a forward reference must apply
    add_asset(session, AssetInput("zz-db", "Database", owner="Sam", in_isms_scope=True))
    add_asset(session, AssetInput("wifi", "Office wifi", kind="network"))
    edit_asset(session, "app", depends_on=["zz-db", "aws-prod"])
    set_scope_statement(
        session, "Line one\nline two: with colon", ["app"], [("wifi", "guest network")]
    )


def test_assets_and_statements_round_trip_unchanged(
    workspace: Workspace, library: Library, tmp_path: Path
) -> None:
    """Export from one workspace, apply to a fresh one (SQLite and PostgreSQL), export again."""
    source, _ = init_workspace(tmp_path / "source")
    try:
        with session_scope(source.engine) as session:
            seed_for_files(session)
            session.commit()
            before = export_all(session, tmp_path / "one")
            original = [asset_data(row) for row in list_assets(session)]
            original_versions = [statement_data(row) for row in scope_versions(session)]
    finally:
        source.close()
    assert sorted(before) == [
        "assets/app.yaml",
        "assets/aws-prod.yaml",
        "assets/wifi.yaml",
        "assets/zz-db.yaml",
        "scope/v1.yaml",
        "scope/v2.yaml",
    ]
    text = before["assets/app.yaml"].decode()
    assert text.startswith("format: crosswalk/asset@1\nasset_id: app\n")
    assert "depends_on:\n- aws-prod\n- zz-db\n" in text
    assert "controls:\n- AC-1\n- OPS-1\n" in text
    assert "version: v1\n" in before["scope/v1.yaml"].decode()

    with session_scope(workspace.engine) as session:
        add_control(session, ControlInput("AC-1", "Access review", owner="Dana"))
        add_control(session, ControlInput("OPS-1", "Backups", owner="Sam"))
        assert apply_all(session, library, tmp_path / "one") == [
            ("assets", ["app", "aws-prod", "wifi", "zz-db"]),
            ("scope", ["v1", "v2"]),
        ]
        session.commit()
    with session_scope(workspace.engine) as session:
        after = export_all(session, tmp_path / "two")
        assert [asset_data(row) for row in list_assets(session)] == original
        assert [statement_data(row) for row in scope_versions(session)] == original_versions
        for kind in SCOPE_KINDS:  # a second apply changes nothing
            records = read_kind(kind, tmp_path / "two")
            report = apply_kind(session, library, kind, records, dry_run=False)
            assert report.created == report.updated == []
            assert len(report.unchanged) == len(records)
    assert after == before  # identical bytes


def test_an_unknown_control_in_an_asset_file_names_the_file_and_changes_nothing(
    workspace: Workspace, library: Library, tmp_path: Path
) -> None:
    with session_scope(workspace.engine) as session:
        seed(session)
        session.commit()
        export_all(session, tmp_path / "p")
    path = tmp_path / "p" / "assets" / "app.yaml"
    path.write_text(path.read_text().replace("- OPS-1", "- OPS-9"), encoding="utf-8")
    with session_scope(workspace.engine) as session, pytest.raises(ProgramError) as error:
        apply_kind(session, library, ASSET_RECORDS, read_kind(ASSET_RECORDS, tmp_path / "p"), False)
    assert "app.yaml" in str(error.value) and "unknown control 'OPS-9'" in str(error.value)
    with session_scope(workspace.engine) as session:
        assert sorted(c.control_id for c in get_asset(session, "app").controls) == ["AC-1", "OPS-1"]


def test_an_unknown_dependency_in_asset_files_is_refused_before_commit(
    workspace: Workspace, library: Library, tmp_path: Path
) -> None:
    with session_scope(workspace.engine) as session:
        seed(session)
        session.commit()
        export_all(session, tmp_path / "p")
    path = tmp_path / "p" / "assets" / "app.yaml"
    path.write_text(path.read_text().replace("- aws-prod", "- aws-prd"), encoding="utf-8")
    with session_scope(workspace.engine) as session:
        with pytest.raises(ScopeError, match="app -> aws-prd"):
            apply_all(session, library, tmp_path / "p")
        # had it been committed anyway, the scope check would name it
        assert ("unknown-dependency", "app") in codes(session)
        session.rollback()
        assert asset_data(get_asset(session, "app"))["depends_on"] == ["aws-prod"]
        assert ("unknown-dependency", "app") not in codes(session)


def test_a_statement_file_cannot_overwrite_a_version_but_can_carry_its_approval(
    workspace: Workspace, library: Library, tmp_path: Path
) -> None:
    with session_scope(workspace.engine) as session:
        seed(session)
        set_scope_statement(session, "Draft two", ["app"], [])
        session.commit()
        export_all(session, tmp_path / "p")
    one = tmp_path / "p" / "scope" / "v1.yaml"
    two = tmp_path / "p" / "scope" / "v2.yaml"
    original = one.read_text()
    one.write_text(original.replace("The SaaS platform", "Rewritten"), encoding="utf-8")
    with session_scope(workspace.engine) as session, pytest.raises(ProgramError) as error:
        apply_kind(session, library, SCOPE_RECORDS, read_kind(SCOPE_RECORDS, tmp_path / "p"), False)
    assert "v1.yaml" in str(error.value) and "never overwritten" in str(error.value)
    one.write_text(original, encoding="utf-8")
    two.write_text(
        two.read_text()
        .replace("approved_by: null", "approved_by: CEO")
        .replace("approved_on: null", "approved_on: 2026-05-01"),
        encoding="utf-8",
    )
    with session_scope(workspace.engine) as session:
        records = read_kind(SCOPE_RECORDS, tmp_path / "p")
        report = apply_kind(session, library, SCOPE_RECORDS, records, dry_run=False)
        assert (report.updated, report.unchanged) == (["v2"], ["v1"])
        assert current_scope(session).version == 2  # type: ignore[union-attr]
        assert current_scope(session).approved_on == date(2026, 5, 1)  # type: ignore[union-attr]


def test_malformed_statement_files_are_refused(tmp_path: Path) -> None:
    folder = tmp_path / "scope"
    folder.mkdir()
    (folder / "v1.yaml").write_text(
        "format: crosswalk/scope-statement@1\nversion: v1\ntext: T\napproved_by: CEO\n",
        encoding="utf-8",
    )
    with pytest.raises(ProgramError, match="approved_by and approved_on go together"):
        read_kind(SCOPE_RECORDS, tmp_path)
    (folder / "v1.yaml").write_text(
        "format: crosswalk/scope-statement@1\nversion: one\ntext: T\n", encoding="utf-8"
    )
    with pytest.raises(ProgramError, match="version"):
        read_kind(SCOPE_RECORDS, tmp_path)
    (folder / "v1.yaml").write_text(
        "format: crosswalk/scope-statement@1\nversion: 1\ntext: T\n", encoding="utf-8"
    )
    [(_, record)] = read_kind(SCOPE_RECORDS, tmp_path)
    assert record.model_dump(mode="json")["version"] == "v1"
