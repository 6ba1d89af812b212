"""A reward function with TRL's signature that grades completions on rows of a built dataset."""

from __future__ import annotations

from typing import Any

from .scoring import score_parts


def reward(prompts: list[Any], completions: list[Any], **columns: Any) -> list[float]:
    """``reward_funcs=[dsgen.reward]`` for TRL's GRPOTrainer: one float in [0, 1] per completion.

    TRL passes the dataset's other columns as keyword arguments; this reads ``verifier`` and
    ``answer`` from them, so a dsgen dataset works as it is.
    """
    verifiers, answers = columns.get("verifier"), columns.get("answer")
    if verifiers is None:
        raise ValueError("dsgen.reward needs the dataset's 'verifier' column (keep it in the training dataset)")
    if answers is None:
        answers = [None] * len(completions)
    return [score_parts(v, a, c) for v, a, c in zip(verifiers, answers, completions, strict=True)]


reward.__name__ = "dsgen_reward"
