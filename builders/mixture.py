"""A mixture builder: each record comes from one of several builders, drawn by weight."""

from __future__ import annotations

import random
from typing import Any, ClassVar

from pydantic import Field, model_validator

from dsgen.builder import Builder, Params, Wrapper


class Part(Params):
    builder: str
    params: dict[str, Any] = {}
    weight: float = Field(1.0, gt=0, description="relative weight of this component")


class MixtureParams(Params):
    components: dict[str, Part] = Field(min_length=1, description="named components: {name: {builder, params, weight}}")

    @model_validator(mode="after")
    def _components(self) -> MixtureParams:
        from dsgen import registry

        for name, part in self.components.items():
            cls = registry.load("builder", part.builder)
            if issubclass(cls, Wrapper) or cls is Mixture:
                raise ValueError(f"component '{name}': '{part.builder}' cannot be a mixture component")
            cls.Params.model_validate(part.params)
        return self


class Mixture(Builder):
    description: ClassVar[str] = "Draws each record from one of several builders by weight (records keep their kinds)."
    kind: ClassVar[str] = "mixture"
    Params: ClassVar[type[Params]] = MixtureParams
    test_params: ClassVar[dict[str, Any]] = {
        "components": {
            "sums": {"builder": "math.compose", "params": {"max_steps": 4}, "weight": 2},
            "questions": {"builder": "reverse_qa", "params": {"num_entities": 300}},
        }
    }

    def __init__(self, params: Params | None = None, **kwargs: Any):
        from dsgen import registry

        super().__init__(params, **kwargs)
        self.names = list(self.params.components)
        self.builders = [
            registry.load("builder", part.builder)(**part.params) for part in self.params.components.values()
        ]
        self.weights = [part.weight for part in self.params.components.values()]

    def setup(self) -> None:
        for builder in self.builders:
            builder.setup()

    def generate(self, rng: random.Random, index: int) -> dict[str, Any]:
        (choice,) = rng.choices(range(len(self.builders)), weights=self.weights)
        builder = self.builders[choice]
        item = builder.generate(random.Random(rng.getrandbits(64)), index)
        template = self.names[choice] + (f"/{item['template']}" if item.get("template") else "")
        return {**item, "kind": item.get("kind", builder.kind), "template": template}
