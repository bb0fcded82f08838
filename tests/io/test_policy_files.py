"""Policy files: Markdown with a YAML front-matter header, read strictly, written stably."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from crosswalk.demo.policy_set import demo_policy_files
from crosswalk.domain.frequency import Frequency
from crosswalk.io.policy_files import (
    FIELDS,
    Activity,
    Policy,
    PolicyFile,
    PolicyFileError,
    PolicyStatus,
    dump_policy,
    import_folder,
    parse_policy,
    parse_policy_status,
    policy_file_name,
    read_policies,
    read_policy,
    split_front_matter,
    write_policies,
    write_policy,
)

BODY = "\n# Access control policy\n\nAccess is reviewed quarterly.  \n\n\n"


def sample() -> Policy:
    return Policy(
        id="POL-AC",
        title="Access control policy",
        version="3.0",
        status=PolicyStatus.IN_FORCE,
        owner="Dana Ortiz (IT Manager)",
        approver="Marcus Chen (CTO)",
        approved_on=date(2026, 4, 8),
        review_frequency=Frequency.ANNUAL,
        last_reviewed=date(2026, 4, 8),
        reviewed_by="Marcus Chen (CTO)",
        scope="Every account that can reach Northwind information within the ISMS scope.",
        terms={"Privileged access": "Access that can change production."},
        governs=["NW-AC-01", "iso27001-2022:A.5.15"],
        activities=[
            Activity(
                activity="user access review",
                frequency=Frequency.QUARTERLY,
                quote="Access is reviewed quarterly.",
            ),
            Activity(activity="access removal", frequency=Frequency.PER_TERMINATION),
        ],
        body=BODY,
    )


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_policy_round_trips_and_dumps_the_same_bytes_every_time(tmp_path: Path) -> None:
    policy = sample()
    text = dump_policy(policy)
    again = parse_policy(text, tmp_path / "POL-AC.md")
    assert again == policy
    assert dump_policy(again) == text
    assert text.startswith("---\nid: POL-AC\ntitle: Access control policy\n")
    assert text.endswith("---\n" + BODY)  # the body is kept byte for byte


def test_the_header_keys_are_always_written_in_one_order() -> None:
    header, _ = split_front_matter(dump_policy(Policy(id="P", title="T")), Path("P.md"))
    assert tuple(header) == FIELDS
    assert header["status"] == "draft" and header["approver"] is None
    assert header["activities"] == [] and header["terms"] == {}


def test_common_spellings_are_accepted_and_written_in_ours(tmp_path: Path) -> None:
    path = write(
        tmp_path / "p.md",
        "---\nid: POL-1\ntitle: Policy\nversion: 2\nstatus: In-Force\n"
        "review_frequency: Annually\ngoverns: NW-AC-01, iso27001-2022:A.5.15\n"
        "activities:\n  access reviews: every quarter\nowner: '  '\n---\nBody\n",
    )
    policy = read_policy(path)
    assert policy.version == "2"
    assert policy.status is PolicyStatus.IN_FORCE
    assert policy.review_frequency is Frequency.ANNUAL
    assert policy.governs == ["NW-AC-01", "iso27001-2022:A.5.15"]
    assert policy.activities == [Activity(activity="access reviews", frequency=Frequency.QUARTERLY)]
    assert policy.owner is None
    assert policy.body == "Body\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("in force", PolicyStatus.IN_FORCE),
        ("In_Force", PolicyStatus.IN_FORCE),
        ("active", PolicyStatus.IN_FORCE),
        ("Draft", PolicyStatus.DRAFT),
        ("superseded", PolicyStatus.RETIRED),
        ("maybe", None),
        (None, None),
    ],
)
def test_status_words(text: str | None, expected: PolicyStatus | None) -> None:
    assert parse_policy_status(text) is expected


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("id: P\ntitle: T\nstatus: pending\n", "status: 'pending' is not a status"),
        ("id: P\ntitle: T\nreview_frequency: sometimes\n", "review_frequency: 'sometimes'"),
        ("id: P\ntitle: T\ngovern: [A]\n", "govern: Extra inputs are not permitted"),
        ("id: P\n", "title: Field required"),
        (
            "id: P\ntitle: T\nactivities:\n- activity: backups\n  frequency: often\n",
            "activities.0.frequency: 'often'",
        ),
        ("id: P\ntitle: T\napproved_on: last spring\n", "approved_on:"),
        ("id: P\ntitle: T\nbody: text\n", "body: the body is the Markdown"),
    ],
)
def test_a_bad_header_names_the_file_and_the_field(
    tmp_path: Path, header: str, message: str
) -> None:
    path = write(tmp_path / "bad.md", f"---\n{header}---\n")
    with pytest.raises(PolicyFileError) as error:
        read_policy(path)
    assert str(error.value).startswith(f"{path}: ")
    assert message in str(error.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("# Just Markdown\n", "no front matter"),
        ("---\nid: P\ntitle: T\n", "not closed"),
        ("---\nid: [P\n---\n", "not valid YAML"),
        ("---\n- a list\n---\n", "must be a mapping"),
    ],
)
def test_front_matter_is_required(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path / "bad.md", text)
    with pytest.raises(PolicyFileError, match=message) as error:
        read_policy(path)
    assert str(error.value).startswith(str(path))


def test_the_workspace_folder_is_read_and_one_id_lives_in_one_file(tmp_path: Path) -> None:
    assert read_policies(tmp_path) == []
    first = write_policy(tmp_path / "policies" / policy_file_name("POL-AC"), sample())
    assert [item.path for item in read_policies(tmp_path)] == [first]
    write(tmp_path / "policies" / "copy.md", dump_policy(sample()))
    with pytest.raises(PolicyFileError, match="'POL-AC' is also in"):
        read_policies(tmp_path)


def test_writing_is_atomic_and_leaves_an_unchanged_file_alone(tmp_path: Path) -> None:
    path = tmp_path / "policies" / "POL-AC.md"
    write_policy(path, sample())
    stamp = path.stat().st_mtime_ns
    write_policy(path, sample())
    assert path.stat().st_mtime_ns == stamp
    assert [p.name for p in path.parent.iterdir()] == ["POL-AC.md"]  # no temporary left over
    changed = sample().model_copy(update={"version": "3.1"})
    written = write_policies([PolicyFile(path, changed), PolicyFile(tmp_path / "x.md", sample())])
    assert written == [path, tmp_path / "x.md"]
    assert read_policy(path).version == "3.1"


def test_file_names_are_safe() -> None:
    assert policy_file_name("POL-AC") == "POL-AC.md"
    assert policy_file_name("../etc/passwd") == "etc_passwd.md"
    with pytest.raises(PolicyFileError):
        policy_file_name("/..")


def test_foreign_files_are_read_forgivingly(tmp_path: Path) -> None:
    write(
        tmp_path / "repo" / "access-control.md",
        "---\nname: Access Control Policy\nstate: Approved\nApproved By: CTO\n"
        "Approval Date: 2026-02-01\nreview cycle: yearly\nControls: [NW-AC-01]\n"
        "definitions:\n- term: Least privilege\n  definition: Only what is needed.\n"
        "confluence_page: 1234\n---\n# Access Control Policy\n",
    )
    write(tmp_path / "repo" / "sub" / "ir.md", "---\nid: POL-IR\n---\n\n# Incident response\n")
    write(tmp_path / "repo" / "README.md", "This folder holds our policies.\n")
    found = import_folder(tmp_path / "repo")
    assert [item.policy.id for item in found] == ["access-control", "POL-IR"]
    access, incident = found
    assert access.policy.title == "Access Control Policy"
    assert access.policy.status is PolicyStatus.IN_FORCE
    assert (access.policy.approver, access.policy.approved_on) == ("CTO", date(2026, 2, 1))
    assert access.policy.review_frequency is Frequency.ANNUAL
    assert access.policy.governs == ["NW-AC-01"]
    assert access.policy.terms == {"Least privilege": "Only what is needed."}
    assert access.ignored == ("confluence_page",)
    assert access.derived == ("id",)
    assert incident.policy.title == "Incident response"
    assert incident.derived == ("title",)
    assert incident.policy.status is PolicyStatus.DRAFT


def test_a_foreign_folder_is_all_or_nothing_and_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(PolicyFileError, match="not a folder"):
        import_folder(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(PolicyFileError, match=r"no \.md policy files"):
        import_folder(tmp_path / "empty")
    write(tmp_path / "repo" / "a.md", "---\nid: A\ntitle: A\n---\n")
    write(tmp_path / "repo" / "b.md", "No front matter here\n")
    with pytest.raises(PolicyFileError, match=r"b\.md: no front matter"):
        import_folder(tmp_path / "repo")
    write(tmp_path / "repo" / "b.md", "---\nid: A\ntitle: B\n---\n")
    with pytest.raises(PolicyFileError, match=r"b\.md: id: policy 'A' is also in"):
        import_folder(tmp_path / "repo")
    write(tmp_path / "repo" / "b.md", "---\nid: B\nname: B\ntitle: C\n---\n")
    with pytest.raises(PolicyFileError, match=r"b\.md: title: gives title a second time"):
        import_folder(tmp_path / "repo")


def test_the_demo_policies_are_valid_and_in_our_own_format() -> None:
    files = demo_policy_files()
    assert len(files) >= 9
    statuses = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        policy = parse_policy(text, path)
        assert dump_policy(policy) == text, f"{path.name} is not in canonical form"
        assert path.name == policy_file_name(policy.id)
        statuses.append(policy.status)
    assert statuses.count(PolicyStatus.DRAFT) == 1
    assert statuses.count(PolicyStatus.RETIRED) == 1
