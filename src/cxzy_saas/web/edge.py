"""Request bodies read with limits: JSON parsed by orjson (no NaN or infinities, no lone
surrogates, nothing deeper than its own 1,024 levels, where the standard library's parser would
raise RecursionError), then refused when nested deeper than ``MAX_DEPTH`` (no request of ours
goes beyond 6). The body's size is limited by Flask's MAX_CONTENT_LENGTH (1 MB, 413)."""

from __future__ import annotations

from typing import Any

import orjson

MAX_DEPTH = 32


class BodyError(ValueError):
    """The body is not JSON we accept; Flask answers 400 with this message."""


def loads_json(data: str | bytes) -> Any:
    """Raises:
    BodyError: malformed JSON, NaN or infinity, a lone surrogate, or too deep."""
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise BodyError(f"malformed JSON ({error})") from None
    if depth(value) > MAX_DEPTH:
        raise BodyError(f"JSON nested deeper than {MAX_DEPTH} levels")
    return value


def depth(value: Any) -> int:
    """How deep arrays and objects nest in ``value`` (a scalar: 0), without recursion."""
    deepest, todo = 0, [(value, 1)]
    while todo:
        item, level = todo.pop()
        children = (
            item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        )
        if children is None:
            continue
        deepest = max(deepest, level)
        if level <= MAX_DEPTH:
            todo.extend((child, level + 1) for child in children)
    return deepest
