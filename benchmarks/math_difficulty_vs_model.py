"""Does a math record's difficulty track a real model's pass rate? Reads a built folder and a ``dsgen eval``
output folder and prints, per config: records graded, pass rate by level, Spearman of difficulty against
pass rate over records and over template scenarios (a scenario's mean difficulty against its mean pass rate).

    dsgen build recipe.yaml -o built && dsgen eval built -m smollm2 -o eval
    python benchmarks/math_difficulty_vs_model.py built eval [--model smollm2]

An unfinished eval is read from its batches (``<model>/batches/*.parquet``), so a long run can be read
while it goes on. A pass rate near 0 or 1 everywhere carries no ranking signal: the script says so
instead of printing a correlation of constants.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path
from statistics import mean

import pyarrow as pa
import pyarrow.parquet as pq
from rich.console import Console
from rich.table import Table
from scipy.stats import spearmanr


def records(built: Path) -> dict[str, dict]:
    """Every math record of the built folder by id: config, difficulty, level and scenario."""
    found = {}
    for path in sorted((built / "data").glob("*/*.parquet")):
        for row in pq.read_table(path, columns=["id", "difficulty", "level", "metadata"]).to_pylist():
            meta = json.loads(row["metadata"])
            found[row["id"]] = {"config": path.parent.name, "difficulty": float(row["difficulty"]),
                                "level": row["level"], "group": meta.get("scenario") or meta.get("frame")}
    return found


def scores(run: Path) -> dict[str, list[float]]:
    """Each graded record's sample scores, from the finished completions or the batches written so far."""
    done = run / "completions.parquet"
    paths = [done] if done.exists() else sorted((run / "batches").glob("*.parquet"))
    if not paths:
        raise SystemExit(f"{run}: no completions.parquet and no batches/*.parquet — is this a dsgen eval model folder?")
    table = pa.concat_tables([pq.read_table(p, columns=["id", "score"]) for p in paths])
    by_id: dict[str, list[float]] = defaultdict(list)
    for row in table.to_pylist():
        by_id[row["id"]].append(float(row["score"]))
    return by_id


def correlation(x: list[float], y: list[float]) -> str:
    """Spearman's rho with its p-value, or why there is none (too few points, a constant side)."""
    if len(x) < 5 or len(set(y)) < 2 or len(set(x)) < 2:
        return f"n/a (n={len(x)}, {len(set(y))} distinct pass rates)"
    result = spearmanr(x, y)
    return f"{result.statistic:+.3f} (p={result.pvalue:.3f}, n={len(x)})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("built", type=Path)
    ap.add_argument("eval", type=Path)
    ap.add_argument("--model", default="smollm2", help="the model's folder name under the eval folder")
    args = ap.parse_args()
    meta, graded = records(args.built), scores(args.eval / args.model)
    table = Table(title=f"difficulty against {args.model}'s pass rate")
    for column in ("config", "graded", "pass rate", "easy", "medium", "hard", "Spearman (records)",
                   "Spearman (scenarios)"):
        table.add_column(column)
    for config in sorted({m["config"] for m in meta.values()}):
        ids = [i for i in graded if i in meta and meta[i]["config"] == config]
        if not ids:
            continue
        rate = {i: mean(graded[i]) for i in ids}
        by_level = defaultdict(list)
        groups = defaultdict(list)
        for i in ids:
            by_level[meta[i]["level"]].append(rate[i])
            groups[meta[i]["group"]].append(i)
        cells = [f"{mean(by_level[lv]):.3f} of {len(by_level[lv])}" if by_level[lv] else "–"
                 for lv in ("easy", "medium", "hard")]
        grouped = [(mean(meta[i]["difficulty"] for i in g), mean(rate[i] for i in g)) for g in groups.values()]
        table.add_row(config, str(len(ids)), f"{mean(rate.values()):.3f}", *cells,
                      correlation([meta[i]["difficulty"] for i in ids], [rate[i] for i in ids]),
                      correlation([d for d, _ in grouped], [r for _, r in grouped]))
    Console(width=200).print(table)


if __name__ == "__main__":
    main()
