"""The OpenAPI 3 document, generated from the marshmallow schemas each route declares."""

from __future__ import annotations

import json
import re
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask, current_app, render_template
from marshmallow import Schema, fields

from cxzy_saas.web.api.examples import add_examples
from cxzy_saas.web.api.parameters import PATH
from cxzy_saas.web.api.schemas import FIELD_NAME, stated_rules


class Problem(Schema):
    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    errors = fields.Dict(
        metadata={"description": "the messages by field (and by key or index within one)"}
    )
    code = fields.String(metadata={"description": "a refusal's stable code, e.g. plan.exists"})
    params = fields.Dict(
        keys=fields.String(validate=FIELD_NAME),
        metadata={"description": "the values the refusal's message names"},
    )


REFUSALS = (
    (400, "malformed JSON or header"),
    (401, "no valid token"),
    (403, "the role may not"),
    (404, "not found, or another branch's"),
    (405, "method not allowed"),
    (409, "conflict: changed meanwhile, or not in a state for this"),
    (413, "body over 1 MB"),
    (415, "not JSON"),
    (422, "invalid fields"),
)
# Public routes have no roles; the token route answers 401 to a wrong password.
PUBLIC_REFUSALS = tuple(r for r in REFUSALS if r[0] != 403)


# The headers of a write and of a list (decisions 0006 and 0019), stated on every operation
# that takes or answers them.
IDEMPOTENCY_KEY = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "description": "同一用户用同一个键重发的写请求只办理一次，重发得到第一次的答复"
    "（1–200 个可打印字符）",
    "schema": {"type": "string", "minLength": 1, "maxLength": 200},
}
AFTER = {
    "in": "header",
    "name": "Cxzy-After",
    "required": False,
    "description": "上一次写请求答复的 Cxzy-Position（如 b01=1828）："
    "列表等到统计跟上这一位置再答复",
    "schema": {"type": "string", "example": "b01=1828"},
}
WRITE_HEADERS = {
    "Cxzy-Position": {
        "description": "本次写入的事件在各日志中的位置；"
        "下一次列表请求以 Cxzy-After 带上它即可读到本次写入",
        "schema": {"type": "string", "example": "b01=1828"},
    },
    "Idempotent-Replayed": {
        "description": "true：这是按 Idempotency-Key 重发得到的第一次的答复，没有再次办理",
        "schema": {"type": "string", "enum": ["true"]},
    },
}


def build(app: Flask) -> dict[str, Any]:
    plugin = MarshmallowPlugin()
    spec = APISpec(
        title="cxzy-saas 创先争优 API",
        version="1",
        openapi_version="3.1.0",
        plugins=[plugin],
    )
    assert plugin.converter is not None
    plugin.converter.add_attribute_function(stated_rules)
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Problem", schema=Problem)
    rules = {
        rule.endpoint.removeprefix("api."): rule.rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
    }
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        view = app.view_functions.get(rule.endpoint)
        meta = getattr(view, "openapi", None)
        if meta is None:
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        parameters: list[dict[str, Any]] = [
            {
                "in": "path",
                "name": name,
                "required": True,
                "schema": {**PATH[name], **meta["path_schemas"].get(name, {})},
            }
            for name in path_names(rule.rule)
        ]
        if meta["query"] is not None:
            parameters.append({"in": "query", "schema": meta["query"]})
        method = next(iter(rule.methods - {"HEAD", "OPTIONS"}), "GET")  # type: ignore[operator]
        writes = method in ("POST", "PUT", "PATCH", "DELETE") and not meta["public"]
        if writes:
            parameters.append(IDEMPOTENCY_KEY)
        elif meta.get("ready"):
            parameters.append(AFTER)
        refusals = REFUSALS if not meta["public"] else PUBLIC_REFUSALS
        responses: dict[str, Any] = {
            str(code): {
                "description": text,
                "content": {"application/problem+json": {"schema": "Problem"}},
            }
            for code, text in refusals
        }
        if meta.get("rate_limited"):  # set by web/limits.py on the routes it guards
            responses["429"] = {
                "description": "too many failed attempts: wait Retry-After seconds",
                "content": {"application/problem+json": {"schema": "Problem"}},
            }
        ok: dict[str, Any] = {"description": "ok"}
        if meta.get("produces") is not None:
            ok["content"] = {meta["produces"]: {"schema": {"type": "string", "format": "binary"}}}
        elif meta["response"] is not None:
            schema: Any = meta["response"](many=True) if meta["many"] else meta["response"]
            ok["content"] = {"application/json": {"schema": schema}}
        headers: dict[str, Any] = dict(WRITE_HEADERS) if writes else {}
        if meta["location"] is not None and meta["status"] == 201:
            headers["Location"] = {
                "description": "the URL of what was made",
                "schema": {"type": "string", "format": "uri-reference"},
            }
        if headers:
            ok["headers"] = headers
        if meta["links"]:
            ok["links"] = {
                target: link(rule.rule, meta["link_parameters"], target, rules[target])
                for target in meta["links"]
            }
        responses[str(meta["status"])] = ok
        operation: dict[str, Any] = {
            "operationId": rule.endpoint.removeprefix("api."),
            "summary": meta["summary"],
            "parameters": parameters,
            "responses": responses,
        }
        if not meta["public"]:
            operation["security"] = [{"bearer": []}]
            operation["x-roles"] = sorted(meta["access"].roles)
        if meta.get("upload") is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"multipart/form-data": {"schema": upload_schema(plugin, meta["body"])}},
            }
        elif meta["body"] is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": meta["body"]}},
            }
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            spec.path(path=path, operations={method.lower(): operation})
    return add_examples(tidy(spec.to_dict()))


