"""Full-width punctuation in Chinese text: a half-width ``, ; : ( ) ! ?`` next to a Chinese
character (or a full-width mark) is a mistake in the templates, in the messages the pages flash
and show (string literals of web/pages/), and in the catalogue of refusals. The rendered pages
are held to the same rule by tests/web/test_chinese_pages.py.

The rule is our own (a regular expression): the kept tool autocorrect-py installs, but it leaves
``)和`` and ``;`` next to Chinese alone and adds spaces between Chinese and Latin words, which
is a matter of taste, not of correctness.
"""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import pytest

import cxzy_saas

SRC = Path(cxzy_saas.__file__).parent
CJK = "\u3000-\u303f\u3400-\u9fff\uff00-\uffef"
HALF_WIDTH = re.compile(rf"(?<=[{CJK}])[ \t]*[,;:()!?]|[,;:()!?][ \t]*(?=[{CJK}])")
QUOTED = re.compile(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'")
JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.S)


def chinese(text: str) -> bool:
    """Mostly Chinese: more Chinese characters than Latin letters (an English message that
    quotes a Chinese word is English)."""
    text = re.sub(r"\{[^{}]*\}", "", text)  # placeholders: {name}, {{ value }}, {x:.2f}
    return len(re.findall(f"[{CJK}]", text)) > len(re.findall("[A-Za-z]", text))


def marks(text: str) -> list[str]:
    """The half-width marks next to Chinese, each with a little of its context."""
    return [text[max(0, m.start() - 8) : m.end() + 8] for m in HALF_WIDTH.finditer(text)]


def template_text(source: str) -> str:
    """A template without its comments and without quoted strings that are not Chinese (the
    English of ``tr(zh, en)``)."""
    source = JINJA_COMMENT.sub("", source)
    return QUOTED.sub(lambda m: m.group() if chinese(m.group()) else '""', source)


def python_strings(source: str) -> list[tuple[int, str]]:
    """(line, literal) of the Chinese string literals of a module, leaving out docstrings
    (English prose that glosses Chinese terms) and raw strings (patterns)."""
    found = []
    previous = tokenize.NEWLINE
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.STRING:
            prefix = token.string[: token.string.index(token.string[-1])].lower()
            docstring = previous in (
                tokenize.NEWLINE,
                tokenize.INDENT,
                tokenize.DEDENT,
                tokenize.NL,
            )
            docstring = docstring and token.string.endswith(('"""', "'''"))
            if not docstring and "r" not in prefix and chinese(token.string):
                found.append((token.start[0], token.string))
        if token.type not in (tokenize.COMMENT, tokenize.NL) or token.type == tokenize.NEWLINE:
            previous = token.type
    return found


# A space before a full-width opening bracket, or after a closing one before Chinese.
SPACED_BRACKET = re.compile(r"(?<=\S)[ \t]+（|）[ \t]+(?=[\u3400-\u9fff])")
TR_ZH = re.compile(r"\btr\(\s*\"((?:[^\"\\]|\\.)*)\"")


def template_prose(source: str) -> str:
    """A template as a reader reads it, roughly: each ``tr()`` as its Chinese, any other
    expression as a placeholder word (X), without tags and statements. Marks that the template
    source keeps apart (``</span>:{{ tr("中文", …) }}``) meet here as they meet on the page."""

    def expression(found: re.Match[str]) -> str:
        zh = TR_ZH.search(found.group(1))
        return zh.group(1) if zh else "X"

    text = JINJA_COMMENT.sub("", source)
    text = re.sub(r"\{\{(.*?)\}\}", expression, text, flags=re.S)
    text = re.sub(r"\{%.*?%\}", "", text, flags=re.S)
    text = re.sub(r"<[^>]*>", "", text)
    return re.sub(r"&\w+;", " ", text)


def prose_marks(text: str) -> list[str]:
    found = marks(text)
    found += [text[max(0, m.start() - 8) : m.end() + 8] for m in SPACED_BRACKET.finditer(text)]
    return found


TEMPLATES = sorted((SRC / "web" / "templates").rglob("*.html"))
MODULES = [*sorted((SRC / "web" / "pages").glob("*.py")), SRC / "domain" / "refusals.py"]


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(SRC)))
def test_templates_use_full_width_punctuation_in_chinese(path):
    found = [
        (number, mark)
        for number, line in enumerate(template_text(path.read_text()).splitlines(), 1)
        for mark in marks(line)
    ]
    assert not found, f"half-width marks next to Chinese (line, text): {found}"


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(SRC)))
def test_templates_read_with_full_width_punctuation_across_tags(path):
    found = [
        (number, mark)
        for number, line in enumerate(template_prose(path.read_text()).splitlines(), 1)
        for mark in prose_marks(line)
    ]
    assert not found, f"half-width or spaced marks as read (line, text): {found}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_messages_use_full_width_punctuation_in_chinese(path):
    found = [
        (number, mark)
        for number, literal in python_strings(path.read_text())
        for mark in marks(literal)
    ]
    assert not found, f"half-width marks next to Chinese (line, text): {found}"


def test_the_rule_finds_what_readers_notice():
    assert marks("支持 CSV(UTF-8 或 GBK)和 Excel")  # ")和"
    assert marks("名称: 第一党小组")
    assert marks("已退回,请修改")
    assert not marks("名称：第一党小组（2026）")
    assert not marks("Sent (2026): done")
    assert not chinese("gender: 男 or 女")
    # what the reviewer read on the pages, the source keeping the marks apart
    verify = '<span>{{ tr("校验通过", "Verified") }}</span>:{{ tr("新导出的归档包", "x") }}'
    assert prose_marks(template_prose(verify))
    queue = '<p>{{ r.title }} <span class="hint">{{ tr("（第%d次报送）" % n, "x") }}</span>'
    assert prose_marks(template_prose(queue))
    assert not prose_marks(template_prose('{{ tr("已归档", "x") }}{{ tr("（提前归档）", "y") }}'))
