"""Forms that help, on every page every demo role reaches: a field the server refuses when empty
is marked required for the eye (the ``req()`` mark, an ``<abbr class="req">`` in its label) and
for assistive technology (``required``, or ``aria-required="true"`` on a set of radio buttons),
and an optional field carries neither; a refusal shown next to a field is tied to it by
``aria-describedby``. A set of checkboxes of which one must be ticked has no such attribute
(ARIA allows none on a group): the mark in its legend says it, and the server's answer checks it.

The pages are those of the shared walk (tests/web/crawl.py); each form that sends (method post)
and shows a field is checked as shown, and once more as the server answers it submitted with
every field the user fills left empty, where each refused field must be one marked required.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from werkzeug.datastructures import MultiDict

from tests.web.conftest import Demo, as_user, build_small_demo
from tests.web.crawl import USERS, pages

HIDDEN = ("hidden", "submit", "button", "reset", "image")
VOID = ("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr")


@dataclass
class Field:
    """One field a user fills: its name, how it is marked, the labels around or for it."""

    tag: str
    kind: str
    name: str
    id: str
    required: bool  # required or aria-required="true", on the field or on its group
    marked: bool = False  # a req() mark in a label of the field or in its group's legend
    invalid: bool = False
    described: str = ""
    value: str = ""
    checked: bool = False
    column: int | None = None  # in a grid without labels: the column whose head names it


@dataclass
class Group:
    """A fieldset (or an element with role radiogroup/group): its legend's mark and its
    aria-required, shared by the radio buttons and checkboxes in it."""

    tag: str
    required: bool
    marked: bool = False
    in_legend: bool = False
    invalid: bool = False
    described: str = ""


@dataclass
class Form:
    action: str
    fields: list[Field] = field(default_factory=list)
    hidden: list[tuple[str, str]] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)  # every element id in the form
    marks_outside: list[str] = field(default_factory=list)  # marks in no field's label
    head_marks: set[int] = field(default_factory=set)  # a grid's columns marked in its head
    button: tuple[str, str] | None = None  # the first submit button's name and value


class Forms(HTMLParser):
    """The post forms of a page, their fields and marks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.ids: set[str] = set()
        self._form: Form | None = None
        self._stack: list[str] = []
        self._label: list[Field | str | None] = []  # per open <label>: its field, or its for=
        self._label_marked: list[bool] = []
        self._groups: list[Group] = []
        self._marks_for: dict[str, bool] = {}  # label for= → marked
        self._select: Field | None = None
        self._textarea: Field | None = None
        self._column = -1  # the cell's column in the table row being read
        self._head = False  # in a <thead>

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v if v is not None else "" for k, v in attrs}
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "form":
            if a.get("method", "get").lower() == "post":
                self._form = Form(a.get("action", ""))
                self.forms.append(self._form)
            return
        if tag not in VOID:
            self._stack.append(tag)
        form = self._form
        if form is None:
            return
        if a.get("id"):
            form.ids.add(a["id"])
        required = "required" in a or a.get("aria-required") == "true"
        if tag == "fieldset" or a.get("role") in ("radiogroup", "group"):
            self._groups.append(
                Group(
                    tag,
                    a.get("aria-required") == "true",
                    invalid=a.get("aria-invalid") == "true",
                    described=a.get("aria-describedby", ""),
                )
            )
        elif tag == "legend" and self._groups:
            self._groups[-1].in_legend = True
        elif tag == "tr":
            self._column = -1
        elif tag in ("td", "th"):
            self._column += int(a.get("colspan") or 1)
        elif tag == "thead":
            self._head = True
        elif tag == "label":
            self._label.append(a.get("for") or None)
            self._label_marked.append(False)
        elif tag == "abbr" and "req" in a.get("class", "").split():
            if self._label:
                self._label_marked[-1] = True
            elif self._groups and self._groups[-1].in_legend:
                self._groups[-1].marked = True
            elif self._head and "th" in self._stack:
                form.head_marks.add(self._column)
            else:
                form.marks_outside.append(str(self.getpos()))
        elif tag == "button" and a.get("type", "submit") == "submit":
            if form.button is None:
                form.button = (a.get("name", ""), a.get("value", ""))
        elif tag in ("input", "select", "textarea") and a.get("name"):
            kind = a.get("type", "text") if tag == "input" else tag
            if kind in ("submit", "image") and form.button is None:
                form.button = (a["name"], a.get("value", ""))
            if kind in HIDDEN or "disabled" in a:
                if kind == "hidden":
                    form.hidden.append((a["name"], a.get("value", "")))
                return
            group = self._groups[-1] if self._groups and kind in ("radio", "checkbox") else None
            found = Field(
                tag,
                kind,
                a["name"],
                a.get("id", ""),
                required or (group.required if group else False),
                invalid=a.get("aria-invalid") == "true",
                described=a.get("aria-describedby", ""),
                value=a.get("value", "on" if kind in ("radio", "checkbox") else ""),
                checked="checked" in a,
            )
            if group is not None:
                found.group = group  # type: ignore[attr-defined]
            form.fields.append(found)
            if self._label and self._label[-1] is None:
                self._label[-1] = found
            elif not self._label and "td" in self._stack:
                found.column = self._column
            if tag == "select":
                self._select = found
            elif tag == "textarea":
                self._textarea = found
        elif tag == "option" and self._select is not None and "selected" in a:
            self._select.value = a.get("value", "")

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            if self._form is not None:
                self._finish(self._form)
            self._form = None
            return
        if tag in VOID:
            return
        while self._stack and self._stack.pop() != tag:
            pass
        if self._form is None:
            return
        if tag == "label" and self._label:
            target, marked = self._label.pop(), self._label_marked.pop()
            if isinstance(target, Field):
                target.marked = target.marked or marked
            elif isinstance(target, str):
                self._marks_for[target] = self._marks_for.get(target, False) or marked
            elif marked:
                self._form.marks_outside.append(str(self.getpos()))
        elif tag == "legend" and self._groups:
            self._groups[-1].in_legend = False
        elif tag == "thead":
            self._head = False
        elif tag == "fieldset" and self._groups:
            self._groups.pop()
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self._textarea.value = self._textarea.value.removeprefix("\n")
            self._textarea = None

    def _finish(self, form: Form) -> None:
        for f in form.fields:
            if f.id and self._marks_for.get(f.id):
                f.marked = True
            if f.column is not None and f.column in form.head_marks:
                f.marked = True
            group = getattr(f, "group", None)
            if group is not None:
                f.marked = f.marked or group.marked
                f.required = f.required or (f.kind == "checkbox" and group.marked)
                if group.invalid:
                    f.invalid, f.described = True, group.described
        self._marks_for = {}


