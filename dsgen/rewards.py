"""A reward function with TRL's signature that grades completions on rows of a built dataset."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .scoring import REASONING_DELIMITERS, score_parts


class Reward:
    """``reward_funcs=[dsgen.reward]`` for TRL's GRPOTrainer: one float in [0, 1] per completion.

    TRL passes the dataset's other columns as keyword arguments; this reads ``verifier`` and
    ``answer`` from them, so a dsgen dataset works as it is. What is graded follows ``dsgen.score``:
    the last assistant turn after its reasoning; ``Reward(reasoning_delimiters=[...])`` names other
    delimiters (``()`` grades reasoning too). A class rather than a closure, so it pickles.
    """

    __name__ = "dsgen_reward"

    def __init__(self, *, reasoning_delimiters: Iterable[str] = REASONING_DELIMITERS):
        if isinstance(reasoning_delimiters, str):
            reasoning_delimiters = (reasoning_delimiters,)
        self.reasoning_delimiters = tuple(reasoning_delimiters)

    def __call__(self, prompts: list[Any], completions: list[Any], **columns: Any) -> list[float]:
        verifiers, answers = columns.get("verifier"), columns.get("answer")
        if verifiers is None:
            raise ValueError("dsgen.reward needs the dataset's 'verifier' column (keep it in the training dataset)")
        if answers is None:
            answers = [None] * len(completions)
        delimiters = self.reasoning_delimiters
        return [
            score_parts(v, a, c, reasoning_delimiters=delimiters)
            for v, a, c in zip(verifiers, answers, completions, strict=True)
        ]

    def __repr__(self) -> str:
        return f"Reward(reasoning_delimiters={self.reasoning_delimiters!r})"


reward = Reward()
