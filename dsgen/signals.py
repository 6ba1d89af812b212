"""Quality signals as TRL reward functions: pairwise self-judgment, token entropy and self-certainty.

Each factory loads its model once and returns a callable with TRL's reward signature
``fn(prompts, completions, **columns) -> list[float]`` (``GRPOTrainer(reward_funcs=[...])``):

- ``self_judge_reward(model)``: within each group of completions of the same prompt (TRL repeats a prompt
  ``num_generations`` times), every completion is compared with every other by the judge, in both orders
  (``dsgen.filters.judge.PairJudge``); its reward is its mean win probability, so a group's rewards average
  0.5 and a lone completion gets 0.5.
- ``entropy_reward(model)``: minus the mean entropy (nats) of the scoring model's next-token distribution
  over the highest-entropy ``top_fraction`` of the completion's tokens (the "decisive" tokens), given the
  prompt: confident completions score higher.
- ``self_certainty_reward(model)``: INTUITOR's self-certainty, the mean over completion tokens of
  KL(uniform || p), i.e. ``-log V - mean_j log p_j``: higher means a more peaked distribution.

Evidence, and why these are weak: pairwise self-judgment and token entropy lifted Qwen3-1.7B-Base by up to
18.6% on simple arithmetic, but on GSM8K-level problems the self-judgments agreed poorly with stronger
judges and could hurt; long training runs find entropy-style signals unreliable (they reward confidence,
which a policy learns to fake by repetition and short answers). Use them beside a verifier
(``dsgen.reward``), never instead of it, and check a sample against a stronger judge (the ``self_judge``
filter stores ``agrees_with_verifier`` for exactly this).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from .completions import completion_text
from .filters.judge import PairJudge
from .filters.models import Device, load, prompt_text, require
from .filters.text import message_text

Reward = Callable[..., list[float]]


def _key(prompt: Any) -> str:
    return message_text(prompt) if not isinstance(prompt, str) else prompt


def self_judge_reward(model: str, *, device: Device = "auto") -> Reward:
    """Mean position-debiased win probability of each completion against the others of its prompt."""
    judge = PairJudge(model, device)

    def reward(prompts: list[Any], completions: list[Any], **columns: Any) -> list[float]:
        if len(prompts) != len(completions):
            raise ValueError(f"{len(prompts)} prompts but {len(completions)} completions")
        groups: dict[str, list[int]] = {}
        for i, prompt in enumerate(prompts):
            groups.setdefault(_key(prompt), []).append(i)
        texts = [completion_text(c) for c in completions]
        wins = [0.5] * len(completions)
        for problem, members in groups.items():
            if len(members) < 2:
                continue
            total = {i: 0.0 for i in members}
            for a_pos, a in enumerate(members):
                for b in members[a_pos + 1:]:
                    p = judge.preference(problem, texts[a], texts[b])
                    total[a] += p
                    total[b] += 1 - p
            for i in members:
                wins[i] = round(total[i] / (len(members) - 1), 6)
        return wins

    reward.__name__ = f"self_judge[{model}]"
    return reward


def token_distributions(model: str, device: Device, prompts: list[Any], completions: list[Any]) -> list[Any]:
    """Per completion, the scoring model's log-probabilities (tokens × vocabulary) at each completion token."""
    torch = require("torch")
    lm = load(model, device)
    results = []
    for prompt, completion in zip(prompts, completions, strict=True):
        context = prompt_text(lm.tokenizer, prompt) if not isinstance(prompt, str) else prompt
        head = lm.tokenizer(context, add_special_tokens=False)["input_ids"]
        tail = lm.tokenizer(completion_text(completion), add_special_tokens=False)["input_ids"]
        if not tail:
            results.append(None)
            continue
        ids = torch.tensor([head + tail], device=lm.device)
        with torch.inference_mode():
            logits = lm.model(input_ids=ids).logits[0, len(head) - 1:-1].float()
        results.append(torch.log_softmax(logits, dim=-1).cpu())
    return results


def entropy_reward(model: str, *, device: Device = "auto", top_fraction: float = 0.2) -> Reward:
    """Minus the mean entropy over the ``top_fraction`` highest-entropy completion tokens."""
    if not 0 < top_fraction <= 1:
        raise ValueError(f"top_fraction must be in (0, 1], got {top_fraction}")
    load(model, device)

    def score(logp: Any) -> float:
        entropy = -(logp.exp() * logp).sum(-1)
        top = max(1, math.ceil(top_fraction * len(entropy)))
        return -float(entropy.topk(top).values.mean())

    return _token_reward(f"entropy[{model}]", model, device, score)


def self_certainty_reward(model: str, *, device: Device = "auto") -> Reward:
    """INTUITOR's self-certainty: mean over completion tokens of KL(uniform || p) = -log V - mean_j log p_j."""
    load(model, device)

    def score(logp: Any) -> float:
        return float((-math.log(logp.shape[-1]) - logp.mean(-1)).mean())

    return _token_reward(f"self_certainty[{model}]", model, device, score)


def _token_reward(name: str, model: str, device: Device, score: Callable[[Any], float]) -> Reward:
    """A reward from each completion's token log-probabilities; an empty completion gets 1 below the batch's
    lowest reward, so not attempting never ties an attempt."""

    def reward(prompts: list[Any], completions: list[Any], **columns: Any) -> list[float]:
        values = [None if logp is None else round(score(logp), 6)
                  for logp in token_distributions(model, device, prompts, completions)]
        floor = min((v for v in values if v is not None), default=0.0) - 1.0
        return [floor if v is None else v for v in values]

    reward.__name__ = name
    return reward
