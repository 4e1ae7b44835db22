"""Input refused at the edge, on every write route of the API and on every form of the pages:
NUL and other control characters, lone surrogates, NaN and infinities, JSON nested 50,000 deep,
codes with a trailing new line. Each answer is a 4xx, never a 5xx, and nothing is stored: the
head of every tenant's log is where it was.

The API's routes and their body schemas come from the route table (``api_route``), so a route
added later is sent the same values without anyone having to remember it; the pages' forms are
found by following links as each role, the way the crawl test finds pages.
"""

from __future__ import annotations

import json
import re
from collections import deque
from typing import Any

import pytest
from marshmallow import Schema, fields

from cxzy_saas.application.tenancy import Tenancy
from cxzy_saas.config import Settings
from cxzy_saas.web.api.routing import WRITE_METHODS, Access
from cxzy_saas.web.api.schemas import Text
from tests.web.accounts_site import app_for  # high sign-in limits: this test sends many
from tests.web.api_demo import ROLE_USERS, bearer, build
from tests.web.conftest import csrf_token, sign_in

DEEP = "[" * 50_000 + "]" * 50_000
BAD_TEXTS = ("a\x00b", "a\x07b", "a\x1bb", "\x7f", "a\u2028b")  # NUL, BEL, ESC, DEL, LS
BAD_NUMBERS = ("NaN", "Infinity", "-Infinity", "1e999")


def heads(settings: Settings) -> dict[str, int]:
    tenancy = Tenancy(settings)
    try:
        found = {"_registry": tenancy.registry().head()}
        for tenant in tenancy.tenants():
            app = (
                tenancy.committee(tenant.code)
                if tenant.kind == "committee"
                else tenancy.branch(tenant.code)
            )
            found[tenant.code] = app.head()
        return found
    finally:
        tenancy.close()


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    settings = build(tmp_path_factory.mktemp("edge"))
    app = app_for(settings)
    client = app.test_client()
    tokens = {role: bearer(client, user) for role, user in ROLE_USERS.items()}
    tenancy = Tenancy(settings)
    b01 = tenancy.branch("b01")
    samples = {
        "code": "b01",
        "year": "2026",
        "no": "B01003",
        "group": "g1",
        "stage": "midyear",
        "username": "b01-clerk",
        "level": "member",
        "subject": "B01003",
        "id": str(b01.measures(2026)[0].id),
        "quarter": "1",
    }
    ids = {
        "measures": str(b01.measures(2026)[0].id),
        "meetings": str(b01.meetings(2026)[0].id),
        "records": str(b01.daily_records(2026)[0].id),
        "ballots": str(b01.ballots(2026)[0].id),
    }
    samples["letter"] = str(b01.letters(2026)[0].id)
    samples["task"] = str(tenancy.committee("demo").tasks(2026, "b01")[0].id)
    tenancy.close()
    return settings, app, client, tokens, samples, ids


def write_routes(app) -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    for rule in app.url_map.iter_rules():
        meta = getattr(app.view_functions[rule.endpoint], "openapi", None)
        method = next(iter(rule.methods - {"HEAD", "OPTIONS"}))
        if meta is not None and method in WRITE_METHODS:
            found.append((method, rule.rule, meta))
    return sorted(found, key=lambda found: found[:2])


