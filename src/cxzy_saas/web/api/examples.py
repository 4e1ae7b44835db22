"""Examples for the OpenAPI document, made from the schemas themselves: every request body and
every answer gets one (a new route too), in the demo's words and codes (branch ``b01``, member
``B01005``, group ``g1``, item ``M1``, the 2026 campaign), so that a reader sees real-looking
requests and a tool that sends the examples (schemathesis's examples phase) reaches real
resources instead of 404s.

A value is chosen by the field's name (``title``, ``reason``, ``minutes``...), else by its rule:
the first of an enum, a candidate code its pattern matches, a number in its range, a date in
the campaign year. Every example is valid by its own schema (a test checks it).
"""

from __future__ import annotations

import re
from typing import Any

YEAR = 2026

# Values by field name: Chinese text where the field is text.
BY_NAME: dict[str, Any] = {
    "year": YEAR,
    "month": 3,
    "quarter": 1,
    "on": "2026-03-15",
    "due": "2026-06-30",
    "joined_on": "2018-07-01",
    "left_on": None,
    "title": "2026年度创先争优活动",
    "name": "何盛平",
    "display_name": "办公室党支部书记",
    "drafter": "办公室党支部支委会",
    "text": "带头完成窗口服务优化任务，群众满意度明显提升。",
    "minutes": "支委会讨论活动方案，一致同意提交党员大会。",
    "reason": "全年考核优秀，群众公认。",
    "note": "已按要求整改到位。",
    "evidence": "党员大会会议记录第3页",
    "decision_text": "经党委会研究，决定表彰以下先进党支部、先进党小组和优秀党员。",
    "to": "全体党员及群众代表",
    "by": "群众代表 李明",
    "measures_checked": "逐项检查本季度承诺事项的完成情况。",
    "gaps": "个别党员学习笔记不够规范。",
    "weak_links": "青年党员参与志愿服务次数偏少。",
    "improvements": "下季度组织两次集中学习和一次志愿服务。",
    "basic_facts": "全年开展创先争优活动的基本情况",
    "experience": "坚持平时考核与集中考核相结合",
    "problems": "学习深度和创新不足",
    "plans": "明年继续完善考核办法",
    "guiding_ideology": "以习近平新时代中国特色社会主义思想为指导，推动党建与业务深度融合。",
    "assessment_method": "平时考核与每月集中考核相结合，每季度检查一次。",
    "selection_method": "党员民主测评、党小组推荐、支委会审议相结合。",
    "commendation_method": "由上级党委命名表彰先进党支部、先进党小组和优秀党员。",
    "organisation": "成立以支部书记为组长的活动领导小组。",
    "attendees": 14,
    "username": "b01-secretary",
    "password": "Qianjin-2026-Dangzhibu",
    "new_password": "Chuangxian-Zhengyou-2027",
    "gender": "男",
    "phone": "13800138000",
    "status": "full",
    "kind": "measure",
    "stage": "year-end",
    "outcome": "approved",
    "level": "member",
    "role": "branch-clerk",
    "criterion": 1,
    "codes": {"members": 20, "constituents": 10},
    "active": True,
    "page": 1,
    "per_page": 50,
    "max_points": 10,
    "weight": 1,
    "points": 8.5,
    "as_of": None,
    "campaign": YEAR,
    "subject": "B01005",
    "member_no": "B01005",
    "member": "B01005",
    "group": "g1",
    "branch": "b01",
    "tenant": "b01",
    "code": "b01",
    "id": "B01005",
    "item": "M1",
    "user": "b01-clerk",
    "event": "MemberEnrolled",
    "committee": "demo",
    "period": "2026-03",
    "band": "excellent",
    "decision": "approved",
    "reported_to": "committee",
    "short": "YJF8VCJPVT",
    "address": "https://dangjian.example.cn/b/YJF8VCJPVT",
    "previous": 7.5,
    "rank": 1,
    "composite": 88.98,
    "work": 85.89,
    "rating": 91.5,
    "target": 100.0,
    "branch_name": "办公室党支部",
    "group_name": "第一党小组",
    "sha256": "9f2b5c1e0d6a4f3b8e7c2a1d5b4e3f6a7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f",
    "media_type": "application/pdf",
    "retracted": None,  # a null where nothing happened yet: the usual answer
    "withdrawn": None,
}

