"""`crosswalk frameworks import FOLDER` (issue 16): CISO Assistant's real library folder in
one command, files in dependency order, a report per file; shipped frameworks matched, not
duplicated; their SOC 2 -> ISO set kept as an alternative that `gap --mapping-set` uses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.cli.conftest import Run, as_json
from tests.conftest import SHARED

LIBRARY = SHARED / "fixtures" / "ciso-assistant" / "library"
THEIR_SOC2_SET = "ciso-mapping-soc2-2017-rev-2022-to-iso27001-2022"


def test_the_whole_library_folder_imports_in_one_command(northwind: Path, run: Run) -> None:
    """Into the demo workspace, whose controls are tagged to SOC 2 criteria."""
    if not LIBRARY.is_dir():
        pytest.skip(f"CISO Assistant library not found at {LIBRARY}")
    report = as_json(run("frameworks", "import", str(LIBRARY), "--json"))
    files = report["files"]
    assert len(files) == len(list(LIBRARY.glob("*.yaml")))
    by_name = {Path(f["path"]).name: f for f in files}
    for name in ("soc2_2017_with_rev_2022.yaml", "gdpr.yaml", "ai-act.yaml", "iso27001-2022.yaml"):
        assert by_name[name]["outcome"] == "matched", by_name[name]
    for item in files:  # every refusal names its file and a reason; nothing crashed
        assert item["outcome"] in ("imported", "matched", "refused")
        if item["outcome"] == "refused":
            assert item["reason"].startswith(item["path"]) and len(item["reason"]) > 40
    written = {p.stem for p in (northwind / "catalogs" / "frameworks").glob("*.yaml")}
    assert not written & {"soc2-2017", "soc2-2017-rev-2022", "gdpr", "ai-act", "iso27001-2022"}
    assert {"nist-csf-1.1", "scf-2025.2.2"} <= written  # dependencies came first
    # a mapping file read after the frameworks it joins, though it sorts before them
    assert by_name["map-nist-csf-1.1-nist-csf-2.0.yaml"]["outcome"] == "imported"
    their_set = yaml.safe_load(
        (northwind / "catalogs" / "mappings" / f"{THEIR_SOC2_SET}.yaml").read_text()
    )
    header = their_set["mapping_set"]
    assert header["source_framework"] == "soc2-tsc-2017"
    assert header["alternative_to"] == "soc2-to-iso27001-2022"
    assert {m["source"] for m in their_set["mappings"]} <= {
        f"CC{n}.{m}" for n in range(1, 10) for m in range(1, 10)
    } | {f"{p}{n}.{m}" for p in ("A", "C", "PI", "P") for n in range(1, 9) for m in range(1, 9)}

    # the gap analysis judges with ours by default, with theirs when asked
    ours = as_json(run("gap", "--json"))
    theirs = as_json(run("gap", "--json", "--mapping-set", THEIR_SOC2_SET))
    assert THEIR_SOC2_SET not in json.dumps(ours)
    assert THEIR_SOC2_SET in json.dumps(theirs)  # routes name the set they follow
    assert ours["annex_a_summary"] != theirs["annex_a_summary"]
    assert theirs["annex_a_summary"]["by_verdict"]["likely"] == 0  # their edges carry no strength


def test_files_are_ordered_by_their_dependencies_and_refused_alone(
    workspace_dir: Path, run: Run, tmp_path: Path
) -> None:
    folder = tmp_path / "lib"
    folder.mkdir()
    base = {
        "urn": "urn:test:risk:library:zeta",
        "ref_id": "zeta",
        "objects": {
            "framework": {
                "urn": "urn:test:risk:framework:zeta",
                "ref_id": "zeta",
                "name": "Zeta",
                "requirement_nodes": [
                    {"urn": "urn:test:risk:req_node:zeta:z-1", "ref_id": "Z-1", "assessable": True}
                ],
            }
        },
    }
    mapping = {
        "urn": "urn:test:risk:library:a-map",
        "ref_id": "a-map",
        "dependencies": ["urn:test:risk:library:zeta"],
        "objects": {
            "requirement_mapping_set": {  # the older, singular key
                "urn": "urn:test:risk:req_mapping_set:a-map",
                "ref_id": "a-map",
                "source_framework_urn": "urn:test:risk:framework:zeta",
                "target_framework_urn": "urn:intuitem:risk:framework:iso27001-2022",
                "requirement_mappings": [
                    {
                        "source_requirement_urn": "urn:test:risk:req_node:zeta:z-1",
                        "target_requirement_urn": "urn:intuitem:risk:req_node:iso27001-2022:a.5.1",
                        "relationship": "equal",
                    }
                ],
            }
        },
    }
    (folder / "zeta.yaml").write_text(yaml.safe_dump(base), encoding="utf-8")
    (folder / "a-map.yaml").write_text(yaml.safe_dump(mapping), encoding="utf-8")
    (folder / "broken.yaml").write_text("objects: [unclosed", encoding="utf-8")
    done = run("frameworks", "import", str(folder))
    assert done.exit_code == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    order = [line.split()[1].rstrip(":") for line in lines if line[:1].isalpha() and ":" in line]
    assert order.index("zeta.yaml") < order.index("a-map.yaml")
    assert any(line.startswith("refused    broken.yaml: ") for line in lines)
    assert "3 files: 2 imported, 0 matched to loaded frameworks, 0 unchanged, 1 refused" in (
        done.stdout
    )
    assert (workspace_dir / "catalogs" / "mappings" / "ciso-a-map.yaml").exists()
    # one file with options meant for one file is refused before anything is read
    again = run("frameworks", "import", str(folder), "--id", "x")
    assert again.exit_code == 2 and "are for one file" in again.stderr


def test_an_export_names_the_urns_of_their_library_once_it_was_matched(
    workspace_dir: Path, run: Run
) -> None:
    """Their AI Act numbers its article nodes arbitrarily (``node273``): matching their file
    keeps those urns, and our AI Act set exported to their format names them."""
    their_ai_act = LIBRARY / "ai-act.yaml"
    if not their_ai_act.exists():
        pytest.skip(f"CISO Assistant library not found at {LIBRARY}")
    import re

    def urns(path: Path) -> set[str]:
        return set(re.findall(r"urn: (urn:intuitem:risk:req_node:\S+)", path.read_text()))

    before = run("mappings", "export", "eu-ai-act-to-iso27001-2022", "--format", "ciso-assistant")
    assert before.exit_code == 0
    sources = {e["source_requirement_urn"] for e in _edges(before.stdout)}
    assert not sources <= urns(their_ai_act)  # article urns guessed, not theirs

    their_iso = str(LIBRARY / "iso27001-2022.yaml")
    done = as_json(run("frameworks", "import", str(their_ai_act), their_iso, "--json"))
    assert {f["outcome"] for f in done["files"]} == {"matched"}
    kept = workspace_dir / "catalogs" / "urns" / "eu-ai-act.yaml"
    assert kept.exists()
    after = run("mappings", "export", "eu-ai-act-to-iso27001-2022", "--format", "ciso-assistant")
    edges = _edges(after.stdout)
    assert {e["source_requirement_urn"] for e in edges} <= urns(their_ai_act)
    assert {e["target_requirement_urn"] for e in edges} <= urns(LIBRARY / "iso27001-2022.yaml")


def _edges(text: str) -> list[dict[str, str]]:
    document = yaml.safe_load(text)
    [written] = document["objects"]["requirement_mapping_sets"]
    edges: list[dict[str, str]] = written["requirement_mappings"]
    return edges
