"""Pass rate: how many of k sampled completions dsgen's own verifier accepts, per record.

``model`` is any spec ``dsgen eval`` takes for a local model (``smollm2``, a folder, a ``.gguf`` file); the
rate is stored with the model, k and decoding settings. Difficulty is roughly 1 - pass rate; a record whose samples all pass or all fail gives a GRPO group
zero reward variance, so by default those are dropped. Sampling uses transformers ``generate``
(vLLM with ``engine: vllm`` when it is installed), seeded per record from the filter's seed and the
record id, so results do not depend on batching, order or the number of workers.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, model_validator

from ..builder import Params
from ..errors import DsgenError
from ..scoring import score
from .base import Filter, Verdict
from .models import INSTALL_HINT, Device, load, prompt_text, record_seed


class SamplingParams(Params):
    model: str
    device: Device = "auto"
    engine: Literal["transformers", "vllm"] = "transformers"
    max_new_tokens: int = Field(512, ge=1)
    temperature: float = Field(1.0, gt=0.0)
    top_p: float = Field(1.0, gt=0.0, le=1.0)
    seed: int = 0


class PassRateParams(SamplingParams):
    k: int = Field(8, ge=1)
    pass_score: float = Field(1.0, gt=0.0, le=1.0)
    drop_degenerate: bool = True
    min_pass_rate: float | None = Field(None, ge=0.0, le=1.0)
    max_pass_rate: float | None = Field(None, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _band(self) -> PassRateParams:
        low, high = self.min_pass_rate, self.max_pass_rate
        if low is not None and high is not None and low > high:
            raise ValueError(f"min_pass_rate ({low}) is above max_pass_rate ({high})")
        return self


class Sampler:
    """Draws seeded completions for records with transformers or vLLM."""

    def __init__(self, params: SamplingParams):
        self.params = params
        self.lm, self._vllm = None, None
        if params.engine == "vllm":
            try:
                import vllm
            except ImportError as exc:
                raise DsgenError(
                    f"engine 'vllm' was asked for but vllm is not installed: pip install vllm "
                    f"(or use engine: transformers, from {INSTALL_HINT})"
                ) from exc
            self._vllm = vllm.LLM(model=params.model, seed=params.seed)
            self.tokenizer = self._vllm.get_tokenizer()
        else:
            self.lm = load(params.model, params.device)
            self.tokenizer = self.lm.tokenizer

    def sample(self, records: list[dict[str, Any]], k: int, salt: str = "") -> list[list[str]]:
        """``k`` completions per record, each record sampled from its own seed."""
        p = self.params
        prompts = [prompt_text(self.tokenizer, r["prompt"]) for r in records]
        seeds = [record_seed(p.seed, r, salt) for r in records]
        if self._vllm is not None:
            import vllm

            settings = [
                vllm.SamplingParams(
                    n=k, temperature=p.temperature, top_p=p.top_p, max_tokens=p.max_new_tokens, seed=s
                )
                for s in seeds
            ]
            return [[c.text for c in out.outputs] for out in self._vllm.generate(prompts, settings)]
        options = {"max_new_tokens": p.max_new_tokens, "temperature": p.temperature, "top_p": p.top_p}
        return [self.lm.sample(text, k, seed=s, **options) for text, s in zip(prompts, seeds)]


class PassRate(Filter):
    """Samples k completions per record, grades them with the record's verifier and stores ``pass_rate``."""

    description: ClassVar[str] = "Pass rate of k sampled completions; drop all-pass/all-fail or keep a band"
    Params: ClassVar[type[Params]] = PassRateParams
    stage: ClassVar[Literal["record", "dataset", "build"]] = "dataset"
    uses_model: ClassVar[bool] = True

    def setup(self) -> None:
        self.sampler = Sampler(self.params)
        p = self.params
        # stored with every pass rate: a rate means little without the model and decoding that produced it
        self.settings = {"model": p.model, "k": p.k, "temperature": p.temperature, "top_p": p.top_p,
                         "max_new_tokens": p.max_new_tokens, "seed": p.seed, "engine": p.engine}

    def apply(self, records: list[dict[str, Any]]) -> list[Verdict]:
        p = self.params
        verdicts = []
        for record, completions in zip(records, self.sampler.sample(records, p.k)):
            scores = [round(score(record, c), 4) for c in completions]
            rate = sum(s >= p.pass_score for s in scores) / p.k
            m = {"pass_rate": rate, "scores": scores, **self.settings}
            if p.drop_degenerate and rate == 1.0:
                verdicts.append(Verdict(False, "every sample passes", m))
            elif p.drop_degenerate and rate == 0.0:
                verdicts.append(Verdict(False, "every sample fails", m))
            elif p.min_pass_rate is not None and rate < p.min_pass_rate:
                verdicts.append(Verdict(False, "pass rate below minimum", m))
            elif p.max_pass_rate is not None and rate > p.max_pass_rate:
                verdicts.append(Verdict(False, "pass rate above maximum", m))
            else:
                verdicts.append(Verdict(True, None, m))
        return verdicts
