"""OSCAL profiles resolved the way NIST's draft specification says, into a catalog.

``resolve_profile`` follows every import (``oscal_sources``: files beside the profile,
back-matter resources, profiles importing profiles, each document read once; missing,
broken and circular imports refused with the chain of hrefs), selects what each import
takes (``oscal_selection``), merges (``oscal_merge``, ``oscal_custom``), modifies
(``oscal_modify``) and finishes (``oscal_finish``): the result is an OSCAL catalog object,
what ``crosswalk frameworks resolve`` writes.

``read_oscal_profile`` turns that resolved catalog into one of our frameworks with the
catalog reader (``oscal_catalog``), so a profile imports exactly as its resolved catalog
would: parameters keep the values and constraints the profile set (shown by ``show``),
the text renders them. It refuses what cannot be one framework: a catalog that holds
the same control twice (``combine: keep``, the default, keeps clashing controls) and a
profile that selects nothing.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from crosswalk.domain.requirements import Framework
from crosswalk.io.catalog_families import catalog_family
from crosswalk.io.converted import ConversionError, Imported
from crosswalk.io.oscal_budget import ResolutionBudget, ResolutionTooLarge
from crosswalk.io.oscal_document import check_framework_id, one_line, publisher_of, slug, source_of
from crosswalk.io.oscal_finish import finish, ordered
from crosswalk.io.oscal_merge import merge
from crosswalk.io.oscal_modify import modify, walk_controls
from crosswalk.io.oscal_selection import CONTEXT, Selection, obj_at, select
from crosswalk.io.oscal_sources import CatalogOverride, Loader, Source

# Words that say how a profile selects, not what it is: dropped from a derived id.
_PROFILE_FILLER = frozenset(
    {
        "impact", "baseline", "baselines", "profile", "overlay", "the", "of", "for", "and",
        "a", "rev", "revision", "version",
    }
)  # fmt: skip


_REVISION = re.compile(r"\bRev(?:ision|\.)?\s*(\d+)", re.IGNORECASE)
_REVISION_WORD = re.compile(r"rev\d+")


def derive_profile_id(catalog_id: str, catalog_name: str, title: str) -> str:
    """``nist-sp-800-53-rev5`` + ``... Revision 5.1.1 MODERATE IMPACT BASELINE``: ``...-moderate``.

    The profile title's words that the catalog's short name lacks, without versions and
    words like "impact" or "baseline". A revision is one word with its number (``Rev. 5``
    is ``rev5``), left out when the catalog id has it, kept when it is another revision.
    """
    known = set(re.findall(r"[a-z0-9][a-z0-9.\-]*", catalog_name.split(":", 1)[0].lower()))
    words: list[str] = []
    for found in re.findall(r"[a-z0-9][a-z0-9.\-]*", _REVISION.sub(r"rev\1", title).lower()):
        word = found.strip(".-")
        if _REVISION_WORD.fullmatch(word):
            if word not in catalog_id.split("-"):
                words.append(word)
        elif word and word not in known | _PROFILE_FILLER and not any(c.isdigit() for c in word):
            words.append(word)
    return slug(f"{catalog_id}-{'-'.join(words) or 'profile'}")


@dataclass
class ResolvedProfile:
    """A profile resolved: the catalog object, and what the resolution read and noted."""

    catalog: dict[str, Any]
    profile: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    leaves: list[Source] = field(default_factory=list)  # the catalogs read, in import order
    unmatched: list[dict[str, Any]] = field(default_factory=list)  # set-parameters with no target
    documents: list[str] = field(default_factory=list)  # every document read, as named

    @property
    def controls(self) -> list[str]:
        return [str(c.get("id")) for c in walk_controls(self.catalog)]

    def document(self) -> dict[str, Any]:
        """``{"catalog": ...}`` in OSCAL's canonical order, ready to write."""
        return {"catalog": ordered(self.catalog, "catalog", strip=True)}


