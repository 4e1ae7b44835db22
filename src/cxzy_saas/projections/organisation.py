"""The committee's organisation from the read models: its tree (committee → branches →
groups → members) and a search over names, member numbers, group codes and branches."""

from __future__ import annotations

from typing import Any

from cxzy_saas.projections.db import ReadModelDB, contains

SEARCH_LIMIT = 50
UNGROUPED = ""  # members in no group: listed after the groups


def tree(db: ReadModelDB, committee: str) -> list[dict[str, Any]]:
    """Each branch (by code) with its groups (by code) and their members (by number), active
    ones only; members in no group under a group of code ``UNGROUPED``."""
    with db.read() as tx:
        branches = tx.query(
            "SELECT tenant, name FROM rm_tenants WHERE parent = ? AND kind = 'branch' "
            "ORDER BY tenant",
            (committee,),
        )
        found = tx.query(
            "SELECT s.tenant, s.level, s.subject, s.aggregate, s.name, s.grp FROM rm_subjects s "
            "JOIN rm_tenants t ON t.tenant = s.tenant WHERE t.parent = ? AND s.active = 1 "
            "ORDER BY s.tenant, s.level, s.subject",
            (committee,),
        )
    out = {
        code: {"code": code, "name": name, "groups": {}, "members": 0} for code, name in branches
    }
    by_aggregate: dict[tuple[str, str], str] = {}
    for tenant, level, subject, aggregate, name, _ in found:
        if level == "group" and tenant in out:
            out[tenant]["groups"][subject] = {"code": subject, "name": name, "members": []}
            by_aggregate[(tenant, aggregate)] = subject
    for tenant, level, subject, _, name, grp in found:
        if level != "member" or tenant not in out:
            continue
        code = by_aggregate.get((tenant, grp or ""), UNGROUPED)
        groups = out[tenant]["groups"]
        if code not in groups:
            groups[code] = {"code": code, "name": "", "members": []}
        groups[code]["members"].append({"no": subject, "name": name})
        out[tenant]["members"] += 1
    result = []
    for branch in out.values():
        groups = branch["groups"]
        ordered = [g for c, g in sorted(groups.items()) if c != UNGROUPED]
        if UNGROUPED in groups:
            ordered.append(groups[UNGROUPED])
        result.append({**branch, "groups": ordered})
    return result


def search(
    db: ReadModelDB, committee: str, text: str, limit: int = SEARCH_LIMIT
) -> list[dict[str, Any]]:
    """Branches, groups and members of the committee whose name or code contains ``text``
    (case-insensitive), branches first, then groups, then members; at most ``limit``."""
    text = text.strip()
    if not text:
        return []
    pattern = contains(text)
    with db.read() as tx:
        branches = tx.query(
            "SELECT tenant, name FROM rm_tenants WHERE parent = ? AND kind = 'branch' "
            "AND (fold(name) LIKE ? ESCAPE '\\' OR fold(tenant) LIKE ? ESCAPE '\\') "
            "ORDER BY tenant LIMIT ?",
            (committee, pattern, pattern, limit),
        )
        subjects = tx.query(
            "SELECT s.tenant, t.name, s.level, s.subject, s.name, g.name FROM rm_subjects s "
            "JOIN rm_tenants t ON t.tenant = s.tenant "
            "LEFT JOIN rm_subjects g ON g.tenant = s.tenant AND g.level = 'group' "
            "AND g.aggregate = s.grp "
            "WHERE t.parent = ? AND s.active = 1 "
            "AND (fold(s.name) LIKE ? ESCAPE '\\' OR fold(s.subject) LIKE ? ESCAPE '\\') "
            "ORDER BY CASE WHEN s.level = 'group' THEN 0 ELSE 1 END, s.tenant, s.subject LIMIT ?",
            (committee, pattern, pattern, limit),
        )
    found: list[dict[str, Any]] = [
        {"level": "branch", "branch": code, "branch_name": name, "code": code, "name": name}
        for code, name in branches
    ]
    found += [
        {
            "level": level,
            "branch": tenant,
            "branch_name": branch_name,
            "code": subject,
            "name": name,
            "group_name": group_name or "",
        }
        for tenant, branch_name, level, subject, name, group_name in subjects
    ]
    return found[:limit]
