"""NIST's SP 800-53 rev5 baselines and FedRAMP's rev5 MODERATE, resolved (issue 23).

The profiles import SP 800-53 through a back-matter resource: NIST's point at files of
their own repository (not here), FedRAMP's at a URL. Both are resolved against the 5.0.1
catalog fixture given as ``--catalog`` (``CatalogOverride``), which they name. The output
is checked by another reader: NIST's OSCAL JSON schema definitions (from the 1.2.1
mapping schema in the fixtures, with the catalog, group and control assemblies of the
catalog model around them) and our own catalog reader.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import regex
from jsonschema import Draft7Validator, validators
from jsonschema.exceptions import ValidationError
from jsonschema.protocols import Validator

from crosswalk.io.oscal_catalog import read_oscal_catalog
from crosswalk.io.oscal_document import load_json
from crosswalk.io.oscal_profile import ResolvedProfile, read_oscal_profile, resolve_profile
from crosswalk.io.oscal_sources import CatalogOverride, ImportChainError, read_override
from tests.conftest import SHARED

CATALOGS = SHARED / "fixtures" / "oscal" / "catalogs"
SP800_53 = CATALOGS / "NIST_SP-800-53_rev5_catalog_v5.0.1_2021-06-08.json"
FEDRAMP = CATALOGS / "FedRAMP_rev5_MODERATE-baseline_profile.json"
MAPPING_SCHEMA = SHARED / "fixtures" / "oscal" / "mapping-collections" / "oscal_mapping_schema.json"
CSF = CATALOGS / "NIST_CSF_v2.0_catalog.json"

pytestmark = pytest.mark.skipif(not SP800_53.exists(), reason=f"fixtures not found at {CATALOGS}")

# Controls the PRIVACY baseline selects an enhancement of but not the control itself.
PRIVACY_PARENTS = ["ac-3", "au-3", "pe-8", "pm-5", "sa-8", "sc-7"]


def baseline(name: str) -> Path:
    return CATALOGS / f"NIST_SP-800-53_rev5_{name}-baseline_profile.json"


@pytest.fixture(scope="module")
def catalog() -> CatalogOverride:
    return read_override(SP800_53)


@pytest.fixture(scope="module")
def fedramp(catalog: CatalogOverride) -> ResolvedProfile:
    return resolve_profile(FEDRAMP, catalog)


def with_ids(path: Path) -> list[str]:
    document = load_json(path)["profile"]
    return [
        control_id
        for entry in document["imports"]
        for clause in entry["include-controls"]
        for control_id in clause["with-ids"]
    ]


@pytest.mark.parametrize(
    ("name", "selected", "resolved"),
    [("LOW", 149, 149), ("MODERATE", 287, 287), ("HIGH", 370, 370), ("PRIVACY", 96, 102)],
)
def test_nist_baselines_select_their_controls(
    catalog: CatalogOverride, name: str, selected: int, resolved: int
) -> None:
    path = baseline(name)
    chosen = with_ids(path)
    assert len(chosen) == len(set(chosen)) == selected
    result = resolve_profile(path, catalog)
    assert len(result.controls) == resolved and set(chosen) <= set(result.controls)
    assert any("are not here; resolved against --catalog" in n for n in result.notes)
    framework = read_oscal_profile(path, catalog).frameworks[0]
    assert framework.id == f"nist-sp-800-53-rev5-{name.lower()}"
    taken = [r.ref for r in framework.requirements if r.kind != "group"]
    parents = [r.ref for r in framework.requirements if r.attributes.get("selected") == "false"]
    assert len(taken) == resolved
    assert sorted(set(taken) - set(parents)) == sorted(chosen)  # exactly what it selects
    assert parents == (PRIVACY_PARENTS if name == "PRIVACY" else [])


def test_a_baseline_without_the_catalog_is_refused_with_its_chain() -> None:
    with pytest.raises(ImportChainError) as caught:
        resolve_profile(baseline("LOW"))
    assert caught.value.chain == [
        "NIST_SP-800-53_rev5_LOW-baseline_profile.json",
        "#84cbf061-eb87-4ec1-8112-1f529232e907",
    ]
    assert "pass the catalog it names with --catalog" in caught.value.message


def test_another_catalog_is_refused_for_a_baseline() -> None:
    if not CSF.exists():
        pytest.skip("CSF fixture not found")
    with pytest.raises(ImportChainError, match="is not the catalog it names"):
        resolve_profile(baseline("LOW"), read_override(CSF))


def test_fedramp_moderate_selects_its_323_controls(fedramp: ResolvedProfile) -> None:
    assert len(fedramp.controls) == len(set(fedramp.controls)) == 323
    assert sorted(fedramp.controls) == sorted(with_ids(FEDRAMP))
    assert any(
        "points at https://raw.githubusercontent.com" in n
        and "(the import names version 5.1.1, --catalog is 5.0.1)" in n
        for n in fedramp.notes
    )


def _control(document: dict[str, Any], control_id: str) -> dict[str, Any]:
    stack = [document]
    while stack:
        holder = stack.pop()
        for control in holder.get("controls") or ():
            if control["id"] == control_id:
                return dict(control)
        stack.extend(holder.get("controls") or ())
        stack.extend(holder.get("groups") or ())
    raise KeyError(control_id)


def test_fedramp_parameter_values_and_requirements_are_applied(fedramp: ResolvedProfile) -> None:
    document = fedramp.document()["catalog"]
    at2 = _control(document, "at-2")
    (frequency,) = [p for p in at2["params"] if p["id"] == "at-2_prm_1"]
    assert frequency["constraints"] == [{"description": "at least annually"}]
    ac23 = _control(document, "ac-2.3")
    statement = next(p for p in ac23["parts"] if p["id"] == "ac-2.3_smt")
    assert statement["parts"][-1]["id"] == "ac-2.3_fr"  # FedRAMP's requirement, at the end
    notes = " ".join(fedramp.notes)
    assert "set-parameters applied to 21 parameter(s)" in notes
    assert "215 set-parameter(s) name a parameter not in" in notes  # 5.1.1 ids, 5.0.1 catalog
    assert "ac-01_odp.05" in notes


def test_fedramp_imports_with_every_parameter_value_shown(catalog: CatalogOverride) -> None:
    imported = read_oscal_profile(FEDRAMP, catalog)
    framework = imported.frameworks[0]
    assert framework.id == "nist-sp-800-53-rev5-fedramp-moderate"
    assert framework.counts_by_kind() == {"group": 18, "control": 181, "enhancement": 142}
    values = {
        key.removeprefix("param."): (r.ref, value)
        for r in framework.requirements
        for key, value in r.attributes.items()
        if key.startswith("param.")
    }
    settings = load_json(FEDRAMP)["profile"]["modify"]["set-parameters"]
    assert len(settings) == 236 and {s["param-id"] for s in settings} == set(values)
    assert values["at-2_prm_1"] == (
        "at-2",
        "organization-defined frequency (constraint: at least annually)",
    )
    assert values["ac-01_odp.05"] == (
        "ac-1",
        "constraint: at least every 3 years (set by the profile; the catalog has no "
        "parameter ac-01_odp.05)",
    )
    at2 = framework.get("at-2")
    assert at2 is not None and at2.text is not None
    assert "[Assignment: organization-defined frequency (at least annually)]" in at2.text
    assert any("215 of the 215 set-parameter(s)" in n for n in imported.notes)


# ---------------------------------------------------------------------------- other readers


def _regex_pattern(
    validator: Validator, pattern: str, instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not regex.search(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _catalog_schema() -> dict[str, Any]:
    """NIST's definitions (metadata, parameter, part, property, link, back matter, datatypes)
    with the catalog model's catalog, group and control assemblies written around them."""
    schema: dict[str, Any] = json.loads(MAPPING_SCHEMA.read_text(encoding="utf-8"))
    common = "#/definitions/oscal-mapping-oscal-"

    def array(ref: str) -> dict[str, Any]:
        return {"type": "array", "minItems": 1, "items": {"$ref": ref}}

    contents = {
        "params": array(f"{common}control-common:parameter"),
        "props": array(f"{common}metadata:property"),
        "links": array(f"{common}metadata:link"),
        "parts": array(f"{common}control-common:part"),
        "controls": array("#/definitions/catalog-control"),
    }
    token = {"$ref": "#/definitions/TokenDatatype"}
    title = {"$ref": "#/definitions/MarkupLineDatatype"}
    definitions = schema["definitions"]
    definitions["catalog-control"] = {
        "type": "object",
        "properties": {"id": token, "class": token, "title": title, **contents},
        "required": ["id", "title"],
        "additionalProperties": False,
    }
    definitions["catalog-group"] = {
        "type": "object",
        "properties": {
            "id": token,
            "class": token,
            "title": title,
            **contents,
            "groups": array("#/definitions/catalog-group"),
        },
        "required": ["title"],
        "additionalProperties": False,
    }
    catalog_model = {
        "type": "object",
        "properties": {
            "uuid": {"$ref": "#/definitions/UUIDDatatype"},
            "metadata": {"$ref": f"{common}metadata:metadata"},
            "params": contents["params"],
            "controls": contents["controls"],
            "groups": array("#/definitions/catalog-group"),
            "back-matter": {"$ref": f"{common}metadata:back-matter"},
        },
        "required": ["uuid", "metadata"],
        "additionalProperties": False,
    }
    return {
        "$schema": schema["$schema"],
        "definitions": definitions,
        "type": "object",
        "properties": {"catalog": catalog_model},
        "required": ["catalog"],
        "additionalProperties": False,
    }


