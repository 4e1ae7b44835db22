"""Compiled templates are shared by the processes of a machine (``web/app.py``): a worker
started after another loads a page's template rather than compiling it again, and a cache
folder that cannot be written costs only the compile, never the page."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from jinja2 import Environment
from jinja2.bccache import bc_magic

from cxzy_saas.config import Settings
from cxzy_saas.web import app as app_module
from cxzy_saas.web.app import create_app


def an_app(tmp_path: Path, cache: Path) -> Any:
    app = create_app(
        Settings(data_dir=tmp_path / "var"), {"TESTING": True, "EMBEDDED_PROJECTOR": False}
    )
    app.jinja_env.bytecode_cache = app_module._TemplateCache(str(cache))
    return app


def test_a_later_process_loads_the_template_another_compiled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "templates"
    cache.mkdir()
    first = an_app(tmp_path, cache).test_client().get("/login")
    assert first.status_code == 200
    assert list(cache.iterdir())  # compiled and kept

    def compiling(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("compiled again")

    monkeypatch.setattr(Environment, "compile", compiling)
    again = an_app(tmp_path, cache).test_client().get("/login")
    assert again.status_code == 200 and "登录" in again.get_data(as_text=True)


def test_a_cache_folder_that_cannot_be_written_costs_only_the_compile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refused(*args: Any, **kwargs: Any) -> Any:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tempfile, "NamedTemporaryFile", refused)
    cache = tmp_path / "templates"
    cache.mkdir()
    response = an_app(tmp_path, cache).test_client().get("/login")
    assert response.status_code == 200
    assert "登录" in response.get_data(as_text=True)
    assert not list(cache.iterdir())


def test_a_damaged_cache_file_costs_only_the_compile(tmp_path: Path) -> None:
    cache = tmp_path / "templates"
    cache.mkdir()
    assert an_app(tmp_path, cache).test_client().get("/login").status_code == 200
    for kept in cache.iterdir():
        data = kept.read_bytes()
        kept.write_bytes(data[: len(bc_magic)] + b"garbage")  # Jinja's mark, then no pickle
    response = an_app(tmp_path, cache).test_client().get("/login")
    assert response.status_code == 200 and "登录" in response.get_data(as_text=True)
