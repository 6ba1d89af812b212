"""Verifiable instructions of every family, and the reward a response earns from a list of them.

Families: ``ifeval`` (IFEval's 25 ids, ``ifeval``), ``ifbench_test`` (IFBench's out-of-distribution
constraints, ``ifbench``) and ``ifbench_train`` (the IF-RLVR training constraints released with IFBench,
``ifbench_train``). Ids are unique across families, so a record's ``instruction_id_list`` and
``kwargs`` (IFEval's format, which IFBench shares) are graded by id. This module is the verifier kind
``ifeval``; its params choose the reward:

- ``loose`` (bool): IFEval's loose mode (any of eight variants of the response passes) or strict;
- ``reward``: ``"all"`` (1.0 only when every instruction is followed, IFEval's prompt-level accuracy)
  or ``"fraction"`` (the share of instructions followed, IFEval's instruction-level accuracy);
- ``min_words`` (int, default 0) and ``echo`` (the instructions' wordings, default none): guards that
  the response attempts the request. A response shorter than ``min_words`` words, or one that copies
  an instruction's wording, earns 0: many instructions carry an example of their own format
  ("such as <<poem of joy>>"), so echoing the prompt would otherwise follow them. A copy is judged on
  the folded letters (``folding``), so zero-width characters, look-alike letters or a word added here
  and there do not hide it.

``grade`` returns the per-instruction breakdown with the reward.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import regex

from ..errors import DsgenError
from . import content, folding, ifbench, ifbench_train, ifeval

FAMILIES: dict[str, tuple[str, ...]] = {
    "ifeval": ifeval.INSTRUCTION_IDS,
    "ifbench_test": ifbench.INSTRUCTION_IDS,
    "ifbench_train": ifbench_train.INSTRUCTION_IDS,
}
_COMPILERS = {
    "ifeval": ifeval.compile_check,
    "ifbench_test": ifbench.compile_check,
    "ifbench_train": ifbench_train.compile_check,
}
REWARDS = ("all", "fraction")
_FAMILY_OF = {iid: family for family, ids in FAMILIES.items() for iid in ids}


def family_of(iid: str) -> str:
    """The family an instruction id belongs to (DsgenError for an unknown id)."""
    try:
        return _FAMILY_OF[iid]
    except KeyError:
        if iid in ifbench.MISSING:
            raise DsgenError(f"IFBench instruction '{iid}' is not supported: {ifbench.MISSING[iid]}") from None
        raise DsgenError(
            f"unknown instruction id '{iid}'; known families: {', '.join(FAMILIES)} "
            f"(ids such as {', '.join(FAMILIES['ifeval'][:2])}, {', '.join(FAMILIES['ifbench_test'][:2])})"
        ) from None


def compile_check(iid: str, kw: dict[str, Any]) -> Callable[[str], bool]:
    """The check of one instruction of any family as a function of the response."""
    return _COMPILERS[family_of(iid)](iid, kw)


def check(
    response: str, instruction_id_list: Sequence[str], kwargs: Sequence[dict[str, Any]], *, loose: bool = False
) -> list[bool]:
    """Per-instruction verdicts for ``response``, whatever the families of the ids."""
    return ifeval.check(response, instruction_id_list, kwargs, loose=loose, compile=compile_check)


def reward_options(params: dict[str, Any]) -> tuple[bool, str]:
    """``(loose, reward)`` from verifier params, validated (DsgenError naming the bad key)."""
    loose, reward = params.get("loose", False), params.get("reward", "all")
    if not isinstance(loose, bool):
        raise DsgenError(f"verifier param 'loose' must be true or false, got {loose!r}")
    if reward not in REWARDS:
        raise DsgenError(f"verifier param 'reward' must be one of {list(REWARDS)}, got {reward!r}")
    return loose, reward


#: A response holding more than this share of an instruction wording's pieces copies it, and so does one
#: whose own 5-token windows are more than this share the wordings' (10 windows or more).
ECHO_SHARE = 0.5
#: A wording's folded letters and digits, run together, are compared in pieces of this many characters:
#: invisible characters can split a word or join two, so tokens cannot be trusted, the letters can.
PIECE = 12
#: A wording of ``PAIR_MIN`` word pairs or more is copied when ``PAIR_SHARE`` of its pairs appear in the
#: response in order with at most ``PAIR_GAP`` words between (an echo with a filler word every few words).
PAIR_MIN, PAIR_SHARE, PAIR_GAP = 5, 0.8, 2
_FORMAT = regex.compile(r"\p{Cf}")


def _quoted(kwargs: Sequence[dict[str, Any]]) -> list[str]:
    """The kwargs strings of three words or more (a prompt to repeat, an end phrase): a wording quotes
    them, and a response that follows the instruction writes them."""
    return [v for kw in kwargs for v in (kw or {}).values() if isinstance(v, str) and len(v.split()) >= 3]


def _unquoted(wording: str, quoted: list[str]) -> list[str]:
    """The parts of a wording around what it quotes for the response to write."""
    return re.split("|".join(map(re.escape, quoted)), wording) if quoted else [wording]


def _pieces(parts: list[str]) -> list[str]:
    """The parts' folded letters and digits in consecutive pieces of ``PIECE`` characters (a part shorter
    than two pieces is one piece)."""
    pieces = []
    for part in parts:
        joined = "".join(folding.tokens(part))
        step = PIECE if len(joined) >= 2 * PIECE else max(len(joined), 1)
        pieces += [joined[i : i + step] for i in range(0, len(joined) - step + 1, step)]
    return [p for p in pieces if p]


def _pairs(tokens: list[str], reach: int, vocabulary: frozenset[str] | None = None) -> set[tuple[str, str]]:
    """Every pair of tokens at most ``reach`` apart, in order (only pairs of ``vocabulary``'s words, when
    given: a long response pays for the few words the wordings use)."""
    at = [i for i, t in enumerate(tokens) if vocabulary is None or t in vocabulary]
    ends = set(at)
    return {(tokens[i], tokens[i + k]) for i in at for k in range(1, reach + 1) if i + k in ends}


def _echoes(completion: str, wordings: Sequence[str], kwargs: Sequence[dict[str, Any]]) -> bool:
    """Whether the response copies most of an instruction's wording (its letters, or in order its word
    pairs with up to ``PAIR_GAP`` words slipped between), or is mostly the wordings."""
    quoted = _quoted(kwargs)
    own = [_unquoted(w, quoted) for w in wordings if len(w) >= 20]
    if not own:
        return False
    hay = folding.Haystack(completion)
    vocabulary = frozenset(t for parts in own for part in parts for t in folding.tokens(part))
    near = _pairs(hay.tokens, PAIR_GAP + 1, vocabulary)
    if _FORMAT.search(completion):  # an invisible character may join a word to a filler: read it as a space too
        near |= _pairs(folding.tokens(_FORMAT.sub(" ", completion)), PAIR_GAP + 1, vocabulary)
    for parts in own:
        pieces = _pieces(parts)
        if pieces and sum(p in hay.joined for p in pieces) > ECHO_SHARE * len(pieces):
            return True
        pairs = [pair for part in parts for pair in _pairs(folding.tokens(part), 1)]
        if len(pairs) >= PAIR_MIN and sum(p in near for p in pairs) >= PAIR_SHARE * len(pairs):
            return True
    return content.copied_shares(" | ".join(" | ".join(parts) for parts in own), hay)[1] > ECHO_SHARE


def guard(completion: str, params: dict[str, Any]) -> str | None:
    """Why the response does not attempt the request (too short, echoes an instruction), or None."""
    if ifeval.count_words(completion) < params.get("min_words", 0):
        return f"fewer than {params['min_words']} words"
    if _echoes(completion, params.get("echo", ()), params.get("kwargs", ())):
        return "copies an instruction's wording"
    return None


def grade(completion: str, params: dict[str, Any]) -> dict[str, Any]:
    """The reward and the per-instruction breakdown: ``{"reward", "loose", "reward_mode", "guard",
    "instructions": [{"id", "followed"}]}``. A record without instructions grades 0 (nothing to earn
    a reward with), and so does a response the guards stop (``guard`` says why)."""
    loose, mode = reward_options(params)
    ids, kwargs = params["instruction_id_list"], params["kwargs"]
    followed = check(completion, ids, kwargs, loose=loose)
    stopped = guard(completion, params)
    if not followed or stopped:
        reward = 0.0
    elif mode == "fraction":
        reward = sum(followed) / len(followed)
    else:
        reward = 1.0 if all(followed) else 0.0
    return {
        "reward": reward,
        "loose": loose,
        "reward_mode": mode,
        "guard": stopped,
        "instructions": [{"id": i, "followed": f} for i, f in zip(ids, followed)],
    }


def score(completion: str, answer: str | None, params: dict) -> float:
    """Verifier kind ``ifeval``: see the module docstring for ``loose`` and ``reward``."""
    return grade(completion, params)["reward"]