def upload_schema(plugin: MarshmallowPlugin, body: Any) -> dict[str, Any]:
    """A multipart body's schema: the form fields of ``body`` and one file, ``file``."""
    assert plugin.converter is not None
    schema: dict[str, Any] = (
        plugin.converter.schema2jsonschema(body()) if body is not None else {"properties": {}}
    )
    schema = {**schema, "type": "object"}
    schema["properties"] = {
        **schema.get("properties", {}),
        "file": {"type": "string", "format": "binary", "description": "the file"},
    }
    schema["required"] = sorted({*schema.get("required", []), "file"})
    return schema


def tidy(node: Any) -> Any:
    """The document without string keywords on maps (apispec words a map's Length as a
    string's; :func:`stated_rules` gave them as minProperties/maxProperties)."""
    if isinstance(node, dict):
        kind = node.get("type")
        is_map = kind == "object" or (isinstance(kind, list) and "object" in kind)
        return {
            key: tidy(value)
            for key, value in node.items()
            if not (is_map and key in ("minLength", "maxLength"))
        }
    if isinstance(node, list):
        return [tidy(item) for item in node]
    return node


def path_names(rule: str) -> list[str]:
    return re.findall(r"<(?:\w+:)?(\w+)>", rule)


def link(source: str, given: dict[str, str], operation: str, target: str) -> dict[str, Any]:
    """The OpenAPI link to ``operation`` (its rule ``target``): each of its path parameters
    from ``given`` or else from the source request's path parameter of the same name.

    Raises:
        LookupError: a parameter of the target has no source (a route declared a link wrong).
    """
    parameters = {}
    for name in path_names(target):
        if name in given:
            parameters[name] = given[name]
        elif name in path_names(source):
            parameters[name] = f"$request.path.{name}"
        else:
            raise LookupError(f"link from {source} to {target}: nothing gives {name}")
    return {"operationId": operation, "parameters": parameters}


def openapi_json() -> dict[str, Any]:
    return build(current_app)


ROLE_NAMES = {
    "committee-admin": "党委管理员",
    "committee-viewer": "党委查看",
    "auditor": "审计",
    "branch-secretary": "支部书记",
    "branch-clerk": "组织委员",
    "group-leader": "党小组长",
    "member": "党员",
}
AREAS = (
    ("/api/v1/auth", "登录"),
    ("/api/v1/accounts", "用户与权限"),
    ("/api/v1/campaigns", "党委:年度活动与读模型"),
    ("/api/v1/branches", "党支部"),
)


def _type(schema: dict[str, Any]) -> str:
    kind = str(schema.get("type", "object"))
    if kind == "array":
        return f"{_type(schema.get('items', {}))}[]"
    return str(schema.get("format", kind))


def _rule(schema: dict[str, Any]) -> str:
    if "enum" in schema:
        return " | ".join(str(v) for v in schema["enum"])
    bounds = [
        f"{label}{schema[key]}"
        for key, label in (
            ("minimum", "≥"),
            ("maximum", "≤"),
            ("minLength", "长度≥"),
            ("maxLength", "长度≤"),
            ("pattern", "格式 "),
        )
        if key in schema
    ]
    return ",".join(bounds)


def _fields(spec: dict[str, Any], schema: dict[str, Any]) -> list[dict[str, Any]]:
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    required = set(schema.get("required", []))
    return [
        {"name": name, "type": _type(prop), "required": name in required, "rule": _rule(prop)}
        for name, prop in schema.get("properties", {}).items()
        if not prop.get("readOnly")
    ]


def shown(example: Any) -> str:
    """An example as the docs page shows it: indented JSON, Chinese as it is."""
    return "" if example is None else json.dumps(example, ensure_ascii=False, indent=2)


def api_docs() -> str:
    """The operations grouped by area (zh-CN): who may call each, its parameters, its body's
    fields with their rules, and its responses; the JSON document beside it."""
    spec = build(current_app)
    groups: list[dict[str, Any]] = [
        {"anchor": f"area{i}", "title": title, "operations": []}
        for i, (_, title) in enumerate(AREAS)
    ]
    for path, operations in spec["paths"].items():
        area = next(i for i, (prefix, _) in enumerate(AREAS) if path.startswith(prefix))
        for method, op in operations.items():
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            codes = sorted(op["responses"])
            ok = [c for c in codes if c.startswith("2")]
            groups[area]["operations"].append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": op["summary"],
                    "roles": [ROLE_NAMES.get(r, r) for r in op.get("x-roles", [])],
                    "parameters": [
                        {
                            "name": p["name"],
                            "where": {"path": "路径", "query": "查询", "header": "请求头"}[p["in"]],
                            "type": _type(p.get("schema", {})),
                            "required": p.get("required", False),
                        }
                        for p in op["parameters"]
                    ],
                    "body": _fields(spec, body["schema"]) if body else [],
                    "body_example": shown(body.get("example")) if body else "",
                    "answer_example": shown(
                        next(
                            (
                                r["content"]["application/json"].get("example")
                                for c, r in sorted(op["responses"].items())
                                if c.startswith("2") and "application/json" in r.get("content", {})
                            ),
                            None,
                        )
                    ),
                    "ok": ", ".join(ok),
                    "refusals": [c for c in codes if c not in ok],
                }
            )
    count = sum(len(g["operations"]) for g in groups)
    return render_template("api/docs.html", groups=groups, count=count)


def register(app: Flask) -> None:
    app.add_url_rule("/api/openapi.json", "openapi_json", openapi_json)
    app.add_url_rule("/api/docs", "api_docs", api_docs)
