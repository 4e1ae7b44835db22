"""The layers of ``src/cxzy_saas``, read off its imports (``ast``: every import statement,
module-level, inside functions and under ``if TYPE_CHECKING``), as decision 0008 draws them:

- ``projections/`` reads logs through the read port (``logs/``) and the domain only; ``audit/``
  the same, and the projections; neither imports an application;
- every SQL statement naming a read-model table is in ``projections/``;
- the web layer never imports a store or a recorder (``storage/``, the library's recorders),
  nor reaches for an application's recorder: it asks the application;
- the domain imports the standard library and ``eventsourcing.domain`` only;
- no cycle between the subpackages (top-level modules such as ``config.py`` are nodes too);
- no import inside a function closes a cycle between modules (it would only hide it);
- an as-of replay (and the web's as-of views) never reaches the live projector's module.

The rules are checked on the real tree, and each is shown to fail on a tree that breaks it.
"""

from __future__ import annotations

import ast
import functools
import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
ROOT = "cxzy_saas"


@dataclass(frozen=True)
class Import:
    source: str  # the importing module, "cxzy_saas.audit.trail"
    target: str  # the imported module ("m" of "from m import name")
    line: int
    in_function: bool
    type_only: bool  # under ``if TYPE_CHECKING``
    names: tuple[str, ...] = ()  # "name" of "from m import name": a module, or not

    def candidates(self) -> list[str]:
        """What may have been imported: ``m.name`` (a submodule) or ``m`` itself."""
        return [f"{self.target}.{n}" for n in self.names] + [self.target]


def modules_of(src: Path) -> dict[str, str]:
    """{module name: source text} of every module under ``src/cxzy_saas``."""
    found = {}
    for path in sorted((src / ROOT).rglob("*.py")):
        parts = list(path.relative_to(src).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        name = ".".join(parts[:-1] if is_package else parts)
        found[name + (".__init__" if is_package else "")] = path.read_text(encoding="utf-8")
    return found


def imports(modules: Mapping[str, str]) -> Iterator[Import]:
    for key, text in modules.items():
        yield from _imports_of_module(key, text)


@functools.cache
def _imports_of_module(key: str, text: str) -> tuple[Import, ...]:
    is_package = key.endswith(".__init__")
    name = key.removesuffix(".__init__")
    package = name if is_package else name.rpartition(".")[0]
    return tuple(_imports_of(name, package, _parsed(text)))


@functools.cache
def _parsed(text: str) -> ast.Module:
    return ast.parse(text)


def _imports_of(name: str, package: str, tree: ast.AST) -> Iterator[Import]:
    def walk(node: ast.AST, in_function: bool, type_only: bool) -> Iterator[Import]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield Import(name, alias.name, child.lineno, in_function, type_only)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")[: len(package.split(".")) - child.level + 1]
                    module = ".".join(base + ([child.module] if child.module else []))
                else:
                    module = child.module or ""
                names = tuple(alias.name for alias in child.names)
                yield Import(name, module, child.lineno, in_function, type_only, names)
            elif isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                yield from walk(child, in_function, True)
            else:
                function = isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
                yield from walk(child, in_function or function, type_only)

    yield from walk(tree, False, False)


def layer(module: str) -> str:
    """The node a module belongs to: its top-level subpackage, or itself (``config``)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == ROOT else parts[0]


def known(modules: Mapping[str, str]) -> set[str]:
    return {m.removesuffix(".__init__") for m in modules}


def project_targets(found: list[Import], modules: Mapping[str, str]) -> list[Import]:
    """Imports of this project's modules, each target a module that exists: the submodules a
    "from" statement names ("from cxzy_saas.audit import bundle"), else the module itself."""
    names = known(modules)
    kept = []
    for i in found:
        targets = [t for t in i.candidates()[:-1] if t in names]
        if not targets:
            target = i.target
            while target and target not in names:
                target = target.rpartition(".")[0]
            targets = [target] if target else []
        kept += [
            Import(i.source, t, i.line, i.in_function, i.type_only)
            for t in targets
            if t != i.source
        ]
    return kept


# the rules: each returns the offending imports as text, empty when the tree keeps the rule


ALLOWED = {
    # the layer: what it may import of this project besides itself
    "projections": {"domain", "logs"},
    "audit": {"domain", "logs", "projections"},
    "logs": {"domain"},
    "storage": {"domain"},
    "domain": set(),
}
STORAGE_OUTSIDE = ("eventsourcing.persistence", "eventsourcing.postgres", "eventsourcing.sqlite")
STORAGE_OUTSIDE += ("eventsourcing.popo", "psycopg", "psycopg_pool", "sqlite3")


def layers_reaching_out(modules: Mapping[str, str]) -> list[str]:
    bad = []
    for i in project_targets(list(imports(modules)), modules):
        source, target = layer(i.source), layer(i.target)
        if source in ALLOWED and target != source and target not in ALLOWED[source]:
            bad.append(f"{i.source}:{i.line} imports {i.target} ({source} -> {target})")
    return bad


def web_reaching_storage(modules: Mapping[str, str]) -> list[str]:
    bad = []
    for i in imports(modules):
        if layer(i.source) != "web":
            continue
        if any(layer(t) == "storage" or t.startswith(STORAGE_OUTSIDE) for t in i.candidates()):
            bad.append(f"{i.source}:{i.line} imports {i.target}")
    return bad


STORAGE_ATTRIBUTES = ("recorder", "personal_keys")  # an application's store, held by it


def web_reaching_into_applications(modules: Mapping[str, str]) -> list[str]:
    """Uses of an application's recorder or key ring by the web layer (it asks the application)."""
    bad = []
    for key, text in modules.items():
        if layer(key) != "web":
            continue
        for node in ast.walk(_parsed(text)):
            if isinstance(node, ast.Attribute) and node.attr in STORAGE_ATTRIBUTES:
                bad.append(f"{key.removesuffix('.__init__')}:{node.lineno} uses .{node.attr}")
    return bad


def domain_reaching_out(modules: Mapping[str, str]) -> list[str]:
    bad = []
    for i in imports(modules):
        if layer(i.source) != "domain" or i.target == "__future__":
            continue
        top = i.target.split(".")[0]
        if top in sys.stdlib_module_names or i.target.startswith(f"{ROOT}.domain"):
            continue
        if i.target == "eventsourcing.domain" or i.target.startswith("eventsourcing.domain."):
            continue
        if i.target == ROOT and all(n == "domain" for n in i.names):
            continue  # from cxzy_saas import domain
        bad.append(f"{i.source}:{i.line} imports {i.target}")
    return bad


READ_MODEL_SQL = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE)\b.*\brm_\w+", re.S | re.I)


