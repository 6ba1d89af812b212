"""Plugin registry: builders, verifiers and filters are found through entry-point groups.

Built-ins register through ``pyproject.toml`` exactly as a third-party package would;
``register`` adds one in-process (notebooks, tests).
"""

from __future__ import annotations

from functools import lru_cache
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from .errors import DsgenError, did_you_mean

GROUPS = {"builder": "dsgen.builders", "verifier": "dsgen.verifiers", "filter": "dsgen.filters"}
_local: dict[str, dict[str, Any]] = {kind: {} for kind in GROUPS}
_loaded: dict[tuple[str, str], Any] = {}


@lru_cache(maxsize=None)
def _entry_points(kind: str) -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=GROUPS[kind])}


def names(kind: str) -> list[str]:
    """Sorted names registered for ``kind`` ('builder', 'verifier' or 'filter')."""
    return sorted(set(_entry_points(kind)) | set(_local[kind]))


def register(kind: str, name: str, obj: Any) -> None:
    """Register ``obj`` under ``name`` in this process, shadowing an entry point of that name."""
    _local[kind][name] = obj
    _loaded.pop((kind, name), None)


def load(kind: str, name: str) -> Any:
    """The object registered as ``name``; an unknown name is a DsgenError that suggests the closest."""
    if name in _local[kind]:
        return _local[kind][name]
    key = (kind, name)
    if key not in _loaded:
        eps = _entry_points(kind)
        if name not in eps:
            known = names(kind)
            raise DsgenError(
                f"unknown {kind} '{name}'{did_you_mean(name, known)}; known {kind}s: {', '.join(known) or 'none'}"
            )
        try:
            _loaded[key] = eps[name].load()
        except ImportError as exc:
            raise DsgenError(f"{kind} '{name}' could not be imported ({exc}); is its package installed?") from exc
    return _loaded[key]
