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
        if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
            raise InvalidInput("manifest.groups_malformed", source=source, branch=b["code"])
        branches.append(
            BranchSpec(
                code=str(b["code"]),
                name=str(b["name"]),
                groups=list(groups),
                members=int(b.get("members", 0)),
                strength=float(b.get("strength", 0.6)),
            )
        )
    return Manifest(code=str(committee["code"]), name=str(committee["name"]), branches=branches)