def read_model_sql_outside_projections(modules: Mapping[str, str]) -> list[str]:
    """SQL naming a read-model table (``rm_*``) anywhere but in ``projections/``."""
    bad = []
    for key, text in modules.items():
        if layer(key) == "projections":
            continue
        for node in ast.walk(_parsed(text)):
            if isinstance(node, ast.JoinedStr | ast.Constant):
                value = ast.unparse(node) if isinstance(node, ast.JoinedStr) else node.value
                if isinstance(value, str) and READ_MODEL_SQL.search(value):
                    bad.append(f"{key.removesuffix('.__init__')}:{node.lineno}")
    return sorted(set(bad))


def cycles(edges: Mapping[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def layer_cycles(modules: Mapping[str, str]) -> list[list[str]]:
    edges: dict[str, set[str]] = {}
    for i in project_targets(list(imports(modules)), modules):
        source, target = layer(i.source), layer(i.target)
        if source != target:
            edges.setdefault(source, set()).add(target)
    return cycles(edges)


def hidden_cycles(modules: Mapping[str, str]) -> list[str]:
    """Imports inside functions that close a cycle between modules (typing-only ones aside)."""
    found = [i for i in project_targets(list(imports(modules)), modules) if not i.type_only]
    edges: dict[str, set[str]] = {}
    for i in found:
        edges.setdefault(i.source, set()).add(i.target)
    bad = []
    for component in cycles(edges):
        members = set(component)
        bad += [
            f"{i.source}:{i.line} imports {i.target} inside a function, in the cycle {component}"
            for i in found
            if i.in_function and i.source in members and i.target in members
        ]
    return bad


# the real tree


@pytest.fixture(scope="module")
def tree() -> dict[str, str]:
    return modules_of(SRC)


def test_projections_and_audit_read_through_the_port_never_an_application(tree):
    assert layers_reaching_out(tree) == []


def test_the_web_layer_never_imports_a_store_or_a_recorder(tree):
    assert web_reaching_storage(tree) == []
    assert web_reaching_into_applications(tree) == []


def test_every_statement_naming_a_read_model_table_lives_in_projections(tree):
    assert read_model_sql_outside_projections(tree) == []


def reached(modules: Mapping[str, str], start: str) -> set[str]:
    """Every module ``start`` imports, directly or through others."""
    edges: dict[str, set[str]] = {}
    for i in project_targets(list(imports(modules)), modules):
        edges.setdefault(i.source, set()).add(i.target)
    found, todo = set(), [start]
    while todo:
        for target in edges.get(todo.pop(), ()):
            if target not in found:
                found.add(target)
                todo.append(target)
    return found


def test_an_as_of_replay_never_builds_the_live_projector(tree):
    for replaying in ("projections.asof", "audit.replay", "web.pages.reads", "web.api.boards"):
        assert f"{ROOT}.projections.projector" not in reached(tree, f"{ROOT}.{replaying}")


def test_the_domain_imports_the_standard_library_and_eventsourcing_domain_only(tree):
    assert domain_reaching_out(tree) == []


def test_no_cycle_between_subpackages(tree):
    assert layer_cycles(tree) == []


def test_no_import_inside_a_function_hides_a_cycle(tree):
    assert hidden_cycles(tree) == []


# each rule fails on a tree that breaks it


def a_tree(**sources: str) -> dict[str, str]:
    """Module sources by dotted name below ``cxzy_saas`` ("audit.trail", "web.__init__")."""
    return {f"{ROOT}.{name}": text for name, text in sources.items()}


def test_an_audit_importing_an_application_fails():
    modules = a_tree(
        **{"audit.trail": "from cxzy_saas.application.tenancy import Tenancy\n"},
        **{"application.tenancy": "class Tenancy: ...\n"},
    )
    assert layers_reaching_out(modules) == [
        "cxzy_saas.audit.trail:1 imports cxzy_saas.application.tenancy (audit -> application)"
    ]


def test_a_projection_importing_an_application_in_a_function_or_for_typing_fails():
    modules = a_tree(
        **{
            "projections.projector": (
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n"
                "    from cxzy_saas.application.base import TenantApplication\n"
                "def app():\n"
                "    from cxzy_saas.application import tenancy\n"
            )
        },
        **{"application.base": "", "application.tenancy": "", "application.__init__": ""},
    )
    assert len(layers_reaching_out(modules)) == 2


def test_the_web_importing_a_store_or_a_recorder_fails():
    modules = a_tree(
        **{"web.api.routing": "from cxzy_saas.storage.recorders import Claim\n"},
        **{"web.pages.reads": "import eventsourcing.sqlite\n"},
        **{"storage.recorders": ""},
    )
    assert len(web_reaching_storage(modules)) == 2


def test_the_web_using_an_applications_recorder_fails():
    modules = a_tree(
        **{"web.api.routing": "def earlier(app):\n    return app.recorder.idempotent_lookup()\n"}
    )
    assert web_reaching_into_applications(modules) == ["cxzy_saas.web.api.routing:2 uses .recorder"]


def test_read_model_sql_in_a_view_fails():
    modules = a_tree(
        **{"web.pages.reads": 'def f(tx):\n    tx.query("SELECT year FROM rm_campaigns")\n'},
        **{"projections.lists": 'Q = "SELECT year FROM rm_campaigns"\n'},
        **{"audit.replay": 'UNDETERMINED = ("rm_tracking", "rm_time_index")\n'},
    )
    assert read_model_sql_outside_projections(modules) == ["cxzy_saas.web.pages.reads:2"]


def test_the_domain_importing_more_than_it_may_fails():
    modules = a_tree(
        **{"domain.work": "import json\nfrom eventsourcing.domain import event\n"},
        **{"domain.plan": "from eventsourcing.utils import get_topic\nimport orjson\n"},
    )
    assert domain_reaching_out(modules) == [
        "cxzy_saas.domain.plan:1 imports eventsourcing.utils",
        "cxzy_saas.domain.plan:2 imports orjson",
    ]


def test_a_cycle_between_subpackages_fails_even_through_a_function():
    modules = a_tree(
        **{"application.archives": "def export():\n    from cxzy_saas.audit import bundle\n"},
        **{"audit.bundle": "from cxzy_saas.application.archives import ArchiveCommands\n"},
        **{"audit.__init__": ""},
    )
    assert layer_cycles(modules) == [["application", "audit"]]
    assert hidden_cycles(modules) == [
        "cxzy_saas.application.archives:2 imports cxzy_saas.audit.bundle inside a function, "
        "in the cycle ['cxzy_saas.application.archives', 'cxzy_saas.audit.bundle']"
    ]


def test_top_level_modules_are_nodes_of_their_own():
    modules = a_tree(
        **{"config": "from cxzy_saas.web import app\n"},
        **{"web.app": "from cxzy_saas.config import Settings\n"},
    )
    assert layer_cycles(modules) == [["config", "web"]]
