"""One scoring entry point: grade a completion against a record by its verifier kind.

Verifier kinds are found through the ``dsgen.verifiers`` entry-point group; each is a function
``score(completion: str, answer: str | None, params: dict) -> float`` in [0, 1]. The built-in kind
``all`` combines parts (a wrapped record keeps its inner verifier and adds its own checks): it
scores the minimum over ``params["parts"]``, each ``{"kind", "params"}`` graded against the answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from . import registry

Verifier = Callable[[str, "str | None", dict], float]
_cache: dict[str, Verifier] = {}


def verifier(kind: str) -> Verifier:
    """The scoring function of a verifier kind (raises DsgenError naming the closest known kinds)."""
    fn = _cache.get(kind)
    if fn is None:
        fn = _cache[kind] = _score_all if kind == "all" else registry.load("verifier", kind)
    return fn


def _score_all(completion: str, answer: str | None, params: dict) -> float:
    return min((verifier(p["kind"])(completion, answer, p["params"]) for p in params["parts"]), default=0.0)


def completion_text(completion: Any) -> str:
    """The text of a completion: a string, or chat messages (TRL's conversational format) joined."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, dict):
        return str(completion.get("content") or "")
    if isinstance(completion, (list, tuple)):
        return "\n".join(completion_text(m) for m in completion if not isinstance(m, dict) or m.get("role") != "user")
    return "" if completion is None else str(completion)


def score_parts(verifier_column: dict, answer: str | None, completion: Any) -> float:
    """Grade from the record's ``verifier`` and ``answer`` columns (params as a dict or a JSON string)."""
    params = verifier_column["params"]
    if isinstance(params, str):
        params = json.loads(params)
    value = verifier(verifier_column["kind"])(completion_text(completion), answer, params)
    return min(1.0, max(0.0, float(value)))


def score(record: dict[str, Any], completion: Any) -> float:
    """A completion's reward in [0, 1] for ``record`` (an in-memory record or a row of a built dataset)."""
    return score_parts(record["verifier"], record.get("answer"), completion)