class _Resolver:
    def __init__(self, loader: Loader, budget: ResolutionBudget) -> None:
        self.loader = loader
        self.budget = budget
        self.done: dict[str, dict[str, Any]] = {}
        self.stack: list[str] = []
        self.notes: list[str] = []
        self.leaves: list[Source] = []
        self.versions: list[str] = []
        self.unmatched: list[dict[str, Any]] = []

    def fail(self, chain: list[str], message: str) -> ConversionError:
        return self.loader.fail(chain, message)

    def catalog_of(self, target: Source, chain: list[str]) -> dict[str, Any]:
        if target.kind == "profile":
            return self.resolve(target, chain)
        if target.note and target.note not in self.notes:
            self.notes.append(target.note)
        if all(leaf.key != target.key for leaf in self.leaves):
            self.leaves.append(target)
            self.versions.append(str(target.root.get("metadata", {}).get("oscal-version") or ""))
        return target.root

    def resolve(self, source: Source, chain: list[str]) -> dict[str, Any]:
        if source.key in self.stack:
            raise self.fail(
                chain,
                f"circular import: {source.label} imports, directly or not, itself "
                "(the specification requires an error)",
            )
        if source.key in self.done:
            return self.done[source.key]
        self.stack.append(source.key)
        profile = source.root
        self.versions.append(str(profile.get("metadata", {}).get("oscal-version") or ""))
        imports = profile.get("imports")
        if not isinstance(imports, list) or not imports:
            raise self.fail(chain, f"{source.label} imports nothing, so it resolves to no catalog")
        selections: list[Selection] = []
        for position, entry in enumerate(imports):
            href = entry.get("href") if isinstance(entry, dict) else None
            if not isinstance(href, str) or not href:
                raise self.fail(chain, f"imports[{position}] has no href")
            here = [*chain, href]
            if "include-all" not in entry and "include-controls" not in entry:
                raise self.fail(
                    here, "the import selects nothing: expected include-all or include-controls"
                )
            target = self.loader.acquire(href, source, here)
            catalog = self.catalog_of(target, here)
            key = str(catalog.get("uuid") or target.key)
            try:
                self.budget.spend_on_catalog(catalog, f"profile.imports[{position}]")
            except ResolutionTooLarge as error:
                raise self.fail(chain, str(error)) from None
            selection = select(catalog, entry, key, target.label)
            self.notes.extend(selection.notes)
            selections.append(selection)
        notes: list[str] = []
        body = merge(selections, obj_at(profile, "merge"), self.loader.root_name, notes)
        try:
            report = modify(body, obj_at(profile, "modify"), _joined(selections), self.budget)
        except ResolutionTooLarge as error:
            raise self.fail(chain, str(error)) from None
        catalog, finished = finish(
            profile, body, selections, self.versions, source.label, self.loader.root_name
        )
        prefix = "" if len(self.stack) == 1 else f"{source.label}: "
        if len(self.stack) == 1:
            self.unmatched = report.unmatched
        self.notes.extend(
            prefix + n for n in [*notes, *report.notes(_joined(selections)), *finished]
        )
        self.stack.pop()
        self.done[source.key] = catalog
        return catalog


_TITLE_RELEASE = re.compile(r"\bRev(?:ision|\.)?\s*(\d+\.\d+(?:\.\d+)?)(?![\d.])", re.IGNORECASE)
_VERSION_RELEASE = re.compile(r"^v?(\d+\.\d+(?:\.\d+)?)(?![\d.])", re.IGNORECASE)


def _release_named(profile: dict[str, Any], loader: Loader) -> str:
    """The catalog release a profile is for: its title's (``Revision 5.1.1``), else its
    version's when that is a release (``5.1.1+u4``, not ``fedramp2.1.0``), else the version
    its import's resource names (FedRAMP's ``version: 5.1.1`` prop)."""
    metadata = profile.get("metadata") or {}
    found = _TITLE_RELEASE.search(str(metadata.get("title") or ""))
    found = found or _VERSION_RELEASE.match(str(metadata.get("version") or "").strip())
    if found:
        return found.group(1)
    for version in loader.named_versions:
        named = _VERSION_RELEASE.match(version.strip())
        if named:
            return named.group(1)
    return ""


def _release_warning(profile: dict[str, Any], loader: Loader, leaves: list[Source]) -> str:
    """A warning when the catalog resolved against is another release than the profile's
    (a 5.1.1 baseline against the 5.0.1 catalog: what 5.1 added is missing)."""
    wanted = _release_named(profile, loader)
    for leaf in leaves:
        metadata = leaf.root.get("metadata", {})
        have = _VERSION_RELEASE.match(str(metadata.get("version") or "").strip())
        if not wanted or have is None or have.group(1) == wanted:
            continue
        title = one_line(str(metadata.get("title") or leaf.label))
        family = catalog_family([title, leaf.label])
        named = family[0] if family else "its catalog"
        return (
            f"warning: the profile is for {named} release {wanted}, but was resolved against "
            f"{leaf.label} (release {have.group(1)}): controls, parameters and statements "
            f"added or changed since {have.group(1)} are missing or differ; resolve it "
            f"against the {wanted} catalog for a faithful result"
        )
    return ""


