"""The default plan content, read from ``projections/catalogue.toml``."""

from __future__ import annotations

import copy
import functools
import tomllib
from pathlib import Path
from typing import Any

CATALOGUE = Path(__file__).resolve().parents[3] / "projections" / "catalogue.toml"


@functools.cache
def _load() -> dict[str, Any]:
    with CATALOGUE.open("rb") as f:
        return tomllib.load(f)


def default_plan_content() -> dict[str, Any]:
    """A fresh copy of the default catalogue, to be edited into a plan."""
    return copy.deepcopy(_load())
