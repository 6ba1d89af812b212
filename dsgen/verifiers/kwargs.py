"""Validated instruction kwargs: what a check compiles from, or a DsgenError naming the id and the kwarg.

IFBench's data (test and training constraints) stores counts as floats such as ``5.0`` and unused kwargs as
``None``; both are accepted here, so records built from upstream's datasets grade as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import DsgenError


def known(iid: str, kw: dict[str, Any], names: Sequence[str]) -> dict[str, Any]:
    """``kw`` without its None values; an error for a kwarg the id does not take."""
    kw = {k: v for k, v in kw.items() if v is not None}
    unknown = sorted(set(kw) - set(names))
    if unknown:
        raise DsgenError(f"instruction '{iid}': unknown kwargs {unknown}; expected {list(names)}")
    return kw


def as_int(kw: dict, name: str, iid: str, *, minimum: int = 1) -> int:
    """An integer kwarg of at least ``minimum`` (an integral float such as 5.0 is read as 5)."""
    value = kw.get(name)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise DsgenError(
            f"instruction '{iid}': kwarg '{name}' must be an integer >= {minimum}, got {value!r}"
        )
    return value


def as_str(kw: dict, name: str, iid: str, choices: Sequence[str] | None = None) -> str:
    """A non-empty string kwarg, as given (one of ``choices`` when they are given)."""
    value = kw.get(name)
    if not isinstance(value, str) or not value.strip():
        raise DsgenError(f"instruction '{iid}': kwarg '{name}' must be a non-empty string, got {value!r}")
    if choices is not None and value not in choices:
        raise DsgenError(f"instruction '{iid}': kwarg '{name}' must be one of {list(choices)}, got {value!r}")
    return value


def as_percentage(kw: dict, name: str, iid: str) -> float:
    """A number from 0 to 100 (IFBench stores percentages as floats such as ``27.0``)."""
    value = kw.get(name)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 100:
        raise DsgenError(f"instruction '{iid}': kwarg '{name}' must be a number from 0 to 100, got {value!r}")
    return value
