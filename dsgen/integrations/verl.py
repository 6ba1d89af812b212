"""verl's custom reward: ``reward.custom_reward_function.path=pkg://dsgen.integrations.verl``, ``name=compute_score``.

Rows come from ``dsgen export FOLDER --to verl``: ``reward_model.ground_truth`` is the answer and
``extra_info.verifier`` the verifier (kind and JSON params).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from dsgen.completions import REASONING_DELIMITERS
from dsgen.scoring import score_parts


def compute_score(
    data_source: str,
    solution_str: str,
    ground_truth: str | None,
    extra_info: dict[str, Any] | None = None,
    *,
    reasoning_delimiters: Iterable[str] = REASONING_DELIMITERS,
    **kwargs: Any,
) -> float:
    """The reward in [0, 1] of a decoded response (verl's ``compute_score`` signature).

    ``reasoning_delimiters`` can be set through ``custom_reward_function.reward_kwargs``; other keyword
    arguments verl passes (``num_turns``, ...) are ignored.
    """
    verifier = (extra_info or {}).get("verifier")
    if not isinstance(verifier, dict):
        raise ValueError(
            f"dsgen's compute_score needs extra_info['verifier'] (data_source {data_source!r}); "
            "export the data with `dsgen export FOLDER --to verl`"
        )
    return score_parts(verifier, ground_truth, solution_str, reasoning_delimiters=reasoning_delimiters)
