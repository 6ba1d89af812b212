"""The difficulty of a math word problem, computed from its solution graph.

``difficulty = 0.4 * S + 0.4 * O + 0.2 * M``, rounded to 4 places. Each feature is mapped onto [0, 1]
linearly between bounds that the default builds actually reach (measured over 10,000 records of
``math.template`` and of ``math.compose``), so the easiest generated problems score near 0 and the hardest
near 1; every term is non-decreasing in its feature:

* ``S = clip((steps - 1) / 6)``: the number of calculations (1 step → 0, 7 or more → 1; ``math.template``
  has 1–6 steps, ``math.compose`` 1–8 by default);
* ``O = clip((w - 0.1) / 0.8)`` with ``w`` the sum of ``KIND_WEIGHTS[k]`` over the distinct kinds ``k`` of
  operation used (a problem that only adds, or only subtracts, has ``w`` ≤ 0.1 → 0; ``w`` ≥ 0.9 → 1): the
  kinds a solver must handle, so a problem mixing a percentage, a division and a rounding scores higher
  than one that adds three times. Besides arithmetic (``add`` … ``percent``) the kinds include
  ``rounding`` (``ceil``, ``floor``, ``round``, whole division with a remainder), ``back_solve`` (the
  problem gives the end and asks for the start: the solver inverts the story), ``combine`` (a step that
  reads two earlier results, not only the previous one: the graph branches), ``fraction`` (a non-whole
  operand, as money with cents — a mild weight, not the "non-whole means hardest" rule the first formula
  had) and ``rate`` (an amount per unit). Template scenarios add ``percent`` and ``rate`` when they declare
  those kinds, as ``dsgen annotate`` adds them from a question's words;
* ``M = clip((log10(n) - 1) / 3)`` with ``n`` the largest number in the problem or its solution
  (≤ 10 → 0, 10,000 or more → 1). Template scenarios count money in dollars even where the text states
  cents (the lexicon measure's ``size``), so writing an amount in a smaller unit does not raise M.

``clip`` limits to [0, 1]. ``dsgen annotate`` uses the same formula for GSM8K data, so real and generated
problems share one scale. Levels: ``easy`` below 0.35, ``medium`` below 0.6, ``hard`` from 0.6 (``LEVELS``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

#: Weight of each kind of operation in ``O`` (unknown kinds weigh ``DEFAULT_WEIGHT``).
KIND_WEIGHTS = {
    "add": 0.05, "sub": 0.1, "min": 0.1, "max": 0.1, "abs": 0.1, "mul": 0.15, "div": 0.25, "percent": 0.3,
    "rounding": 0.35, "mod": 0.35, "pow": 0.35, "gcd": 0.35, "back_solve": 0.4, "combine": 0.15,
    "fraction": 0.15, "rate": 0.1, "is_int": 0.0,
}
DEFAULT_WEIGHT = 0.2
#: Expression operations counted as the ``rounding`` kind.
ROUNDING = {"ceil", "floor", "round", "floordiv"}
LEVELS = (("easy", 0.35), ("medium", 0.6), ("hard", 1.01))


def kinds_of(operations: Iterable[str]) -> set[str]:
    """The kinds of a list of operations (``ceil`` → ``rounding``; the others are their own kind)."""
    return {"rounding" if op in ROUNDING else op for op in operations}


def level_of(value: float) -> str:
    """The named level of a difficulty value."""
    return next(name for name, below in LEVELS if value < below)


def _clip(value: float) -> float:
    return min(1.0, max(0.0, value))


def difficulty(steps: int, operations: Iterable[str], max_number: float) -> tuple[float, str]:
    """The documented difficulty in [0, 1] and its level (see the module docstring)."""
    s = _clip((steps - 1) / 6)
    o = _clip((sum(KIND_WEIGHTS.get(kind, DEFAULT_WEIGHT) for kind in kinds_of(operations)) - 0.1) / 0.8)
    m = _clip((math.log10(max_number) - 1) / 3) if max_number > 1 else 0.0
    value = round(0.4 * s + 0.4 * o + 0.2 * m, 4)
    return value, level_of(value)
