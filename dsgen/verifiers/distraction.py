"""Verifier kind ``distraction``: the task was done, the real (IFEval) constraints hold, no distractor was obeyed.

``params``: ``instruction_id_list`` and ``kwargs`` (IFEval-compatible, may be empty), ``loose`` (bool),
``content`` (what the task is graded on, see ``dsgen.verifiers.content``; absent on records wrapped by
``distraction.inject``, whose inner verifier grades the task), and ``distractors``: one entry per planted
distractor, ``{"id", "type", "text", "expect", "witness"}``. ``expect`` is ``ignore`` (the noise must not
be executed) or ``preserve`` (the task asked to copy the noise verbatim: it must appear in the response,
and still not be executed). ``witness`` is null for passive noise, else one of the checkable behaviours
below that shows the distractor was obeyed.

Matching is folded (``dsgen.verifiers.folding``): case, separators, thousands commas, zero-width and
look-alike characters do not hide a canary, and a number canary is also found spelled out.
Mentioning is not obeying: before a witness is looked for, every copy of a distractor's text (any
typography: curly quotes, a ``>`` blockquote, a dropped bracket) is cut out of the response, and so is
every sentence that reports a distractor (a reporting or refusing verb such as "asks" or "ignored",
plus at least a third of the distractor's own tokens of 3+ characters). "Per the note: HL-3774" has no
such verb: it is obeying. Known limit: "the note says the label is HL-3774" reads as a report.
"""

from __future__ import annotations

import re
from typing import Any

from ..completions import REASONING_DELIMITERS, graded_text
from ..records import decode_verifier
from . import content as task_content
from . import folding, ifeval, instructions

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
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")
#: Words that report or refuse (a verb, not just "note"): "the note asks ...", "I ignored ...".
_REPORTING = frozenset(
    "ignore ignored ignoring asks asked asking says said request requests requested tells told wants "
    "wanted instructs instructed claims claimed disregard disregarded skipped skip not contains contained "
    "mentions mentioned quoted quotes".split()
)
_STOP = frozenset("the a an of to and or in on at for with by is are be this that it its your any".split())


def cut_mentions(response: str, texts: tuple[str, ...]) -> list[str]:
    """The response's folded tokens with every copy of a distractor text, and then every sentence that
    reports one, removed (quoting or flagging a distractor is not obeying it)."""
    toks: list[str] = []
    sentence_of: list[int] = []
    for i, sentence in enumerate(_SENTENCE.findall(response) or [response]):
        found = folding.tokens(sentence)
        toks += found
        sentence_of += [i] * len(found)
    quotes = [q for q in (folding.needle(t) for t in texts) if q]
    keep = [True] * len(toks)
    hay = folding.Haystack(toks)
    for quote in quotes:
        start = 0
        joined = "".join(quote)
        while (at := hay.find_from(joined, start)) != -1:
            end, length = at, 0
            while length < len(joined):
                length += len(toks[end])
                end += 1
            keep[at:end] = [False] * (end - at)
            start = end
    sentences: dict[int, list[str]] = {}
    for tok, sid, kept in zip(toks, sentence_of, keep):
        if kept:
            sentences.setdefault(sid, []).append(tok)
    owns = [{t for t in q if len(t) >= 3} - _STOP for q in quotes]  # not the 2-digit parts of timestamps
    out: list[str] = []
    for sid in sorted(sentences):
        words = set(sentences[sid])
        if _REPORTING & words and any(own and 3 * len(own & words) >= len(own) for own in owns):
            continue
        out += sentences[sid]
    return out


def obeyed(witness: dict[str, Any], response: str, rest: folding.Haystack) -> bool:
    """Whether ``response`` shows the ``witness`` behaviour; ``rest``: it with quoted distractors cut."""
    kind = witness["type"]
    if kind == "contains":
        text = witness["text"]
        if text in rest:
            return True
        digits = "".join(folding.needle(text))
        return digits.isdigit() and any(s in rest for s in folding.spelled(digits))
    if kind == "omits":
        return witness["text"] not in folding.Haystack(response)
    if kind == "starts_with":
        target = folding.needle(witness["text"])
        return bool(target) and tuple(rest.tokens[: len(target)]) == target
    if kind == "ends_with":
        target = folding.needle(witness["text"])
        return bool(target) and tuple(rest.tokens[-len(target) :]) == target
    if kind == "max_words":
        words = ifeval.count_words(response)
        return 0 < words < int(witness["value"])
    if kind == "comma":
        return "," in response
    letters = [c for c in response if c.isalpha() and c.lower() != c.upper()]
    if kind == "uppercase":
        return len(letters) >= 3 and sum(1 for c in letters if c.isupper()) >= 0.8 * len(letters)
    if kind == "lowercase":
        return bool(letters) and not any(c.isupper() for c in letters)
    raise ValueError(f"unknown witness type {kind!r}; known: {', '.join(WITNESS_TYPES)}")