def _joined(selections: list[Selection]) -> str:
    return ", ".join(dict.fromkeys(s.source for s in selections))


def resolve_profile(
    path: Path, override: CatalogOverride | None = None, *, document: Any = None
) -> ResolvedProfile:
    """The catalog ``path`` (an OSCAL profile: JSON, XML or YAML) resolves to."""
    loader = Loader(str(path), override)
    chain = [path.name]
    if document is None:
        source = loader.read_file(path, chain)
    else:
        root = document.get("profile") if isinstance(document, dict) else None
        if not isinstance(root, dict):
            raise ConversionError(str(path), "profile", "missing 'profile' (an object)")
        source = Source(str(path.resolve()), path.name, "profile", root, path.parent)
        loader.documents[source.key] = source
    if source.kind != "profile":
        raise ConversionError(str(path), "", "this is an OSCAL catalog, not a profile")
    resolver = _Resolver(loader, ResolutionBudget())
    catalog = resolver.resolve(source, chain)
    notes = list(resolver.notes)
    if override is not None and not loader.override_used:
        same = any(
            leaf.root.get("uuid") and leaf.root.get("uuid") == override.document.get("uuid")
            for leaf in resolver.leaves
        )
        if not same:
            raise loader.fail(
                chain,
                f"--catalog {override.label} contradicts the profile's imports, which are all "
                f"here ({', '.join(leaf.label for leaf in resolver.leaves)}): drop --catalog",
            )
        notes.append(f"--catalog {override.label} is the catalog the profile imports")
    count = sum(1 for _ in walk_controls(catalog))
    notes.append(f"resolved {count} control(s) from {', '.join(s.label for s in resolver.leaves)}")
    warning = _release_warning(source.root, loader, resolver.leaves)
    if warning:
        notes.append(warning)
    return ResolvedProfile(
        catalog=catalog,
        profile=source.root,
        notes=notes,
        leaves=list(resolver.leaves),
        unmatched=resolver.unmatched,
        documents=[s.label for s in loader.documents.values()],
    )


# ---------------------------------------------------------------------------- as a framework


def _duplicates(catalog: dict[str, Any]) -> list[str]:
    seen: set[str] = set()
    repeated: list[str] = []
    for control in walk_controls(catalog):
        control_id = str(control.get("id"))
        if control_id in seen and control_id not in repeated:
            repeated.append(control_id)
        seen.add(control_id)
    return repeated


_ZERO_PADDING = re.compile(r"(?<=[-.])0+(?=\d)")


def _setting_text(setting: dict[str, Any]) -> str:
    values = [one_line(str(v)) for v in setting.get("values") or ()]
    constraints = [
        one_line(str(c.get("description")))
        for c in setting.get("constraints") or ()
        if isinstance(c, dict) and c.get("description")
    ]
    parts = ([f"= {', '.join(values)}"] if values else []) + (
        [f"constraint: {'; '.join(constraints)}"] if constraints else []
    )
    return " ".join(parts)


def _unmatched_settings(
    framework: Framework, unmatched: list[dict[str, Any]]
) -> tuple[Framework, int]:
    """Set-parameters whose parameter the catalog lacks, kept as ``param.ID`` attributes on the
    control their id names (``ac-01_odp.05`` -> ``ac-1``: SP 800-53A 5.1 parameter ids used
    against a 5.0 catalog), so the profile's values are not silently lost on import."""
    extra: dict[str, dict[str, str]] = {}
    for setting in unmatched:
        param_id = str(setting.get("param-id") or "")
        text = _setting_text(setting)
        control = _ZERO_PADDING.sub("", param_id.split("_", 1)[0])
        if not text or control not in framework:
            continue
        extra.setdefault(control, {})[f"param.{param_id}"] = (
            f"{text} (set by the profile; the catalog has no parameter {param_id})"
        )
    if not extra:
        return framework, 0
    requirements = tuple(
        dataclasses.replace(r, attributes=MappingProxyType({**r.attributes, **extra[r.ref]}))
        if r.ref in extra
        else r
        for r in framework.requirements
    )
    return dataclasses.replace(framework, requirements=requirements), sum(
        len(v) for v in extra.values()
    )


