"""lm-evaluation-harness tasks for a dsgen build: ``dsgen export FOLDER --to lm-eval -o OUT`` writes one task
folder per config (``OUT/<config>/<config>.yaml`` and a ``utils.py`` that imports the hooks below) and a
group ``dsgen`` of them all; run ``lm_eval --include_path OUT --tasks dsgen_<config> ...``.

The metric ``reward`` is ``dsgen.score`` of the generated text on the row, so lm-eval grades exactly as
training does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from dsgen.scoring import score

UTILS = '''"""lm-eval hooks of a dsgen task: the prompt as text, the reference answer, and dsgen.score as the metric."""

from dsgen.integrations.lm_eval import doc_to_target, doc_to_text, process_results  # noqa: F401
'''
#: Generation settings of every exported task; edit the YAML (or pass --gen_kwargs) to change them.
GENERATION = {"until": [], "max_gen_toks": 2048, "do_sample": False}


def doc_to_text(doc: dict[str, Any]) -> str:
    """The prompt as one text: a system message (if any) and the user turn, separated by a blank line.

    lm-eval sends this text as the user turn when run with ``--apply_chat_template``.
    """
    return "\n\n".join(m["content"] for m in doc["prompt"] if m["role"] in ("system", "user"))


def doc_to_target(doc: dict[str, Any]) -> str:
    """The reference answer (empty for instruction-following records, which have none)."""
    return doc.get("answer") or ""


def process_results(doc: dict[str, Any], results: list[str]) -> dict[str, float]:
    """``{"reward": dsgen.score(doc, generation)}``: the row as ``datasets`` reads it is the record."""
    return {"reward": score(doc, results[0])}


class Function(str):
    """A hook named in a task YAML: written as lm-eval's ``!function utils.<name>`` tag."""


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(Function, lambda dumper, value: dumper.represent_scalar("!function", f"utils.{value}"))


def task_config(config: str, splits: list[str], dataset_path: str) -> dict[str, Any]:
    """The YAML of one config's task: evaluated on its ``test`` split, else its last split."""
    return {
        "task": f"dsgen_{config}",
        "tag": ["dsgen"],
        "dataset_path": dataset_path,
        "dataset_name": config,
        "test_split": "test" if "test" in splits else splits[-1],
        "output_type": "generate_until",
        "doc_to_text": Function("doc_to_text"),
        "doc_to_target": Function("doc_to_target"),
        "process_results": Function("process_results"),
        "generation_kwargs": GENERATION,
        "metric_list": [{"metric": "reward", "aggregation": "mean", "higher_is_better": True}],
        "metadata": {"version": 1.0},
    }


def write_tasks(
    layout: list[tuple[str, str, list[Path]]], dataset_path: str, out: Path, written: dict[str, int]
) -> None:
    """One task folder per config of ``layout`` under ``out``; ``written`` gets each YAML and its test rows."""
    import pyarrow.parquet as pq

    from dsgen.writer import atomic_write_text

    splits: dict[str, list[str]] = {}
    for config, split, _ in layout:
        splits.setdefault(config, []).append(split)
    for config, names in splits.items():
        task = task_config(config, names, dataset_path)
        files = next(f for c, s, f in layout if c == config and s == task["test_split"])
        text = yaml.dump(task, Dumper=_Dumper, sort_keys=False, allow_unicode=True)
        atomic_write_text(out / config / f"{config}.yaml", text)
        atomic_write_text(out / config / "utils.py", UTILS)
        written[f"{config}/{config}.yaml"] = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
