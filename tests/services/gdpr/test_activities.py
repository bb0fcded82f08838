"""Records of processing (Art. 30) on the asset inventory, their XLSX round trip, and
data-subject requests with the Art. 12(3) deadline."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from crosswalk.catalogs.loader import Library
from crosswalk.domain.errors import CrosswalkError
from crosswalk.domain.gdpr import add_months
from crosswalk.io.ropa_xlsx import COLUMNS
from crosswalk.services.controls.controls import ControlInput, add_control
from crosswalk.services.gdpr.activities import (
    ActivityInput,
    add_activity,
    edit_activity,
    get_activity,
    list_activities,
)
from crosswalk.services.gdpr.requests import (
    RequestInput,
    add_request,
    edit_request,
    extend_request,
    get_request,
    overdue_requests,
)
from crosswalk.services.gdpr.ropa import export_activities_xlsx, import_activities_xlsx
from crosswalk.services.isms.assets import AssetInput, add_asset
from crosswalk.services.program.files import apply_program, export_program
from crosswalk.store.engine import session_scope
from crosswalk.store.gdpr_models import ProcessingActivityRow
from crosswalk.store.models import AuditRow
from crosswalk.store.workspace import Workspace, init_workspace


def _seed(workspace: Workspace) -> None:
    with session_scope(workspace.engine) as session:
        add_asset(session, AssetInput("crm", "CRM", owner="Sales ops", in_isms_scope=True))
        add_asset(session, AssetInput("hr-drive", "HR shared drive", in_isms_scope=True))
        add_asset(session, AssetInput("legacy-db", "Legacy DB", owner="IT", in_isms_scope=False))
        add_control(session, ControlInput("AC-1", "Access review"))
        session.commit()


def _activity(activity_id: str = "PA-1", **more: object) -> ActivityInput:
    values: dict[str, object] = {
        "name": "Customer relationship management",
        "purpose": "Manage customer accounts",
        "subject_categories": "customers",
        "data_categories": "contact details",
        "lawful_basis": "contract",
        "retention": "6 years after the contract ends",
        "assets": ["crm"],
        "controls": ["AC-1"],
        **more,
    }
    return ActivityInput(activity_id, **values)  # type: ignore[arg-type]


def _count(session: object) -> int:
    return session.scalar(  # type: ignore[attr-defined,no-any-return]
        select(func.count()).select_from(ProcessingActivityRow)
    )


def test_an_activity_on_an_asset_outside_the_isms_scope_or_without_owner_is_flagged(
    workspace: Workspace,
) -> None:
    _seed(workspace)
    with session_scope(workspace.engine) as session:
        clean = add_activity(session, _activity())
        odd = add_activity(session, _activity("PA-2", assets=["legacy-db", "hr-drive"]))
        session.commit()
        flagged = [a.activity_id for a in list_activities(session, flagged=True)]
        trail = session.scalars(
            select(AuditRow.entity_key).where(AuditRow.entity == "processing_activity")
        )
        assert sorted(trail) == ["PA-1", "PA-2"]
    assert clean.flags == [] and clean.dpia == "DPIA not required"
    assert odd.flags == [
        "asset legacy-db is outside the ISMS scope",
        "asset hr-drive has no owner",
    ]
    assert flagged == ["PA-2"]


def test_special_categories_screen_towards_a_dpia_and_flag_a_missing_condition(
    workspace: Workspace,
) -> None:
    _seed(workspace)
    with session_scope(workspace.engine) as session:
        item = add_activity(
            session,
            _activity(special_categories=["health"], dpia_criteria=["vulnerable subjects"]),
        )
        session.commit()
        assert item.dpia == "DPIA required"
        assert "special categories without an Art. 9(2) condition" in item.flags
        assert "the screening requires a DPIA (Art. 35) and none is recorded" in item.flags
        edit_activity(session, "PA-1", art9_condition="b", dpia_completed_on=date(2026, 5, 1))
        assert get_activity(session, "PA-1").flags == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"lawful_basis": "because we can"}, "lawful_basis"),
        ({"transfers": ["US"]}, "transfer_safeguard"),
        ({"transfers": ["US"], "transfer_safeguard": "trust"}, "transfer_safeguard"),
        ({"assets": ["crm", "nowhere"]}, "assets"),
        ({"controls": ["ZZ-9"]}, "controls"),
        ({"special_categories": ["shoe size"]}, "special_categories"),
        ({"role": "processor"}, "controller"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(
    sqlite_workspace: Workspace, changes: dict[str, object], field: str
) -> None:
    _seed(sqlite_workspace)
    with session_scope(sqlite_workspace.engine) as session:
        with pytest.raises(CrosswalkError, match=rf"processing activity PA-1: {field}: "):
            add_activity(session, _activity(**changes))
        session.rollback()
        assert _count(session) == 0
        add_activity(session, _activity())
        session.commit()
        with pytest.raises(CrosswalkError, match=rf"processing activity PA-1: {field}: "):
            edit_activity(session, "PA-1", **changes)
        session.rollback()
        assert get_activity(session, "PA-1").lawful_basis == "contract"
        assert get_activity(session, "PA-1").transfers == []


def test_xlsx_export_then_import_round_trips_and_a_bad_row_changes_nothing(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    _seed(sqlite_workspace)
    path = tmp_path / "ropa.xlsx"
    with session_scope(sqlite_workspace.engine) as session:
        add_activity(
            session,
            _activity(transfers=["US"], transfer_safeguard="sccs", processors=["Mailer Inc"]),
        )
        add_activity(session, _activity("PA-2", name="=HYPERLINK(1)"))
        session.commit()
        assert export_activities_xlsx(session, path) == 2
    sheet = load_workbook(path).active
    assert [c.value for c in sheet[1]] == list(COLUMNS.values())
    assert sheet["A2"].value == "PA-1" and sheet["N2"].value == "US"
    assert sheet["B3"].data_type == "s"  # formula-looking text stays text

    sheet["B2"] = "CRM (renamed)"
    sheet.append(["PA-3", "Newsletter", "", "", "Marketing", "", "", "", "consent"])
    sheet.append(["PA-4", "Payroll", "", "", "", "", "", "", "legitimate wishes"])
    workbook = sheet.parent
    bad = tmp_path / "bad.xlsx"
    workbook.save(bad)
    with session_scope(sqlite_workspace.engine) as session:
        with pytest.raises(
            CrosswalkError, match=r"bad.xlsx: row 5: processing activity PA-4: lawful_basis"
        ):
            import_activities_xlsx(session, bad)
        session.rollback()
        assert _count(session) == 2
        assert get_activity(session, "PA-1").name == "Customer relationship management"

    sheet.delete_rows(5)
    good = tmp_path / "good.xlsx"
    workbook.save(good)
    with session_scope(sqlite_workspace.engine) as session:
        assert import_activities_xlsx(session, good) == ["PA-1", "PA-2", "PA-3"]
        session.commit()
        renamed = get_activity(session, "PA-1")
        assert renamed.name == "CRM (renamed)" and renamed.transfer_safeguard == "sccs"
        assert renamed.processors == ["Mailer Inc"]
        assert get_activity(session, "PA-3").lawful_basis == "consent"


def test_an_unknown_column_is_refused_naming_file_and_row(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    workbook = Workbook()
    workbook.active.append(["ID", "Name of the processing", "Colour"])
    path = tmp_path / "odd.xlsx"
    workbook.save(path)
    with (
        session_scope(sqlite_workspace.engine) as session,
        pytest.raises(CrosswalkError, match=r"odd.xlsx: row 1: unknown column 'Colour'"),
    ):
        import_activities_xlsx(session, path)


def test_a_request_is_due_a_month_after_receipt_and_an_extension_needs_a_reason(
    workspace: Workspace,
) -> None:
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    today = date(2026, 11, 27)
    with session_scope(workspace.engine) as session:
        access = add_request(
            session, RequestInput("DSR-1", "access", date(2026, 10, 31)), today=today
        )
        add_request(session, RequestInput("DSR-2", "erasure", date(2026, 11, 10)), today=today)
        session.commit()
        assert access.due_on == date(2026, 11, 30) and access.state == "open"
        with pytest.raises(CrosswalkError, match=r"request DSR-2: extension_reason: give"):
            extend_request(session, "DSR-2", "  ", today=today)
        extended = extend_request(session, "DSR-2", "Backups on tape must be searched", today=today)
        session.commit()
        assert extended.extended and extended.due_on == date(2027, 2, 10)
        with pytest.raises(CrosswalkError, match=r"already extended once"):
            extend_request(session, "DSR-2", "again", today=today)
        late = overdue_requests(session, today=date(2026, 12, 3))
        assert [(r.request_id, r.days_overdue) for r in late] == [("DSR-1", 3)]
        with pytest.raises(CrosswalkError, match=r"request DSR-1: identity_verified_on"):
            edit_request(session, "DSR-1", done_on=date(2026, 11, 20))
        session.rollback()
        with pytest.raises(CrosswalkError, match=r"request DSR-1: kind: 'gossip'"):
            edit_request(session, "DSR-1", kind="gossip")
        session.rollback()
        edit_request(
            session,
            "DSR-1",
            identity_verified_on=date(2026, 11, 2),
            done_on=date(2026, 11, 20),
        )
        session.commit()
        assert get_request(session, "DSR-1", today=date(2026, 12, 3)).state == "done"
        assert overdue_requests(session, today=date(2026, 12, 3)) == []


def test_activities_and_requests_go_through_export_program_and_apply(
    workspace: Workspace, library: Library, tmp_path: Path
) -> None:
    _seed(workspace)
    folder = tmp_path / "program"
    with session_scope(workspace.engine) as session:
        add_activity(session, _activity(transfers=["US"], transfer_safeguard="adequacy"))
        add_request(
            session, RequestInput("DSR-1", "access", date(2026, 10, 31), activity_id="PA-1")
        )
        session.commit()
        export_program(session, folder)
    assert (folder / "processing-activities" / "PA-1.yaml").is_file()
    assert (folder / "subject-requests" / "DSR-1.yaml").is_file()
    fresh, _ = init_workspace(tmp_path / "fresh")
    try:
        with session_scope(fresh.engine) as session:
            report = apply_program(session, library, folder)
            session.commit()
            created = {r.folder: r.created for r in report.records}
            assert created["processing-activities"] == ["PA-1"]
            assert created["subject-requests"] == ["DSR-1"]
            again = apply_program(session, library, folder)
            assert all(not r.created and not r.updated for r in again.records)
            assert get_activity(session, "PA-1").transfers == ["US"]
    finally:
        fresh.close()