def url_of(rule: str, samples: dict[str, str], ids: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "id":
            resource = rule[: match.start()].rstrip("/").rsplit("/", 1)[-1]
            return ids.get(resource, samples["id"])
        return samples[name]

    return re.sub(r"<(?:\w+:)?(\w+)>", value, rule)


def headers_for(access: Access, tokens: dict[str, dict[str, str]]) -> dict[str, str]:
    if access.scope in ("public", "ballot"):
        return {}
    role = next(r for r in ROLE_USERS if r in access.roles)
    return tokens[role]


def bad_value(field: fields.Field, text: str, number: str) -> Any:
    """A value of ``field``'s shape with bad text in every string and a bad number in every
    number (as the text a client would send; JSON itself has no NaN)."""
    if isinstance(field, fields.Nested) and isinstance(field.nested, type):
        return bad_body(field.nested, text, number)
    if isinstance(field, fields.List):
        return [bad_value(field.inner, text, number)]
    if isinstance(field, fields.Dict):
        key = bad_value(field.key_field, text, number) if field.key_field else text
        value = bad_value(field.value_field, text, number) if field.value_field else text
        return {str(key): value}
    if isinstance(field, fields.Number):
        return number
    if isinstance(field, Text):
        return text
    if isinstance(field, fields.Date):
        return f"2026-01-0{text}"
    return text


def bad_body(schema: type[Schema], text: str, number: str) -> dict[str, Any]:
    return {
        field.data_key or name: bad_value(field, text, number)
        for name, field in schema._declared_fields.items()
        if not field.dump_only
    }


def test_every_write_route_refuses_bad_values_with_a_4xx_and_stores_nothing(api):
    settings, app, client, tokens, samples, ids = api
    before = heads(settings)
    routes = write_routes(app)
    assert len(routes) >= 40
    statuses: dict[int, int] = {}

    def send(method: str, url: str, headers: dict[str, str], data: str) -> int:
        response = client.open(
            url,
            method=method,
            data=data.encode("utf-8", "surrogatepass"),
            headers={**headers, "Content-Type": "application/json"},
        )
        assert response.status_code < 500, (method, url, data[:80], response.text[:300])
        assert 400 <= response.status_code < 500, (method, url, data[:80], response.text[:300])
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        return response.status_code

    for method, rule, meta in routes:
        url, headers = url_of(rule, samples, ids), headers_for(meta["access"], tokens)
        assert send(method, url, headers, DEEP) == 400
        assert send(method, url, headers, '{"x": NaN}') == 400
        assert send(method, url, headers, '{"x": "\\ud800"}') == 400
        assert send(method, url, headers, '{"x": 1e999}') == 400
        if meta["body"] is None or not meta["body"]._declared_fields:
            continue  # no field to hold a bad value (a reset's body is {})
        for text, number in zip(BAD_TEXTS, BAD_NUMBERS * 2, strict=False):
            body = bad_body(meta["body"], text, number)
            status = send(method, url, headers, json.dumps(body, ensure_ascii=False))
            assert status in (404, 422), (method, rule, body)
    assert heads(settings) == before
    assert statuses[400] >= 4 * len(routes)


def test_a_deep_body_to_the_token_route_is_a_400_not_a_recursion_error(api):
    _, _, client, *_ = api
    for body in (DEEP, '{"username": ' + DEEP + "}", "{" * 50_000):
        response = client.post(
            "/api/v1/auth/token", data=body, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 400
        assert response.mimetype == "application/problem+json"
    shallow = "[" * 10 + "]" * 10
    response = client.post(
        "/api/v1/auth/token", data=shallow, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422  # parsed, then refused by the schema


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (
            "/members",
            {"member_no": "B01990\n", "name": "新党员", "joined_on": "2026-01-02"},
            "member_no",
        ),
        (
            "/members",
            {"member_no": "B01991", "name": "张\u0000三", "joined_on": "2026-01-02"},
            "name",
        ),
        ("/members", {"member_no": "B01992", "name": "张三\t", "joined_on": "2026-01-02"}, "name"),
        ("/groups", {"code": "g7\n", "name": "第七小组"}, "code"),
        (
            "/records",
            {
                "year": 2026,
                "level": "branch",
                "subject": "b01",
                "on": "2026-03-02",
                "text": "x\x00",
            },
            "text",
        ),
    ],
)
def test_codes_match_whole_and_names_are_one_line(api, path, body, field):
    settings, _, client, tokens, *_ = api
    before = heads(settings)
    response = client.post(f"/api/v1/branches/b01{path}", json=body, headers=tokens["branch-clerk"])
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]
    assert heads(settings) == before


def test_multi_line_text_keeps_its_lines_and_tabs(api):
    _, _, client, tokens, *_ = api
    body = {
        "year": 2026,
        "level": "branch",
        "subject": "b01",
        "on": "2026-03-02",
        "text": "第一行\r\n第二行\t（附表）",
    }
    response = client.post(
        "/api/v1/branches/b01/records", json=body, headers=tokens["branch-clerk"]
    )
    assert response.status_code == 201, response.json
    assert response.json["text"] == "第一行\r\n第二行\t（附表）"


