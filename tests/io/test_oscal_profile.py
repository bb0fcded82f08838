"""OSCAL profile resolution, phase by phase, on small catalogs written here (issue 23).

NIST's own test suite runs in ``test_profile_conformance``; NIST's baselines and FedRAMP's
in ``test_oscal_baselines``. These pin down each rule with a catalog small enough to read:
exact selection, ancestors and up-levelling, the three structures, combine, modify, back
matter and pruning, imports of every kind and the refusals, with the chain of hrefs.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from crosswalk.domain.errors import CrosswalkError
from crosswalk.io.converted import ConversionError
from crosswalk.io.oscal_profile import derive_profile_id, read_oscal_profile, resolve_profile
from crosswalk.io.oscal_sources import CatalogOverride, ImportChainError

CATALOG_UUID = "11111111-1111-4111-8111-111111111111"
CITED = "22222222-2222-4222-8222-222222222222"
KEPT = "33333333-3333-4333-8333-333333333333"
UNUSED = "44444444-4444-4444-8444-444444444444"


def catalog() -> dict[str, Any]:
    return {
        "catalog": {
            "uuid": CATALOG_UUID,
            "metadata": {"title": "Tiny Catalog", "version": "1", "oscal-version": "1.0.4"},
            "params": [
                {"id": "loose", "label": "a loose parameter"},
                {"id": "unused", "label": "nothing refers to it"},
            ],
            "groups": [
                {
                    "id": "ga",
                    "title": "Group A",
                    "params": [{"id": "group-param", "label": "in the group"}],
                    "controls": [
                        {
                            "id": "a-1",
                            "title": "A one",
                            "params": [{"id": "a-1_prm_1", "label": "frequency"}],
                            "props": [{"name": "label", "value": "A-1"}],
                            "parts": [
                                {
                                    "id": "a-1_smt",
                                    "name": "statement",
                                    "prose": "Review {{ insert: param, a-1_prm_1 }} and "
                                    "{{ insert: param, loose }}.",
                                    "parts": [{"id": "a-1_smt.a", "name": "item", "prose": "a"}],
                                }
                            ],
                            "controls": [
                                {"id": "a-1.1", "title": "A one, first"},
                                {"id": "a-1.2", "title": "A one, second"},
                            ],
                        },
                        {
                            "id": "a-2",
                            "title": "A two",
                            "links": [{"href": f"#{CITED}", "rel": "reference"}],
                            "parts": [
                                {
                                    "id": "a-2_smt",
                                    "name": "statement",
                                    "prose": "See {{ insert: param, group-param }}.",
                                }
                            ],
                        },
                    ],
                },
                {"id": "CB", "title": "Group CB", "controls": [{"id": "cb-1", "title": "CB"}]},
                {"id": "CA", "title": "Group CA", "controls": [{"id": "ca-1", "title": "CA"}]},
            ],
            "back-matter": {
                "resources": [
                    {"uuid": CITED, "title": "Cited"},
                    {"uuid": KEPT, "title": "Kept", "props": [{"name": "keep", "value": "always"}]},
                    {"uuid": UNUSED, "title": "Unused"},
                ]
            },
        }
    }


def write(folder: Path, name: str, document: dict[str, Any]) -> Path:
    path = folder / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def profile(
    folder: Path,
    imports: list[dict[str, Any]],
    name: str = "profile.json",
    **extra: Any,
) -> Path:
    if not (folder / "catalog.json").exists():
        write(folder, "catalog.json", catalog())
    body = {
        "uuid": "55555555-5555-4555-8555-555555555555",
        "metadata": {"title": "Tiny Overlay", "version": "2", "oscal-version": "1.1.2"},
        "imports": imports,
        **extra,
    }
    return write(folder, name, {"profile": body})


def ids(path: Path, override: CatalogOverride | None = None) -> list[str]:
    return resolve_profile(path, override).controls


def tree(path: Path) -> Any:
    def walk(holder: dict[str, Any]) -> list[Any]:
        found: list[Any] = [(c["id"], walk(c)) for c in holder.get("controls") or ()]
        found += [(g["id"], walk(g)) for g in holder.get("groups") or ()]
        return found

    return walk(resolve_profile(path).document()["catalog"])


def by_id(holder: dict[str, Any], wanted: str) -> dict[str, Any]:
    for key in ("controls", "groups"):
        for child in holder.get(key) or ():
            if child.get("id") == wanted:
                return dict(child)
            found = by_id(child, wanted)
            if found:
                return found
    return {}


def include(*control_ids: str, **options: Any) -> dict[str, Any]:
    return {
        "href": "catalog.json",
        "include-controls": [{"with-ids": list(control_ids), **options}],
    }


# ---------------------------------------------------------------------------- selection


def test_with_ids_are_exact_ids_of_controls(tmp_path: Path) -> None:
    path = profile(tmp_path, [include("A-1", "a1", "ga", "CB", "a-2")])
    resolved = resolve_profile(path)
    assert resolved.controls == ["a-2"]  # no case folding, no labels, groups are not controls
    assert any("4 with-ids name no control" in n and "A-1, a1, ga, CB" in n for n in resolved.notes)


def test_matching_globs_over_control_ids_only(tmp_path: Path) -> None:
    upper = profile(
        tmp_path,
        [{"href": "catalog.json", "include-controls": [{"matching": [{"pattern": "C*"}]}]}],
    )
    assert ids(upper) == []  # "C*" matches groups CA and CB, which are not controls
    lower = profile(
        tmp_path,
        [{"href": "catalog.json", "include-controls": [{"matching": [{"pattern": "c?-1"}]}]}],
    )
    assert ids(lower) == ["cb-1", "ca-1"]


def test_a_matching_without_pattern_matches_nothing_and_import_refuses_the_empty(
    tmp_path: Path,
) -> None:
    path = profile(
        tmp_path,
        [{"href": "catalog.json", "include-controls": [{"matching": [{}, {"pattern": ""}]}]}],
    )
    resolved = resolve_profile(path)
    assert resolved.controls == [] and "groups" not in resolved.document()["catalog"]
    assert any("2 matching without a pattern" in n for n in resolved.notes)
    with pytest.raises(ConversionError, match="selects no controls"):
        read_oscal_profile(path)


def test_ancestors_come_with_a_selected_child_unless_refused(tmp_path: Path) -> None:
    path = profile(tmp_path, [include("a-1.2")], merge={"as-is": True})
    assert tree(path) == [("ga", [("a-1", [("a-1.2", [])])])]
    framework = read_oscal_profile(path).frameworks[0]
    assert framework.get("a-1").attributes["selected"] == "false"  # there as the parent only
    assert "selected" not in framework.get("a-1.2").attributes
    alone = profile(tmp_path, [include("a-1.2", **{"with-parent-controls": "no"})], "alone.json")
    assert ids(alone) == ["a-1.2"]


def test_children_exclusion_wins_and_up_levelling(tmp_path: Path) -> None:
    children = profile(
        tmp_path,
        [
            {
                **include("a-1", **{"with-child-controls": "yes"}),
                "exclude-controls": [{"with-ids": ["a-1.2"]}],
            }
        ],
    )
    assert ids(children) == ["a-1", "a-1.1"]
    everything_but_parent = profile(
        tmp_path,
        [{"href": "catalog.json", "include-all": {}, "exclude-controls": [{"with-ids": ["a-1"]}]}],
        merge={"as-is": True},
    )
    assert tree(everything_but_parent) == [
        ("ga", [("a-1.1", []), ("a-1.2", []), ("a-2", [])]),  # up-levelled into the group
        ("CB", [("cb-1", [])]),
        ("CA", [("ca-1", [])]),
    ]


def test_an_import_that_selects_nothing_at_all_is_refused(tmp_path: Path) -> None:
    path = profile(tmp_path, [{"href": "catalog.json"}])
    with pytest.raises(ImportChainError, match="expected include-all or include-controls"):
        resolve_profile(path)


# ---------------------------------------------------------------------------- merge


def test_flat_by_default_without_groups_or_nesting(tmp_path: Path) -> None:
    path = profile(tmp_path, [{"href": "catalog.json", "include-all": {}}])
    assert tree(path) == [(c, []) for c in ("a-1", "a-1.1", "a-1.2", "a-2", "cb-1", "ca-1")]
    document = resolve_profile(path).document()["catalog"]
    assert [p["id"] for p in document["params"]] == ["loose", "group-param"]  # unused pruned


def test_as_is_merges_the_same_group_from_two_imports_in_source_order(tmp_path: Path) -> None:
    path = profile(
        tmp_path, [include("a-2", "ca-1"), include("a-1", "cb-1")], merge={"as-is": True}
    )
    assert tree(path) == [
        ("ga", [("a-1", []), ("a-2", [])]),
        ("CB", [("cb-1", [])]),
        ("CA", [("ca-1", [])]),
    ]


def test_combine_keep_use_first_and_merge(tmp_path: Path) -> None:
    twice = [include("a-1", "a-2"), include("a-2", "cb-1")]
    keep = resolve_profile(profile(tmp_path, twice))
    assert keep.controls == ["a-1", "a-2", "a-2", "cb-1"]
    assert any(n.startswith("warning: combine keep") for n in keep.notes)
    with pytest.raises(ConversionError, match="a-2 more than once"):
        read_oscal_profile(profile(tmp_path, twice))
    first = profile(tmp_path, twice, "first.json", merge={"combine": {"method": "use-first"}})
    assert ids(first) == ["a-1", "a-2", "cb-1"]
    merged = profile(tmp_path, twice, "merged.json", merge={"combine": {"method": "merge"}})
    resolved = resolve_profile(merged)
    assert resolved.controls == ["a-1", "a-2", "cb-1"]
    assert any("deprecated" in n for n in resolved.notes)


def test_two_structures_are_an_error(tmp_path: Path) -> None:
    path = profile(tmp_path, [include("a-1")], merge={"as-is": True, "flat": {}})
    with pytest.raises(ConversionError, match="more than one structuring directive: flat, as-is"):
        resolve_profile(path)


def test_custom_groups_insert_what_they_select_in_the_order_asked(tmp_path: Path) -> None:
    custom = {
        "groups": [
            {
                "id": "ga",
                "insert-controls": [
                    {
                        "order": "descending",
                        "include-controls": [{"matching": [{"pattern": "a-*"}]}],
                    }
                ],
            },
            {
                "id": "new",
                "title": "Ours",
                "insert-controls": [{"include-controls": [{"with-ids": ["cb-1", "zz"]}]}],
            },
        ],
        "insert-controls": [{"include-controls": [{"with-ids": ["nothing"]}]}],
    }
    path = profile(
        tmp_path, [{"href": "catalog.json", "include-all": {}}], merge={"custom": custom}
    )
    resolved = resolve_profile(path)
    document = resolved.document()["catalog"]
    assert tree(path) == [
        ("ga", [("a-2", []), ("a-1.2", []), ("a-1.1", []), ("a-1", [])]),
        ("new", [("cb-1", [])]),
    ]
    assert document["groups"][0]["title"] == "Group A"  # taken from the imported group ga
    assert any("1 insert-controls selected nothing" in n for n in resolved.notes)
    assert any("1 control(s) the imports took are inserted nowhere" in n for n in resolved.notes)


# ---------------------------------------------------------------------------- modify


def test_set_parameters_replace_append_and_report_the_unknown(tmp_path: Path) -> None:
    modify = {
        "set-parameters": [
            {
                "param-id": "a-1_prm_1",
                "values": ["monthly"],
                "constraints": [{"description": "c1"}],
            },
            {"param-id": "a-1_prm_1", "constraints": [{"description": "c2"}], "label": "how often"},
            {"param-id": "nowhere", "values": ["x"]},
            {"param-id": "loose", "values": ["set loose"]},
        ]
    }
    path = profile(tmp_path, [include("a-1")], modify=modify)
    resolved = resolve_profile(path)
    param = by_id(resolved.document()["catalog"], "a-1")["params"][0]
    assert param["values"] == ["monthly"] and param["label"] == "how often"
    assert [c["description"] for c in param["constraints"]] == ["c1", "c2"]
    assert resolved.document()["catalog"]["params"][0]["values"] == ["set loose"]
    assert any(
        "1 set-parameter(s) name a parameter not in" in n and "nowhere" in n for n in resolved.notes
    )
    framework = read_oscal_profile(path).frameworks[0]
    a1 = framework.get("a-1")
    assert a1.attributes["param.a-1_prm_1"] == "how often = monthly (constraint: c1; c2)"
    assert a1.text == "Review monthly and set loose. a"


def test_alters_add_at_every_position_and_remove_by_criteria(tmp_path: Path) -> None:
    prop = {"name": "marker", "value": "m"}
    modify = {
        "alters": [
            {
                "control-id": "a-1",
                "removes": [{"by-name": "label"}, {"by-id": "a-1_smt.a"}],
                "adds": [
                    {"position": "starting", "props": [{"name": "first", "value": "1"}]},
                    {"props": [prop]},
                    {
                        "position": "before",
                        "by-id": "a-1_smt",
                        "parts": [{"id": "pre", "name": "x"}],
                    },
                    {
                        "position": "after",
                        "by-id": "a-1_smt",
                        "parts": [{"id": "post", "name": "x"}],
                    },
                    {
                        "position": "ending",
                        "by-id": "a-1_smt",
                        "parts": [{"id": "in", "name": "x"}],
                    },
                    {"position": "starting", "by-id": "a-1.1", "props": [prop]},
                    {"position": "starting", "by-id": "a-1", "props": [prop]},
                    {"position": "ending", "by-id": "missing", "props": [prop]},
                ],
            },
            {"control-id": "a-2", "removes": [{"by-item-name": "link"}]},
            {"control-id": "zz-9", "adds": [{"props": [prop]}]},
        ]
    }
    path = profile(
        tmp_path,
        [include("a-1", "a-2", **{"with-child-controls": "yes"})],
        modify=modify,
        merge={"as-is": True},  # flat would un-nest a-1.1 before modify
    )
    resolved = resolve_profile(path)
    document = resolved.document()["catalog"]
    a1 = by_id(document, "a-1")
    assert [p["name"] for p in a1["props"]] == ["first", "marker"]  # label removed
    assert [p["id"] for p in a1["parts"]] == ["pre", "a-1_smt", "post"]
    assert [p["id"] for p in a1["parts"][1]["parts"]] == ["in"]  # a-1_smt.a removed
    assert by_id(document, "a-1.1")["props"] == [prop]  # a nested control, by id
    assert "links" not in by_id(document, "a-2")
    notes = " ".join(resolved.notes)
    assert "2 add(s) inoperative" in notes and "a-1:a-1" in notes and "a-1:missing" in notes
    assert "1 alter(s) name a control not in the resolved catalog" in notes and "zz-9" in notes


def test_remove_by_ns_treats_no_ns_as_oscal(tmp_path: Path) -> None:
    document = catalog()
    document["catalog"]["groups"][1]["controls"][0]["props"] = [
        {"name": "x", "value": "1"},
        {"name": "x", "value": "2", "ns": "http://csrc.nist.gov/ns/oscal"},
        {"name": "x", "value": "3", "ns": "https://fedramp.gov/ns/oscal", "class": "c"},
        {"name": "y", "value": "4", "class": "c"},
    ]
    write(tmp_path, "catalog.json", document)
    modify = {
        "alters": [
            {
                "control-id": "cb-1",
                "removes": [
                    {"by-name": "x", "by-ns": "http://csrc.nist.gov/ns/oscal"},
                    {"by-class": "c", "by-name": "y"},
                ],
            }
        ]
    }
    path = profile(tmp_path, [include("cb-1")], modify=modify)
    props = by_id(resolve_profile(path).document()["catalog"], "cb-1")["props"]
    assert [p["value"] for p in props] == ["3"]


# ---------------------------------------------------------------------------- finishing


def test_back_matter_and_loose_parameters_are_pruned_unless_referred_or_kept(
    tmp_path: Path,
) -> None:
    own = {
        "resources": [
            {"uuid": CITED, "title": "The profile's version"},
            {"uuid": "66666666-6666-4666-8666-666666666666", "title": "Profile only"},
        ]
    }
    path = profile(tmp_path, [include("a-2")], **{"back-matter": own})
    document = resolve_profile(path).document()["catalog"]
    resources = {r["uuid"]: r["title"] for r in document["back-matter"]["resources"]}
    assert resources == {CITED: "The profile's version", KEPT: "Kept"}  # later wins; keep: always
    assert "groups" not in document  # flat: the profile asked for no structure
    assert [p["id"] for p in document["params"]] == ["group-param"]  # flat: group params loose


def test_metadata_names_the_profile_the_tool_and_the_newest_oscal_version(tmp_path: Path) -> None:
    path = profile(tmp_path, [include("a-1")])
    metadata = resolve_profile(path).document()["catalog"]["metadata"]
    assert metadata["title"] == "Tiny Overlay" and metadata["version"] == "2"
    assert metadata["oscal-version"] == "1.1.2"
    props = {p["name"]: p["value"] for p in metadata["props"]}
    assert props["source-profile"] == "profile.json"
    assert props["resolution-tool"].startswith("Crosswalk ")
    newer = catalog()
    newer["catalog"]["metadata"]["oscal-version"] = "2.0.0"
    write(tmp_path, "catalog.json", newer)
    with pytest.raises(ConversionError, match="different OSCAL major versions"):
        resolve_profile(path)


# ---------------------------------------------------------------------------- imports


def test_a_profile_of_a_profile_is_resolved_first(tmp_path: Path) -> None:
    inner = profile(
        tmp_path,
        [include("a-1", "a-2", "cb-1", **{"with-child-controls": "yes"})],
        "inner.json",
        modify={"set-parameters": [{"param-id": "a-1_prm_1", "values": ["weekly"]}]},
        merge={"as-is": True},
    )
    outer = profile(
        tmp_path,
        [{"href": inner.name, "include-all": {}, "exclude-controls": [{"with-ids": ["cb-1"]}]}],
        "outer.json",
        merge={"as-is": True},
    )
    resolved = resolve_profile(outer)
    assert resolved.controls == ["a-1", "a-1.1", "a-1.2", "a-2"]
    param = by_id(resolved.document()["catalog"], "a-1")["params"][0]
    assert param["values"] == ["weekly"]  # the inner profile's modify came through
    assert [s.label for s in resolved.leaves] == ["catalog.json"]


def test_back_matter_rlinks_and_base64_and_each_document_read_once(tmp_path: Path) -> None:
    write(tmp_path, "catalog.json", catalog())
    back_matter = {
        "resources": [
            {
                "uuid": "77777777-7777-4777-8777-777777777777",
                "rlinks": [{"href": "https://example.org/c.json"}, {"href": "catalog.json"}],
            },
            {
                "uuid": "88888888-8888-4888-8888-888888888888",
                "base64": {
                    "filename": "embedded.json",
                    "value": base64.b64encode(json.dumps(catalog()).encode()).decode(),
                },
            },
        ]
    }
    path = profile(
        tmp_path,
        [
            {
                "href": "#77777777-7777-4777-8777-777777777777",
                "include-controls": [{"with-ids": ["a-2"]}],
            },
            {
                "href": "#77777777-7777-4777-8777-777777777777",
                "include-controls": [{"with-ids": ["cb-1"]}],
            },
            {
                "href": "#88888888-8888-4888-8888-888888888888",
                "include-controls": [{"with-ids": ["ca-1"]}],
            },
        ],
        **{"back-matter": back_matter},
    )
    resolved = resolve_profile(path)
    assert resolved.controls == ["a-2", "cb-1", "ca-1"]
    assert sorted(resolved.documents) == ["catalog.json", "embedded.json", "profile.json"]


def test_missing_broken_and_circular_imports_name_the_chain(tmp_path: Path) -> None:
    missing = profile(tmp_path, [{"href": "gone.json", "include-all": {}}], "missing.json")
    with pytest.raises(ImportChainError) as caught:
        resolve_profile(missing)
    assert caught.value.chain == ["missing.json", "gone.json"]
    assert "not here" in caught.value.message
    (tmp_path / "broken.json").write_text('{"catalog": {', encoding="utf-8")
    middle = profile(tmp_path, [{"href": "broken.json", "include-all": {}}], "middle.json")
    top = profile(tmp_path, [{"href": middle.name, "include-all": {}}], "top.json")
    with pytest.raises(ImportChainError) as caught:
        resolve_profile(top)
    assert caught.value.chain == ["top.json", "middle.json", "broken.json"]
    assert "not valid JSON" in caught.value.message
    profile(tmp_path, [{"href": "b.json", "include-all": {}}], "a.json")
    profile(tmp_path, [{"href": "c.json", "include-all": {}}], "b.json")
    cycle = profile(tmp_path, [{"href": "a.json", "include-all": {}}], "c.json")
    with pytest.raises(ImportChainError) as caught:
        resolve_profile(cycle)
    assert caught.value.chain == ["c.json", "a.json", "b.json", "c.json"]
    assert "circular import" in str(caught.value)
    selfish = profile(tmp_path, [{"href": "self.json", "include-all": {}}], "self.json")
    with pytest.raises(ImportChainError, match="circular"):
        resolve_profile(selfish)


def override(document: dict[str, Any] | None = None, name: str = "tiny.json") -> CatalogOverride:
    return CatalogOverride(name, (document or catalog())["catalog"], name)


def test_catalog_override_stands_in_for_a_remote_import_it_names(tmp_path: Path) -> None:
    resource = {
        "uuid": "99999999-9999-4999-8999-999999999999",
        "title": "Tiny Catalog",
        "rlinks": [{"href": "https://example.org/tiny.json"}],
    }
    path = profile(
        tmp_path,
        [{"href": f"#{resource['uuid']}", "include-controls": [{"with-ids": ["a-2"]}]}],
        "remote.json",
        **{"back-matter": {"resources": [resource]}},
    )
    with pytest.raises(ImportChainError, match="does not fetch over the network"):
        resolve_profile(path)
    resolved = resolve_profile(path, override())
    assert resolved.controls == ["a-2"]
    assert any("resolved against --catalog tiny.json" in n for n in resolved.notes)
    other = catalog()
    other["catalog"]["metadata"]["title"] = "Another Catalog"
    with pytest.raises(ImportChainError, match="is not the catalog it names"):
        resolve_profile(path, override(other, "other.json"))


def test_catalog_override_may_not_contradict_an_import_that_is_here(tmp_path: Path) -> None:
    path = profile(tmp_path, [include("a-1")])
    other = catalog()
    other["catalog"]["uuid"] = "12121212-1212-4121-8121-121212121212"
    with pytest.raises(ImportChainError, match="contradicts the profile's imports"):
        resolve_profile(path, override(other))
    assert resolve_profile(path, override()).controls == ["a-1"]  # the same catalog: fine


def test_an_xml_dtd_is_refused(tmp_path: Path) -> None:
    (tmp_path / "evil.xml").write_text(
        '<?xml version="1.0"?><!DOCTYPE profile [<!ENTITY x "y">]>'
        '<profile xmlns="http://csrc.nist.gov/ns/oscal/1.0"/>',
        encoding="utf-8",
    )
    with pytest.raises(ConversionError, match="DTD"):
        resolve_profile(tmp_path / "evil.xml")


# ---------------------------------------------------------------------------- limits


def test_a_small_profile_asking_for_billions_of_copies_is_refused_naming_where(
    tmp_path: Path,
) -> None:
    """500 imports kept side by side (combine keep), each copy altered 500 times: the
    profile is a few kilobytes, its resolution some hundred million steps."""
    alter = {
        "control-id": "a-2",
        "removes": [{"by-name": "label"}],
        "adds": [{"position": "ending", "props": [{"name": "priority", "value": "1"}]}],
    }
    path = profile(
        tmp_path,
        [include("a-1", "a-2")] * 500,
        merge={"combine": {"method": "keep"}},
        modify={"alters": [alter] * 500},
    )
    with pytest.raises(ImportChainError) as refused:
        resolve_profile(path)
    message = str(refused.value)
    assert "profile.modify.alters[" in message
    assert "more than 5,000,000 values" in message
    assert "CROSSWALK_MAX_RESOLUTION_WORK" in message


def test_the_resolution_limit_counts_every_import_and_can_be_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = profile(tmp_path, [include("a-1")] * 40, merge={"combine": {"method": "use-first"}})
    assert resolve_profile(path).controls == ["a-1"]
    monkeypatch.setenv("CROSSWALK_MAX_RESOLUTION_WORK", "1000")
    with pytest.raises(ImportChainError, match=r"more than 1,000 values \(at profile\.imports\["):
        resolve_profile(path)
    monkeypatch.setenv("CROSSWALK_MAX_RESOLUTION_WORK", "1000000")
    assert resolve_profile(path).controls == ["a-1"]
    monkeypatch.setenv("CROSSWALK_MAX_RESOLUTION_WORK", "lots")
    with pytest.raises(CrosswalkError, match="CROSSWALK_MAX_RESOLUTION_WORK='lots'"):
        resolve_profile(path)


def test_set_parameters_repeated_past_the_limit_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    setting = {"param-id": "a-1_prm_1", "values": ["x" * 10] * 50}
    path = profile(tmp_path, [include("a-1")], modify={"set-parameters": [setting] * 100})
    assert resolve_profile(path).controls == ["a-1"]
    monkeypatch.setenv("CROSSWALK_MAX_RESOLUTION_WORK", "2000")
    with pytest.raises(ImportChainError, match=r"at profile\.modify\.set-parameters\[\d+\]"):
        resolve_profile(path)


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("FedRAMP Rev 5 Low Baseline", "nist-sp-800-53-rev5-fedramp-low"),
        ("FedRAMP Rev. 5 Low Baseline", "nist-sp-800-53-rev5-fedramp-low"),
        ("FedRAMP Revision 5 LI-SaaS Baseline", "nist-sp-800-53-rev5-fedramp-li-saas"),
        ("FedRAMP Rev. 4 Low Baseline", "nist-sp-800-53-rev5-fedramp-rev4-low"),
        (
            "NIST Special Publication 800-53 Revision 5.1.1 LOW IMPACT BASELINE",
            "nist-sp-800-53-rev5-low",
        ),
    ],
)
def test_a_profile_id_keeps_the_number_of_a_revision(title: str, expected: str) -> None:
    """ "Rev. 5" is one word, rev5: never a bare "rev" left in the id (``...-rev-low``)."""
    catalog = "NIST Special Publication 800-53 Revision 5: Security and Privacy Controls"
    assert derive_profile_id("nist-sp-800-53-rev5", catalog, title) == expected
