"""The OpenAPI 3 document, generated from the marshmallow schemas each route declares."""

from __future__ import annotations

import re
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask, current_app
from marshmallow import Schema, fields


class Problem(Schema):
    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    errors = fields.Dict()


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


def build(app: Flask) -> dict[str, Any]:
    spec = APISpec(
        title="cxzy-saas 创先争优 API",
        version="1",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Problem", schema=Problem)
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
                "schema": {"type": "integer" if conv == "int" else "string"},
            }
            for conv, name in re.findall(r"<(?:(\w+):)?(\w+)>", rule.rule)
        ]
        if meta["query"] is not None:
            parameters.append({"in": "query", "schema": meta["query"]})
        refusals = REFUSALS if not meta["public"] else PUBLIC_REFUSALS
        responses: dict[str, Any] = {
            str(code): {
                "description": text,
                "content": {"application/problem+json": {"schema": "Problem"}},
            }
            for code, text in refusals
        }
        ok: dict[str, Any] = {"description": "ok"}
        if meta["response"] is not None:
            schema: Any = meta["response"](many=True) if meta["many"] else meta["response"]
            ok["content"] = {"application/json": {"schema": schema}}
        responses[str(meta["status"])] = ok
        operation: dict[str, Any] = {
            "summary": meta["summary"],
            "parameters": parameters,
            "responses": responses,
        }
        if not meta["public"]:
            operation["security"] = [{"bearer": []}]
            operation["x-roles"] = sorted(meta["access"].roles)
        if meta["body"] is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": meta["body"]}},
            }
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            spec.path(path=path, operations={method.lower(): operation})
    return spec.to_dict()


def openapi_json() -> dict[str, Any]:
    return build(current_app)


def api_docs() -> str:
    """A readable list of the operations (zh-CN), with the JSON document beside it."""
    spec = build(current_app)
    rows = "".join(
        f"<tr><td>{method.upper()}</td><td><code>{path}</code></td><td>{op['summary']}</td></tr>"
        for path, operations in spec["paths"].items()
        for method, op in operations.items()
    )
    return (
        '<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>接口文档</title>'
        '<body style="font-family:sans-serif;max-width:960px;margin:1rem auto">'
        '<h1>创先争优 API</h1><p>机器可读文档:<a href="/api/openapi.json">/api/openapi.json</a>'
        "(OpenAPI 3)。先用 <code>POST /api/v1/auth/token</code> 取得令牌。</p>"
        "<table border=1 cellpadding=4><tr><th>方法</th><th>路径</th><th>说明</th></tr>"
        f"{rows}</table>"
        "</body></html>"
    )


def register(app: Flask) -> None:
    app.add_url_rule("/api/openapi.json", "openapi_json", openapi_json)
    app.add_url_rule("/api/docs", "api_docs", api_docs)
