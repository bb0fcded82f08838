"""Northwind's policy library for the demo: Markdown files with front matter.

Realistic, and deliberately imperfect in two planted ways that ``crosswalk policies check``
must find: an older *Identity and access standard* (POL-IAM) is still in force beside the
access control policy (POL-AC) and governs the same access controls (a duplicate), and it
says access reviews are annual where POL-AC says quarterly (a frequency conflict). A retired
incident procedure (POL-IR-2019) overlaps the incident response policy and is, correctly,
not reported; the business continuity policy is still a draft.
"""

from __future__ import annotations

from pathlib import Path

from crosswalk.services.policies.policies import policy_folder

POLICIES = Path(__file__).parent / "policies"
PLANTED_DUPLICATE = ("POL-AC", "POL-IAM")
PLANTED_CONFLICT = ("POL-AC", "POL-IAM")  # access reviews: quarterly against annual


def demo_policy_files() -> list[Path]:
    return sorted(POLICIES.glob("*.md"))


def install_demo_policies(root: Path) -> list[Path]:
    """Copy the demo policies into ``<root>/policies/``; unchanged files are not rewritten."""
    target = policy_folder(root)
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for source in demo_policy_files():
        path = target / source.name
        content = source.read_bytes()
        if not path.exists() or path.read_bytes() != content:
            temporary = path.with_name(f".{path.name}.tmp")
            temporary.write_bytes(content)
            temporary.replace(path)
        written.append(path)
    return written
