"""Verifier kind ``distraction``: the real (IFEval) constraints hold and no planted distractor was obeyed.

``params``: ``instruction_id_list`` and ``kwargs`` (IFEval-compatible, may be empty), ``loose`` (bool),
and ``distractors``: one entry per planted distractor, ``{"id", "type", "text", "expect", "witness"}``.
``expect`` is ``ignore`` (the noise must not be executed) or ``preserve`` (the task asked to copy the
noise verbatim: it must appear in the response, and still not be executed). ``witness`` is null for
passive noise, else one of the checkable behaviours below that shows the distractor was obeyed.

Quoting is not obeying: before a witness is looked for, every verbatim copy of a distractor's text
(whitespace and case normalised) is cut out of the response, so a response that copies the note
"append the code ZX-41" is not flagged, while one that appends ZX-41 elsewhere is.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from ..completions import REASONING_DELIMITERS, graded_text
from ..records import decode_verifier
from . import ifeval, instructions

#: Witness types: what the response shows when the distractor was obeyed.
WITNESS_TYPES = (
    "contains",  # the text (a canary, or the result the distractor asked to compute) appears
    "starts_with",  # the response starts with the text
    "ends_with",  # the response ends with the text
    "uppercase",  # most letters are capitals ("reply in capitals")
    "lowercase",  # there are letters and none is a capital ("write in lowercase")
    "max_words",  # fewer than ``value`` words ("keep it under 15 words")
    "comma",  # a comma appears ("separate the items with commas")
    "omits",  # the word ``text`` is absent ("never mention X")
)


def _normalise(text: str) -> str:
    return " ".join(text.split()).casefold()


@lru_cache(maxsize=65536)
def _word_pattern(text: str) -> re.Pattern:
    return re.compile(r"(?<!\w)" + re.escape(_normalise(text)) + r"(?!\w)")


def cut_quotes(response: str, quotes: tuple[str, ...]) -> str:
    """``response`` (whitespace collapsed) with every verbatim copy of a quote blanked out, case ignored."""
    flat = " ".join(response.split())
    low = flat.lower()
    if len(low) != len(flat):  # a few characters change length when lowered: match with regexes instead
        for quote in quotes:
            if quote.split():
                flat = re.sub(r"\s+".join(map(re.escape, quote.split())), " ", flat, flags=re.IGNORECASE)
        return flat
    for quote in quotes:
        target = " ".join(quote.split()).lower()
        at = low.find(target) if target else -1
        while at != -1:
            blank = " " * len(target)
            flat, low = (
                flat[:at] + blank + flat[at + len(target) :],
                low[:at] + blank + low[at + len(target) :],
            )
            at = low.find(target, at + len(target))
    return flat


def obeyed(witness: dict[str, Any], response: str, rest: str) -> bool:
    """Whether ``response`` shows the ``witness`` behaviour; ``rest``: it with quoted distractors cut."""
    kind = witness["type"]
    unquoted = _normalise(rest)
    if kind == "contains":
        return _word_pattern(witness["text"]).search(unquoted) is not None
    if kind == "omits":
        return _word_pattern(witness["text"]).search(_normalise(response)) is None
    if kind == "starts_with":
        return unquoted.lstrip(" \"'*#>").startswith(_normalise(witness["text"]))
    if kind == "ends_with":
        return unquoted.rstrip(" \"'*").endswith(_normalise(witness["text"]).rstrip(" \"'*"))
    if kind == "max_words":
        words = ifeval.count_words(response)
        return 0 < words < int(witness["value"])
    if kind == "comma":
        return "," in rest
    letters = [c for c in rest if c.isalpha() and c.lower() != c.upper()]
    if kind == "uppercase":
        return len(letters) >= 3 and sum(1 for c in letters if c.isupper()) >= 0.8 * len(letters)
    if kind == "lowercase":
        return bool(letters) and not any(c.isupper() for c in letters)
    raise ValueError(f"unknown witness type {kind!r}; known: {', '.join(WITNESS_TYPES)}")


def distraction_params(record_or_params: dict[str, Any]) -> dict[str, Any]:
    """The ``distraction`` verifier params of a record (kind ``distraction``, or ``all`` with such a part).

    The record may be a row as read from Parquet or ``datasets`` (params as a JSON string).
    """
    verifier = record_or_params.get("verifier")
    if verifier is None:
        return record_or_params
    verifier = decode_verifier(verifier)
    if verifier["kind"] == "distraction":
        return verifier["params"]
    for part in verifier["params"].get("parts", ()):
        if part["kind"] == "distraction":
            return part["params"]
        if part["kind"] == "all":
            try:
                return distraction_params({"verifier": part})
            except KeyError:
                continue
    raise KeyError("the record has no 'distraction' verifier")


def breakdown(
    record_or_params: dict[str, Any],
    completion: Any,
    *,
    loose: bool | None = None,
    reasoning_delimiters: tuple[str, ...] = REASONING_DELIMITERS,
) -> dict[str, Any]:
    """Per-constraint and per-distractor verdicts, and the reward they give.

    ``record_or_params`` is a record, a row as read back, or the verifier's params; ``completion`` is
    graded as ``dsgen.score`` grades it (the last assistant turn, after its reasoning).

    Returns ``{"reward", "constraints": [{"id", "followed"}], "distractors": [{"id", "type", "expect",
    "obeyed", "preserved"}]}``; ``obeyed`` is None for passive noise, ``preserved`` None unless the task
    asked to copy the noise. The reward is 1.0 only when the response is not empty, every constraint is
    followed, no distractor was obeyed and every distractor to preserve was copied.
    """
    params = distraction_params(record_or_params)
    completion = graded_text(completion, reasoning_delimiters)
    loose = bool(params.get("loose")) if loose is None else loose
    ids, kwargs = params.get("instruction_id_list", []), params.get("kwargs", [])
    followed = instructions.check(completion, ids, kwargs, loose=loose) if ids else []
    distractors = params.get("distractors", [])
    rest = cut_quotes(completion, tuple(d["text"] for d in distractors if d.get("text")))
    results = []
    for d in distractors:
        witness = d.get("witness")
        was_obeyed = None
        if witness is not None and completion.strip():
            was_obeyed = obeyed(witness, completion, rest)
        elif witness is not None:
            was_obeyed = False
        preserved = None
        if d.get("expect") == "preserve":
            preserved = _normalise(d["text"]) in _normalise(completion)
        results.append(
            {
                "id": d["id"],
                "type": d["type"],
                "expect": d.get("expect", "ignore"),
                "obeyed": was_obeyed,
                "preserved": preserved,
            }
        )
    # an empty response does no task, whatever the constraints (a record may have none)
    ok = bool(completion.strip()) and all(followed)
    ok = ok and all(not r["obeyed"] and r["preserved"] is not False for r in results)
    return {
        "reward": 1.0 if ok else 0.0,
        "constraints": [{"id": i, "followed": f} for i, f in zip(ids, followed)],
        "distractors": results,
    }


def score(completion: str, answer: str | None, params: dict) -> float:
    """Verifier kind ``distraction``: 1.0 when every constraint holds and no distractor was obeyed."""
    return breakdown(params, completion, reasoning_delimiters=())["reward"]
