"""Evaluate a real model on a small default build and print the report's headline tables.

    python benchmarks/bench_eval.py                       # builds a small default build, runs smollm2 on it
    python benchmarks/bench_eval.py --eval-out DIR --data BUILD   # only print tables of a finished eval

Prints: eval throughput (generated tokens/s and records/s, generation time only), mean reward and pass@1
per config and split, per level, the robustness drop of noisy distraction records against their clean
twins, distractor obey rates per type / witness / position, accuracy by solution steps and by hops, and
Spearman between difficulty and 1 - pass rate per config, and the reward earned by echoes of the prompt. An interrupted run resumes (same arguments).
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import dsgen
from dsgen.backends import Decoding
from dsgen.eval_report import evaluate_models


def small_build(out: Path, per_config: int) -> Path:
    if (out / "manifest.json").is_file():
        return out
    counts = {"math_templates": per_config, "math_compose": per_config, "distraction": per_config,
              "math_distracted": per_config, "reverse_qa": per_config}
    recipe = dsgen.default_recipe(overrides=[f"datasets.{k}.count={v}" for k, v in counts.items()], out=str(out))
    dsgen.build(recipe, workers=2)
    return out


def table(title: str, cells: dict, columns: list[str]) -> None:
    if not cells:
        return
    print(f"\n{title}")
    width = max(len(k) for k in cells) + 2
    print("".ljust(width) + "".join(c.rjust(18) for c in columns))
    for name, cell in sorted(cells.items(), key=lambda kv: _natural(kv[0])):
        print(name.ljust(width) + "".join(_fmt(cell.get(c)).rjust(18) for c in columns))


def _natural(name: str) -> tuple:
    """'math/10' after 'math/9' (report.json's keys come back sorted as text)."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", name) if p)


def _fmt(value) -> str:
    if value is None:
        return "-"
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="smollm2")
    ap.add_argument("--data", type=Path, help="a built folder (default: a small default build in --work)")
    ap.add_argument("--work", type=Path, default=Path("bench-eval"))
    ap.add_argument("--build-count", type=int, default=100, help="records per config of the small build")
    ap.add_argument("--limit", type=int, default=8, help="records per config and split to evaluate")
    ap.add_argument("--max-new-tokens", type=int, default=128)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--eval-out", type=Path, help="print the tables of this finished eval instead of running one")
    args = ap.parse_args()
    if args.eval_out:
        report = json.loads((args.eval_out / "report.json").read_text())
    else:
        data = args.data or small_build(args.work / "data", args.build_count)
        out = args.work / "eval"
        evaluate_models(data, [args.model], out, limit=args.limit, batch_size=args.batch_size, device="cpu",
                        decoding=Decoding(max_new_tokens=args.max_new_tokens))
        report = json.loads((out / "report.json").read_text())
    for model in report["models"]:
        print(f"== {model['model']} ({model['parameters']:,} parameters), decoding {model['decoding']}")
        if model["throughput"]:
            print("throughput:", json.dumps(model["throughput"]))
        cols = ["records", "mean_reward", "pass@1"]
        table("per config/split", model["by_config"], cols)
        table("per config/level", model["by_level"], cols)
        table("robustness (clean twin vs noisy)", model["robustness"],
              ["pairs", "clean_mean", "noisy_mean", "drop", "broken_by_noise"])
        for axis, cells in model["obey_rates"].items():
            table(f"distractors obeyed, by {axis}", cells, ["distractors", "obeyed", "rate"])
        table("math: by steps", model["by_steps"], cols)
        table("reverse QA: by hops", model["by_hops"], cols)
        table("difficulty vs 1 - pass rate (Spearman)", model["difficulty_tracking"], ["records", "spearman"])
        table("echoes of the prompt and the reward they earned", model["echoes"],
              ["samples", "echoes", "echo_mean_reward"])


if __name__ == "__main__":
    main()
