"""The OpenAPI document is precise, for every route the route table holds (a new route is held
to the same rule): no free map, no untyped string for a closed set, bounded request text, lists
and maps, typed path parameters, and links and Location where a route makes something."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jsonschema_rs
import pytest

from cxzy_saas.config import Settings
from cxzy_saas.web.api.openapi import build
from cxzy_saas.web.api.schemas import LINE_PATTERN, MULTILINE_PATTERN
from cxzy_saas.web.app import create_app

# Fields of these names hold a value of a closed set: the document must list it (enum).
CLOSED_SETS = {"level", "stage", "pool", "grade", "role", "kind", "outcome"}
# A refusal echoes the request's own field names and keys (whatever they were) in ``errors``.
FREE_BY_DESIGN = {"Problem.errors"}


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("precision") / "var")
    app = create_app(settings, {"TESTING": True, "EMBEDDED_PROJECTOR": False})
    with app.app_context():
        return build(app)


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return name, document["components"]["schemas"][name]
    return "", schema


def walk(
    document: dict[str, Any], schema: dict[str, Any], where: str, seen: set[str]
) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(where, property name, schema) for every schema under ``schema``."""
    name, schema = resolve(document, schema)
    if name:
        if name in seen:
            return
        seen = seen | {name}
        where = name
    yield where, "", schema
    for prop, sub in schema.get("properties", {}).items():
        _, resolved = resolve(document, sub)
        yield where, prop, resolved
        yield from walk(document, sub, f"{where}.{prop}", seen)
    for key in ("items", "additionalProperties", "propertyNames"):
        sub = schema.get(key)
        if isinstance(sub, dict):
            yield from walk(document, sub, f"{where}.{key}", seen)


def kinds(schema: dict[str, Any]) -> set[str]:
    kind = schema.get("type", [])
    return {kind} if isinstance(kind, str) else set(kind)


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def request_schemas(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, method, op in operations(document):
        body = op.get("requestBody", {}).get("content", {}).get("application/json")
        if body:
            yield f"{method} {path}", body["schema"]
        for parameter in op["parameters"]:
            if parameter["in"] == "query":
                yield f"{method} {path} ?{parameter['name']}", parameter["schema"]


def response_schemas(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, method, op in operations(document):
        for status, response in op["responses"].items():
            for content in response.get("content", {}).values():
                yield f"{method} {path} {status}", content["schema"]


def test_the_document_has_every_route(document):
    assert sum(1 for _ in operations(document)) >= 90
    assert document["openapi"].startswith("3.1")


def test_no_map_is_free_and_every_closed_set_is_listed(document):
    """Requests and answers alike: an object has its properties or names its keys (a pattern
    or an enum), and a field named for a closed set lists it."""
    free, unlisted = set(), set()
    everything = [*request_schemas(document), *response_schemas(document)]
    for operation, root in everything:
        for where, prop, schema in walk(document, root, operation, set()):
            if where in FREE_BY_DESIGN or f"{where}.{prop}" in FREE_BY_DESIGN:
                continue
            if "object" in kinds(schema) and "properties" not in schema:
                keys = schema.get("propertyNames", {})
                if not ("pattern" in keys or "enum" in keys):
                    free.add(f"{where} {prop}")
            if prop in CLOSED_SETS and "string" in kinds(schema) and "enum" not in schema:
                unlisted.add(f"{where} {prop}")
    assert not free, f"maps without declared keys: {sorted(free)}"
    assert not unlisted, f"closed sets as any string: {sorted(unlisted)}"


def test_request_text_lists_and_maps_are_bounded(document):
    """What a client may send is bounded by the document: every string has a length, a
    code's pattern, an enum or a format (free text: a most length); every list and map a most
    number of items."""
    unbounded = set()
    for operation, root in request_schemas(document):
        for where, prop, schema in walk(document, root, operation, set()):
            kind = kinds(schema)
            free_text = schema.get("pattern") in (LINE_PATTERN, MULTILINE_PATTERN)
            bounds = {"maxLength", "enum", "format"} | (set() if free_text else {"pattern"})
            if "string" in kind and not bounds & set(schema):
                unbounded.add(f"{where} {prop}: string")
            if "array" in kind and "maxItems" not in schema:
                unbounded.add(f"{where} {prop}: list")
            is_map = "object" in kind and "properties" not in schema
            if is_map and "maxProperties" not in schema:
                unbounded.add(f"{where} {prop}: map")
            if "object" in kind and "properties" in schema:
                assert schema.get("additionalProperties") is False, f"{where}: unknown fields"
    assert not unbounded, sorted(unbounded)


def test_every_path_parameter_is_typed(document):
    untyped = [
        f"{method} {path} {p['name']}"
        for path, method, op in operations(document)
        for p in op["parameters"]
        if p["in"] == "path" and not {"pattern", "enum", "format", "minimum"} & set(p["schema"])
    ]
    assert not untyped


def test_creating_operations_say_where_and_link_onwards(document):
    """A 201 that has a URL sends it (Location); the operations that make what others use
    link to them, with every path parameter the target needs."""
    ids = {op["operationId"] for _, _, op in operations(document)}
    created = {}
    for _, _, op in operations(document):
        ok = op["responses"].get("201") or op["responses"].get("200")
        for target, link in ok.get("links", {}).items():
            assert link["operationId"] in ids, target
            created[op["operationId"]] = ok
    for maker, users in {
        "open_ballot": {"cast_ballot", "close_ballot"},
        "register_account": {"grant"},
        "draft_branch_plan": {"submit_branch_plan", "decide_branch_plan"},
        "shortlist": {"decide_nominee"},
    }.items():
        assert users <= set(created[maker]["links"]), maker
    for maker in ("open_ballot", "register_account", "draft_branch_plan", "enrol_member"):
        assert "Location" in created[maker]["headers"], maker


def test_every_body_and_answer_has_an_example_valid_by_its_schema(document):
    """Examples the /api/docs page shows and schemathesis's examples phase sends: one for every
    request body, success answer and path parameter, each valid by its own schema."""
    invalid, missing = [], []
    for path, method, op in operations(document):
        contents = [("body", op.get("requestBody", {}).get("content", {}).get("application/json"))]
        contents += [
            (status, response.get("content", {}).get("application/json"))
            for status, response in op["responses"].items()
            if status.startswith("2")
        ]
        contents += [(p["name"], p) for p in op["parameters"] if p["in"] == "path"]
        for where, content in contents:
            if content is None or "schema" not in content:
                continue
            if "example" not in content:
                missing.append(f"{method} {path} {where}")
                continue
            root = {**content["schema"], "components": document["components"]}
            validator = jsonschema_rs.Draft202012Validator(root)
            errors = [e.message for e in validator.iter_errors(content["example"])]
            if errors:
                invalid.append(f"{method} {path} {where}: {errors[:2]}")
    assert not missing, missing
    assert not invalid, invalid
