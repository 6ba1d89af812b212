"""Shared fixtures: a tiny in-process builder and filters, so engine tests do not depend on a family."""

from __future__ import annotations

import os
import random
from typing import Any, ClassVar

import pytest
from pydantic import Field

import dsgen
from dsgen.builder import Builder, Params
from dsgen.errors import Skip
from dsgen.filters.base import Filter, Verdict

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")


class AddParams(Params):
    max_value: int = Field(1000, ge=2, le=10**9, description="largest addend")
    skip_every: int = Field(0, ge=0, description="discard every n-th index (0: never)")
    break_at: int = Field(-1, description="emit a schema-invalid record at this index (-1: never)")


class AddBuilder(Builder):
    """Two-number sums: small enough to reason about, real enough to exercise the engine."""

    description: ClassVar[str] = "Adds two numbers (test builder)."
    kind: ClassVar[str] = "toy"
    Params = AddParams
    difficulty_params: ClassVar[dict[str, int]] = {"max_value": 1}
    schema: ClassVar[dict[str, Any]] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "allOf": [{"$ref": "https://dsgen.dev/schemas/record.schema.json"}],
        "properties": {
            "metadata": {
                "type": "object",
                "required": ["a", "b"],
                "properties": {"a": {"type": "integer", "minimum": 1}, "b": {"type": "integer", "minimum": 1}},
            }
        },
    }

    def capacity(self) -> int:
        return self.params.max_value**2

    def setup(self) -> None:
        # an interruption that is not part of the recipe (a killed worker, a full disk)
        self.crash_at = int(os.environ.get("DSGEN_TOY_CRASH_AT", "-1"))

    def generate(self, rng: random.Random, index: int) -> dict[str, Any]:
        p = self.params
        if index == self.crash_at:
            raise RuntimeError(f"crash at {index}")
        if p.skip_every and index % p.skip_every == 0:
            raise Skip("every n-th")
        a, b = rng.randint(1, p.max_value), rng.randint(1, p.max_value)
        total = a + b
        return {
            "prompt": f"What is {a} + {b}?",
            "answer": str(total),
            "verifier": {"kind": "numeric", "params": {}},
            "difficulty": round(total / (2 * p.max_value), 6),
            "level": "easy" if total < p.max_value else "hard",
            "metadata": {"a": a, "b": -1 if index == p.break_at else b},
            "template": "sum",
        }


class EvenParams(Params):
    pass


class DropOdd(Filter):
    """Drops records whose answer is odd (record stage)."""

    description = "drop odd answers"
    stage = "record"

    def apply(self, records):
        return [Verdict(int(r["answer"]) % 2 == 0, "odd answer", {"parity": int(r["answer"]) % 2}) for r in records]


class FirstOfEachAnswer(Filter):
    """Keeps the first record of each answer in stream order (a stand-in for dedup, build stage)."""

    description = "first per answer"
    stage = "build"

    def fit(self, records):
        self.first: dict[str, str] = {}
        for r in records:
            self.first.setdefault(r["answer"], r["id"])

    def apply(self, records):
        return [
            Verdict(self.first[r["answer"]] == r["id"], "same answer", {"first": self.first[r["answer"]]})
            for r in records
        ]


dsgen.register("builder", "toy.add", AddBuilder)
dsgen.register("filter", "toy.drop_odd", DropOdd)
dsgen.register("filter", "toy.first_answer", FirstOfEachAnswer)


def write_recipe(path, text: str):
    path.write_text(text)
    return path


@pytest.fixture
def toy_recipe(tmp_path):
    return write_recipe(
        tmp_path / "recipe.yaml",
        """\
name: toy
seed: 7
datasets:
  sums:
    builder: toy.add
    count: 2500
    params: {max_value: 500}
    splits:
      fractions: {train: 0.8, test: 0.2}
  small:
    builder: toy.add
    count: 300
    params: {max_value: 50}
    splits:
      by: level
      levels: {train: [easy], test: [hard]}
output:
  shard_size: 400
""",
    )


@pytest.fixture(scope="session")
def default_build(tmp_path_factory):
    """A real build of every config of the default recipe, 24 records each, 160 tries of reverse_qa (seconds)."""
    import yaml

    tmp = tmp_path_factory.mktemp("default-build")
    recipe = dsgen.default_recipe().model_dump(mode="json", exclude_none=True)
    for ds in recipe["datasets"].values():
        ds["count"] = 24
    # reverse_qa keeps about half its tries and splits by region (about 7% of the world's entities sit in test
    # regions), so 24 tries can leave its test split empty; the export and eval tests need one
    recipe["datasets"]["reverse_qa"]["count"] = 160
    recipe["output"] = {"dir": str(tmp / "out"), "shard_size": 100}
    (tmp / "recipe.yaml").write_text(yaml.safe_dump(recipe, sort_keys=False))
    dsgen.build(tmp / "recipe.yaml", workers=1)
    return tmp / "out"
