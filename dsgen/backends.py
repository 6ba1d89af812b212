"""Generation backends for ``dsgen eval``: a local transformers model or an OpenAI-compatible endpoint.

A model spec is ``smollm2`` (the packaged SmolLM2-135M-Instruct), a local folder / ``.gguf`` file / cached
Hub name (transformers, on the GPU when there is one), or any name served at ``base_url`` (vLLM, SGLang,
TGI, hosted APIs) through the maintained ``openai`` client. The API key is read from an environment
variable and never printed or stored.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from .errors import DsgenError


@dataclass(frozen=True)
class Decoding:
    """Sampling settings of an eval: ``temperature`` 0 is greedy decoding (one sample a prompt)."""

    k: int = 1
    temperature: float = 0.0
    top_p: float = 1.0
    max_new_tokens: int = 512
    seed: int = 0

    def __post_init__(self) -> None:
        if self.k < 1:
            raise DsgenError(f"k must be at least 1, got {self.k}")
        if self.temperature < 0:
            raise DsgenError(f"temperature must be 0 (greedy) or positive, got {self.temperature}")
        if self.temperature == 0 and self.k > 1:
            raise DsgenError(f"greedy decoding (temperature 0) gives one completion a prompt: k {self.k} needs "
                             "a temperature above 0")
        if not 0 < self.top_p <= 1:
            raise DsgenError(f"top_p must be in (0, 1], got {self.top_p}")
        if self.max_new_tokens < 1:
            raise DsgenError(f"max_new_tokens must be at least 1, got {self.max_new_tokens}")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Generation:
    """One completion: its text, how many tokens were generated and why generation stopped."""

    text: str
    tokens: int | None
    finish: str | None


class Backend(Protocol):
    name: str
    parameters: int | None

    def generate(self, messages: list[list[dict[str, str]]], decoding: Decoding, seed: int) -> list[list[Generation]]:
        """``decoding.k`` generations for each chat of ``messages``; ``seed`` seeds this batch."""


class TransformersBackend:
    """A causal LM run in this process with transformers; prompts go through its chat template."""

    def __init__(self, spec: str, device: str = "auto"):
        from .filters.models import load

        self.name = spec
        self.lm = load(spec, device)
        self.parameters = self.lm.parameters

    def generate(self, messages: list[list[dict[str, str]]], decoding: Decoding, seed: int) -> list[list[Generation]]:
        from .filters.models import prompt_text

        prompts = [prompt_text(self.lm.tokenizer, m) for m in messages]
        out = self.lm.generate(prompts, k=decoding.k, seed=seed, max_new_tokens=decoding.max_new_tokens,
                               temperature=decoding.temperature, top_p=decoding.top_p)
        return [[Generation(*g) for g in group] for group in out]


class OpenAIBackend:
    """Chat completions from an OpenAI-compatible server; prompts of a batch are sent concurrently."""

    def __init__(self, spec: str, base_url: str, *, api_key_env: str = "OPENAI_API_KEY", concurrency: int = 8,
                 timeout: float = 600.0):
        try:
            import openai
        except ImportError:
            raise DsgenError("--base-url needs the openai client: pip install 'dsgen[eval]'") from None
        self.name, self.parameters = spec, None
        # servers such as vLLM accept any key; the client refuses to start without one
        key = os.environ.get(api_key_env) or "EMPTY"
        self.client = openai.OpenAI(base_url=base_url, api_key=key, timeout=timeout, max_retries=2)
        self.base_url, self.concurrency = base_url, concurrency
        self._errors = (openai.APIError,)

    def _one(self, chat: list[dict[str, str]], decoding: Decoding, seed: int) -> list[Generation]:
        try:
            response = self.client.chat.completions.create(
                model=self.name, messages=chat, n=decoding.k, temperature=decoding.temperature,
                top_p=decoding.top_p, max_tokens=decoding.max_new_tokens, seed=seed,
            )
        except self._errors as exc:  # the message names status and server text, never the key
            raise DsgenError(f"endpoint {self.base_url} (model '{self.name}'): {type(exc).__name__}: {exc}") from None
        choices = sorted(response.choices, key=lambda c: c.index)
        if len(choices) != decoding.k:
            raise DsgenError(f"endpoint {self.base_url} returned {len(choices)} choices for n={decoding.k}")
        usage = response.usage
        each = usage.completion_tokens // decoding.k if usage and usage.completion_tokens is not None else None
        return [Generation(c.message.content or "", each, c.finish_reason) for c in choices]

    def generate(self, messages: list[list[dict[str, str]]], decoding: Decoding, seed: int) -> list[list[Generation]]:
        with ThreadPoolExecutor(max_workers=min(self.concurrency, max(1, len(messages)))) as pool:
            return list(pool.map(lambda pair: self._one(pair[1], decoding, seed + pair[0]), enumerate(messages)))


def open_backend(spec: str, *, base_url: str | None = None, device: str = "auto",
                 api_key_env: str = "OPENAI_API_KEY") -> Backend:
    """The backend a model spec names: an endpoint when ``base_url`` is given, else a local model."""
    if base_url:
        return OpenAIBackend(spec, base_url, api_key_env=api_key_env)
    return TransformersBackend(spec, device)
