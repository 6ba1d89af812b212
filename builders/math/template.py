"""``math.template``: GSM-Symbolic style word problems drawn from the scenario files (see .scenario)."""

from __future__ import annotations

import random
from math import floor
from typing import Any

from pydantic import Field, model_validator

from dsgen.builder import Builder, Params
from dsgen.errors import DsgenError, Skip, did_you_mean

from .scenario import MAX_ATTEMPTS, scenario, scenario_names


class TemplateParams(Params):
    """Parameters of ``math.template``."""

    scenarios: list[str] | None = Field(
        default=None, description="scenario names to draw from (default: all built-in scenarios)",
        json_schema_extra=lambda schema: schema.update(choices=list(scenario_names())),  # for `dsgen show`
    )
    min_steps: int = Field(default=1, ge=1, le=12, description="use scenarios with at least this many steps")
    max_steps: int = Field(default=12, ge=1, le=12, description="use scenarios with at most this many steps")
    max_value: int = Field(
        default=10**6, ge=10, le=10**12, description="redraw when a number or result exceeds this"
    )

    @model_validator(mode="after")
    def _check(self) -> TemplateParams:
        if self.min_steps > self.max_steps:
            raise ValueError(f"min_steps ({self.min_steps}) must not exceed max_steps ({self.max_steps})")
        known = scenario_names()
        for name in self.scenarios or ():
            if name not in known:
                raise ValueError(f"unknown scenario '{name}'{did_you_mean(name, known)}; known: {', '.join(known)}")
        if self.scenarios is not None and len(set(self.scenarios)) != len(self.scenarios):
            raise ValueError("scenarios lists a name twice")
        if self.scenarios == []:
            raise ValueError("scenarios must name at least one scenario (or be left out for all)")
        return self


class TemplateProblems(Builder):
    """GSM-Symbolic style word problems from hand-written scenarios with a checked solution program."""

    description = "Math word problems from typed scenario templates (GSM-Symbolic style), exact answers"
    kind = "math"
    Params = TemplateParams
    difficulty_params = {"min_steps": +1, "max_steps": +1, "max_value": +1}

    def setup(self) -> None:
        names = self.params.scenarios or scenario_names()
        chosen = [scenario(n) for n in names]
        self.scenarios = [s for s in chosen if self.params.min_steps <= len(s.steps) <= self.params.max_steps]
        if not self.scenarios:
            raise DsgenError(
                f"math.template: no scenario has between {self.params.min_steps} and {self.params.max_steps} steps "
                f"(steps: {', '.join(f'{s.name}={len(s.steps)}' for s in chosen)})"
            )

    def generate(self, rng: random.Random, index: int) -> dict[str, Any]:
        if not hasattr(self, "scenarios"):
            self.setup()
        scenarios = self.scenarios
        chosen = scenarios[floor(rng.random() * len(scenarios))]
        item = chosen.item(rng, self.params.max_value)
        if item is None:
            raise Skip(f"scenario '{chosen.name}': no draw met its constraints and max_value in {MAX_ATTEMPTS} tries")
        return item

    def capacity(self) -> int:
        """Estimated number of distinct problems these params can produce (see ``Scenario.space``).

        Expected duplicate prompts among ``n`` records are about ``n² / (2 · capacity)``; a pipeline
        can warn when that is 1 or more.
        """
        if not hasattr(self, "scenarios"):
            self.setup()
        return int(sum(s.space(random.Random(s.name)) for s in self.scenarios))

