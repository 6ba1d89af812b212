"""Content checks of the distraction verifier: did the response do the task, from facts the generator wrote.

``params["content"]`` (written by the builder, one shape per task type; every string is matched folded,
see ``folding``):

- every type: ``reference`` (the clean reference text) and ``copy_limit``: a response holding more than
  that share of the reference's 5-token windows is a copy, not an answer (``null``: no limit; the
  copy task copies the planted notes, not the reference, so it has the limit too);
  ``allowed_numbers``: numbers of 2+ digits a response may use (those of the prompt); any other is
  invented, where ``no_new_numbers`` is set.
- ``summarise``, ``rewrite``: ``max_copied``: at most that share of the response's own 5-token windows may
  be the reference's (a response of 10+ windows), so a verbatim opening third of the document is no summary.
- ``summarise``, ``rewrite``: ``min_prose``: the response is prose, not a dump of names and figures: at least
  that share of its words are function words (NLTK's English stop words) and one clause (up to ``.!?;`` or a
  line end) has 6+ words, 2+ of them function words.
- ``answer``: ``answers`` (the gold and its aliases; one must appear in the first two sentences: an
  answer leads, a "three" deep in filler is not one) and ``others`` (the document's
  other gold answers: naming more than one of them is a hedge, not an answer; a number answer also
  fails when its lead holds more than two other numbers, in digits or words).
- ``yes_no``: ``gold`` ("yes" or "no"): the response's first two sentences state exactly that polarity
  (sentence-initial or "my answer is ..."), never both, never "maybe".

Section-marker lines ("Section 2") are layout, not content: they are dropped before every check.
- ``extract``: ``items`` (the gold set: people and numbers of the document): the share found (recall)
  at least ``min_recall``; the share of the response's 2+ digit numbers that the prompt holds
  (precision: noise counts as content, an invented number does not) at least ``min_precision``.
- ``summarise``, ``rewrite``, ``list_items``, ``preserve``: ``key`` facts, at least ``min_key`` of them
  present; ``list_items`` also needs ``min_lines`` list-marked lines.
- ``convert``: ``fields`` (name -> gold value): the response parses as a JSON object holding every
  field (names compared without case, spaces, ``_`` or ``-``), one value a field (a list or "X or Y"
  offers several candidates) and at least ``min_values`` of the values (the builder asks for all).
"""

from __future__ import annotations

import json
import math
import re
from functools import lru_cache
from typing import Any

from . import folding
from .ifbench import stop_words

_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?!\d)|\d+")
_LIST_LINE = re.compile(r"^\s*(?:[-*\u2022+]|\d{1,2}[.)])\s+\S", re.MULTILINE)
_POLARITY = re.compile(r"(?:^|[.!?:\n]\s*|\banswer is\s+|\banswer:\s*)[\"'*(\[]*(yes|no|maybe)\b")
_BOTH = re.compile(r"\b(?:yes|no)\s*(?:and|or|/|,|-)\s*(?:yes|no|maybe)\b")
_SMALL = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen twenty".split()
    )
}
_TITLE = re.compile(r"^\s*<<[^<>]*>>\s*$")
_SENTENCES = re.compile(r"[^.!?\n]+[.!?]*")
_HEADER = re.compile(r"^[ \t]*[A-Za-z]+[ \t]+\d{1,2}[ \t]*$", re.MULTILINE)
_STOP = frozenset("the a an of and to for in on at by with from".split())
_OR = re.compile(r"\bor\b", re.IGNORECASE)
_CLAUSES = re.compile(r"[^.!?;\n]+")

TASKS = ("answer", "yes_no", "extract", "summarise", "rewrite", "list_items", "convert", "preserve")


def numbers(text: str, *, digits: int = 2) -> set[str]:
    """The numbers of ``digits`` or more digits in ``text`` (thousands separators removed)."""
    found = {m.replace(",", "").lstrip("0") or "0" for m in _NUMBER.findall(folding.clean(text))}
    return {n for n in found if len(n) >= digits}


@lru_cache(maxsize=4096)
def _reference_shingles(reference: str) -> frozenset:
    return frozenset(folding.shingles(folding.tokens(reference)))


def copied_shares(reference: str, hay: folding.Haystack) -> tuple[float, float]:
    """(share of the reference's 5-token windows the response holds, share of the response's windows that
    are the reference's — 0 for a response of fewer than 10 windows, too short to judge)."""
    ref = _reference_shingles(reference)
    own = folding.shingles(hay.tokens)
    shared = len(ref & own)
    return (shared / len(ref) if ref else 0.0), (shared / len(own) if len(own) >= 10 else 0.0)


def _fact_present(value: str, hay: folding.Haystack) -> bool:
    """A fact is present when its tokens appear in order, or most (60%) of its words (3+ letters) do;
    numbers only count in order ("2.4.9" is not found in "Section 2 ... Section 4 ... 9")."""
    toks = folding.needle(value)
    if not toks or toks in hay:
        return bool(toks)
    content = [t for t in toks if t not in _STOP and t.isalpha() and len(t) >= 3]
    if len(content) < 2:
        return False
    return sum(1 for t in content if t in hay.set) >= math.ceil(0.6 * len(content))