def _errors(document: dict[str, Any]) -> list[str]:
    cls = validators.extend(Draft7Validator, {"pattern": _regex_pattern})
    validator = cls(_catalog_schema())
    found = []
    pending = list(validator.iter_errors(document))
    while pending:
        error = pending.pop()
        if error.context:
            pending.extend(error.context)
            continue
        found.append(f"{'/'.join(map(str, error.absolute_path))}: {error.message[:160]}")
    return found


def test_resolved_catalogs_validate_against_nist_definitions(
    catalog: CatalogOverride, fedramp: ResolvedProfile
) -> None:
    if not MAPPING_SCHEMA.exists():
        pytest.skip("NIST's OSCAL schema fixture not found")
    high = resolve_profile(baseline("HIGH"), catalog).document()
    assert _errors(high) == []
    assert _errors(fedramp.document()) == []
    broken = json.loads(json.dumps(high))
    broken["catalog"]["groups"][0]["controls"][0]["bogus"] = 1
    assert _errors(broken)  # the schema really checks the assemblies we wrote around it


def test_our_catalog_reader_reads_the_resolved_catalog_back(
    catalog: CatalogOverride, tmp_path: Path
) -> None:
    path = tmp_path / "high.json"
    path.write_text(json.dumps(resolve_profile(baseline("HIGH"), catalog).document()), "utf-8")
    framework = read_oscal_catalog(path).frameworks[0]
    assert sum(1 for r in framework.requirements if r.kind != "group") == 370
    assert {r.ref for r in framework.requirements if r.kind != "group"} == set(
        with_ids(baseline("HIGH"))
    )


