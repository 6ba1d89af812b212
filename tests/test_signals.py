"""Quality-signal rewards (self-judgment, entropy, self-certainty) on the tiny GPT-2 of the model-filter tests."""

from __future__ import annotations

import math

import pytest
from test_filters_models import tiny_model  # noqa: F401 — the fixture

from dsgen.signals import entropy_reward, self_certainty_reward, self_judge_reward

torch = pytest.importorskip("torch")


def test_self_judge_reward_is_a_win_rate_within_each_prompt_group(tiny_model):  # noqa: F811
    reward = self_judge_reward(tiny_model, device="cpu")
    prompts = ["tom has five apples", "tom has five apples", "a dog ran", "a dog ran", "a dog ran", "the cat"]
    completions = ["the cat sat", "seven eight", "in the park", "apple banana", "the mat", "on the mat"]
    values = reward(prompts=prompts, completions=completions)
    assert len(values) == 6 and all(0 <= v <= 1 for v in values)
    assert values[0] + values[1] == pytest.approx(1.0, abs=1e-5)  # a pair shares one comparison
    assert sum(values[2:5]) == pytest.approx(1.5, abs=1e-5)  # three completions: win rates average 0.5
    assert values[5] == 0.5  # alone in its group: nothing to compare with
    # the same texts in another group order give the same rewards (groups are by prompt, not position)
    order = [2, 0, 5, 3, 1, 4]
    again = reward(prompts=[prompts[i] for i in order], completions=[completions[i] for i in order])
    assert again == pytest.approx([values[i] for i in order], abs=1e-6)
    with pytest.raises(ValueError, match="2 prompts but 1 completions"):
        reward(prompts=["a", "b"], completions=["x"])


def test_entropy_and_self_certainty_match_the_definitions(tiny_model):  # noqa: F811
    from dsgen.filters.models import load

    lm = load(tiny_model, "cpu")
    prompt, completion = "tom has five", "apples and eats two"
    head = lm.tokenizer(prompt, add_special_tokens=False)["input_ids"]
    tail = lm.tokenizer(completion, add_special_tokens=False)["input_ids"]
    with torch.inference_mode():
        logits = lm.model(input_ids=torch.tensor([head + tail])).logits[0].float()
    logp = torch.log_softmax(logits[len(head) - 1:-1], -1)
    entropy = -(logp.exp() * logp).sum(-1)
    certainty = float((-math.log(logp.shape[-1]) - logp.mean(-1)).mean())
    top = entropy.topk(math.ceil(0.5 * len(tail))).values.mean()
    assert entropy_reward(tiny_model, device="cpu", top_fraction=0.5)([prompt], [completion]) == [
        pytest.approx(-float(top), abs=1e-5)]
    assert self_certainty_reward(tiny_model, device="cpu")([prompt], [completion]) == [pytest.approx(certainty, abs=1e-5)]
    assert certainty > 0  # KL from the uniform distribution is positive for any trained-or-random softmax


def test_an_empty_completion_scores_below_every_attempt(tiny_model):  # noqa: F811
    for reward in (entropy_reward(tiny_model, device="cpu"), self_certainty_reward(tiny_model, device="cpu")):
        values = reward(["the cat", "the cat", "the cat"], ["sat on the mat", "", [{"role": "assistant", "content": "a dog"}]])
        assert values[1] < min(values[0], values[2])
    with pytest.raises(ValueError, match="top_fraction"):
        entropy_reward(tiny_model, top_fraction=0)