def read_oscal_profile(
    path: Path,
    catalog: Framework | CatalogOverride | None = None,
    framework_id: str | None = None,
    *,
    document: Any = None,
) -> Imported:
    """An OSCAL profile resolved (``resolve_profile``) and read as one framework.

    ``catalog`` stands in for imports that are not here (``--catalog``): a catalog file's
    content, or a loaded framework (exported to OSCAL for the purpose).
    """
    from crosswalk.io.oscal_catalog import derive_framework_id, read_oscal_catalog

    if framework_id is not None:
        check_framework_id(path, framework_id)
    override = catalog
    base_id = ""
    if isinstance(catalog, Framework):
        from crosswalk.io.oscal_catalog_writer import write_oscal_catalog

        override = CatalogOverride(catalog.id, write_oscal_catalog(catalog)["catalog"])
        base_id = catalog.id
    assert override is None or isinstance(override, CatalogOverride)
    resolved = resolve_profile(path, override, document=document)
    name = str(path)
    repeated = _duplicates(resolved.catalog)
    if repeated:
        raise ConversionError(
            name,
            "profile.merge",
            f"the resolved catalog holds {', '.join(repeated[:6])} more than once (combine "
            "keep, the default, keeps clashing controls); one framework cannot: give the "
            "profile 'merge: {combine: {method: use-first}}', or write the catalog with "
            "`crosswalk frameworks resolve`",
        )
    if not resolved.controls:
        raise ConversionError(
            name, "profile.imports", "the profile selects no controls: nothing to import"
        )
    metadata = resolved.profile.get("metadata") or {}
    title = one_line(str(metadata.get("title") or path.stem))
    leaf = resolved.leaves[0].root.get("metadata", {}) if resolved.leaves else {}
    leaf_title = one_line(str(leaf.get("title") or ""))
    if not base_id:
        base_id = derive_framework_id(leaf_title, str(leaf.get("version") or ""))
    new_id = framework_id or derive_profile_id(base_id, leaf_title, title)
    check_framework_id(path, new_id)
    read = read_oscal_catalog(path, new_id, document={"catalog": resolved.catalog})
    context = {str(c.get("id")) for c in walk_controls(resolved.catalog) if c.get(CONTEXT)}
    base = read.frameworks[0]
    if context:  # ancestors the specification includes for a selected child: say so
        base = dataclasses.replace(
            base,
            requirements=tuple(
                dataclasses.replace(
                    r, attributes=MappingProxyType({**r.attributes, "selected": "false"})
                )
                if r.ref in context
                else r
                for r in base.requirements
            ),
        )
    against = ", ".join(
        f"{one_line(str(s.root.get('metadata', {}).get('title') or s.label))} "
        f"{s.root.get('metadata', {}).get('version') or ''}".strip()
        for s in resolved.leaves
    )
    framework = dataclasses.replace(
        base,
        name=title,
        version=str(metadata.get("version") or "").strip() or str(leaf.get("version") or "1"),
        publisher=publisher_of(metadata, title),
        source=f"{source_of(path, metadata)}, resolved against {against}",
        description=f"The catalog the profile {title!r} resolves to, from {against}.",
    )
    framework, kept = _unmatched_settings(framework, resolved.unmatched)
    counts = framework.counts_by_kind()
    withdrawn = sum(1 for r in framework.requirements if r.attributes.get("withdrawn"))
    parameters = sum(
        1 for r in framework.requirements for k in r.attributes if k.startswith("param.")
    )
    notes = [
        *resolved.notes,
        *(
            [
                f"{len(context)} control(s) are in the resolved catalog only as the parent of a "
                f"selected one (the specification includes ancestors), marked selected: false: "
                + ", ".join(sorted(context)[:8])
            ]
            if context
            else []
        ),
        *(
            [
                f"{kept} of the {len(resolved.unmatched)} set-parameter(s) whose parameter the "
                "catalog lacks are kept on the control their id names (param.ID, marked as not "
                "in the catalog); the resolved OSCAL catalog leaves them out, as the "
                "specification says"
            ]
            if kept
            else []
        ),
        f"read {', '.join(f'{n} {k}' for k, n in counts.items())} as {new_id}"
        + (f"; {withdrawn} withdrawn" if withdrawn else "")
        + (f"; {parameters} parameter(s) with values or constraints" if parameters else ""),
    ]
    return Imported(source=name, frameworks=[framework], notes=notes)
