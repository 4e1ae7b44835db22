"""Tenant manifests: a committee and its branches described in TOML (see ``tenants/``)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cxzy_saas.domain.errors import InvalidInput

TENANTS_DIR = Path(__file__).resolve().parents[3] / "tenants"


@dataclass(frozen=True)
class BranchSpec:
    code: str
    name: str
    groups: list[str] = field(default_factory=list)
    members: int = 0
    strength: float = 0.6
    # Codes of ``groups`` (g1, g2... unless the manifest gives them), and the members the
    # manifest lists one by one ({member_no, name, group, joined_on, status...}); a bare
    # ``members = N`` is a count the demo generates people from, and lists nobody.
    group_codes: list[str] = field(default_factory=list)
    roll: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Manifest:
    code: str
    name: str
    branches: list[BranchSpec]


def load_manifest(path: str | Path) -> Manifest:
    """Read a manifest file.

    Raises:
        InvalidInput: the file is missing, not TOML, or lacks a field; the message names it.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInput("manifest.not_found", path=str(path)) from None
    except tomllib.TOMLDecodeError as e:
        raise InvalidInput("manifest.not_toml", path=str(path), error=str(e)) from None
    return parse_manifest(data, str(path))


def parse_manifest(data: dict[str, Any], source: str = "manifest") -> Manifest:
    committee = data.get("committee")
    if not isinstance(committee, dict) or not committee.get("code") or not committee.get("name"):
        raise InvalidInput("manifest.committee_incomplete", source=source)
    branches = []
    for i, b in enumerate(data.get("branches", []), start=1):
        if not isinstance(b, dict) or not b.get("code") or not b.get("name"):
            raise InvalidInput("manifest.branch_incomplete", source=source, number=i)
        groups = b.get("groups", [])
        if not isinstance(groups, list) or not all(
            isinstance(g, str) or (isinstance(g, dict) and g.get("code") and g.get("name"))
            for g in groups
        ):
            raise InvalidInput("manifest.groups_malformed", source=source, branch=b["code"])
        names = [g if isinstance(g, str) else str(g["name"]) for g in groups]
        codes = [f"g{n}" if isinstance(g, str) else str(g["code"]) for n, g in enumerate(groups, 1)]
        members = b.get("members", 0)
        roll: list[dict[str, Any]] = []
        if isinstance(members, list):
            for m in members:
                if not isinstance(m, dict) or not m.get("member_no") or not m.get("name"):
                    raise InvalidInput(
                        "manifest.member_incomplete", source=source, branch=b["code"]
                    )
                if m.get("group") and m["group"] not in codes:
                    raise InvalidInput(
                        "manifest.member_group", source=source, branch=b["code"], group=m["group"]
                    )
                roll.append(dict(m))
        elif isinstance(members, bool) or not isinstance(members, int):
            raise InvalidInput("manifest.members_malformed", source=source, branch=b["code"])
        branches.append(
            BranchSpec(
                code=str(b["code"]),
                name=str(b["name"]),
                groups=names,
                members=len(roll) if roll else int(members),
                strength=float(b.get("strength", 0.6)),
                group_codes=codes,
                roll=roll,
            )
        )
    return Manifest(code=str(committee["code"]), name=str(committee["name"]), branches=branches)