def _json_object(response: str) -> dict | None:
    start, end = response.find("{"), response.rfind("}")
    if start == -1 or end <= start:
        return None
    try:
        value = json.loads(response[start : end + 1])
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _flat(obj: dict, out: dict[str, Any] | None = None) -> dict[str, Any]:
    """Keys (folded, no separators) to values, nested objects flattened one name per key."""
    out = {} if out is None else out
    for key, value in obj.items():
        if isinstance(value, dict):
            _flat(value, out)
        out.setdefault("".join(folding.tokens(str(key))), value)
    return out


def prose(tokens: list[str], response: str, min_share: float) -> bool:
    """Whether a response reads as prose: function words are at least ``min_share`` of its folded ``tokens``
    and one clause has 6+ words, 2+ of them function words (a list of names and figures has neither)."""
    words = stop_words()
    if not tokens or sum(t in words for t in tokens) < min_share * len(tokens):
        return False
    return any(len(clause) >= 6 and sum(t in words for t in clause) >= 2
               for clause in map(folding.tokens, _CLAUSES.findall(response)))


def polarity(response: str) -> set[str]:
    """The yes/no/maybe answers a response states (sentence-initial or after "answer is") in its first
    two sentences (title lines aside): the answer leads, filler does not count."""
    head = folding.clean(lead(response))
    found = set(_POLARITY.findall(head))
    if _BOTH.search(head):  # "yes and no", "yes/no", "no or yes": a hedge states both
        found |= {"yes", "no"}
    return found


def lead(response: str) -> str:
    """The first two sentences of a response, title lines left out: where a short answer must stand
    (the verifier removes a repeated request first)."""
    lines = [line for line in response.splitlines() if not _TITLE.match(line)]
    return " ".join(_SENTENCES.findall("\n".join(lines))[:2])


def strip_headers(response: str) -> str:
    """The response without section-marker lines ("Section 2", "SECTION 3"): their numbers are layout."""
    return _HEADER.sub("", response)


def check(content: dict[str, Any], response: str) -> dict[str, Any]:
    """``{"ok", "checks": {name: bool}}``: every named check must hold for the content to count."""
    response = strip_headers(response)
    hay = folding.Haystack(response)
    checks: dict[str, bool] = {"not_empty": bool(hay.tokens)}
    of_reference, of_response = copied_shares(content["reference"], hay)
    if content.get("copy_limit") is not None:
        checks["not_a_copy"] = of_reference <= content["copy_limit"]
    if "max_copied" in content:  # summarise / rewrite: the response's own windows, mostly not the reference's
        checks["own_words"] = of_response <= content["max_copied"]
    if "min_prose" in content:
        checks["prose"] = prose(hay.tokens, response, content["min_prose"])
    if content.get("no_new_numbers"):
        checks["no_invented_numbers"] = numbers(response) <= set(content["allowed_numbers"])
    kind = content["type"]
    if kind == "answer":
        head = folding.Haystack(lead(response))
        checks["answer"] = any(a in head for a in content["answers"])
        checks["one_answer"] = sum(1 for o in content["others"] if o in hay) <= 1
        gold = "".join(folding.needle(content["answers"][0]))
        if gold.isdigit():  # a number answer led by a list of numbers (digits or words) is a hedge
            listed = numbers(lead(response), digits=1) | {str(_SMALL[t]) for t in head.tokens if t in _SMALL}
            checks["one_answer"] &= len(listed - {gold.lstrip("0") or "0"}) <= 2
    elif kind == "yes_no":
        checks["answer"] = polarity(response) == {content["gold"]}
    elif kind == "extract":
        gold = content["items"]
        found = [g for g in gold if _fact_present(g, hay)]
        listed = numbers(response)
        checks["recall"] = len(found) >= content["min_recall"] * len(gold)
        checks["precision"] = len(listed & set(content["allowed_numbers"])) >= content["min_precision"] * len(
            listed
        )
    elif kind == "convert":
        obj = _json_object(response)
        checks["parses"] = obj is not None
        flat = _flat(obj) if obj else {}
        fields = content["fields"]
        names = {name: "".join(folding.tokens(name)) for name in fields}
        checks["fields"] = all(n in flat for n in names.values())
        given = {name: flat[n] for name, n in names.items() if n in flat}
        # one value a field: a list or "X or Y" in place of a scalar offers several candidates
        checks["single_values"] = not any(
            isinstance(value, list) or (isinstance(value, str) and _OR.search(value) and not _OR.search(fields[name]))
            for name, value in given.items()
        )
        right = sum(
            1
            for name, gold in fields.items()
            if name in given and _fact_present(gold, folding.Haystack(json.dumps(given[name])))
        )
        checks["values"] = right >= content["min_values"]
    else:
        checks["key_facts"] = sum(1 for k in content["key"] if _fact_present(k, hay)) >= content["min_key"]
        if kind == "list_items":
            checks["list"] = len(_LIST_LINE.findall(response)) >= content["min_lines"]
    return {"ok": all(checks.values()), "checks": checks}
