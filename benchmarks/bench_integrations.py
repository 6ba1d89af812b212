"""Audit of the grading conventions through every adapter, and the cost of the conventions.

Builds every config of the default recipe (``--count`` records each), exports it to verl, OpenRLHF and
lm-eval, and grades each row's right completion dressed the ways trainers hand completions over, through
each entry point: ``dsgen.score``, ``dsgen.reward`` (TRL), verl's ``compute_score``, OpenRLHF's
``reward_func``, the lm-eval task's ``process_results`` and the inspect-ai scorer (the last two where
installed). Each cell is the mean reward; every adapter must agree with ``dsgen.score`` row by row.
Then checks/s of ``dsgen.score`` on string and chat completions (CPU time, one core).

Run: ``python benchmarks/bench_integrations.py [--count N] [--checks N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq
import yaml
from dsgen.builders.distraction import DistractionTasks
from rich.console import Console
from rich.table import Table

import dsgen
from dsgen.export import export
from dsgen.integrations import openrlhf, verl
from dsgen.testing import answer_completions

CHATML = "<|im_start|>user\n{}<|im_end|>\n<|im_start|>assistant\n"


def right(row) -> str:
    if row["kind"] == "distraction":
        return DistractionTasks().reference_completion(row)
    return answer_completions(dsgen.from_row(row))[0][-1]


#: How a right completion is dressed: (name, completion maker, the reward it must earn).
DRESSINGS = [
    ("bare", lambda r: r, 1.0),
    ("after <think>", lambda r: f"<think>Maybe 7? I'll write in capitals.</think>\n{r}", 1.0),
    ("only in unclosed <think>", lambda r: f"<think>{r}", 0.0),
    ("second block unclosed", lambda r: f"<think>a</think><think>{r}", 0.0),
    ("content parts", lambda r: [{"role": "assistant", "content": [{"type": "text", "text": r}]}], 1.0),
    ("in a tool message", lambda r: [{"role": "assistant", "content": ""}, {"role": "tool", "content": r}], 0.0),
    ("earlier turn only", lambda r: [{"role": "assistant", "content": r}, {"role": "assistant", "content": ""}], 0.0),
]


def text_of(completion) -> str:
    """What a string-only framework (verl, OpenRLHF, lm-eval) would receive: dressings with messages are
    graded by dsgen.score and dsgen.reward only."""
    return completion if isinstance(completion, str) else None


def build(folder: Path, count: int) -> Path:
    recipe = dsgen.default_recipe().model_dump(mode="json", exclude_none=True)
    for ds in recipe["datasets"].values():
        ds["count"] = count
    recipe["output"] = {"dir": str(folder / "out"), "shard_size": 10_000}
    (folder / "r.yaml").write_text(yaml.safe_dump(recipe, sort_keys=False))
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dsgen.build(folder / "r.yaml", workers=1)
    return folder / "out"


def audit(out: Path, tmp: Path) -> tuple[Table, int]:
    export(out, "verl", tmp / "verl")
    export(out, "openrlhf", tmp / "orl")
    originals = {r["id"]: r for p in sorted((out / "data").glob("*/*.parquet")) for r in pq.read_table(p).to_pylist()}
    verl_rows = {r["extra_info"]["id"]: r for p in (tmp / "verl").glob("*/*.parquet") for r in pq.read_table(p).to_pylist()}
    labels = {json.loads(line)["id"]: json.loads(line)["label"] for p in (tmp / "orl").glob("*/*.jsonl")
              for line in p.read_text().splitlines()}
    lm_task = _lm_eval_process(out, tmp)
    inspect_grade = _inspect_scorer()
    adapters = ["dsgen.score", "dsgen.reward", "verl", "openrlhf", "lm-eval", "inspect"]
    table = Table(title=f"mean reward of a right completion, dressed ({len(originals)} rows of 5 configs)")
    table.add_column("dressing")
    table.add_column("must be", justify="right")
    for a in adapters:
        table.add_column(a, justify="right")
    disagreements = 0
    for name, dress, must in DRESSINGS:
        sums = dict.fromkeys(adapters, 0.0)
        counts = dict.fromkeys(adapters, 0)
        for rid, row in originals.items():
            completion = dress(right(row))
            want = dsgen.score(row, completion)
            got = {"dsgen.score": want,
                   "dsgen.reward": dsgen.reward([row["prompt"]], [completion], verifier=[row["verifier"]],
                                                answer=[row["answer"]])[0]}
            text = text_of(completion)
            if text is not None:
                v = verl_rows[rid]
                got["verl"] = verl.compute_score(v["data_source"], text, v["reward_model"]["ground_truth"], v["extra_info"])
                prompt = CHATML.format(row["prompt"][-1]["content"])
                got["openrlhf"] = openrlhf.reward_func([prompt + text + "<|im_end|>"], [prompt], [labels[rid]])[
                    "scores"].tolist()[0]
                if lm_task is not None:
                    got["lm-eval"] = lm_task(row, text)
                if inspect_grade is not None:
                    got["inspect"] = inspect_grade(row, text)
            for a, value in got.items():
                sums[a] += value
                counts[a] += 1
                disagreements += value != want
        cells = [f"{sums[a] / counts[a]:.3f}" if counts[a] else "-" for a in adapters]
        table.add_row(name, f"{must:.1f}", *cells)
    return table, disagreements


def _lm_eval_process(out: Path, tmp: Path):
    try:
        from lm_eval.tasks import TaskManager, get_task_dict
    except ImportError:
        return None
    export(out, "lm-eval", tmp / "lm")
    manager = TaskManager(include_path=str(tmp / "lm"), include_defaults=False)
    tasks = get_task_dict([f"dsgen_{c}" for c in ("math_templates", "math_compose", "distraction", "math_distracted",
                                                   "reverse_qa")], manager)
    any_task = next(iter(tasks.values()))
    return lambda row, text: any_task.process_results(row, [text])["reward"]


def _inspect_scorer():
    try:
        from inspect_ai.model import ModelOutput
        from inspect_ai.scorer import Target
        from inspect_ai.solver import TaskState

        from dsgen.integrations.inspect import dsgen_scorer, sample
    except ImportError:
        return None
    grade = dsgen_scorer()

    def run(row, text):
        s = sample(row)
        state = TaskState(model="m", sample_id=s.id, epoch=1, input=s.input, messages=s.input,
                          output=ModelOutput.from_content("m", text), metadata=s.metadata)
        return asyncio.run(grade(state, Target(s.target))).value

    return run


def checks_per_second(rows: list[dict], n: int, chat: bool) -> float:
    completions = [right(r) for r in rows]
    if chat:
        completions = [[{"role": "assistant", "content": f"<think>hm</think>{c}"}] for c in completions]
    start = time.process_time()
    for i in range(n):
        dsgen.score(rows[i % len(rows)], completions[i % len(rows)])
    return n / (time.process_time() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=60, help="records per config")
    parser.add_argument("--checks", type=int, default=20_000, help="dsgen.score calls timed")
    args = parser.parse_args()
    console = Console(width=150)
    with tempfile.TemporaryDirectory() as tmp:
        out = build(Path(tmp), args.count)
        table, disagreements = audit(out, Path(tmp))
        console.print(table)
        console.print(f"adapter results that differ from dsgen.score on the same row: {disagreements}")
        rows = [r for p in sorted((out / "data").glob("*/*.parquet")) for r in pq.read_table(p).to_pylist()]
        rates = Table(title="dsgen.score checks/s (CPU time, one core, rows as read from Parquet)")
        rates.add_column("completion")
        rates.add_column("checks/s", justify="right")
        rates.add_row("string", f"{checks_per_second(rows, args.checks, False):,.0f}")
        rates.add_row("chat message, after <think>", f"{checks_per_second(rows, args.checks, True):,.0f}")
        console.print(rates)


if __name__ == "__main__":
    main()