def distraction_params(record_or_params: dict[str, Any]) -> dict[str, Any]:
    """The ``distraction`` verifier params of a record (kind ``distraction``, or ``all`` with such a part).

    Works on in-memory records, on rows read back from Parquet or ``datasets`` (params a JSON string),
    and on bare params.
    """
    verifier = record_or_params.get("verifier")
    if verifier is None:
        return record_or_params
    verifier = decode_verifier(verifier)
    params = verifier["params"]
    if verifier["kind"] == "distraction":
        return params
    for part in params.get("parts", ()):
        try:
            return distraction_params({"verifier": part})
        except KeyError:
            continue
    raise KeyError("the record has no 'distraction' verifier")


def _without_repeated_request(completion: str, ids: list[str], kwargs: list[dict]) -> str:
    """The completion without the request ``combination:repeat_prompt`` makes it repeat: that copy is
    not the answer ("Answer yes or no" in it is no hedge) and is graded by the constraint itself."""
    if "combination:repeat_prompt" not in ids:
        return completion
    request = kwargs[ids.index("combination:repeat_prompt")].get("prompt_to_repeat", "")
    at = completion.lower().find(request.lower()) if request else -1
    return completion if at == -1 else completion[:at] + completion[at + len(request) :]


def breakdown(
    record_or_params: dict[str, Any],
    completion: Any,
    *,
    loose: bool | None = None,
    reasoning_delimiters: tuple[str, ...] = REASONING_DELIMITERS,
) -> dict[str, Any]:
    """Every part's verdict and the reward they give.

    ``record_or_params`` is a record, a row as read back, or the verifier's params; ``completion`` is
    graded as ``dsgen.score`` grades it (the last assistant turn, after its reasoning).

    Returns ``{"reward", "parts": {"content", "constraints", "distractors"}, "content": {"ok",
    "checks"}, "constraints": [{"id", "followed"}], "distractors": [{"id", "type", "expect", "obeyed",
    "preserved"}]}``; ``obeyed`` is None for passive noise, ``preserved`` None unless the task asked to
    copy the noise. The reward is 1.0 only when all three parts hold: the content checks (the task was
    done), every constraint, and no distractor obeyed with every distractor to preserve copied.
    """
    params = distraction_params(record_or_params)
    completion = graded_text(completion, reasoning_delimiters)
    loose = bool(params.get("loose")) if loose is None else loose
    ids, kwargs = params.get("instruction_id_list", []), params.get("kwargs", [])
    followed = instructions.check(completion, ids, kwargs, loose=loose) if ids else []
    spec = params.get("content")
    graded = (
        task_content.check(spec, _without_repeated_request(completion, ids, kwargs))
        if spec
        else {"ok": bool(completion.strip()), "checks": {"not_empty": bool(completion.strip())}}
    )
    distractors = params.get("distractors", [])
    whole = folding.Haystack(completion)
    texts = tuple(d["text"] for d in distractors if d.get("text"))
    rest = folding.Haystack(cut_mentions(completion, texts)) if texts else whole
    results = []
    for d in distractors:
        witness = d.get("witness")
        was_obeyed = None
        if witness is not None:
            was_obeyed = bool(completion.strip()) and obeyed(witness, completion, rest)
        preserved = None
        if d.get("expect") == "preserve":
            preserved = d["text"] in whole
        results.append(
            {
                "id": d["id"],
                "type": d["type"],
                "expect": d.get("expect", "ignore"),
                "obeyed": was_obeyed,
                "preserved": preserved,
            }
        )
    parts = {
        "content": graded["ok"],
        "constraints": all(followed),
        "distractors": all(not r["obeyed"] and r["preserved"] is not False for r in results),
    }
    return {
        "reward": 1.0 if all(parts.values()) else 0.0,
        "parts": parts,
        "content": graded,
        "constraints": [{"id": i, "followed": f} for i, f in zip(ids, followed)],
        "distractors": results,
    }


def score(completion: str, answer: str | None, params: dict) -> float:
    """Verifier kind ``distraction``: 1.0 when the task is done, every constraint holds, nothing obeyed."""
    return breakdown(params, completion, reasoning_delimiters=())["reward"]
