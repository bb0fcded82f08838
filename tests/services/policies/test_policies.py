"""The policy library and its check: duplicates, conflicts, scope, reviews, approvals."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.demo.builder import DemoResult
from crosswalk.demo.policy_set import PLANTED_CONFLICT, PLANTED_DUPLICATE, install_demo_policies
from crosswalk.domain.errors import UnknownReferenceError
from crosswalk.domain.frequency import Frequency
from crosswalk.io.policy_files import (
    Policy,
    PolicyFileError,
    PolicyStatus,
    policy_file_name,
    policy_folder,
    read_policy,
    write_policy,
)
from crosswalk.services.controls.controls import ControlInput, add_control, tag_control
from crosswalk.services.isms.assets import AssetInput, add_asset
from crosswalk.services.policies.check import (
    Finding,
    activity_words,
    check,
    policy_findings,
    same_activity,
)
from crosswalk.services.policies.policies import (
    PolicyError,
    PolicyInput,
    add_policy,
    approve,
    get_policy,
    import_policies,
    list_policies,
    next_review_due,
    review,
)
from crosswalk.store.engine import session_scope
from crosswalk.store.workspace import Workspace, open_workspace
from tests.conftest import DEMO_TODAY

TODAY = date(2026, 6, 1)
CONFLICTS = {"duplicate", "frequency-conflict", "term-conflict"}


def put(root: Path, policy_id: str, **fields: Any) -> Policy:
    """Write a policy: in force, approved and freshly reviewed unless told otherwise."""
    data: dict[str, Any] = {
        "id": policy_id,
        "title": f"{policy_id} policy",
        "status": PolicyStatus.IN_FORCE,
        "owner": "CISO",
        "approver": "CEO",
        "approved_on": date(2026, 1, 10),
        "review_frequency": Frequency.ANNUAL,
        "last_reviewed": date(2026, 1, 10),
        **fields,
    }
    policy = Policy.model_validate(data)
    write_policy(policy_folder(root) / policy_file_name(policy_id), policy)
    return policy


def seed(session: Session, library: Library) -> None:
    add_control(session, ControlInput("AC-01", "User access review", frequency=Frequency.QUARTERLY))
    tag_control(session, library, "AC-01", ["iso27001-2022:A.5.18"])
    add_control(
        session, ControlInput("AC-02", "Access provisioning", frequency=Frequency.PER_REQUEST)
    )
    tag_control(session, library, "AC-02", ["iso27001-2022:A.5.15"])
    add_control(session, ControlInput("AC-03", "Multi-factor authentication"))
    tag_control(session, library, "AC-03", ["iso27001-2022:A.5.15"])
    add_control(
        session, ControlInput("IR-01", "Incident response tabletop", frequency=Frequency.ANNUAL)
    )


def run_check(workspace: Workspace, library: Library, today: date = TODAY) -> list[Finding]:
    with session_scope(workspace.engine) as session:
        seed(session, library)
        session.flush()
        return check(session, library, workspace.root, today)


def codes(findings: list[Finding]) -> list[tuple[str, tuple[str, ...]]]:
    return [(f.code, f.policies) for f in findings]


# --- the acceptance case ------------------------------------------------------------------------


def test_two_access_policies_in_force_are_a_duplicate_and_a_conflict(
    workspace: Workspace, library: Library
) -> None:
    """Both govern access control and say quarterly and annually for access reviews: a
    duplicate and a frequency conflict proposing quarterly. A retired one is not reported."""
    root = workspace.root
    put(
        root,
        "POL-AC",
        governs=["AC-01", "AC-02", "iso27001-2022:A.5.15"],
        activities=[{"activity": "user access review", "frequency": "quarterly"}],
    )
    put(
        root,
        "POL-IAM",
        governs=["AC-01", "AC-02"],
        activities=[{"activity": "Access reviews", "frequency": "annually"}],
    )
    put(
        root,
        "POL-OLD",
        status="retired",
        governs=["AC-01", "AC-02", "iso27001-2022:A.5.15"],
        activities=[{"activity": "access review", "frequency": "monthly"}],
    )
    findings = run_check(workspace, library)
    assert codes(findings) == [
        ("duplicate", ("POL-AC", "POL-IAM")),
        ("frequency-conflict", ("POL-AC", "POL-IAM")),
    ]
    duplicate, conflict = findings
    assert duplicate.overlap == ("AC-01", "AC-02")
    assert "both in force" in duplicate.message
    assert conflict.subject == "access review"
    assert conflict.proposed == "quarterly"
    assert "The stricter frequency wins: quarterly, as POL-AC says" in conflict.message
    assert "bring POL-IAM to quarterly" in conflict.message
    assert "control AC-01 runs quarterly" in conflict.message
    assert all("POL-OLD" not in f.policies for f in findings)


def test_drafts_are_never_duplicates_or_conflicts(workspace: Workspace, library: Library) -> None:
    put(workspace.root, "POL-AC", governs=["AC-01"])
    put(
        workspace.root,
        "POL-NEW",
        status="draft",
        approver=None,
        approved_on=None,
        governs=["AC-01"],
        activities=[{"activity": "access review", "frequency": "annual"}],
    )
    assert run_check(workspace, library) == []


def test_a_requirement_and_a_control_tagged_to_it_overlap(
    workspace: Workspace, library: Library
) -> None:
    put(workspace.root, "POL-A", governs=["iso27001-2022:A.5.18"])
    put(workspace.root, "POL-B", governs=["AC-01"])
    findings = run_check(workspace, library)
    assert codes(findings) == [("duplicate", ("POL-A", "POL-B"))]
    assert findings[0].overlap == ("iso27001-2022:A.5.18 (through AC-01)",)


def test_two_different_controls_sharing_a_tag_are_not_a_duplicate(
    workspace: Workspace, library: Library
) -> None:
    put(workspace.root, "POL-A", governs=["AC-02"])  # both tagged A.5.15
    put(workspace.root, "POL-B", governs=["AC-03"])
    assert run_check(workspace, library) == []


def test_a_policy_stating_a_looser_frequency_than_its_control_conflicts(
    workspace: Workspace, library: Library
) -> None:
    put(
        workspace.root,
        "POL-AC",
        governs=["iso27001-2022:A.5.18"],  # reaches AC-01 through its tag
        activities=[{"activity": "access reviews are performed", "frequency": "semiannual"}],
    )
    findings = run_check(workspace, library)
    assert codes(findings) == [("frequency-conflict", ("POL-AC",))]
    assert findings[0].proposed == "quarterly"
    assert "quarterly, as control AC-01 runs" in findings[0].message


def test_an_activity_agreeing_with_the_control_is_fine(
    workspace: Workspace, library: Library
) -> None:
    put(
        workspace.root,
        "POL-IR",
        governs=["IR-01"],
        activities=[{"activity": "incident response tabletop", "frequency": "yearly"}],
    )
    assert run_check(workspace, library) == []


def test_different_events_have_no_stricter_one(workspace: Workspace, library: Library) -> None:
    put(
        workspace.root,
        "POL-A",
        activities=[{"activity": "key rotation", "frequency": "per change"}],
    )
    put(
        workspace.root,
        "POL-B",
        activities=[{"activity": "key rotation", "frequency": "on request"}],
    )
    findings = run_check(workspace, library)
    assert codes(findings) == [("frequency-conflict", ("POL-A", "POL-B"))]
    assert findings[0].proposed is None
    assert "neither is stricter" in findings[0].message


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("access review", "access reviews", True),
        ("access review", "user access review", True),
        ("Access reviews are performed", "review of access", True),
        ("backup restore testing", "backup restore tests", True),
        ("access review", "privileged access review", False),
        ("quarterly", "annually", False),  # nothing left to compare
    ],
)
def test_activities_are_compared_by_their_words(a: str, b: str, same: bool) -> None:
    assert same_activity(a, b) is same


def test_activity_words_keep_the_order_they_were_written_in() -> None:
    assert activity_words("User access reviews are performed quarterly") == ("access", "review")


def test_a_term_defined_twice_differently_conflicts(workspace: Workspace, library: Library) -> None:
    put(workspace.root, "POL-A", terms={"Security incident": "An event that harms data."})
    put(workspace.root, "POL-B", terms={"security incidents": "an event that harms data"})
    put(workspace.root, "POL-C", terms={"Security Incident": "Any alert a human looks at."})
    put(workspace.root, "POL-D", status="retired", terms={"Security incident": "Anything."})
    findings = run_check(workspace, library)
    assert codes(findings) == [("term-conflict", ("POL-A", "POL-B", "POL-C"))]
    assert findings[0].subject == "Security incident"
    assert '"Any alert a human looks at."' in findings[0].message


def seed_assets(workspace: Workspace) -> None:
    with session_scope(workspace.engine) as session:
        add_asset(
            session, AssetInput("AWS", "AWS production accounts (us-east-1)", in_isms_scope=True)
        )
        add_asset(session, AssetInput("OKTA", "Okta identity provider", in_isms_scope=True))
        add_asset(session, AssetInput("SUPPORT", "Zendesk support desk"))
        add_asset(session, AssetInput("WEBSITE", "Marketing website"))
        session.commit()


@pytest.mark.parametrize(
    ("scope", "subjects"),
    [
        ("The AWS production accounts and Okta identity provider.", []),
        ("Covers AWS and SUPPORT.", ["SUPPORT"]),
        ("Covers the zendesk support desk and the marketing website.", ["SUPPORT", "WEBSITE"]),
        ("Covers all Northwind systems.", ["SUPPORT, WEBSITE"]),
        ("Covers all systems in the ISMS scope.", []),
        ("Covers all systems. The marketing website and SUPPORT are excluded.", []),
        ("Covers all systems. The marketing website is excluded.", ["SUPPORT"]),
        ("Covers all systems in scope, except OKTA.", ["OKTA"]),
        ("Covers AWS, except for the Zendesk support desk.", []),
        ("Covers AWS (support is a different team).", []),  # the id is matched in exact case
    ],
)
def test_a_scope_disagreeing_with_the_isms_scope_is_found(
    workspace: Workspace, library: Library, scope: str, subjects: list[str]
) -> None:
    seed_assets(workspace)
    put(workspace.root, "POL-A", scope=scope)
    findings = run_check(workspace, library)
    assert all(f.code == "scope-mismatch" for f in findings)
    assert [f.subject for f in findings] == subjects


def test_overdue_reviews_and_missing_approvals(workspace: Workspace, library: Library) -> None:
    put(workspace.root, "POL-LATE", last_reviewed=date(2025, 5, 1))
    put(workspace.root, "POL-NEVER", approved_on=date(2025, 1, 2), last_reviewed=None)
    put(workspace.root, "POL-QUARTER", review_frequency="quarterly")  # reviewed 2026-01-10
    put(workspace.root, "POL-DRAFT", status="draft", last_reviewed=date(2020, 1, 1))
    put(workspace.root, "POL-EVENT", review_frequency="per change", last_reviewed=date(2020, 1, 1))
    put(workspace.root, "POL-UNAPPROVED", approver=None, approved_on=None, last_reviewed=None)
    findings = run_check(workspace, library)
    assert codes(findings) == [
        ("review-overdue", ("POL-LATE",)),
        ("review-overdue", ("POL-NEVER",)),
        ("review-overdue", ("POL-QUARTER",)),
        ("no-approval", ("POL-UNAPPROVED",)),
    ]
    assert "due by 2026-05-02 (30 days overdue)" in findings[0].message
    assert "approved and never reviewed on 2025-01-02" in findings[1].message
    assert "no approver and no approval date" in findings[3].message


def test_unknown_governed_refs_are_reported(workspace: Workspace, library: Library) -> None:
    put(workspace.root, "POL-A", governs=["AC-1", "iso27001-2022:A.5.99", "A.5.15"])
    put(workspace.root, "POL-OLD", status="retired", governs=["NOPE"])
    findings = run_check(workspace, library)
    assert [(f.code, f.subject) for f in findings] == [
        ("unknown-reference", "AC-1"),
        ("unknown-reference", "iso27001-2022:A.5.99"),
    ]
    assert "did you mean AC-01" in findings[0].message


# --- the library --------------------------------------------------------------------------------


def test_add_writes_a_draft_with_resolved_refs(workspace: Workspace, library: Library) -> None:
    root = workspace.root
    with session_scope(workspace.engine) as session:
        seed(session, library)
        item = add_policy(
            session,
            library,
            root,
            PolicyInput("POL-AC", "Access control policy", "Dana", ["ac-01", "5.15", "AC-01"]),
        )
        assert item.path == root / "policies" / "POL-AC.md"
        assert read_policy(item.path) == item.policy
        assert item.policy.status is PolicyStatus.DRAFT
        assert item.policy.governs == ["AC-01", "iso27001-2022:A.5.15"]
        assert item.policy.review_frequency is Frequency.ANNUAL
        assert "# Access control policy" in item.policy.body
        with pytest.raises(PolicyError, match="already exists"):
            add_policy(session, library, root, PolicyInput("pol-ac", "Again"))
        with pytest.raises(UnknownReferenceError, match="did you mean AC-01"):
            add_policy(session, library, root, PolicyInput("POL-X", "X", governs=["AC-1"]))
        with pytest.raises(PolicyError, match="needs an id and a title"):
            add_policy(session, library, root, PolicyInput("POL-Y", " "))
    assert [item.policy.id for item in list_policies(root)] == ["POL-AC"]


def test_approve_puts_a_policy_in_force_and_counts_as_a_review(tmp_path: Path) -> None:
    put(tmp_path, "POL-A", status="draft", approver=None, approved_on=None, last_reviewed=None)
    item = approve(tmp_path, "pol-a", " Marcus Chen (CTO) ", date(2026, 3, 1))
    policy = read_policy(item.path)
    assert policy.status is PolicyStatus.IN_FORCE
    assert (policy.approver, policy.approved_on) == ("Marcus Chen (CTO)", date(2026, 3, 1))
    assert (policy.last_reviewed, policy.reviewed_by) == (date(2026, 3, 1), "Marcus Chen (CTO)")
    assert next_review_due(policy) == date(2027, 3, 2)
    assert [i.policy.id for i in list_policies(tmp_path, PolicyStatus.IN_FORCE)] == ["POL-A"]
    assert list_policies(tmp_path, PolicyStatus.DRAFT) == []
    with pytest.raises(PolicyError, match="approver's name"):
        approve(tmp_path, "POL-A", " ", date(2026, 3, 1))
    put(tmp_path, "POL-OLD", status="retired")
    with pytest.raises(PolicyError, match="retired"):
        approve(tmp_path, "POL-OLD", "CEO", date(2026, 3, 1))


def test_review_records_who_and_when(tmp_path: Path) -> None:
    put(tmp_path, "POL-A")
    item = review(tmp_path, "POL-A", "Priya (CISO)", date(2026, 11, 20))
    assert (item.policy.last_reviewed, item.policy.reviewed_by) == (
        date(2026, 11, 20),
        "Priya (CISO)",
    )
    assert read_policy(item.path) == item.policy
    with pytest.raises(PolicyError, match="already reviewed on 2026-11-20"):
        review(tmp_path, "POL-A", "Priya", date(2026, 1, 1))
    with pytest.raises(PolicyError, match="reviewer's name"):
        review(tmp_path, "POL-A", "", date(2026, 12, 1))


def test_get_policy_suggests_close_ids(tmp_path: Path) -> None:
    put(tmp_path, "POL-AC")
    assert get_policy(tmp_path, "pol-ac").policy.id == "POL-AC"
    with pytest.raises(UnknownReferenceError, match="did you mean POL-AC"):
        get_policy(tmp_path, "POL-A")


def test_import_is_all_or_nothing_with_a_dry_run(workspace: Workspace, library: Library) -> None:
    root = workspace.root
    source = workspace.root.parent / "policy-repo"
    source.mkdir()
    (source / "access.md").write_text(
        "---\nid: POL-AC\nname: Access control\nstatus: active\n"
        "controls: [ac-01, A.5.15, NW-ZZ-9]\n---\n# Access control\n",
        encoding="utf-8",
    )
    (source / "broken.md").write_text(
        "---\nid: POL-X\ntitle: X\nstatus: someday\n---\n", encoding="utf-8"
    )
    with session_scope(workspace.engine) as session:
        seed(session, library)
        with pytest.raises(PolicyFileError, match=r"broken\.md: status:"):
            import_policies(session, library, root, source)
        assert list_policies(root) == []
        (source / "broken.md").unlink()
        planned = import_policies(session, library, root, source, dry_run=True)
        assert [(p.policy_id, p.action) for p in planned.policies] == [("POL-AC", "add")]
        assert list_policies(root) == []
        done = import_policies(session, library, root, source)
        imported = done.policies[0]
        assert imported.unresolved == ("NW-ZZ-9",)
        policy = get_policy(root, "POL-AC").policy
        assert policy.governs == ["AC-01", "iso27001-2022:A.5.15", "NW-ZZ-9"]
        assert policy.status is PolicyStatus.IN_FORCE
        again = import_policies(session, library, root, source)
        assert [p.action for p in again.policies] == ["unchanged"]
        (source / "access.md").write_text(
            "---\nid: POL-AC\nname: Access control v2\n---\n", encoding="utf-8"
        )
        updated = import_policies(session, library, root, source)
        assert [p.action for p in updated.policies] == ["update"]
        assert get_policy(root, "POL-AC").policy.title == "Access control v2"


def test_findings_of_one_policy(workspace: Workspace, library: Library) -> None:
    put(workspace.root, "POL-A", governs=["AC-01"])
    put(workspace.root, "POL-B", governs=["AC-01"], last_reviewed=date(2024, 1, 1))
    with session_scope(workspace.engine) as session:
        seed(session, library)
        session.flush()
        found = policy_findings(session, library, workspace.root, "pol-b", TODAY)
        assert [f.code for f in found] == ["duplicate", "review-overdue"]
        assert [
            f.code for f in policy_findings(session, library, workspace.root, "POL-A", TODAY)
        ] == ["duplicate"]


# --- the demo ----------------------------------------------------------------------------------


def test_the_demo_policy_set_has_exactly_the_planted_duplicate_and_conflict(
    demo: DemoResult, library: Library, tmp_path: Path
) -> None:
    installed = install_demo_policies(tmp_path)
    assert len(installed) >= 9
    assert install_demo_policies(tmp_path) == installed  # idempotent
    opened = open_workspace(demo.folder)
    try:
        with session_scope(opened.engine) as session:
            findings = check(session, library, tmp_path, DEMO_TODAY)
    finally:
        opened.close()
    problems = [(f.code, f.policies) for f in findings if f.code in CONFLICTS]
    assert problems == [
        ("duplicate", PLANTED_DUPLICATE),
        ("frequency-conflict", PLANTED_CONFLICT),
    ]
    conflict = next(f for f in findings if f.code == "frequency-conflict")
    assert (conflict.subject, conflict.proposed) == ("access review", "quarterly")
    assert "unknown-reference" not in {f.code for f in findings}  # every ref is real
    assert all("POL-IR-2019" not in f.policies for f in findings)  # retired
    assert all("POL-BCP" not in f.policies for f in findings)  # the draft