WARNING = "warning: the profile is for NIST SP 800-53 release 5.1.1"


@pytest.mark.parametrize("name", ["LOW", "PRIVACY"])
def test_a_5_1_1_baseline_resolved_against_the_5_0_1_catalog_warns(
    catalog: CatalogOverride, name: str
) -> None:
    """NIST's baselines are release 5.1.1 (title and version say so): against the 5.0.1
    catalog, controls and parameters added in 5.1 are missing, and the user is told."""
    notes = read_oscal_profile(baseline(name), catalog).notes
    (warning,) = [n for n in notes if n.startswith("warning:")]
    assert warning.startswith(WARNING) and "5.0.1" in warning


def test_fedramp_names_5_1_1_in_its_resource_and_warns_too(fedramp: ResolvedProfile) -> None:
    (warning,) = [n for n in fedramp.notes if n.startswith("warning:")]
    assert warning.startswith(WARNING) and "5.0.1" in warning


def test_a_profile_of_the_same_release_does_not_warn(
    catalog: CatalogOverride, tmp_path: Path
) -> None:
    document = load_json(baseline("LOW"))
    metadata = document["profile"]["metadata"]
    metadata["title"] = "NIST Special Publication 800-53 Revision 5.0.1 LOW IMPACT BASELINE"
    metadata["version"] = "5.0.1"
    path = tmp_path / "low-5.0.1.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    assert not [n for n in read_oscal_profile(path, catalog).notes if n.startswith("warning:")]
