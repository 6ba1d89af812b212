"""OpenRLHF's custom reward: ``--reward.remote_url OUT/reward_func.py`` (``--remote_rm_url`` in older releases),
the file ``dsgen export --to openrlhf`` writes.

Rows carry one label (``--data.label_key label``): the JSON string ``{"answer", "verifier": {"kind", "params"}}``.
OpenRLHF passes ``queries`` (the chat-formatted prompt and the response, decoded with special tokens) and
the ``prompts``; the response is what follows the prompt, less the end-of-turn tokens at its end.
"""

from __future__ import annotations

import json
import re
from typing import Any

from dsgen.scoring import score_parts

#: Special tokens that end a turn or the text (ChatML, Llama 3, Gemma, Mistral, DeepSeek, GPT-2 …).
_END_TOKENS = re.compile(r"(?:\s*(?:<\|[^|<>\s]{1,40}\|>|</s>|<eos>|<end_of_turn>|<｜[^｜\s]{1,40}｜>))+\s*$")


def response_of(query: str, prompt: str) -> str:
    """The response in ``query``: the text after ``prompt``, without the special tokens that close it.

    The prompt is found as a prefix, else at its first occurrence (a tokenizer may add a BOS token when
    it re-decodes); a query that does not contain its prompt is an error rather than a guess.
    """
    if query.startswith(prompt):
        response = query[len(prompt) :]
    else:
        at = query.find(prompt)
        if at < 0:
            raise ValueError(f"the query does not contain its prompt (prompt starts {prompt[:60]!r})")
        response = query[at + len(prompt) :]
    return _END_TOKENS.sub("", response)


def reward_func(queries: list[str], prompts: list[str], labels: list[str], **kwargs: Any) -> dict[str, Any]:
    """Rewards in [0, 1] with OpenRLHF's signature: ``{"rewards", "scores", "extra_logs"}`` as tensors."""
    import torch

    values = []
    for query, prompt, label in zip(queries, prompts, labels, strict=True):
        try:
            target = json.loads(label) if isinstance(label, str) else label
            verifier, answer = target["verifier"], target["answer"]
        except (ValueError, TypeError, KeyError) as exc:
            raise ValueError(
                f"an OpenRLHF label must be the JSON string {{'answer', 'verifier'}} that `dsgen export "
                f"--to openrlhf` writes (--label_key label); got {str(label)[:80]!r} ({exc})"
            ) from None
        values.append(score_parts(verifier, answer, response_of(query, prompt)))
    rewards = torch.tensor(values, dtype=torch.float32)
    return {"rewards": rewards, "scores": rewards, "extra_logs": {"dsgen_reward": rewards}}