# Codes a pattern may want, in the order they are tried.
CANDIDATES = (
    "b01",
    "B01005",
    "g1",
    "M1",
    "member:B01005",
    "member:1",
    "b01-secretary",
    "1/3",
    "2026",
    "ABCD-EFGH-JKLM",
    "13800138000",
)
UUID = "3f1c2b9e-5d4a-4c8e-9b7a-1e2d3c4b5a69"


def example(document: dict[str, Any], schema: dict[str, Any], name: str = "") -> Any:
    """An example of ``schema`` (a part of ``document``), for a field called ``name``."""
    if "$ref" in schema:
        ref = schema["$ref"].rsplit("/", 1)[-1]
        return example(document, document["components"]["schemas"][ref], name)
    if "example" in schema:
        return schema["example"]
    if "anyOf" in schema:
        return example(document, schema["anyOf"][0], name)
    kinds = schema.get("type", "object")
    if name in BY_NAME and BY_NAME[name] is None and isinstance(kinds, list) and "null" in kinds:
        return None
    kinds = [kinds] if isinstance(kinds, str) else [k for k in kinds if k != "null"]
    kind = kinds[0] if kinds else "null"
    if "enum" in schema:
        wanted = BY_NAME.get(name)
        return wanted if wanted in schema["enum"] else schema["enum"][0]
    if kind == "object":
        return _object(document, schema)
    if kind == "array":
        wanted = BY_NAME.get(name)
        if isinstance(wanted, list):
            return wanted
        return [example(document, schema.get("items", {}), name)] * max(
            1, schema.get("minItems", 1)
        )
    if kind in ("integer", "number"):
        return _number(schema, name, kind)
    if kind == "boolean":
        return BY_NAME.get(name, True) if isinstance(BY_NAME.get(name), bool) else True
    if kind == "string":
        return _string(schema, name)
    return None


def _object(document: dict[str, Any], schema: dict[str, Any]) -> Any:
    if "properties" in schema:
        return {
            prop: example(document, sub, prop)
            for prop, sub in schema["properties"].items()
            if not sub.get("readOnly")
        }
    values = schema.get("additionalProperties")
    if not isinstance(values, dict):
        return {}
    keys = schema.get("propertyNames")
    key = "key" if not keys else example(document, keys)
    return {key: example(document, values)}


def _number(schema: dict[str, Any], name: str, kind: str) -> Any:
    wanted = BY_NAME.get(name)
    low = schema.get("minimum", schema.get("exclusiveMinimum", 0))
    high = schema.get("maximum", schema.get("exclusiveMaximum", 1_000_000))
    if isinstance(wanted, int | float) and not isinstance(wanted, bool) and low <= wanted <= high:
        value = wanted
    else:
        value = max(low, min(high, 8.5 if kind == "number" else 1))
        if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
            value = schema["exclusiveMinimum"] + 1
    return int(value) if kind == "integer" else value


def _string(schema: dict[str, Any], name: str) -> str:
    fmt = schema.get("format")
    if fmt == "date":
        return str(BY_NAME.get(name) or BY_NAME["on"])
    if fmt == "date-time":
        return "2026-03-15T09:30:00+08:00"
    if fmt == "uuid":
        return UUID
    wanted = BY_NAME.get(name)
    pattern = schema.get("pattern")
    tried = ([wanted] if isinstance(wanted, str) else []) + list(CANDIDATES)
    if pattern is not None:
        for candidate in tried:
            if _fits(schema, candidate):
                return candidate
    return wanted if isinstance(wanted, str) and _fits(schema, wanted) else "按计划完成"


def _fits(schema: dict[str, Any], value: str) -> bool:
    pattern = schema.get("pattern")
    if pattern is not None and re.search(pattern, value) is None:
        return False
    return schema.get("minLength", 0) <= len(value) <= schema.get("maxLength", len(value))


def add_examples(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with an example on every path parameter, request body and answer."""
    for operations in document["paths"].values():
        for operation in operations.values():
            for parameter in operation["parameters"]:
                if parameter["in"] == "path":
                    parameter["example"] = example(document, parameter["schema"], parameter["name"])
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is not None:
                body["example"] = example(document, body["schema"])
            for status, response in operation["responses"].items():
                content = response.get("content", {}).get("application/json")
                if content is not None and status.startswith("2"):
                    content["example"] = example(document, content["schema"])
    return document
