"""inspect-ai task and scorer for a dsgen build (``pip install inspect-ai``).

``inspect eval dsgen/dsgen_task -T path=FOLDER -T config=math_compose --model hf/...`` (the task is
registered through inspect-ai's entry points), or from Python::

    from inspect_ai import eval
    from dsgen.integrations.inspect import dsgen_task
    eval(dsgen_task("dsgen-out", "math_compose"), model="hf/Qwen/Qwen3-0.6B")

The scorer is ``dsgen.score`` on the record, with the same grading conventions as training.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

try:
    from inspect_ai import Task, task
    from inspect_ai.dataset import MemoryDataset, Sample
    from inspect_ai.model import ChatMessageAssistant, ChatMessageSystem, ChatMessageUser
    from inspect_ai.scorer import Score, Target, mean, scorer, stderr
    from inspect_ai.solver import TaskState, generate
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError("dsgen.integrations.inspect needs inspect-ai: pip install inspect-ai") from exc

from dsgen.completions import REASONING_DELIMITERS, graded_text
from dsgen.errors import DsgenError
from dsgen.scoring import score_parts

_MESSAGES = {"system": ChatMessageSystem, "user": ChatMessageUser, "assistant": ChatMessageAssistant}


def sample(row: dict[str, Any]) -> Sample:
    """An inspect-ai sample of a row: its chat prompt, answer as target, and what grading needs as metadata."""
    verifier = row["verifier"]
    return Sample(
        id=row["id"],
        input=[_MESSAGES[m["role"]](content=m["content"]) for m in row["prompt"]],
        target=row["answer"] or "",
        metadata={
            "answer": row["answer"],
            "verifier": {"kind": verifier["kind"], "params": verifier["params"]},
            "difficulty": row["difficulty"],
            "level": row["level"],
        },
    )


def rows(path: str | Path, config: str, split: str | None = None) -> list[dict[str, Any]]:
    """The rows of one config and split (default: ``test`` if there is one, else the last) of a build."""
    from dsgen.export import layout, rows_of

    splits = {s: files for c, s, files in layout(Path(path)) if c == config}
    if not splits:
        raise DsgenError(f"'{path}' has no config '{config}'")
    if split is None:
        split = "test" if "test" in splits else list(splits)[-1]
    if split not in splits:
        raise DsgenError(f"config '{config}' of '{path}' has no split '{split}'; it has {', '.join(splits)}")
    return list(rows_of(splits[split]))


@scorer(metrics=[mean(), stderr()])
def dsgen_scorer(reasoning_delimiters: Iterable[str] = REASONING_DELIMITERS):
    """``dsgen.score`` of the model's last assistant message, from the sample's metadata."""
    delimiters = tuple(reasoning_delimiters)

    async def grade(state: TaskState, target: Target) -> Score:
        meta = state.metadata
        completion = state.output.completion
        value = score_parts(meta["verifier"], meta["answer"], completion, reasoning_delimiters=delimiters)
        return Score(value=value, answer=graded_text(completion, delimiters)[-500:])

    return grade


@task
def dsgen_task(path: str, config: str, split: str | None = None, limit: int | None = None) -> Task:
    """Generate once per record of a config's split of the build in ``path``, scored by ``dsgen_scorer``."""
    chosen = rows(path, config, split)[:limit]
    return Task(
        dataset=MemoryDataset([sample(r) for r in chosen], name=f"dsgen_{config}"),
        solver=generate(),
        scorer=dsgen_scorer(),
    )