def forms_of(html: str) -> list[Form]:
    parser = Forms()
    parser.feed(html)
    return [form for form in parser.forms if form.fields]


def faults(form: Form, where: str) -> list[str]:
    """What is wrong with one form as shown: a required field without its mark, a mark on an
    optional field, a refusal not tied to its field."""
    wrong = [f"{where}: a required mark in no field's label (line {p})" for p in form.marks_outside]
    for f in form.fields:
        if f.required and not f.marked:
            wrong.append(f"{where}: {f.name} is required but its label has no mark")
        if f.marked and not f.required:
            wrong.append(f"{where}: {f.name} is marked required but is not")
        if f.invalid and not (f.described and set(f.described.split()) <= form.ids):
            wrong.append(f"{where}: the refusal of {f.name} is not tied to it (aria-describedby)")
    return wrong


# Sent empty: what a user fills in by typing or choosing one of a list; a box left unticked is
# not sent at all. Files are left out of the check (an upload's refusal is the form's own).
BLANKED = ("checkbox", "file")


@dataclass
class Shown:
    username: str
    url: str
    form: Form


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Demo:  # type: ignore[no-untyped-def]
    return build_small_demo(tmp_path_factory.mktemp("forms"))


@pytest.fixture(scope="module")
def crawled(app) -> tuple[dict[str, object], list[Shown]]:  # type: ignore[no-untyped-def]
    """Each user's signed-in client, and every post form with fields on the pages they reach
    (all walks first, so that no form sent afterwards changes what another user is shown)."""
    clients, shown = {}, []
    for username in USERS:
        client = clients[username] = app.test_client()
        as_user(client, username)
        for url, response in pages(client):
            if response.status_code == 200 and response.mimetype == "text/html":  # type: ignore[attr-defined]
                shown += [Shown(username, url, f) for f in forms_of(response.text)]  # type: ignore[attr-defined]
    return clients, shown


def test_every_required_field_is_marked_and_no_optional_one(crawled):
    _, shown = crawled
    assert len({s.form.action for s in shown}) >= 30  # the walk reached the data-entry pages
    wrong = {line for s in shown for line in faults(s.form, action_kind(s.form.action or s.url))}
    assert not wrong, "\n".join(sorted(wrong))


def action_kind(action: str) -> str:
    """One form stands for those that differ only in the record, member or account acted on."""
    action = re.sub(r"/(accounts|groups|letters/b\d+)/[^/]+/", r"/\1/N/", action)
    return re.sub(r"/(B\d{5}|\d+|[0-9a-f-]{36})(?=/|$|\?|#)", "/N", action)


def test_a_form_sent_empty_is_refused_on_its_marked_fields_and_only_those(crawled):
    """The server's word on what is required: each kind of form, sent with every field the user
    fills left empty, is refused on exactly its marked fields, each refusal tied to its field;
    a form the server takes empty has no marked field."""
    clients, shown = crawled
    done: set[str] = set()
    wrong: list[str] = []
    checked = 0
    for s in shown:
        action = (s.form.action or urlsplit(s.url).path).split("#")[0]
        if not action.startswith("/") or action_kind(s.form.action or action) in done:
            continue
        done.add(action_kind(s.form.action or action))
        sent = [f for f in s.form.fields if f.kind not in BLANKED]
        data = MultiDict(s.form.hidden + [(n, "") for n in dict.fromkeys(f.name for f in sent)])
        if s.form.button and s.form.button[0]:
            data.add(*s.form.button)
        answer = clients[s.username].post(action, data=data)  # type: ignore[attr-defined]
        where = f"{action} (form on {s.url}, as {s.username})"
        assert answer.status_code < 500, where
        marked = {f.name for f in s.form.fields if f.kind != "file" and (f.required or f.marked)}
        if answer.status_code in (302, 303):
            wrong += [f"{where}: {n} is marked required but was taken empty" for n in marked]
            continue
        again = [f for f in forms_of(answer.text) if f.action == s.form.action]
        refused = [f for f in again if any(x.invalid for x in f.fields)]
        if not refused:
            continue  # refused as a whole (a refusal at the form's top), not field by field
        checked += 1
        form = refused[0]
        wrong += faults(form, where)
        invalid = {f.name for f in form.fields if f.invalid and f.kind != "file"}
        wrong += [f"{where}: {n} is refused empty but not marked" for n in invalid - marked]
        wrong += [f"{where}: {n} is marked required but taken empty" for n in marked - invalid]
    assert checked >= 10
    assert not wrong, "\n".join(dict.fromkeys(wrong))
