"""Every page a user can reach by following links, as each of the demo's roles: none answers
with a server error, and none shows another branch's pages to a branch user."""

from __future__ import annotations

import re
from collections import deque

import pytest

from tests.web.conftest import Demo, as_user, build_small_demo

USERS = ("admin", "viewer", "auditor", "b01-secretary", "b01-clerk", "b01-leader", "b01-member")
LIMIT = 400  # pages per user; the demo's reachable pages are fewer


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Demo:  # type: ignore[no-untyped-def]
    return build_small_demo(tmp_path_factory.mktemp("crawl"))


def links(html: str) -> list[str]:
    found = re.findall(r'href="(/[^"#]*)"', html)
    # Leave out what changes state or the session when fetched, and static files.
    return [
        url.replace("&amp;", "&")
        for url in found
        if not url.startswith(("/static/", "/logout", "/lang/"))
        and not url.endswith((".zip", ".csv", ".xlsx"))
    ]


@pytest.mark.parametrize("username", USERS)
def test_no_reachable_page_fails_and_branch_users_stay_in_their_branch(client, username):
    as_user(client, username)
    seen, queue = set(), deque(["/"])
    statuses: dict[int, int] = {}
    while queue and len(seen) < LIMIT:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        assert response.status_code < 500, url
        if username.startswith("b01"):
            assert "/branch/b02" not in url, url
        if response.status_code in (301, 302, 303) and response.location.startswith("/"):
            queue.append(response.location)
        if response.status_code == 200 and response.mimetype == "text/html":
            queue.extend(u for u in links(response.text) if u not in seen)
    assert statuses.get(200, 0) >= 10, statuses
