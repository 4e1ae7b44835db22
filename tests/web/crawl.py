"""Every page a demo role reaches by following links from its home: the shared walk of the
role crawl, the Latin-word scan and the accessibility run."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from html.parser import HTMLParser

USERS = ("admin", "viewer", "auditor", "b01-secretary", "b01-clerk", "b01-leader", "b01-member")
LIMIT = 400  # pages per user; the demo's reachable pages are fewer


def links(html: str) -> list[str]:
    found = re.findall(r'href="(/[^"#]*)"', html)
    # Leave out what changes state or the session when fetched, and static files.
    return [
        url.replace("&amp;", "&")
        for url in found
        if not url.startswith(("/static/", "/logout", "/lang/", "/text/"))
        and not url.endswith((".zip", ".csv", ".xlsx"))
    ]


def pages(client, start: str = "/", limit: int = LIMIT) -> Iterator[tuple[str, object]]:  # type: ignore[no-untyped-def]
    """(url, response) for every page reached from ``start``, breadth first."""
    seen, queue = set(), deque([start])
    while queue and len(seen) < limit:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        yield url, response
        if response.status_code in (301, 302, 303) and response.location.startswith("/"):
            queue.append(response.location)
        if response.status_code == 200 and response.mimetype == "text/html":
            queue.extend(u for u in links(response.text) if u not in seen)


class _Text(HTMLParser):
    """The words a reader sees: text and the attributes read out (title, placeholder, alt,
    aria-label), leaving out scripts, styles, <code>, anything marked lang="en", and what a user
    typed into a text box (a <textarea>'s content, like an <input>'s value, is theirs)."""

    SKIP = ("script", "style", "code", "textarea")
    VOID = (
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "wbr",
    )
    SHOWN = ("title", "placeholder", "alt", "aria-label")

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.stack: list[bool] = []  # per open element: is its content hidden from the scan

    def hidden(self) -> bool:
        return bool(self.stack) and self.stack[-1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        skip = self.hidden() or tag in self.SKIP or found.get("lang") == "en"
        skip = skip or found.get("translate") == "no"
        if not skip:
            self.parts.extend(str(found[name]) for name in self.SHOWN if found.get(name))
            if tag == "input" and found.get("type") in ("submit", "button") and found.get("value"):
                self.parts.append(str(found["value"]))
        if tag not in self.VOID:
            self.stack.append(skip)

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not self.hidden():
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return "\n".join(parser.parts)
