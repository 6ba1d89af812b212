"""The contract every builder and wrapper implements; plugins subclass these exactly as built-ins do."""

from __future__ import annotations

import copy
import random
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from .errors import Skip


class Params(BaseModel):
    """Typed, frozen parameters of a builder, wrapper or filter; unknown keys are an error."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Builder:
    """Makes record *i* of a dataset from an RNG seeded for that record alone.

    ``generate`` returns an *item*: a dict with ``prompt`` (a string or chat messages),
    ``answer`` (string or None), ``verifier`` ({"kind", "params"}), ``difficulty`` in [0, 1],
    ``level``, ``metadata`` (a dict valid under the kind's schema) and optionally ``template``
    (recorded in the provenance). The engine adds ``id``, ``kind`` and ``provenance``.
    Raise ``dsgen.Skip(reason)`` to discard an item with a counted reason.
    """

    #: One line shown by ``dsgen list``.
    description: ClassVar[str] = ""
    #: Name of the JSON Schema in ``dsgen.schemas`` (``<kind>.schema.json``) its records follow.
    kind: ClassVar[str] = ""
    #: The typed parameters (a ``Params`` subclass); ``dsgen show`` prints their types, defaults and ranges.
    Params: ClassVar[type[Params]] = Params
    #: Parameters that move difficulty, with the direction (+1: raising it makes items harder, -1: easier).
    difficulty_params: ClassVar[dict[str, int]] = {}
    #: Records per item: with 2, records 2k and 2k+1 get the same RNG (variants of one item, such as
    #: a noisy record and its clean twin); ``index % group_size`` tells them apart.
    group_size: int = 1
    #: How the builder contract (``dsgen.testing``) draws parameters: per name a fixed value, a
    #: ``range`` or a Hypothesis strategy (for required parameters, or ranges cheaper to test).
    #: Builders may also define ``reference_completion(self, record) -> str | None`` (a completion
    #: that must score 1.0 where the answer alone does not) and ``__len__`` (a finite source).
    test_params: ClassVar[dict[str, Any]] = {}

    def __init__(self, params: Params | None = None, **kwargs: Any):
        self.params = params if params is not None else self.Params(**kwargs)

    def setup(self) -> None:
        """Expensive one-time preparation (a corpus, a world); called once per worker process."""

    def preload(self) -> None:
        """Read-only resources to load once in the build's driver before its worker processes fork, which
        then share them copy-on-write (language models loaded once, not once a worker); called only when
        workers fork. Keep to module-level caches: the workers still call ``setup``."""

    def generate(self, rng: random.Random, index: int) -> dict[str, Any]:
        raise NotImplementedError

    def extra_configs(self) -> dict[str, list[dict[str, str]]]:
        """Configs shipped beside the records (a reverse-QA corpus): name → rows of string columns.

        A build writes each as ``data/<name>/train-00000.parquet`` (hashed in the manifest, declared in
        the card), so ``datasets.load_dataset(folder, name)`` reads it. Called once, after ``setup``.
        """
        return {}

    def source_report(self) -> dict[str, Any]:
        """What ``setup`` found in a user-supplied source (a corpus's extraction coverage): shown in the build
        summary and kept in the manifest, so a thin extraction is seen before questions are trusted."""
        return {}

    def capacity(self) -> int | None:
        """Estimated number of distinct items these parameters allow (None: unknown or unbounded).

        A build warns when ``count² / (2 · capacity)`` — the expected number of repeats — reaches 1.
        """
        return None


class Wrapper(Builder):
    """Transforms the record of an inner builder (composition): distractors, extra constraints, …

    ``kind`` names the schema its additions follow; it is appended to the record's kind
    (``math+distraction``) so the record is validated against both.
    """

    def generate(self, rng: random.Random, index: int) -> dict[str, Any]:
        raise TypeError(f"{type(self).__name__} is a wrapper: list it under 'wrappers' of a dataset")

    def wrap(self, record: dict[str, Any], rng: random.Random, index: int) -> dict[str, Any]:
        raise NotImplementedError


def user_prompt(text: str, system: str | None = None) -> list[dict[str, str]]:
    """Chat messages for a single user turn, optionally after a system turn."""
    if system:
        return [{"role": "system", "content": system}, {"role": "user", "content": text}]
    return [{"role": "user", "content": text}]


def last_user_turn(prompt: str | list[dict[str, Any]], purpose: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """A copy of a record's prompt as chat messages, and its last user message for a wrapper to edit;
    Skip (naming ``purpose``) when the prompt has no user message."""
    messages = user_prompt(prompt) if isinstance(prompt, str) else copy.deepcopy(prompt)
    users = [m for m in messages if m["role"] == "user"]
    if not users:
        raise Skip(f"record has no user message {purpose}")
    return messages, users[-1]
