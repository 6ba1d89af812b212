"""Perplexity and token entropy of each record under a reference causal language model.

High perplexity flags noise and templated junk; the mean entropy over the highest-entropy tokens
marks texts with decisive, uncertain steps. Texts are scored in length-sorted batches (little
padding); logits are made a slice of tokens at a time from the final hidden states, so a 150k-token
vocabulary never needs a (batch, length, vocabulary) tensor.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import Field, model_validator

from ..builder import Params
from .base import Filter, Verdict
from .models import CausalLM, Device, load, require
from .text import Field as TextField
from .text import record_text

CHUNK_RECORDS = 8192


def token_stats(
    lm: CausalLM, texts: list[str], *, batch_tokens: int, max_length: int
) -> list[tuple[Any, Any]]:
    """Per text, the negative log-likelihood and the entropy (nats) of every predicted token (CPU tensors)."""
    torch = require("torch")
    ids = lm.tokenizer(texts, truncation=True, max_length=max_length)["input_ids"]
    order = sorted(range(len(texts)), key=lambda i: (len(ids[i]), i))
    results: list[tuple[Any, Any]] = [None] * len(texts)  # type: ignore[list-item]
    head = lm.model.get_output_embeddings()
    softcap = getattr(lm.model.config, "final_logit_softcapping", None)
    slice_tokens = max(1, 2**26 // head.weight.shape[0])  # keeps one float32 logits slice near 256 MB
    start = 0
    while start < len(order):
        longest = max(1, len(ids[order[start]]))
        end = start + 1
        while end < len(order) and (end - start + 1) * max(longest, len(ids[order[end]])) <= batch_tokens:
            longest = max(longest, len(ids[order[end]]))
            end += 1
        batch = order[start:end]
        start = end
        input_ids = torch.full((len(batch), longest), lm.tokenizer.pad_token_id, dtype=torch.long)
        mask = torch.zeros((len(batch), longest), dtype=torch.long)
        for row, i in enumerate(batch):
            input_ids[row, : len(ids[i])] = torch.tensor(ids[i])
            mask[row, : len(ids[i])] = 1
        input_ids, mask = input_ids.to(lm.device), mask.to(lm.device)
        with torch.inference_mode():
            hidden = lm.model.base_model(input_ids=input_ids, attention_mask=mask).last_hidden_state
            valid = mask[:, 1:].bool()
            states, targets = hidden[:, :-1][valid], input_ids[:, 1:][valid]
            nll = torch.empty(len(targets), dtype=torch.float32, device=lm.device)
            entropy = torch.empty_like(nll)
            for lo in range(0, len(targets), slice_tokens):
                logits = head(states[lo : lo + slice_tokens]).float()
                if softcap:
                    logits = torch.tanh(logits / softcap) * softcap
                logp = torch.log_softmax(logits, dim=-1)
                nll[lo : lo + slice_tokens] = -logp.gather(1, targets[lo : lo + slice_tokens, None])[:, 0]
                entropy[lo : lo + slice_tokens] = -(logp.exp() * logp).sum(-1)
        counts = valid.sum(1).tolist()
        for i, part_nll, part_entropy in zip(batch, nll.cpu().split(counts), entropy.cpu().split(counts)):
            results[i] = (part_nll, part_entropy)
    return results


def summarise(nll: Any, entropy: Any, top_fraction: float) -> dict[str, Any]:
    """Perplexity, mean token entropy and the mean over the top ``top_fraction`` highest-entropy tokens."""
    count = len(nll)
    if count == 0:
        return {"tokens": 0, "perplexity": None, "mean_entropy": None, "top_entropy": None}
    top = max(1, math.ceil(top_fraction * count))
    return {
        "tokens": count,
        "perplexity": round(math.exp(float(nll.mean())), 4),
        "mean_entropy": round(float(entropy.mean()), 4),
        "top_entropy": round(float(entropy.topk(top).values.mean()), 4),
    }


class PerplexityParams(Params):
    model: str
    field: TextField = "prompt"
    device: Device = "auto"
    batch_tokens: int = Field(16384, ge=1)
    max_length: int = Field(2048, ge=2)
    top_fraction: float = Field(0.2, gt=0.0, le=1.0)
    min_perplexity: float | None = Field(None, ge=0.0)
    max_perplexity: float | None = Field(None, ge=0.0)
    min_quantile: float | None = Field(None, ge=0.0, le=1.0)
    max_quantile: float | None = Field(None, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _ranges(self) -> PerplexityParams:
        for low, high in (("min_perplexity", "max_perplexity"), ("min_quantile", "max_quantile")):
            a, b = getattr(self, low), getattr(self, high)
            if a is not None and b is not None and a > b:
                raise ValueError(f"{low} ({a}) is above {high} ({b})")
        return self


class Perplexity(Filter):
    """Annotates perplexity and token entropy; drops records outside perplexity thresholds or quantiles."""

    description: ClassVar[str] = "Perplexity and token entropy under a causal LM; keep by bound or quantile"
    Params: ClassVar[type[Params]] = PerplexityParams
    stage: ClassVar[Literal["record", "dataset", "build"]] = "dataset"

    def setup(self) -> None:
        self.lm = load(self.params.model, self.params.device)
        self._cache: dict[str, dict[str, Any]] = {}
        self._low, self._high = self.params.min_perplexity, self.params.max_perplexity

    def measure(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The measurements of each record (perplexity, entropies, token count)."""
        p = self.params
        texts = [record_text(r, p.field) for r in records]
        stats = token_stats(self.lm, texts, batch_tokens=p.batch_tokens, max_length=p.max_length)
        return [summarise(nll, entropy, p.top_fraction) for nll, entropy in stats]

    def fit(self, records: Iterable[dict[str, Any]]) -> None:
        """With quantile bounds, score the whole dataset once and turn the quantiles into thresholds."""
        p = self.params
        if p.min_quantile is None and p.max_quantile is None:
            return
        chunk: list[dict[str, Any]] = []
        for record in records:
            chunk.append(record)
            if len(chunk) == CHUNK_RECORDS:
                self._cache.update(zip((r["id"] for r in chunk), self.measure(chunk)))
                chunk = []
        if chunk:
            self._cache.update(zip((r["id"] for r in chunk), self.measure(chunk)))
        values = [m["perplexity"] for m in self._cache.values() if m["perplexity"] is not None]
        if values:
            if p.min_quantile is not None:
                self._low = max(self._low or 0.0, float(np.quantile(values, p.min_quantile)))
            if p.max_quantile is not None:
                high = float(np.quantile(values, p.max_quantile))
                self._high = high if self._high is None else min(self._high, high)

    def apply(self, records: list[dict[str, Any]]) -> list[Verdict]:
        missing = [r for r in records if r["id"] not in self._cache]
        measured = dict(zip((r["id"] for r in missing), self.measure(missing))) if missing else {}
        verdicts = []
        for record in records:
            m = self._cache.get(record["id"]) or measured[record["id"]]
            ppl = m["perplexity"]
            if ppl is not None and self._low is not None and ppl < self._low:
                verdicts.append(Verdict(False, "perplexity below minimum", m))
            elif ppl is not None and self._high is not None and ppl > self._high:
                verdicts.append(Verdict(False, "perplexity above maximum", m))
            else:
                verdicts.append(Verdict(True, None, m))
        return verdicts

