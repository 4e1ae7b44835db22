"""Every role is offered exactly what it may do: signed in as each of the demo's roles, follow
every link and submit every form (as shown, unchanged) on every page reachable from home; none
answers 403 (offered but refused) or 404 (offered but missing), and no form's command refuses the
role after submitting. And the menus differ by role."""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from werkzeug.datastructures import MultiDict

from tests.web.conftest import Demo, as_user, build_small_demo

# In an order where what one user's forms change (a ballot closed, an account's grant revoked by
# the branch's secretary or the committee's admin) comes after the crawls it would change.
USERS = ("viewer", "auditor", "b01-member", "b01-leader", "b01-clerk", "b01-secretary", "admin")
LIMIT = 300  # pages per user
# A form the role may open but whose command refuses the role answers with one of these.
REFUSED = ("无权进行此操作", "只能办理本人的措施", "不是您所在党小组", "不能代表")
SKIPPED = ("/static/", "/logout", "/lang/", "/account/password")
# Account actions that would sign the demo's users out or take their grants for the crawls after
# (the accounts' own tests try them); their pages and the other account forms are crawled.
KEPT_ACCOUNTS = re.compile(r"/accounts/[^/]+/(reset|disable|enable|revoke|grant|link|unlink)")


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Demo:  # type: ignore[no-untyped-def]
    return build_small_demo(tmp_path_factory.mktemp("roles"))


@dataclass
class Form:
    method: str
    action: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    button: bool = False  # a form with no submit button is a table shown, not offered


class Page(HTMLParser):
    """The links, forms (with the values they would send unchanged) and menu of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[Form] = []
        self.menu: list[str] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None
        self._text: list[str] = []
        self._submitted = False
        self._in_menu = False
        self._link_text: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "nav" and "main" in a.get("class", "").split():
            self._in_menu = True
        elif tag == "a" and a.get("href", "").startswith("/"):
            self.links.append(a["href"].split("#")[0])
            if self._in_menu:
                self._link_text = []
        elif tag == "form":
            self._form = Form(a.get("method", "get").lower(), a.get("action", ""))
            self._submitted = False
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name") and "disabled" not in a:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind == "submit":
                self._submit(a)
                return
            if kind != "file":
                self._form.fields.append((a["name"], a.get("value", "")))
        elif tag == "button" and a.get("type", "submit") == "submit":
            self._submit(a)
        elif tag == "select" and "disabled" not in a:
            self._select, self._options = a.get("name"), []
        elif tag == "option" and self._select:
            self._options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea" and a.get("name"):
            self._textarea, self._text = a["name"], []

    def _submit(self, attrs: dict[str, str]) -> None:
        if self._form is not None and not self._submitted:
            self._submitted = self._form.button = True
            if attrs.get("name"):
                self._form.fields.append((attrs["name"], attrs.get("value", "")))

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)
        if self._link_text is not None:
            self._link_text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "nav":
            self._in_menu = False
        elif tag == "a" and self._link_text is not None:
            self.menu.append("".join(self._link_text).strip())
            self._link_text = None
        elif tag == "select" and self._select and self._form is not None:
            chosen = [v for v, s in self._options if s] or [v for v, _ in self._options[:1]]
            self._form.fields += [(self._select, v) for v in chosen[:1]]
            self._select = None
        elif tag == "textarea" and self._textarea and self._form is not None:
            self._form.fields.append((self._textarea, "".join(self._text).lstrip("\n")))
            self._textarea = None


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    return page


def followed(url: str) -> bool:
    return not url.startswith(SKIPPED) and not url.endswith((".zip", ".csv", ".xlsx", ".pdf"))


def menu_of(client, username: str) -> list[str]:  # type: ignore[no-untyped-def]
    as_user(client, username)
    home = client.get("/", follow_redirects=True)
    assert home.status_code == 200
    return parse(home.text).menu


@pytest.mark.parametrize("username", USERS)
def test_every_link_and_form_offered_to_a_role_opens_for_it(client, username):
    as_user(client, username)
    seen: set[str] = set()
    posted: set[str] = set()
    queue = deque(["/"])
    refused: list[str] = []
    pages = 0
    while queue and pages < LIMIT:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        pages += 1
        if response.status_code in (403, 404):
            refused.append(f"GET {url} -> {response.status_code} (from a link)")
            continue
        assert response.status_code < 500, url
        if response.status_code in (301, 302, 303):
            if response.location.startswith("/"):
                queue.append(response.location)
            continue
        if response.mimetype != "text/html":
            continue
        # a page's title is plain text (markup in a title block shows as text in the tab)
        title = re.search(r"<title>(.*?)</title>", response.text, re.S)
        assert title and "<" not in title.group(1), (url, title and title.group(1)[:200])
        page = parse(response.text)
        queue.extend(u.replace("&amp;", "&") for u in page.links if followed(u) and u not in seen)
        for form in page.forms:
            action = (form.action or urlsplit(url).path).split("#")[0]
            if not form.button or not followed(action) or KEPT_ACCOUNTS.search(action):
                continue
            if form.method == "get":
                address = action + "?" + "&".join(f"{k}={v}" for k, v in form.fields if v)
                queue.append(address.rstrip("?"))
                continue
            if action in posted:
                continue
            posted.add(action)
            answer = client.post(action, data=MultiDict(form.fields))
            if answer.status_code in (403, 404) or any(t in answer.text for t in REFUSED):
                refused.append(f"POST {action} -> {answer.status_code} (form on {url})")
            assert answer.status_code < 500, (action, answer.text[:500])
    assert not refused, "\n".join(refused)
    assert pages >= 5


def test_menus_offer_each_role_its_own_work(client):
    viewer = menu_of(client, "viewer")
    assert "总览" in viewer and "审批" in viewer
    assert "重新统计" not in viewer and "用户管理" not in viewer
    admin = menu_of(client, "admin")
    assert "重新统计" in admin and "用户管理" in admin
    member = menu_of(client, "b01-member")
    assert "我的" in member and "措施" in member
    assert not {"导入导出", "请示汇报与交办任务", "用户", "总览"} & set(member)
    leader = menu_of(client, "b01-leader")
    assert "我的党小组" in leader and "导入导出" in leader
    assert not {"请示汇报与交办任务", "用户"} & set(leader)
    clerk = menu_of(client, "b01-clerk")
    assert "请示汇报与交办任务" in clerk and "用户" not in clerk
    assert "用户" in menu_of(client, "b01-secretary")


def test_a_member_is_offered_completion_of_their_own_measures_only(client):
    as_user(client, "b01-member")
    page = client.get("/branch/b01/measures?member=B01003")
    assert page.status_code == 200
    others = client.get("/branch/b01/measures?member=B01001")
    assert others.status_code == 200
    assert re.search(r"/completion\"", others.text) is None
