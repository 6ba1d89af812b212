"""One scoring entry point: grade a completion against a record by its verifier kind.

Verifier kinds are found through the ``dsgen.verifiers`` entry-point group; each is a function
``score(completion: str, answer: str | None, params: dict) -> float`` in [0, 1]. The built-in kind
``all`` combines parts (a wrapped record keeps its inner verifier and adds its own checks): it
scores the minimum over ``params["parts"]``, each ``{"kind", "params"}`` graded against the answer.

What is graded is the same for every verifier (``dsgen.completions.graded_text``): the last assistant
message (never a tool message), its content parts joined, and of that only the text after the last
reasoning delimiter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from . import registry
from .completions import REASONING_DELIMITERS, graded_text
from .records import decode_verifier

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


def score_parts(
    verifier_column: dict,
    answer: str | None,
    completion: Any,
    *,
    reasoning_delimiters: Iterable[str] = REASONING_DELIMITERS,
) -> float:
    """Grade from the record's ``verifier`` and ``answer`` columns (params as a dict or a JSON string)."""
    column = decode_verifier(verifier_column)
    value = verifier(column["kind"])(graded_text(completion, reasoning_delimiters), answer, column["params"])
    return min(1.0, max(0.0, float(value)))


def score(
    record: dict[str, Any], completion: Any, *, reasoning_delimiters: Iterable[str] = REASONING_DELIMITERS
) -> float:
    """A completion's reward in [0, 1] for ``record`` (an in-memory record or a row of a built dataset).

    ``completion`` is a string or chat messages; see ``graded_text`` for the part that is graded.
    ``reasoning_delimiters=()`` grades the whole answer text, reasoning included.
    """
    return score_parts(
        record["verifier"], record.get("answer"), completion, reasoning_delimiters=reasoning_delimiters
    )