def test_plan_content_is_a_full_schema_not_a_free_dict(api):
    settings, _, client, tokens, *_ = api
    from cxzy_saas.application.catalogue import default_plan_content

    def draft(content: Any) -> Any:
        return client.post(
            "/api/v1/campaigns/2027/plan",
            data=json.dumps({"drafter": "组织委员", "content": content}),
            headers={**tokens["committee-admin"], "Content-Type": "application/json"},
        )

    opened = client.post(
        "/api/v1/campaigns",
        json={"year": 2027, "title": "2027 年创先争优活动"},  # the year after the demo's
        headers=tokens["committee-admin"],
    )
    assert opened.status_code == 201, opened.json
    before = heads(settings)
    content = default_plan_content()
    content["items"][0]["max_points"] = "Infinity"
    assert "items" in draft(content).json["errors"]["content"]
    content = default_plan_content()
    content["items"][0]["code"] = '=HYPERLINK("http://e.vil/x","点我")'
    assert "items" in draft(content).json["errors"]["content"]
    content = default_plan_content()
    content["extra"] = {"anything": [1, 2, 3]}
    assert "extra" in draft(content).json["errors"]["content"]
    content = default_plan_content()
    content["rules"]["quota_fraction"] = "1/0"
    assert "rules" in draft(content).json["errors"]["content"]
    content = default_plan_content()
    content["criteria"][0]["text"] = "领导班子\x00"
    assert "criteria" in draft(content).json["errors"]["content"]
    assert heads(settings) == before
    accepted = draft(default_plan_content())
    assert accepted.status_code == 201, accepted.json
    assert accepted.json["content"] == default_plan_content()


# the pages


FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S)
FIELD = re.compile(r"<(?:input|textarea|select)\b[^>]*\bname=\"([^\"]+)\"[^>]*>")
USERS = ("admin", "b01-secretary", "b01-leader", "b01-member")


def forms_of(html: str) -> list[tuple[str, list[str]]]:
    found = []
    for attributes, body in FORM.findall(html):
        method = re.search(r'method="(\w+)"', attributes)
        action = re.search(r'action="([^"]+)"', attributes)
        if not method or method.group(1).lower() != "post" or not action:
            continue
        names = sorted({n for n in FIELD.findall(body) if n not in ("csrf_token", "once")})
        found.append((action.group(1).replace("&amp;", "&"), names))
    return found


@pytest.fixture(scope="module")
def pages_demo(tmp_path_factory):
    from tests.web.conftest import build_small_demo

    return build_small_demo(tmp_path_factory.mktemp("edge-pages"))


@pytest.mark.parametrize("username", USERS)
def test_every_form_refuses_control_characters_with_a_4xx_and_stores_nothing(pages_demo, username):
    from cxzy_saas.web.app import create_app

    app = create_app(pages_demo.settings, {"TESTING": True, "EMBEDDED_PROJECTOR": False})
    client = app.test_client()
    assert sign_in(client, username).status_code == 302
    before = heads(pages_demo.settings)
    seen, queue, posted = set(), deque(["/"]), 0
    kinds: set[tuple[str, tuple[str, ...]]] = set()
    while queue and len(seen) < 120:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        page = client.get(url)
        if page.status_code in (301, 302, 303) and page.location.startswith("/"):
            queue.append(page.location)
        if page.status_code != 200 or page.mimetype != "text/html":
            continue
        queue.extend(
            u.replace("&amp;", "&")
            for u in re.findall(r'href="(/[^"#]*)"', page.text)
            if not u.startswith(("/static/", "/logout", "/lang/", "/login"))
            and not u.endswith((".zip", ".csv", ".xlsx"))
        )
        for action, names in forms_of(page.text):
            if not names or action.startswith(("/logout", "/lang", "/login")):
                continue
            # One form of each kind: a list's forms differ only by the id in their action.
            kind = (re.sub(r"[0-9a-f-]{36}|\d+", "#", action.split("?")[0]), tuple(names))
            if kind in kinds:
                continue
            kinds.add(kind)
            for bad in ("a\x00b", "a\x1bb"):
                data = {name: bad for name in names if name != "file"}
                data["csrf_token"] = csrf_token(page.text)
                response = client.post(action, data=data)
                assert 400 <= response.status_code < 500, (username, action, response.status_code)
                posted += 1
    print(username, posted, "forms posted")
    assert posted >= 2
    assert heads(pages_demo.settings) == before


def test_an_address_over_4_kb_is_answered_in_chinese_not_by_gunicorn(pages_demo):
    """gunicorn takes request lines up to 8 KB (web/server.py); over 4 KB the application
    answers 414 itself, a page in Chinese or an API problem."""
    from tests.web.conftest import create_app

    client = create_app(pages_demo.settings, {"TESTING": True, "EMBEDDED_PROJECTOR": False})
    client = client.test_client()
    page = client.get("/login?q=" + "党" * 1500)
    assert page.status_code == 414 and "网址太长" in page.text
    api = client.get("/api/v1/campaigns?x=" + "a" * 5000)
    assert api.status_code == 414 and api.headers["Content-Type"].startswith("application/")
    assert client.get("/login?q=" + "党" * 100).status_code == 200
