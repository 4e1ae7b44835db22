"""Redirects only to this site, and the headers every response carries."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import pytest

import cxzy_saas.web
from tests.web.accounts_site import PASSWORD, app_for, build, csrf_token, sign_in

TEMPLATES = Path(cxzy_saas.web.__file__).parent / "templates"

# Each leads a browser to another site, or is not a path: the answer is the home page.
ELSEWHERE = [
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "\t//evil.example",
    " //evil.example",
    "/\u3000/evil.example",
    "https://evil.example/",
    "http:evil.example",
    "javascript:alert(1)",
    "evil.example",
    "/%2F/evil.example",
    "/%2f%2fevil.example",
    "/%5Cevil.example",
    "/%09/evil.example",
    "/%0D%0A/evil.example",
    "%2F%2Fevil.example",
    "/\x00/evil.example",
    "//[evil",
    "",
]
# Already percent-encoded in the URL as an attacker would send it (the issue's own example).
RAW = ["%2F%09%2Fevil.example", "%2F%0A", "%2F%5C%2Fevil.example", "%0D%0A", "%2F%2F%2Fevil"]
HERE = ["/committee/accounts", "/branch/b01/members?page=2", "/account/password"]


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return app_for(build(tmp_path_factory.mktemp("redirects")))


@pytest.mark.parametrize("target", ELSEWHERE, ids=repr)
def test_the_language_switch_never_sends_anyone_elsewhere(app, target):
    response = app.test_client().get(f"/lang/en?next={quote(target, safe='')}")
    assert response.status_code == 302 and response.headers["Location"] == "/"


@pytest.mark.parametrize("query", RAW)
def test_encoded_targets_are_refused_and_never_a_server_error(app, query):
    response = app.test_client().get(f"/lang/zh?next={query}")
    assert response.status_code == 302 and response.headers["Location"] == "/"


@pytest.mark.parametrize("target", HERE)
def test_paths_of_this_site_are_kept(app, target):
    response = app.test_client().get(f"/lang/en?next={quote(target, safe='')}")
    assert response.headers["Location"] == target


@pytest.mark.parametrize("target", [*ELSEWHERE[:12], "/%2F/evil.example"], ids=repr)
def test_signing_in_never_sends_anyone_elsewhere(app, target):
    client = app.test_client()
    signed = sign_in(client, "admin", PASSWORD, next=target)
    assert signed.status_code == 302 and signed.headers["Location"] == "/"
    page = client.get(f"/login?next={quote(target, safe='')}")
    assert page.status_code == 200 and 'name="next" value="/"' in page.text


def test_signing_in_returns_to_the_page_asked_for(app):
    signed = sign_in(app.test_client(), "admin", PASSWORD, next="/committee/accounts?x=1")
    assert signed.headers["Location"] == "/committee/accounts?x=1"


@pytest.mark.parametrize("path", ["/login", "/ballot", "/api/openapi.json", "/api/docs"])
def test_every_response_says_how_it_may_be_used(app, path):
    response = app.test_client().get(path)
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "style-src 'self'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_cookies_are_secure_when_the_site_is_served_over_https(tmp_path):
    site = build(tmp_path)
    plain = app_for(site).test_client()
    assert "Secure" not in sign_in(plain, "admin").headers["Set-Cookie"]
    https = app_for(site, public_url="https://cxzy.example.org", trusted_proxies=1).test_client()
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "cxzy.example.org"}
    page = https.get("/login", headers=forwarded)
    signed = https.post(
        "/login",
        data={"username": "admin", "password": PASSWORD, "csrf_token": csrf_token(page.text)},
        headers={**forwarded, "Referer": "https://cxzy.example.org/login"},
    )
    assert signed.status_code == 302, signed.text
    cookie = signed.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "max-age" in signed.headers["Strict-Transport-Security"]


def test_no_template_holds_an_inline_script_handler_or_style():
    """The CSP refuses them; a template that needs script links a file from static/."""
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        # a script runs from a file; a JSON data block (type="application/json") never runs
        assert not re.search(r"<script(?![^>]*\b(?:src=|type=\"application/json\"))[^>]*>", text), (
            template
        )
        assert not re.search(r"\son[a-z]+\s*=", text), template
        assert not re.search(r"\sstyle\s*=|<style", text), template
        assert "javascript:" not in text, template
