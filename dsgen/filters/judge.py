"""Pairwise self-judgment: the model compares two of its own solutions to a record, as a quality signal.

WARNING: self-judgment is a weak signal. It lifted small base models on simple arithmetic, but on
GSM8K-level problems its verdicts agreed poorly with stronger judges and could hurt training. Check a
sample of ``preference`` values against a stronger judge (or against ``agrees_with_verifier``, stored
here) before trusting or filtering on it. This filter never drops a record; it only measures.

Two completions are sampled per record; the judge reads both in each order and the probability that
the first is better is the mean over the orders of P(letter of the first) against P(letter of the
second) for the next token, which cancels the judge's preference for a position.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from ..errors import DsgenError
from ..scoring import score
from .base import Filter, Verdict
from .models import Device, load, prompt_text, require
from .pass_rate import Sampler, SamplingParams
from .text import message_text

JUDGE_PROMPT = (
    "Problem:\n{problem}\n\nSolution A:\n{a}\n\nSolution B:\n{b}\n\n"
    "Which solution is correct and better? Answer with a single letter, A or B."
)


class PairJudge:
    """A causal LM asked which of two solutions is better, read off its next-token letter probabilities."""

    def __init__(self, model: str, device: Device = "auto"):
        self.model_name = model
        self.judge = load(model, device)
        self._letters = {letter: self._letter_ids(letter) for letter in "AB"}

    def _letter_ids(self, letter: str) -> list[int]:
        tokenizer = self.judge.tokenizer
        ids = {
            encoded[0]
            for text in (letter, " " + letter)
            if len(encoded := tokenizer.encode(text, add_special_tokens=False)) == 1
        }
        if not ids:
            raise DsgenError(f"model '{self.model_name}': answer letter '{letter}' is not a single token")
        return sorted(ids)

    def prefers_first(self, problem: str, a: str, b: str) -> float:
        """P(the judge answers 'A') against 'B' after reading solutions ``a`` then ``b``."""
        torch = require("torch")
        content = JUDGE_PROMPT.format(problem=problem, a=a, b=b)
        text = prompt_text(self.judge.tokenizer, [{"role": "user", "content": content}])
        if not getattr(self.judge.tokenizer, "chat_template", None):
            text += "\nAnswer:"
        inputs = self.judge.tokenizer(text, return_tensors="pt").to(self.judge.device)
        with torch.inference_mode():
            logits = self.judge.model(**inputs).logits[0, -1].float()
        first = torch.logsumexp(logits[self._letters["A"]], 0)
        second = torch.logsumexp(logits[self._letters["B"]], 0)
        return float(torch.sigmoid(first - second))

    def preference(self, problem: str, a: str, b: str) -> float:
        """P(``a`` is better than ``b``), averaged over both presentation orders (cancels position bias)."""
        return (self.prefers_first(problem, a, b) + 1 - self.prefers_first(problem, b, a)) / 2


class SelfJudge(Filter):
    """Stores the model's position-debiased preference between two of its sampled solutions (never drops)."""

    description: ClassVar[str] = (
        "Pairwise self-judgment score (weak signal: validate against a stronger judge before use)"
    )
    Params: ClassVar[type[SamplingParams]] = SamplingParams
    stage: ClassVar[Literal["record", "dataset", "build"]] = "dataset"
    uses_model: ClassVar[bool] = True

    def setup(self) -> None:
        self.sampler = Sampler(self.params)
        self.judge = PairJudge(self.params.model, self.params.device)

    def apply(self, records: list[dict[str, Any]]) -> list[Verdict]:
        verdicts = []
        for record, (one, two) in zip(records, self.sampler.sample(records, 2, salt="judge")):
            problem = message_text(record["prompt"])
            preference = self.judge.preference(problem, one, two)
            scores = [round(score(record, one), 4), round(score(record, two), 4)]
            agrees = None if scores[0] == scores[1] else (preference > 0.5) == (scores[0] > scores[1])
            m = {
                "preference": round(preference, 4),
                "margin": round(abs(2 * preference - 1), 4),
                "sample_scores": scores,
                "agrees_with_verifier": agrees,
            }
            verdicts.append(Verdict(True, None, m))
        return verdicts
